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
  two.listen((room, event) => heardByTwo.push({ room, event }));
  return { redis, one, two, heardByTwo };
}

test('an event one node publishes reaches the other nodes that have the room open, and not itself', async (t) => {
  const { one, two, heardByTwo } = await twoNodes(t);
  const heardByOne: BusEvent[] = [];
  one.listen((_room, event) => heardByOne.push(event));
  await one.open(ROOM);
  one.publish(ROOM, { type: 'present', node: one.node, peer: ALICE });
  await two.open(ROOM);
  one.publish(ROOM, { type: 'away', node: one.node, peer: ALICE });
  await pollUntil('the other node hears the event', () => heardByTwo.length, (n) => n > 0);
  assert.deepEqual(heardByTwo, [{ room: ROOM, event: { type: 'away', node: one.node, peer: ALICE } }], 'only what came after it opened the room');
  two.close(ROOM);
  one.publish(ROOM, { type: 'gone', node: one.node, peer: ALICE });
  one.publish('other-room-0123456789', { type: 'gone', node: one.node, peer: ALICE });
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(heardByTwo.length, 1, 'nothing after it closed the room, nor from rooms it never opened');
  assert.deepEqual(heardByOne, []);
});

test('a node opening a room learns who is on other nodes from its record; a member moved on is not removed by the node it left', async (t) => {
  const { one, two } = await twoNodes(t);
  const claim = { tier: 'audience' as const, uploadKbps: 500, turnOnly: false, since: 1234 };
  await one.record(ROOM, ALICE, { node: one.node, away: false, claim });
  await one.record(ROOM, 'bob-0123456789abcd', { node: one.node, away: true, claim: null });
  assert.deepEqual(Object.fromEntries(await two.open(ROOM)), {
    [ALICE]: { node: one.node, away: false, claim },
    'bob-0123456789abcd': { node: one.node, away: true, claim: null },
  });
  assert.equal((await one.open(ROOM)).size, 0, 'a node does not adopt its own members');
  await two.record(ROOM, ALICE, { node: two.node, away: false, claim: null });
  await one.record(ROOM, ALICE, null);
  await one.record(ROOM, 'bob-0123456789abcd', null);
  assert.deepEqual([...(await one.open(ROOM)).keys()], [ALICE], 'Alice moved to node two; node one leaving her changes nothing');
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
