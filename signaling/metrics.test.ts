import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSE_CODES, MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../shared/protocol.ts';
import { createMetrics, REJECT_REASONS, SAVE_OUTCOMES, UPGRADE_REFUSALS, type Levels } from './metrics.ts';
import { valueOf } from '../test/helpers/metrics-scrape.ts';
import { connect, join, randomId, randomResume, refusedUpgrade, startTestServer } from '../test/helpers/signaling-kit.ts';

const rejected = (scrape: string, reason: string): number | undefined => valueOf(scrape, `porch_frames_rejected_total{reason="${reason}"}`);
const refused = (scrape: string, code: string): number | undefined => valueOf(scrape, `porch_upgrades_refused_total{code="${code}"}`);

/** Every reason's count in a scrape, the ones not named in `expected` being 0. */
function assertRejected(scrape: string, expected: Partial<Record<(typeof REJECT_REASONS)[number], number>>): void {
  const counts = Object.fromEntries(REJECT_REASONS.map((reason) => [reason, rejected(scrape, reason)]));
  assert.deepEqual(counts, Object.fromEntries(REJECT_REASONS.map((reason) => [reason, expected[reason] ?? 0])));
}

async function scrape(httpUrl: string): Promise<string> {
  const res = await fetch(`${httpUrl}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return res.text();
}

test('every reason and refusal code is a series from the start, and each count moves only its own', async () => {
  const metrics = createMetrics(() => ({ connections: 0, rooms: 0, members: 0, leading: 0 }));
  const before = (await metrics.scrape()).body;
  assertRejected(before, {});
  for (const code of UPGRADE_REFUSALS) assert.equal(refused(before, code), 0, code);
  assert.equal(valueOf(before, 'porch_envelopes_routed_total'), 0);
  assert.equal(valueOf(before, 'porch_plans_computed_total'), 0);

  metrics.counters.frameRejected('bad-json');
  metrics.counters.frameRejected('bad-json');
  metrics.counters.frameRejected('fanout-limited');
  metrics.counters.upgradeRefused('bad-origin');
  metrics.counters.envelopeRouted();
  metrics.counters.planComputed();
  const after = (await metrics.scrape()).body;
  assertRejected(after, { 'bad-json': 2, 'fanout-limited': 1 });
  assert.deepEqual(UPGRADE_REFUSALS.map((code) => refused(after, code)), UPGRADE_REFUSALS.map((code) => (code === 'bad-origin' ? 1 : 0)));
  assert.equal(valueOf(after, 'porch_envelopes_routed_total'), 1);
  assert.equal(valueOf(after, 'porch_plans_computed_total'), 1);
});

test('every save outcome is a series from the start, and each save moves only its own', async () => {
  const metrics = createMetrics(() => ({ connections: 0, rooms: 0, members: 0, leading: 0 }));
  const saves = (scrape: string) => SAVE_OUTCOMES.map((outcome) => valueOf(scrape, `porch_snapshot_saves_total{outcome="${outcome}"}`));
  const before = (await metrics.scrape()).body;
  assert.deepEqual(saves(before), SAVE_OUTCOMES.map(() => 0));
  assert.equal(valueOf(before, 'porch_snapshots_handed_out_total'), 0);
  metrics.counters.snapshotSaved('saved');
  metrics.counters.snapshotSaved('not-writer');
  metrics.counters.snapshotSaved('not-writer');
  metrics.counters.snapshotSaved('too-fast');
  metrics.counters.snapshotSaved('store-full');
  metrics.counters.snapshotHandedOut();
  const after = (await metrics.scrape()).body;
  assert.deepEqual(Object.fromEntries(SAVE_OUTCOMES.map((outcome, i) => [outcome, saves(after)[i]])), {
    saved: 1,
    stale: 0,
    'not-writer': 2,
    forged: 0,
    failed: 0,
    'too-fast': 1,
    'too-many-rooms': 0,
    'store-full': 1,
  });
  assert.equal(valueOf(after, 'porch_snapshots_handed_out_total'), 1);
});

test('connections, rooms and members are read when scraped, and the process\'s own metrics come along', async () => {
  const levels: Levels = { connections: 5, rooms: 2, members: 4, leading: 1 };
  const metrics = createMetrics(() => levels);
  const first = (await metrics.scrape()).body;
  assert.deepEqual(['porch_connections', 'porch_rooms', 'porch_room_members', 'porch_planner_leases'].map((name) => valueOf(first, name)), [5, 2, 4, 1]);
  levels.connections = 7;
  levels.rooms = 0;
  levels.members = 0;
  const second = (await metrics.scrape()).body;
  assert.deepEqual(['porch_connections', 'porch_rooms', 'porch_room_members'].map((name) => valueOf(second, name)), [7, 0, 0]);
  assert.ok((valueOf(second, 'process_cpu_user_seconds_total') ?? -1) >= 0);
  assert.ok((valueOf(second, 'nodejs_heap_size_used_bytes') ?? 0) > 0);
});

test('two servers in one process keep their own counts', async (t) => {
  const busy = await startTestServer(t);
  const idle = await startTestServer(t);
  const room = randomId();
  const alice = await join(t, busy.wsUrl, room);
  const bob = await join(t, busy.wsUrl, room);
  alice.send({ type: 'send', to: bob.peer, box: 'hello' });
  await bob.next('msg');
  assert.equal(valueOf(await scrape(busy.httpUrl), 'porch_envelopes_routed_total'), 1);
  const other = await scrape(idle.httpUrl);
  assert.equal(valueOf(other, 'porch_envelopes_routed_total'), 0);
  assert.equal(valueOf(other, 'porch_connections'), 0);
});

test('a session moves each count by what happened, and the scrape names no room, peer, box or address', async (t) => {
  const { httpUrl, wsUrl } = await startTestServer(t, { roomCapacity: 2 });
  const room = randomId();
  const otherRoom = randomId();
  const alice = await join(t, wsUrl, room);
  const bob = await join(t, wsUrl, room);
  const carol = await join(t, wsUrl, otherRoom);

  const start = await scrape(httpUrl);
  assert.deepEqual(['porch_connections', 'porch_rooms', 'porch_room_members'].map((name) => valueOf(start, name)), [3, 2, 3]);
  assert.equal(valueOf(start, 'porch_envelopes_routed_total'), 0);
  assertRejected(start, {});

  // Three envelopes routed: one to a peer, one to the room, one back.
  const boxes = ['box-to-bob', 'box-to-everyone', 'box-to-alice'].map((label) => `${label}-${randomId()}`);
  alice.send({ type: 'send', to: bob.peer, box: boxes[0] });
  await bob.next('msg', (f) => f.box === boxes[0]);
  alice.send({ type: 'send', to: '*', box: boxes[1] });
  await bob.next('msg', (f) => f.box === boxes[1]);
  bob.send({ type: 'send', to: alice.peer, box: boxes[2] });
  await alice.next('msg', (f) => f.box === boxes[2]);

  // Frames refused, one reason after another.
  alice.send('not json');
  assert.equal((await alice.next('error')).code, 'bad-json');
  alice.send({ type: 'send', to: bob.peer, box: 'x', from: bob.peer });
  assert.equal((await alice.next('error')).code, 'bad-frame');
  alice.send(Buffer.from(JSON.stringify({ type: 'send', to: '*', box: 'x' })));
  assert.equal((await alice.next('error')).code, 'bad-frame');
  alice.send({ type: 'send', to: randomId(), box: 'x' });
  assert.equal((await alice.next('error')).code, 'unknown-peer');
  alice.send({ type: 'hello', v: PROTOCOL_VERSION, room: otherRoom, resume: randomResume() });
  assert.equal((await alice.next('error')).code, 'already-joined');
  const early = await connect(t, wsUrl);
  early.send({ type: 'send', to: '*', box: 'x' });
  assert.equal((await early.next('error')).code, 'not-joined');
  const late = await connect(t, wsUrl);
  late.send({ type: 'hello', v: PROTOCOL_VERSION, room, resume: randomResume() });
  assert.equal((await late.next('error')).code, 'room-full');
  assert.equal((await late.closed).code, CLOSE_CODES.roomFull);
  const oversized = await connect(t, wsUrl);
  oversized.send(JSON.stringify({ type: 'send', to: '*', box: 'x'.repeat(MAX_FRAME_BYTES) }));
  assert.equal((await oversized.closed).code, 1009);
  const garbled = await connect(t, wsUrl);
  garbled.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
  assert.equal((await garbled.closed).code, 1007);

  const middle = await scrape(httpUrl);
  assert.equal(valueOf(middle, 'porch_envelopes_routed_total'), 3);
  assertRejected(middle, {
    'bad-json': 1,
    'bad-frame': 2,
    'unknown-peer': 1,
    'already-joined': 1,
    'not-joined': 1,
    'room-full': 1,
    'too-large': 1,
    'protocol-error': 1,
  });
  for (const code of UPGRADE_REFUSALS) assert.equal(refused(middle, code), 0, code);

  // Leaving empties the room: members and rooms fall as people say bye.
  alice.send({ type: 'bye' });
  await bob.next('left');
  const oneLeft = await scrape(httpUrl);
  assert.deepEqual(['porch_rooms', 'porch_room_members'].map((name) => valueOf(oneLeft, name)), [2, 2]);
  bob.send({ type: 'bye' });
  await bob.closed;
  const end = await scrape(httpUrl);
  assert.deepEqual(['porch_rooms', 'porch_room_members'].map((name) => valueOf(end, name)), [1, 1]);

  for (const text of [start, middle, oneLeft, end]) {
    for (const secret of [room, otherRoom, alice.peer, bob.peer, carol.peer, alice.resume, bob.resume, carol.resume, ...boxes]) {
      assert.equal(text.includes(secret), false, `the scrape names ${secret}`);
    }
    assert.equal(/\b\d{1,3}(?:\.\d{1,3}){3}\b/.test(text), false, 'the scrape holds an IPv4 address');
  }
});

test('refused upgrades are counted by code, and the scrape names no address or origin', async (t) => {
  const { httpUrl, wsUrl, port } = await startTestServer(t, { trustedProxies: 1, maxConnectionsPerIp: 1, maxConnections: 2 });
  const from = (address: string) => ({ headers: { 'X-Forwarded-For': address } });
  await connect(t, wsUrl, from('192.0.2.1'));
  assert.equal(await refusedUpgrade(t, wsUrl, from('192.0.2.1')), 429);
  await connect(t, wsUrl, from('192.0.2.2'));
  const third = await connect(t, wsUrl, from('192.0.2.3'));
  assert.equal((await third.next('error')).code, 'server-full');
  assert.equal((await third.closed).code, CLOSE_CODES.serverFull);
  assert.equal(await refusedUpgrade(t, wsUrl, { origin: 'https://elsewhere.example', ...from('192.0.2.4') }), 403);
  assert.equal(await refusedUpgrade(t, `ws://127.0.0.1:${port}/elsewhere`, from('192.0.2.5')), 404);

  const text = await scrape(httpUrl);
  assert.deepEqual(
    Object.fromEntries(UPGRADE_REFUSALS.map((code) => [code, refused(text, code)])),
    { 'not-found': 1, 'shutting-down': 0, 'bad-origin': 1, 'too-many-connections': 1, 'server-full': 1 },
  );
  assert.equal(valueOf(text, 'porch_connections'), 2);
  for (const secret of ['192.0.2.', 'elsewhere']) assert.equal(text.includes(secret), false, `the scrape names ${secret}`);
});

