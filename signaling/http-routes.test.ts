import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { WebSocket } from 'ws';
import { SECURITY_HEADERS } from './http-routes.ts';
import { join, randomId, startTestServer } from '../test/helpers/signaling-kit.ts';

test('/healthz answers 200 with {"ok":true}', async (t) => {
  const { httpUrl } = await startTestServer(t);
  const res = await fetch(`${httpUrl}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ok: true });
});

test('security headers are present on every response', async (t) => {
  const { httpUrl } = await startTestServer(t);
  for (const path of ['/healthz', '/', '/r/', '/app.js', '/missing.js', '/ws']) {
    const res = await fetch(`${httpUrl}${path}`);
    await res.arrayBuffer();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      assert.equal(res.headers.get(name), value, `${name} on ${path}`);
    }
  }
  const csp = SECURITY_HEADERS['Content-Security-Policy'] ?? '';
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /connect-src 'self' ws: wss:/);
});

test('room links and other extensionless paths serve the app, missing files are 404', async (t) => {
  const { httpUrl } = await startTestServer(t);
  for (const path of ['/', '/r/', '/r/anything']) {
    const res = await fetch(`${httpUrl}${path}`);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await res.text(), /<title>Porch<\/title>/);
  }
  const missing = await fetch(`${httpUrl}/nope.js`);
  await missing.arrayBuffer();
  assert.equal(missing.status, 404);
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

test('without a built client, / answers 503 and says so, while /healthz and /ws keep working', async (t) => {
  const { httpUrl, wsUrl } = await startTestServer(t, { staticDir: '/nonexistent/porch-client' });
  const res = await fetch(`${httpUrl}/`);
  assert.equal(res.status, 503);
  assert.match(await res.text(), /client not built: run npm run build/);
  assert.equal((await fetch(`${httpUrl}/healthz`)).status, 200);
  const room = randomId();
  const alice = await join(t, wsUrl, room);
  const bob = await join(t, wsUrl, room);
  assert.deepEqual(bob.peers, [alice.peer]);
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
