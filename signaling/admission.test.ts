import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, join, randomId, refusedUpgrade, withBystanders } from '../test/helpers/signaling-kit.ts';

/** What a reverse proxy adds to the upgrade it forwards. */
const forwardedFor = (list: string) => ({ headers: { 'X-Forwarded-For': list } });

test('the connection past the per-address cap is refused with 429, another address is served, and a closed one frees its slot', async (t) => {
  // The bystanders' two connections come from 127.0.0.1 too.
  const server = await withBystanders(t, { maxConnectionsPerIp: 4, leaveGraceMs: 0 });
  await connect(t, server.wsUrl);
  const fourth = await join(t, server.wsUrl, randomId());
  assert.equal(await refusedUpgrade(t, server.wsUrl), 429);
  await join(t, server.wsUrl, randomId(), undefined, { localAddress: '127.0.0.2' });

  fourth.ws.terminate();
  // The server gives the slot back as the socket closes, before it lets the room know.
  await server.log.next('peer-left');
  await join(t, server.wsUrl, randomId());
  assert.equal(await refusedUpgrade(t, server.wsUrl), 429);
  await server.callStillWorks();
});

test('behind a trusted proxy the forwarded address counts, and what a client writes left of it does not', async (t) => {
  // The bystanders sent no X-Forwarded-For, so 127.0.0.1 (the proxy, as far as the server knows) is already full.
  const server = await withBystanders(t, { maxConnectionsPerIp: 2, trustedProxies: 1 });
  await connect(t, server.wsUrl, forwardedFor('198.51.100.1'));
  await connect(t, server.wsUrl, forwardedFor('192.0.2.66, 198.51.100.1'));
  assert.equal(await refusedUpgrade(t, server.wsUrl, forwardedFor('192.0.2.67, 198.51.100.1')), 429);
  await join(t, server.wsUrl, randomId(), undefined, forwardedFor('198.51.100.2'));
  await server.callStillWorks();
});

test('without TRUST_PROXY a made-up X-Forwarded-For buys no extra connections', async (t) => {
  const server = await withBystanders(t, { maxConnectionsPerIp: 3 });
  await connect(t, server.wsUrl, forwardedFor('198.51.100.1'));
  assert.equal(await refusedUpgrade(t, server.wsUrl, forwardedFor('198.51.100.2')), 429);
  await server.callStillWorks();
});

test('an upgrade from another site\'s page is refused with 403, the server\'s own page and non-browser clients are served', async (t) => {
  const server = await withBystanders(t);
  assert.equal(await refusedUpgrade(t, server.wsUrl, { origin: 'http://evil.example' }), 403);
  assert.equal(await refusedUpgrade(t, server.wsUrl, { origin: `http://127.0.0.1:${server.port + 1}` }), 403);
  await join(t, server.wsUrl, randomId(), undefined, { origin: `http://127.0.0.1:${server.port}` });
  // Served over https by a TLS-terminating proxy that passes the Host header on.
  await join(t, server.wsUrl, randomId(), undefined, { origin: 'https://porch.example', headers: { Host: 'porch.example' } });
  assert.equal(await refusedUpgrade(t, server.wsUrl, { origin: 'https://evil.example', headers: { Host: 'porch.example' } }), 403);
  await server.callStillWorks();
});

test('with PORCH_ALLOWED_ORIGINS a listed site\'s page is served, an unlisted one refused with 403, and the server\'s own page still served', async (t) => {
  const server = await withBystanders(t, { allowedOrigins: ['https://embed.example', 'https://blog.example:8443'] });
  await join(t, server.wsUrl, randomId(), undefined, { origin: 'https://embed.example' });
  await join(t, server.wsUrl, randomId(), undefined, { origin: 'https://blog.example:8443' });
  assert.equal(await refusedUpgrade(t, server.wsUrl, { origin: 'https://evil.example' }), 403);
  assert.equal(await refusedUpgrade(t, server.wsUrl, { origin: 'https://blog.example' }), 403);
  await join(t, server.wsUrl, randomId(), undefined, { origin: `http://127.0.0.1:${server.port}` });
  await join(t, server.wsUrl, randomId(), undefined, { origin: 'https://porch.example', headers: { Host: 'porch.example' } });
  await server.callStillWorks();
});

test('with PUBLIC_URL only a page of that origin is the server\'s own: one whose origin merely matches the Host header is refused with 403', async (t) => {
  const server = await withBystanders(t, { publicOrigin: 'http://porch.example:8080' });
  await join(t, server.wsUrl, randomId(), undefined, { origin: 'http://porch.example:8080' });
  assert.equal(await refusedUpgrade(t, server.wsUrl, { origin: `http://127.0.0.1:${server.port}` }), 403);
  // DNS rebinding: the attacker's name, pointed at the server, so its page's Origin and Host agree.
  const rebound = `rebound.example:${server.port}`;
  assert.equal(await refusedUpgrade(t, server.wsUrl, { origin: `http://${rebound}`, headers: { Host: rebound } }), 403);
  await join(t, server.wsUrl, randomId());
  await server.callStillWorks();
});
