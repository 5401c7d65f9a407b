import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import sirv from 'sirv';
import { RELAY_PATH, type RelayOffer } from '../shared/protocol.ts';
import type { Log } from './log.ts';
import type { Metrics } from './metrics.ts';
import { EMBED_DIR, fileHeaders, securityHeaders, type SitePolicy } from './response-headers.ts';

/**
 * Plain HTTP: a health check, metrics, the built client and the embed page. The WebSocket
 * endpoint is handled on `upgrade` by the server, not here.
 */

export const WS_PATH = '/ws';
const METRICS_PATH = '/metrics';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

function reply(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

function setHeaders(res: ServerResponse, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

/** No empty or dot segments, as sirv decodes the path: browsers never send them. */
function isCanonical(path: string): boolean {
  let decoded = path;
  try {
    decoded = decodeURI(path);
  } catch {
    // sirv serves a path it cannot decode as it is.
  }
  return !/\/\/|\/\.\.?(\/|$)/.test(decoded);
}

export function createHttpHandler(options: {
  staticDir: string;
  site: SitePolicy;
  /** Null when the operator turned /metrics off (METRICS=off). */
  metrics: Metrics | null;
  /** Whether welcomes offer a TURN server, so a person can ask for relayed connections only. */
  relayOffered: boolean;
  log: Log;
}): HttpHandler {
  const { staticDir, site, metrics, relayOffered, log } = options;
  const relayBody = JSON.stringify({ relay: relayOffered } satisfies RelayOffer);

  function serveMetrics(res: ServerResponse): void {
    if (!metrics) return reply(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    metrics.scrape().then(
      ({ contentType, body }) => reply(res, 200, contentType, body),
      (error: unknown) => {
        // Only the error's name, as everywhere the server logs an error it did not expect.
        log.error({ event: 'metrics-failed', error: error instanceof Error ? error.name : typeof error });
        reply(res, 500, 'text/plain; charset=utf-8', 'metrics unavailable\n');
      },
    );
  }

  const serveClient = sirv(staticDir, {
    // Each request looks its file up: an index taken at start would name files a rebuild or a
    // removed directory took away.
    dev: true,
    // Every path without a file extension is the app (/r/ and friends); the fragment does the routing.
    single: true,
    // ...except under /embed/: there the embed page is served or nothing, never the app with
    // the embed page's frame-ancestors. (sirv matches this against the path it decoded.)
    ignores: [new RegExp(`^${EMBED_DIR}`)],
    // build.mjs writes .br and .gz beside each file.
    brotli: true,
    gzip: true,
    etag: true,
    // A 404 must not keep the Cache-Control meant for the file (a chunk's would last a year).
    onNoMatch: (_req, res) => reply(res, 404, 'text/plain; charset=utf-8', 'not found\n'),
  });
  if (!existsSync(staticDir)) log.warn({ event: 'client-missing', hint: 'run npm run build' });

  return (req, res) => {
    // Split, not `new URL`: a malformed request target must not throw. Cut where sirv cuts, so
    // the headers are chosen for the path sirv serves.
    const path = (req.url ?? '/').split(/[?#]/, 1)[0] ?? '/';
    setHeaders(res, securityHeaders(path, site));

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return reply(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    if (path === '/healthz') return reply(res, 200, 'application/json', '{"ok":true}');
    // Answered here whether on or off: off, the path must not fall through to the app's page.
    if (path === METRICS_PATH) return serveMetrics(res);
    if (path === RELAY_PATH) {
      // Asked before joining, also by the widget on other sites' pages; it says only whether TURN is set up.
      res.setHeader('Access-Control-Allow-Origin', '*');
      return reply(res, 200, 'application/json', relayBody);
    }
    if (path === WS_PATH) return reply(res, 426, 'text/plain; charset=utf-8', 'this is a WebSocket endpoint\n');
    if (!existsSync(staticDir)) return reply(res, 503, 'text/plain; charset=utf-8', 'client not built: run npm run build\n');
    // One address for the page, the one its relative URLs resolve under; the browser keeps the
    // fragment (the room) across the redirect.
    if (`${path}/` === EMBED_DIR) {
      res.writeHead(301, { Location: EMBED_DIR, 'Content-Length': 0 });
      return void res.end();
    }
    // Files have one address each: sirv would find /embed/index.html at /embed//, under headers chosen for another path.
    if (!isCanonical(path)) return reply(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    // Set before sirv runs, so that a 304 carries them too.
    setHeaders(res, fileHeaders(path));
    // sirv pipes the file without listening for its errors: one that cannot be read after all
    // (removed since it was found, or not a regular file) would throw where nothing catches it.
    res.once('pipe', (source: NodeJS.ReadableStream) => {
      source.once('error', (error: Error & { code?: string }) => {
        log.warn({ event: 'file-unreadable', code: error.code ?? error.name });
        res.destroy();
      });
    });
    serveClient(req, res);
  };
}
