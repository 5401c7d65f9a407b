import { parseRelayOffer, RELAY_PATH } from '../../shared/protocol.ts';

/** The slice of `fetch` this needs, so tests can stand in for the server. */
export type FetchRelay = (url: string, init: RequestInit) => Promise<Pick<Response, 'ok' | 'json'>>;

/** Past this the join form stops waiting and says hiding is not available. */
const CHECK_TIMEOUT_MS = 5_000;

/**
 * Asks the server at `origin` whether its welcomes offer a TURN relay (`GET /relay`), before
 * joining. Anything but a clear yes — an error, a server too old to know the path, a malformed
 * answer — is no: the join form then says hiding the address is not available, rather than
 * offer it and leave the person's links unable to connect.
 */
export async function fetchRelayOffer(origin: string, fetchRelay: FetchRelay = fetch): Promise<boolean> {
  try {
    const res = await fetchRelay(new URL(RELAY_PATH, origin).href, {
      cache: 'no-store',
      credentials: 'omit',
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    });
    if (!res.ok) return false;
    const parsed = parseRelayOffer(await res.json());
    return parsed.ok && parsed.value.relay;
  } catch {
    return false;
  }
}
