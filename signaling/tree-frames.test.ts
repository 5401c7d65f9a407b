import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSE_CODES, PROTOCOL_VERSION } from '../shared/protocol.ts';
import { PLAN_DELAY_MS } from './tree-planning.ts';
import { connect, join, randomId, randomResume, withBystanders, type TestClient } from '../test/helpers/signaling-kit.ts';

/** More than two listeners puts a room in tree mode, at most two in direct mode. */
const SMALL_TREE = { tree: { fanout: 2, directMax: 2, streamKbps: 40 } };
const stageClaim = { type: 'tree', tier: 'stage', uploadKbps: 1000, turnOnly: false } as const;
const audienceClaim = { type: 'tree', tier: 'audience', uploadKbps: 1000, turnOnly: false } as const;

const plansOf = (client: TestClient): number => client.received.filter((f) => f.type === 'plan').length;

/** Frames to one socket arrive in order, so after the pong it has everything sent to it before. */
async function flush(client: TestClient): Promise<void> {
  client.send({ type: 'ping' });
  await client.next('pong');
}

test('claims over real sockets put the room in tree mode and tell each member its part', async (t) => {
  const server = await withBystanders(t, SMALL_TREE);
  const room = randomId();
  const stage = await join(t, server.wsUrl, room);
  const listeners = [await join(t, server.wsUrl, room), await join(t, server.wsUrl, room), await join(t, server.wsUrl, room)];
  stage.send(stageClaim);
  for (const listener of listeners) listener.send(audienceClaim);
  const stagePlan = await stage.next('plan');
  assert.equal(stagePlan.mode, 'tree');
  for (const listener of listeners) {
    const plan = await listener.next('plan');
    assert.equal(plan.mode, 'tree');
    assert.equal(plan.parent === null, stagePlan.children.includes(listener.peer), 'the stage and a root disagree');
  }
});

test('a tree frame before hello is refused with not-joined', async (t) => {
  const server = await withBystanders(t, SMALL_TREE);
  const abuser = await connect(t, server.wsUrl);
  abuser.send(audienceClaim);
  assert.equal((await abuser.next('error')).code, 'not-joined');
  abuser.send({ type: 'hello', v: PROTOCOL_VERSION, room: randomId(), resume: randomResume() });
  await abuser.next('welcome');
  await flush(abuser);
  assert.equal(plansOf(abuser), 0);
  await server.callStillWorks();
});

test('malformed tree frames are refused with bad-frame and change no one\'s part', async (t) => {
  const server = await withBystanders(t, SMALL_TREE);
  const room = randomId();
  const abuser = await join(t, server.wsUrl, room);
  const bystander = await join(t, server.wsUrl, room);
  abuser.send(audienceClaim);
  bystander.send(audienceClaim);
  const abuserPlan = await abuser.next('plan');
  const bystanderPlan = await bystander.next('plan');

  // Each would put the abuser on stage, and so change its part, were it taken.
  const malformed = [
    { ...stageClaim, uploadKbps: -1 },
    { ...stageClaim, uploadKbps: 1.5 },
    { ...stageClaim, uploadKbps: 1_000_001 },
    { ...stageClaim, uploadKbps: '1000' },
    { ...stageClaim, tier: 'moderator' },
    { ...stageClaim, turnOnly: 'no' },
    { ...stageClaim, extra: true },
    { type: 'tree', tier: 'stage', uploadKbps: 1000 },
  ];
  for (const frame of malformed) abuser.send(frame);
  // JSON.stringify cannot write these: a number too large for a double (Infinity), and one of 400 digits.
  abuser.send('{"type":"tree","tier":"stage","uploadKbps":1e400,"turnOnly":false}');
  abuser.send(`{"type":"tree","tier":"stage","uploadKbps":${'9'.repeat(400)},"turnOnly":false}`);
  for (let i = 0; i < malformed.length + 2; i++) assert.equal((await abuser.next('error')).code, 'bad-frame');

  // A claim from the bystander after all of those is planned in the same window as any of them
  // or a later one, so once its answer is in, any plan they caused has been sent.
  bystander.send(audienceClaim);
  assert.deepEqual(await bystander.next('plan'), bystanderPlan);
  await flush(abuser);
  assert.deepEqual(abuser.received.filter((f) => f.type === 'plan'), [abuserPlan]);
  await server.callStillWorks();
});

test('a flood of tree frames is rate limited like any frame: told rate-limited, then closed, and its room-mate stays', async (t) => {
  const server = await withBystanders(t, { ...SMALL_TREE, rateLimitPerS: 40, rateBurst: 80 });
  const room = randomId();
  const flooder = await join(t, server.wsUrl, room);
  const mate = await join(t, server.wsUrl, room);
  mate.send(audienceClaim);
  await mate.next('plan');
  for (let i = 0; i < 1000 && flooder.ws.readyState === flooder.ws.OPEN; i++) flooder.send(i % 2 === 0 ? stageClaim : audienceClaim);
  assert.equal((await flooder.next('error')).code, 'rate-limited');
  assert.equal((await flooder.closed).code, CLOSE_CODES.policy);
  assert.equal(flooder.received.filter((f) => f.type === 'error').length, 1, 'one warning per spell, not one per frame');
  await flush(mate);
  await server.callStillWorks();
});

test('a flood of tree frames within the rate limit sends each room-mate at most one plan per planning window', async (t) => {
  // A generous rate limit lets the whole flood through, so only the batching of plans bounds it.
  const server = await withBystanders(t, { ...SMALL_TREE, rateLimitPerS: 1000, rateBurst: 2000 });
  const room = randomId();
  const stage = await join(t, server.wsUrl, room);
  const mates = [stage, await join(t, server.wsUrl, room), await join(t, server.wsUrl, room)];
  const flooder = await join(t, server.wsUrl, room);
  stage.send(stageClaim);
  for (const mate of mates.slice(1)) mate.send(audienceClaim);
  for (const mate of mates) await mate.next('plan');
  const before = mates.map(plansOf);

  // In the audience the flooder makes three listeners (tree mode), on stage two (direct mode), so a
  // flip changes every room-mate's part. It flips whenever a plan reaches it, that is, as soon as
  // a window has closed: the worst it can do.
  const start = performance.now();
  let frames = 0;
  for (let elapsed = 0; elapsed < 10 * PLAN_DELAY_MS; elapsed = performance.now() - start) {
    flooder.send(plansOf(flooder) % 2 === 0 ? audienceClaim : stageClaim);
    frames += 1;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  // Plans are at least a window apart, and the first may be one already under way at the start.
  for (const mate of mates) await flush(mate);
  const windows = Math.floor((performance.now() - start) / PLAN_DELAY_MS) + 1;

  const sent = mates.map((mate, i) => plansOf(mate) - before[i]!);
  t.diagnostic(`${frames} tree frames in ${windows} windows; plans to room-mates: ${sent.join(', ')}`);
  for (const count of sent) assert.ok(count <= windows, `a room-mate got ${count} plans in ${windows} windows`);
  assert.equal(flooder.received.some((f) => f.type === 'error'), false, 'the flood was rate limited, so the test proves nothing');
});
