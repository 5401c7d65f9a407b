import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join as joinPath } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { WebSocket } from 'ws';
import { join, randomId, startTestServer } from '../test/helpers/signaling-kit.ts';
import type { Config } from './config.ts';

const APP_PAGE = '<!doctype html><title>Porch</title>';
const EMBED_PAGE = '<!doctype html><title>Porch embed</title><script type="module" src="frame.js"></script>';
const CHUNK = '/chunks/room-3f9a1c7b.js';

/** The built client as build.mjs lays it out, each file with its .gz and .br siblings. */
const LAYOUT: Record<string, string | Buffer> = Object.fromEntries(
  Object.entries({
    'index.html': APP_PAGE,
    'app.js': 'import "./chunks/room-3f9a1c7b.js";',
    'embed.js': 'import "./chunks/room-3f9a1c7b.js";',
    'embed/index.html': EMBED_PAGE,
    'embed/frame.js': 'import "../chunks/room-3f9a1c7b.js";',
    [CHUNK.slice(1)]: 'export const room = 1;',
    'favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  }).flatMap(([name, body]) => [
    [name, body],
    [`${name}.gz`, gzipSync(body)],
    [`${name}.br`, brotliCompressSync(body)],
  ]),
);

const EMBEDDERS = ['https://embed.example', 'https://blog.example:8443'];

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: string }> {
  const res = await fetch(url, { headers, redirect: 'manual' });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** The value of the frame-ancestors directive, or null if there is none. */
function frameAncestors(headers: Headers): string | null {
  const csp = headers.get('content-security-policy') ?? '';
  return /(?:^|;\s*)frame-ancestors ([^;]*)$/.exec(csp)?.[1] ?? null;
}

test('/healthz answers 200 with {"ok":true}', async (t) => {
  const { httpUrl } = await startTestServer(t);
  const res = await fetch(`${httpUrl}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ok: true });
});

test('/relay tells any page whether a TURN server is offered, from TURN settings or ICE_SERVERS, and nothing more', async (t) => {
  const TURN = { urls: ['turn:turn.example:3478'], secret: 'a-secret-of-at-least-16-characters', ttlS: 60 };
  const cases: [Partial<Config>, boolean][] = [
    [{}, false],
    [{ iceServers: [{ urls: 'stun:stun.example' }] }, false],
    [{ turn: TURN }, true],
    [{ iceServers: [{ urls: ['stun:stun.example', 'turns:relay.example'], username: 'u', credential: 'c' }] }, true],
  ];
  for (const [overrides, relay] of cases) {
    const { httpUrl } = await startTestServer(t, overrides);
    const res = await fetch(`${httpUrl}/relay`, { headers: { Origin: 'https://elsewhere.example' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*', 'the widget asks from other sites');
    assert.equal(res.headers.get('cache-control'), 'no-store', 'a server given TURN later must not be remembered without');
    const body = await res.text();
    assert.deepEqual(JSON.parse(body), { relay }, JSON.stringify(overrides));
    assert.equal(body.includes('turn.example') || body.includes('secret'), false, 'no URL or credential is handed out before joining');
  }
});

test('every response but the embed page forbids framing, and all carry the content and referrer policies', async (t) => {
  const { httpUrl } = await startTestServer(t, { allowedOrigins: EMBEDDERS }, LAYOUT);
  for (const path of ['/healthz', '/', '/r/', '/app.js', '/embed.js', CHUNK, '/favicon.svg', '/missing.js', '/ws']) {
    const res = await get(`${httpUrl}${path}`);
    assert.equal(frameAncestors(res.headers), "'none'", path);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /^default-src 'self'; /, path);
    assert.match(csp, /; connect-src 'self'; /, path);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
  }
});

test('room links and other extensionless paths serve the app, which no page may frame, and missing files are 404', async (t) => {
  for (const allowedOrigins of [[], EMBEDDERS]) {
    const { httpUrl } = await startTestServer(t, { allowedOrigins }, LAYOUT);
    for (const path of ['/', '/r/', '/r/anything', '/embedded']) {
      const res = await get(`${httpUrl}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.equal(res.body, APP_PAGE, path);
      assert.equal(frameAncestors(res.headers), "'none'", `${path} with ${allowedOrigins.length} sites listed`);
    }
    const missing = await get(`${httpUrl}/nope.js`);
    assert.equal(missing.status, 404);
  }
});

