import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startRedis } from '../test/helpers/redis.ts';
import { pollUntil } from '../test/helpers/poll.ts';
import { silentLog } from './log.ts';
import { createRedisBus } from './redis-bus.ts';
import type { BusEvent } from './room-bus.ts';

const ROOM = 'room-0123456789abcdef';
const ALICE = 'alice-0123456789ab';
const BOB = 'bob-0123456789abcd';

async function twoNodes(t: { after(fn: () => Promise<void>): void }) {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const one = await createRedisBus({ url: redis.url, log: silentLog });
  const two = await createRedisBus({ url: redis.url, log: silentLog });
  t.after(async () => {
    await one.quit();
    await two.quit();
  });
  const heardByTwo: { room: string; event: BusEvent }[] = [];
  const gaps = { two: 0 };
  two.listen(
    (room, event) => heardByTwo.push({ room, event }),
    () => (gaps.two += 1),
  );
  return { redis, one, two, heardByTwo, gaps };
}

const heard = (list: unknown[], count: number) => pollUntil(`${count} events heard`, () => list.length, (n) => n >= count);

test('an event reaches every node that has the room open, its publisher included, in the order Redis ran them', async (t) => {
  const { one, two, heardByTwo } = await twoNodes(t);
  await one.open(ROOM);
  one.publish(ROOM, { type: 'present', node: one.node, peer: ALICE });
  await two.open(ROOM);
  one.publish(ROOM, { type: 'away', node: one.node, peer: ALICE });
  two.publish(ROOM, { type: 'gone', node: two.node, peer: BOB });
  await heard(heardByTwo, 2);
  assert.deepEqual(heardByTwo, [
    { room: ROOM, event: { type: 'away', node: one.node, peer: ALICE } },
    { room: ROOM, event: { type: 'gone', node: two.node, peer: BOB } },
  ], 'only what came after it opened the room, its own event too');
  two.close(ROOM);
  one.publish(ROOM, { type: 'gone', node: one.node, peer: ALICE });
  one.publish('other-room-0123456789', { type: 'gone', node: one.node, peer: ALICE });
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(heardByTwo.length, 2, 'nothing after it closed the room, nor from rooms it never opened');
});

test('a member\'s record changes with its announcement; a node that no longer holds a member can change neither', async (t) => {
  const { one, two, heardByTwo } = await twoNodes(t);
  await two.open(ROOM);
  const claim = { tier: 'audience' as const, uploadKbps: 500, turnOnly: false, since: 1234 };
  assert.equal(await one.announce(ROOM, ALICE, { kind: 'take', entry: { node: one.node, away: false, claim: null } }, { type: 'present', node: one.node, peer: ALICE }), true);
  assert.equal(await one.announce(ROOM, ALICE, { kind: 'update', entry: { node: one.node, away: false, claim } }, null), true);
  assert.deepEqual(Object.fromEntries(await two.read(ROOM)), { [ALICE]: { node: one.node, away: false, claim } });

  // Alice moves to node two; node one, late, says she is away and then gone.
  assert.equal(await two.announce(ROOM, ALICE, { kind: 'take', entry: { node: two.node, away: false, claim: null } }, { type: 'present', node: two.node, peer: ALICE }), true);
  assert.equal(await one.announce(ROOM, ALICE, { kind: 'update', entry: { node: one.node, away: true, claim: null } }, { type: 'away', node: one.node, peer: ALICE }), false);
  assert.equal(await one.announce(ROOM, ALICE, { kind: 'forget', holder: one.node }, { type: 'gone', node: one.node, peer: ALICE }), false);
  assert.deepEqual(Object.fromEntries(await one.read(ROOM)), { [ALICE]: { node: two.node, away: false, claim: null } });
  await heard(heardByTwo, 2);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(heardByTwo.map((h) => `${h.event.type} ${h.event.node === one.node ? 'one' : 'two'}`), ['present one', 'present two'], 'the refused changes were not published');

  assert.equal(await two.announce(ROOM, ALICE, { kind: 'forget', holder: two.node }, null), true);
  assert.equal((await one.read(ROOM)).size, 0);
});

test('a node is alive while it runs and not once it has quit', async (t) => {
  const { one, two } = await twoNodes(t);
  assert.deepEqual(await one.alive([one.node, two.node, 'never-was-a-node']), new Set([one.node, two.node]));
  await two.quit();
  assert.deepEqual(await one.alive([one.node, two.node]), new Set([one.node]));
});

test('when the connection to Redis comes back, the node is told events may have been lost, and hears the room again', async (t) => {
  const { redis, one, two, heardByTwo, gaps } = await twoNodes(t);
  await two.open(ROOM);
  const admin = new Redis(redis.url);
  t.after(async () => void admin.disconnect());
  await admin.client('KILL', 'TYPE', 'pubsub');
  await pollUntil('node two is told of the gap', () => gaps.two, (n) => n === 1);
  await pollUntil(
    'events reach node two again',
    () => {
      one.publish(ROOM, { type: 'gone', node: one.node, peer: ALICE });
      return heardByTwo.length;
    },
    (n) => n > 0,
    { everyMs: 200 },
  );
});

test('one node at a time holds a room\'s planner lease; it passes on release or when it runs out', async (t) => {
  const { one, two } = await twoNodes(t);
  assert.equal(await one.lease(ROOM, 300), true);
  assert.equal(await two.lease(ROOM, 300), false);
  assert.equal(await one.lease(ROOM, 300), true, 'the holder renews');
  await one.release(ROOM);
  assert.equal(await two.lease(ROOM, 300), true, 'released: the other takes it at once');
  assert.equal(await one.lease(ROOM, 300), false);
  await pollUntil('the lease passes once the holder stops renewing it', () => one.lease(ROOM, 300), (held) => held);
  assert.equal(await two.lease(ROOM, 300), false);
});

test('what arrives on a room channel is parsed before it is acted on; junk is dropped', async (t) => {
  const { redis, one, two, heardByTwo } = await twoNodes(t);
  const raw = new Redis(redis.url);
  t.after(() => void raw.disconnect());
  await two.open(ROOM);
  await raw.publish(`porch:room:${ROOM}:events`, '{"type":"present","node":"someone-else","peer":"too-short"}');
  await raw.publish(`porch:room:${ROOM}:events`, 'not json');
  one.publish(ROOM, { type: 'gone', node: one.node, peer: ALICE });
  await pollUntil('the valid event arrives', () => heardByTwo.length, (n) => n > 0);
  assert.deepEqual(heardByTwo, [{ room: ROOM, event: { type: 'gone', node: one.node, peer: ALICE } }]);
});

test('a Redis that cannot be reached is an error at start, not a hang', { timeout: 10_000 }, async () => {
  await assert.rejects(createRedisBus({ url: 'redis://127.0.0.1:1', log: silentLog }), /cannot reach Redis/);
});
