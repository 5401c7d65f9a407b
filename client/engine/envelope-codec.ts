import { parsePeerMessage, type PeerMessage } from '../../shared/peer-message.ts';

/**
 * Turns peer messages into the opaque `box` strings the server routes, and back.
 * `open` returns null for anything that must not reach the engine.
 */
export interface EnvelopeCodec {
  seal(to: string, message: PeerMessage): string;
  open(from: string, box: string): PeerMessage | null;
}

/** Plain JSON boxes: routing works, but the server can read them. */
export function createPlainCodec(): EnvelopeCodec {
  return {
    seal: (_to, message) => JSON.stringify(message),
    open(_from, box) {
      let json: unknown;
      try {
        json = JSON.parse(box);
      } catch {
        return null;
      }
      const parsed = parsePeerMessage(json);
      return parsed.ok ? parsed.value : null;
    },
  };
}