test('/embed/ serves the embed page, not the app, and only the server\'s own pages may frame it by default', async (t) => {
  const { httpUrl } = await startTestServer(t, {}, LAYOUT);
  for (const path of ['/embed/', '/embed/index.html']) {
    const res = await get(`${httpUrl}${path}`);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(res.body, EMBED_PAGE, path);
    assert.equal(frameAncestors(res.headers), "'self'", path);
    assert.match(res.headers.get('content-security-policy') ?? '', /^default-src 'self'; connect-src 'self'; /);
  }
});

test('with PUBLIC_URL, pages may connect to its WebSocket form besides their own origin', async (t) => {
  const { httpUrl } = await startTestServer(t, { publicOrigin: 'https://porch.example' }, LAYOUT);
  for (const path of ['/', '/r/', '/embed/']) {
    const res = await get(`${httpUrl}${path}`);
    assert.match(res.headers.get('content-security-policy') ?? '', /; connect-src 'self' wss:\/\/porch\.example; /, path);
  }
});

test('with PORCH_ALLOWED_ORIGINS the listed sites may frame the embed page too', async (t) => {
  const { httpUrl } = await startTestServer(t, { allowedOrigins: EMBEDDERS }, LAYOUT);
  const res = await get(`${httpUrl}/embed/`);
  assert.equal(res.body, EMBED_PAGE);
  assert.equal(frameAncestors(res.headers), "'self' https://embed.example https://blog.example:8443");
});

test('the embed page\'s precompressed siblings are its own, not the app\'s', async (t) => {
  const { httpUrl } = await startTestServer(t, {}, LAYOUT);
  for (const encoding of ['br', 'gzip']) {
    const embed = await get(`${httpUrl}/embed/`, { 'accept-encoding': encoding });
    assert.equal(embed.headers.get('content-encoding'), encoding);
    assert.equal(embed.body, EMBED_PAGE, `${encoding}, decoded back by fetch`);
    const app = await get(`${httpUrl}/r/`, { 'accept-encoding': encoding });
    assert.equal(app.headers.get('content-encoding'), encoding);
    assert.equal(app.body, APP_PAGE);
  }
});

test('/embed without the slash redirects permanently to /embed/', async (t) => {
  const { httpUrl } = await startTestServer(t, {}, LAYOUT);
  for (const path of ['/embed', '/embed?x=1']) {
    const res = await get(`${httpUrl}${path}`);
    assert.equal(res.status, 301, path);
    assert.equal(res.headers.get('location'), '/embed/', path);
  }
});

test('other paths under /embed/ are 404, never the app', async (t) => {
  const { httpUrl } = await startTestServer(t, { allowedOrigins: EMBEDDERS }, LAYOUT);
  for (const path of ['/embed/anything', '/embed/r/', '/embed/a/b', '/embed/missing.js', '/embed//']) {
    const res = await get(`${httpUrl}${path}`);
    assert.equal(res.status, 404, path);
    assert.notEqual(res.body, APP_PAGE, path);
  }
});

test('without an embed page in the build, /embed/ is 404 rather than the app', async (t) => {
  const { httpUrl } = await startTestServer(t, { allowedOrigins: EMBEDDERS });
  const res = await get(`${httpUrl}/embed/`);
  assert.equal(res.status, 404);
  assert.notEqual(res.body, APP_PAGE);
});

test('chunks may be loaded by any page and are cached for good', async (t) => {
  const { httpUrl } = await startTestServer(t, {}, LAYOUT);
  const res = await get(`${httpUrl}${CHUNK}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /javascript/);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
});

test('a missing chunk is 404 and not cached', async (t) => {
  const { httpUrl } = await startTestServer(t, {}, LAYOUT);
  const res = await get(`${httpUrl}/chunks/gone-00000000.js`);
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('cache-control'), 'no-store');
});

test('scripts with stable names may be loaded by any page and are revalidated, a 304 saying so too', async (t) => {
  const { httpUrl } = await startTestServer(t, {}, LAYOUT);
  for (const path of ['/embed.js', '/app.js', '/embed/frame.js']) {
    const res = await get(`${httpUrl}${path}`);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type') ?? '', /javascript/, path);
    assert.equal(res.headers.get('access-control-allow-origin'), '*', path);
    assert.equal(res.headers.get('cache-control'), 'no-cache', path);
    const etag = res.headers.get('etag');
    assert.ok(etag, `${path} has an ETag`);
    const again = await get(`${httpUrl}${path}`, { 'if-none-match': etag });
    assert.equal(again.status, 304, path);
    assert.equal(again.headers.get('access-control-allow-origin'), '*', path);
    assert.equal(again.headers.get('cache-control'), 'no-cache', path);
  }
});

test('pages are revalidated and not opened to other origins\' scripts', async (t) => {
  const { httpUrl } = await startTestServer(t, { allowedOrigins: EMBEDDERS }, LAYOUT);
  for (const path of ['/', '/r/', '/embed/', '/favicon.svg']) {
    const res = await get(`${httpUrl}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('cache-control'), 'no-cache', path);
    assert.equal(res.headers.get('access-control-allow-origin'), null, path);
  }
});

