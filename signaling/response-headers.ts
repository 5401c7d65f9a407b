/**
 * The headers a response carries, by request path: which pages may frame it, which may load it
 * as a module script, how long it may be cached. Pure, so the whole policy reads in one place.
 */

/** Who the server's pages may show themselves to and load from, as `securityHeaders` needs it. */
export interface SitePolicy {
  /** Other sites that may frame the embed page (PORCH_ALLOWED_ORIGINS), as config.ts checks them. */
  embedders: readonly string[];
  /** The server's own origin (PUBLIC_URL), or null when it goes by the Host header. */
  publicOrigin: string | null;
}

/**
 * Where the server's pages may connect. They open one WebSocket, to their own origin, and fetch
 * nothing elsewhere. CSP Level 3 lets 'self' match ws: and wss: on the page's own host and port
 * (wss: from an http page too), which covers that WebSocket in Chromium (since 70,
 * crbug.com/815142), Firefox and Safari (since 16, WebKit bug 235873). A named origin is spelled
 * out in its WebSocket form as well, for browsers that predate that rule; without one the
 * policy cannot name it (the Host header is whatever the request said), and 'self' alone serves.
 */
function connectSources(publicOrigin: string | null): string {
  if (publicOrigin === null) return "'self'";
  return `'self' ${publicOrigin.replace(/^http/, 'ws')}`;
}

/** What the server's pages may load and connect to; media comes from the microphone and peers. */
const contentPolicy = (publicOrigin: string | null): string =>
  `default-src 'self'; connect-src ${connectSources(publicOrigin)}; img-src 'self' data:; style-src 'self' 'unsafe-inline'; media-src 'self' blob: mediastream:`;

/** The iframe form of the widget (`/embed/#…`): the one page that other sites may frame. */
export const EMBED_DIR = '/embed/';
/** Code-split chunks. Their names carry a hash of their contents, so a name's bytes never change. */
const CHUNKS_DIR = '/chunks/';

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Sent on every response. Only the embed page may be framed, by this server's own pages and by
 * the embedders (origins as config.ts checks them, so nothing in them can end the directive).
 * The app is never framed: a page framing it could lay its own content over the Join button
 * and the microphone prompt and have visitors click them unawares.
 */
export function securityHeaders(path: string, site: SitePolicy): Record<string, string> {
  const ancestors = path.startsWith(EMBED_DIR) ? ["'self'", ...site.embedders].join(' ') : "'none'";
  return {
    'Content-Security-Policy': `${contentPolicy(site.publicOrigin)}; frame-ancestors ${ancestors}`,
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  };
}

/**
 * Sent with a file of the built client. Scripts may be loaded by any page: the widget's
 * `<script type="module">` on another site fetches them in CORS mode, and they hold no secret.
 * Chunks are cached for good; every other file keeps a stable name across builds, so browsers
 * revalidate it each time (cheap with its ETag).
 */
export function fileHeaders(path: string): Record<string, string> {
  const chunk = path.startsWith(CHUNKS_DIR);
  const headers: Record<string, string> = { 'Cache-Control': chunk ? IMMUTABLE : 'no-cache' };
  if (chunk || path.endsWith('.js')) headers['Access-Control-Allow-Origin'] = '*';
  return headers;
}
