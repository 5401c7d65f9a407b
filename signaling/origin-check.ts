/**
 * Which pages may open a WebSocket to this server: its own, and those of the sites listed as
 * embedding rooms. A browser puts the page's origin in the upgrade's Origin header and lets no
 * script change it, so checking it stops an unlisted site's page from using its visitors'
 * browsers (and their addresses) against us. It proves nothing about non-browser clients,
 * which can send any Origin or none.
 */

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
 * Whether an upgrade with these headers may proceed: a page of the server's own origin always
 * may, and so may a page of one of `embedders`, the other sites that embed rooms (origins in
 * the form `asOrigin` gives). No Origin at all is let through: browsers always send one on a
 * WebSocket upgrade, so its absence means a non-browser client, which could as easily have
 * sent an allowed one.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, embedders: readonly string[]): boolean {
  if (origin === undefined) return true;
  return sameOrigin(origin, host) || embedders.includes(origin);
}

/**
 * Whether the Origin names the host the request was sent to. Hosts are compared under the
 * Origin's scheme, so a page served over https by a TLS-terminating proxy that passes the Host
 * header on (`https://porch.example` against `Host: porch.example`) is accepted, while the
 * server itself speaks plain http.
 */
function sameOrigin(origin: string, host: string | undefined): boolean {
  const claimed = asOrigin(origin);
  if (claimed === null || host === undefined) return false;
  return asOrigin(`${new URL(claimed).protocol}//${host}`) === claimed;
}
