import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import sirv from 'sirv';
import type { Log } from './log.ts';

/**
 * Plain HTTP: a health check and the built client. The WebSocket endpoint is handled on
 * `upgrade` by the server, not here.
 */

/** Sent on every response. The app is same-origin only; media comes from the microphone and peers. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; media-src 'self' blob: mediastream:",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

export const WS_PATH = '/ws';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

function reply(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

export function createHttpHandler(options: { staticDir: string; log: Log }): HttpHandler {
  const { staticDir, log } = options;
  // sirv indexes the directory once, so the client must be built before the server starts.
  const serveClient = existsSync(staticDir)
    ? sirv(staticDir, {
        // Every path without a file extension is the app (/r/ and friends); the fragment does the routing.
        single: true,
        // build.mjs writes .br and .gz beside each file.
        brotli: true,
        gzip: true,
        etag: true,
        // File names are not content-hashed, so browsers revalidate (cheap with the ETag).
        maxAge: 0,
      })
    : null;
  if (!serveClient) log.warn({ event: 'client-missing', hint: 'run npm run build' });

  return (req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    // Split, not `new URL`: a malformed request target must not throw.
    const path = (req.url ?? '/').split('?', 1)[0];

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return reply(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    if (path === '/healthz') return reply(res, 200, 'application/json', '{"ok":true}');
    if (path === WS_PATH) return reply(res, 426, 'text/plain; charset=utf-8', 'this is a WebSocket endpoint\n');
    if (!serveClient) return reply(res, 503, 'text/plain; charset=utf-8', 'client not built: run npm run build\n');
    serveClient(req, res);
  };
}