test('plain GET on the WebSocket path says upgrade required, and other methods are refused', async (t) => {
  const { httpUrl } = await startTestServer(t);
  const ws = await fetch(`${httpUrl}/ws`);
  await ws.arrayBuffer();
  assert.equal(ws.status, 426);
  const post = await fetch(`${httpUrl}/`, { method: 'POST', body: 'x' });
  await post.arrayBuffer();
  assert.equal(post.status, 405);
});

test('precompressed siblings are served to browsers that accept them', async (t) => {
  const { httpUrl } = await startTestServer(t, {}, { 'app.js.gz': gzipSync('export {};') });
  const gz = await fetch(`${httpUrl}/app.js`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(gz.headers.get('content-encoding'), 'gzip');
  assert.equal(await gz.text(), 'export {};', 'fetch decodes it back to the original');
  const plain = await fetch(`${httpUrl}/app.js`, { headers: { 'accept-encoding': 'identity' } });
  assert.equal(plain.headers.get('content-encoding'), null);
  assert.equal(await plain.text(), 'export {};');
});

/** The server answers its health check, and two people can still meet in a room. */
async function healthyAndRouting(t: TestContext, httpUrl: string, wsUrl: string): Promise<void> {
  assert.equal((await get(`${httpUrl}/healthz`)).status, 200);
  const room = randomId();
  const alice = await join(t, wsUrl, room);
  const bob = await join(t, wsUrl, room);
  assert.deepEqual(bob.peers, [alice.peer]);
}

test('without a built client, / answers 503 and says so, while /healthz and /ws keep working', async (t) => {
  const { httpUrl, wsUrl } = await startTestServer(t, { staticDir: '/nonexistent/porch-client' });
  const res = await fetch(`${httpUrl}/`);
  assert.equal(res.status, 503);
  assert.match(await res.text(), /client not built: run npm run build/);
  await healthyAndRouting(t, httpUrl, wsUrl);
});

test('a client directory removed while the server runs is answered like a missing build; nothing crashes', async (t) => {
  const { httpUrl, wsUrl, staticDir } = await startTestServer(t, {}, LAYOUT);
  assert.equal((await get(`${httpUrl}/`)).status, 200);
  rmSync(staticDir, { recursive: true, force: true });
  for (const path of ['/', '/r/', '/app.js', CHUNK, '/embed/', '/favicon.svg']) {
    const { status } = await get(`${httpUrl}${path}`, { 'accept-encoding': 'br, gzip' });
    assert.ok(status === 503 || status === 404, `${path} answered ${status}`);
  }
  await healthyAndRouting(t, httpUrl, wsUrl);
});

test('a file that cannot be read though it is there ends its response, and the server keeps serving', async (t) => {
  const { httpUrl, staticDir } = await startTestServer(t, {}, LAYOUT);
  // A socket file: it exists and is not a directory, so sirv picks it, but opening it fails (ENXIO).
  const socketFile = createNetServer();
  await new Promise<void>((resolve) => socketFile.listen(joinPath(staticDir, 'unreadable.js'), resolve));
  t.after(() => new Promise<void>((resolve) => socketFile.close(() => resolve())));
  await assert.rejects(get(`${httpUrl}/unreadable.js`), 'the response is cut rather than finished as if whole');
  assert.equal((await get(`${httpUrl}/`)).body, APP_PAGE);
});

test('upgrades on any path but /ws are refused', async (t) => {
  const { httpUrl } = await startTestServer(t);
  const ws = new WebSocket(`${httpUrl.replace('http', 'ws')}/elsewhere`);
  const status = await new Promise<number | undefined>((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
    ws.on('error', () => resolve(undefined));
  });
  ws.terminate();
  assert.equal(status, 404);
});
