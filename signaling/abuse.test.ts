import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSE_CODES, MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../shared/protocol.ts';
import { MAX_ERROR_FRAMES } from './limits.ts';
import { connect, join, randomId, randomResume, startTestServer, type TestServer } from '../test/helpers/signaling-kit.ts';

/**
 * Every abuse test runs beside an ordinary call in another room, which must keep routing
 * before, during and after the abuse, on a server that stays up.
 */
async function withBystanders(t: TestContext, overrides: Parameters<typeof startTestServer>[1] = {}) {
  const server = await startTestServer(t, overrides);
  const room = randomId();
  const alice = await join(t, server.wsUrl, room);
  const bob = await join(t, server.wsUrl, room);
  let round = 0;
  const callStillWorks = async (): Promise<void> => {
    round += 1;
    const ping = `ping-${round}`;
    const pong = `pong-${round}`;
    alice.send({ type: 'send', to: bob.peer, box: ping });
    await bob.next('msg', (f) => f.box === ping && f.from === alice.peer);
    bob.send({ type: 'send', to: '*', box: pong });
    await alice.next('msg', (f) => f.box === pong && f.from === bob.peer);
  };
  await callStillWorks();
  return { ...server, callStillWorks };
}

async function serverIsUp({ httpUrl }: TestServer): Promise<void> {
  const res = await fetch(`${httpUrl}/healthz`);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
}

test('an oversized frame closes that connection with 1009, and nothing else notices', async (t) => {
  const server = await withBystanders(t);
  const abuser = await join(t, server.wsUrl, randomId());
  abuser.send(JSON.stringify({ type: 'send', to: '*', box: 'x'.repeat(MAX_FRAME_BYTES) }));
  assert.equal((await abuser.closed).code, 1009);
  await server.callStillWorks();
  await serverIsUp(server);
});

test('malformed JSON is answered with bad-json and the connection stays usable', async (t) => {
  const server = await withBystanders(t);
  const abuser = await connect(t, server.wsUrl);
  abuser.send('{"type":"hello",');
  assert.equal((await abuser.next('error')).code, 'bad-json');
  await server.callStillWorks();
  abuser.send({ type: 'hello', v: PROTOCOL_VERSION, room: randomId(), resume: randomResume() });
  await abuser.next('welcome');
});

test('an unknown frame type is answered with bad-frame', async (t) => {
  const server = await withBystanders(t);
  const abuser = await join(t, server.wsUrl, randomId());
  abuser.send({ type: 'tree', tier: 1 });
  assert.equal((await abuser.next('error')).code, 'bad-frame');
  abuser.send({ type: 'send', to: '*', box: 'x', extra: true });
  assert.equal((await abuser.next('error')).code, 'bad-frame');
  await server.callStillWorks();
});

test('a binary frame is answered with bad-frame', async (t) => {
  const server = await withBystanders(t);
  const abuser = await join(t, server.wsUrl, randomId());
  abuser.send(Buffer.from(JSON.stringify({ type: 'send', to: '*', box: 'x' })));
  assert.equal((await abuser.next('error')).code, 'bad-frame');
  await server.callStillWorks();
});

test('a frame before hello is answered with not-joined, a second hello with already-joined', async (t) => {
  const server = await withBystanders(t);
  const abuser = await connect(t, server.wsUrl);
  abuser.send({ type: 'send', to: '*', box: 'too-early' });
  assert.equal((await abuser.next('error')).code, 'not-joined');
  const hello = { type: 'hello', v: PROTOCOL_VERSION, room: randomId(), resume: randomResume() };
  abuser.send(hello);
  await abuser.next('welcome');
  abuser.send(hello);
  assert.equal((await abuser.next('error')).code, 'already-joined');
  await server.callStillWorks();
});

test('text that is not UTF-8 closes that connection (1007) without harm', async (t) => {
  const server = await withBystanders(t);
  const abuser = await join(t, server.wsUrl, randomId());
  abuser.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
  assert.equal((await abuser.closed).code, 1007);
  await server.callStillWorks();
  await serverIsUp(server);
});

test(`a connection that earns more than ${MAX_ERROR_FRAMES} error replies is closed with 1008`, async (t) => {
  const server = await withBystanders(t);
  const abuser = await connect(t, server.wsUrl);
  for (let i = 0; i <= MAX_ERROR_FRAMES; i++) abuser.send('nope');
  for (let i = 0; i <= MAX_ERROR_FRAMES; i++) assert.equal((await abuser.next('error')).code, 'bad-json');
  assert.equal((await abuser.closed).code, CLOSE_CODES.policy);
  await server.callStillWorks();
});

test('a flood from one client is told rate-limited, then closed with 1008, while another call keeps routing', async (t) => {
  const server = await withBystanders(t, { rateLimitPerS: 40, rateBurst: 80 });
  const flooder = await join(t, server.wsUrl, randomId());
  const during = server.callStillWorks();
  for (let i = 0; i < 1000 && flooder.ws.readyState === flooder.ws.OPEN; i++) {
    flooder.send({ type: 'send', to: '*', box: `flood-${i}` });
  }
  await during;
  assert.equal((await flooder.next('error')).code, 'rate-limited');
  assert.equal((await flooder.closed).code, CLOSE_CODES.policy);
  assert.equal(flooder.received.filter((f) => f.type === 'error').length, 1, 'one warning per spell, not one per frame');
  await server.callStillWorks();
  await serverIsUp(server);
});

test('the log never holds a box, a resume secret or a whole room id', async (t) => {
  const server = await withBystanders(t, { leaveGraceMs: 0 });
  const room = randomId();
  const resume = randomResume();
  const box = `secret-box-${randomId()}`;
  const alice = await join(t, server.wsUrl, room, resume);
  const bob = await join(t, server.wsUrl, room);
  alice.send({ type: 'send', to: bob.peer, box });
  await bob.next('msg');
  alice.send({ type: 'send', to: 'nobody-here-at-all', box });
  await alice.next('error');
  alice.send(`{"type":"send","box":"${box}"`);
  await alice.next('error');
  alice.send({ type: 'hello', v: PROTOCOL_VERSION, room, resume });
  await alice.next('error');
  alice.ws.terminate();
  await bob.next('left');
  await server.callStillWorks();

  const logged = server.log.entries.map((entry) => JSON.stringify(entry)).join('\n');
  assert.ok(server.log.entries.length > 0);
  for (const secret of [box, resume, room]) assert.equal(logged.includes(secret), false);
});
