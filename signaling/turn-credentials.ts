import { createHmac, randomBytes } from 'node:crypto';
import type { IceServer } from '../shared/protocol.ts';

/**
 * Time-limited TURN credentials, the "TURN REST API" scheme coturn checks with
 * `use-auth-secret` (draft-uberti-behave-turn-rest):
 *
 *   username   = "<unix time the credential expires>:<opaque id>"
 *   credential = base64(HMAC-SHA1(static-auth-secret, username))
 *
 * coturn recomputes the HMAC from the username it is given and refuses a username whose time
 * has passed, so the server and coturn share only the secret, never a list of users.
 *
 * The id is random per welcome: it names neither the person, their peer id nor the room, so the
 * TURN operator learns nothing from it that it could link to a room or across visits.
 */
export interface TurnSettings {
  /** `turn:` / `turns:` URLs of one TURN service that shares `secret`. */
  urls: readonly string[];
  /** coturn's `static-auth-secret`. Never logged or echoed. */
  secret: string;
  /** How long a minted credential can open new allocations (coturn does not cut ones already open). */
  ttlS: number;
}

export interface MintDeps {
  nowMs: () => number;
  /** The opaque part of the username; base64url so it never contains coturn's ':' separator. */
  randomId: () => string;
}

const ID_BYTES = 12;

const realDeps: MintDeps = {
  nowMs: () => Date.now(),
  randomId: () => randomBytes(ID_BYTES).toString('base64url'),
};

/** One TURN entry for RTCPeerConnection's iceServers, valid for `ttlS` from now. */
export function mintTurnServer(settings: TurnSettings, deps: MintDeps = realDeps): IceServer & { username: string; credential: string } {
  const expiresS = Math.floor(deps.nowMs() / 1000) + settings.ttlS;
  const username = `${expiresS}:${deps.randomId()}`;
  const credential = createHmac('sha1', settings.secret).update(username).digest('base64');
  return { urls: [...settings.urls], username, credential };
}

/**
 * What every welcome offers: the fixed ICE_SERVERS first (STUN, or TURN with long-lived
 * credentials), then, with TURN settings, a TURN entry minted for this welcome alone.
 */
export function createIceServers(fixed: readonly IceServer[], turn: TurnSettings | null, deps: MintDeps = realDeps): () => IceServer[] {
  return () => (turn ? [...fixed, mintTurnServer(turn, deps)] : [...fixed]);
}

/** Whether a browser told to use only relayed paths would find a relay among these servers. */
export function offersRelay(servers: readonly IceServer[]): boolean {
  return servers.some((server) => (Array.isArray(server.urls) ? server.urls : [server.urls]).some((url) => /^turns?:/i.test(url)));
}
