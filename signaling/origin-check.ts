/**
 * Which pages may open a WebSocket to this server: its own, and those of the sites listed as
 * embedding rooms. A browser puts the page's origin in the upgrade's Origin header and lets no
 * script change it, so checking it stops an unlisted site's page from using its visitors'
 * browsers (and their addresses) against us. It proves nothing about non-browser clients,
 * which can send any Origin or none.
 */
import { assertNever } from '../shared/result.ts';

/**
 * The serialized origin (`scheme://host[:port]`, lower case, default port left out) if `text`
 * is an http(s) origin and nothing more (no path, query, fragment or credentials), else null.
 */
export function asOrigin(text: string): string | null {
  if (!URL.canParse(text)) return null;
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return url.href === `${url.origin}/` ? url.origin : null;
}

/**
 * How the server knows its own origin: named by the operator (PUBLIC_URL, in the form `asOrigin`
 * gives), or else read from each upgrade's Host header.
 *
 * Only a named origin stops DNS rebinding on a server that speaks plain http: a page at
 * `http://attacker.example:8080` whose name is then pointed at this server's address sends an
 * Origin and a Host that both name attacker.example, so they agree. Over https the certificate
 * stops it, as the attacker's name is not on it.
 */
export type OwnOrigin = { kind: 'named'; origin: string } | { kind: 'host'; host: string | undefined };

/**
 * Whether an upgrade with this Origin may proceed: a page of the server's own origin always
 * may, and so may a page of one of `embedders`, the other sites that embed rooms (origins in
 * the form `asOrigin` gives). No Origin at all is let through: browsers always send one on a
 * WebSocket upgrade, so its absence means a non-browser client, which could as easily have
 * sent an allowed one.
 */
export function originAllowed(origin: string | undefined, own: OwnOrigin, embedders: readonly string[]): boolean {
  if (origin === undefined) return true;
  return isOwn(origin, own) || embedders.includes(origin);
}

function isOwn(origin: string, own: OwnOrigin): boolean {
  switch (own.kind) {
    case 'named':
      // Browsers send the serialized form, the one the setting was turned into.
      return origin === own.origin;
    case 'host':
      return namesHost(origin, own.host);
    default:
      return assertNever(own);
  }
}

/**
 * Whether the Origin names the host the request was sent to. Hosts are compared under the
 * Origin's scheme, so a page served over https by a TLS-terminating proxy that passes the Host
 * header on (`https://porch.example` against `Host: porch.example`) is accepted, while the
 * server itself speaks plain http.
 */
function namesHost(origin: string, host: string | undefined): boolean {
  const claimed = asOrigin(origin);
  if (claimed === null || host === undefined) return false;
  return asOrigin(`${new URL(claimed).protocol}//${host}`) === claimed;
}
