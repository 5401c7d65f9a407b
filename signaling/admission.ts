import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { err, ok, type Result } from '../shared/result.ts';
import { clientAddress } from './client-address.ts';
import { originAllowed, type OwnOrigin } from './origin-check.ts';

/** Why an upgrade was refused, and the HTTP status it is refused with (no WebSocket is opened). */
export type AdmissionError =
  | { code: 'bad-origin'; status: '403 Forbidden' }
  | { code: 'too-many-connections'; status: '429 Too Many Requests' };

/**
 * The gate in front of the WebSocket endpoint: checks the page's origin and how many
 * connections the client's address already holds, before any WebSocket exists. An admitted
 * upgrade is given its address (client-address.ts), for the limits kept per address beyond it.
 *
 * Invariant: an address's count is the number of admitted sockets from it not yet closed; it is
 * taken here and given back by the socket's own close event, so no path can leak or double it.
 */
export interface Admission {
  admit(req: IncomingMessage, socket: Duplex): Result<string, AdmissionError>;
}

export function createAdmission(options: {
  /** Other sites whose pages may connect besides the server's own (PORCH_ALLOWED_ORIGINS). */
  allowedOrigins: readonly string[];
  /** The server's own origin (PUBLIC_URL); null: whatever each upgrade's Host header names. */
  publicOrigin: string | null;
  trustedProxies: number;
  maxPerAddress: number;
}): Admission {
  const { allowedOrigins, publicOrigin, trustedProxies, maxPerAddress } = options;
  const open = new Map<string, number>();

  function release(address: string): void {
    const left = (open.get(address) ?? 1) - 1;
    if (left > 0) open.set(address, left);
    else open.delete(address);
  }

  return {
    admit(req, socket) {
      const own: OwnOrigin = publicOrigin === null ? { kind: 'host', host: req.headers.host } : { kind: 'named', origin: publicOrigin };
      if (!originAllowed(req.headers.origin, own, allowedOrigins)) {
        return err({ code: 'bad-origin', status: '403 Forbidden' });
      }
      const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustedProxies);
      const count = open.get(address) ?? 0;
      if (count >= maxPerAddress) return err({ code: 'too-many-connections', status: '429 Too Many Requests' });
      open.set(address, count + 1);
      socket.once('close', () => release(address));
      return ok(address);
    },
  };
}