test('frames dropped by the limits are counted by which limit dropped them', async (t) => {
  // Budgets that refill too slowly to matter during the test: what is spent stays spent.
  const { httpUrl, wsUrl } = await startTestServer(t, { rateLimitPerS: 0.1, rateBurst: 3, fanoutPerS: 0.1, fanoutBurst: 2 });
  const room = randomId();
  const alice = await join(t, wsUrl, room);
  const bob = await join(t, wsUrl, room);
  const carol = await join(t, wsUrl, room);

  alice.send({ type: 'send', to: '*', box: 'first' }); // two copies: the whole fan-out budget
  await bob.next('msg');
  await carol.next('msg');
  alice.send({ type: 'send', to: '*', box: 'second' }); // the last frame in the rate budget, over the fan-out one
  alice.send({ type: 'ping' }); // over the rate budget
  await alice.next('error', (f) => f.code === 'rate-limited');
  await alice.next('error', (f) => f.code === 'rate-limited');

  const text = await scrape(httpUrl);
  assert.equal(valueOf(text, 'porch_envelopes_routed_total'), 1);
  assertRejected(text, { 'fanout-limited': 1, 'rate-limited': 1 });
});

test('with METRICS=off, /metrics is not found, and is not the app either', async (t) => {
  const { httpUrl } = await startTestServer(t, { metrics: false });
  const res = await fetch(`${httpUrl}/metrics`);
  assert.equal(res.status, 404);
  assert.equal(await res.text(), 'not found\n');
});
