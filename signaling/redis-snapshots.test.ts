import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createIdentity } from '../shared/crypto.ts';
import { signSave, writerFor } from '../shared/room-snapshot.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { silentLog } from './log.ts';
import { createRedisSnapshots } from './redis-snapshots.ts';

const ROOM = 'room-0123456789abcdef';
const KEY = `porch:snapshot:${ROOM}`;
const TTL_MS = 60_000;
/** Saves that may make a new room: all but those testing the leave to. */
const MAY_CREATE = { mayCreate: true };
const MAY_NOT_CREATE = { mayCreate: false };
const alice = writerFor(createIdentity(), ROOM);
const bob = writerFor(createIdentity(), ROOM);

/** Two nodes' stores on one real Redis, sharing a clock the test moves; `raw` looks at Redis directly. */
async function setup(t: TestContext, maxRooms = 1000) {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const clock = { ms: Date.now() };
  const open = () => createRedisSnapshots({ url: redis.url, ttlMs: TTL_MS, maxRooms, log: silentLog, now: () => clock.ms });
  const [one, two] = [await open(), await open()];
  const raw = new Redis(redis.url);
  t.after(async () => {
    await Promise.all([one.close(), two.close()]);
    raw.disconnect();
  });
  return { one, two, clock, raw };
}

test('the first save names the writer; only a newer save by it replaces the snapshot, on any node', async (t) => {
  const { one, two, clock } = await setup(t);
  assert.equal(await one.save(ROOM, signSave(alice, ROOM, 1, 'first'), MAY_CREATE), 'created');
  assert.equal(await two.save(ROOM, signSave(bob, ROOM, 2, 'takeover'), MAY_CREATE), 'not-writer');
  assert.equal(await two.save(ROOM, signSave(alice, ROOM, 1, 'again'), MAY_CREATE), 'stale');
  assert.equal(await two.save(ROOM, signSave(alice, ROOM, 2, 'second'), MAY_CREATE), 'saved');
  assert.deepEqual(await one.load(ROOM), { ...signSave(alice, ROOM, 2, 'second'), savedAt: clock.ms });
  assert.equal(await one.load('other-room-0123456789'), null);
});

test('a forged save replaces nothing and names no writer', async (t) => {
  const { one, raw } = await setup(t);
  assert.equal(await one.save(ROOM, { ...signSave(alice, ROOM, 1, 'genuine'), box: 'altered' }, MAY_CREATE), 'forged');
  assert.equal(await raw.exists(KEY), 0, 'Redis was not even asked');
  assert.equal(await one.save(ROOM, signSave(bob, ROOM, 1, 'bob-first'), MAY_CREATE), 'created');
  assert.equal(await one.save(ROOM, { ...signSave(bob, ROOM, 2, 'bob-second'), sig: signSave(alice, ROOM, 2, 'bob-second').sig }, MAY_CREATE), 'forged');
  assert.equal((await one.load(ROOM))?.box, 'bob-first');
});

test('a snapshot expires in Redis a TTL after its save, and one a TTL old by our clock is absent and binds no writer', async (t) => {
  const { one, two, clock, raw } = await setup(t);
  assert.equal(await one.save(ROOM, signSave(alice, ROOM, 4, 'old'), MAY_CREATE), 'created');
  const pttl = await raw.pttl(KEY);
  assert.ok(pttl > 0 && pttl <= TTL_MS, `expires in ${pttl} ms`);
  clock.ms += TTL_MS;
  assert.equal(await two.load(ROOM), null);
  assert.equal(await two.save(ROOM, signSave(bob, ROOM, 1, 'new'), MAY_CREATE), 'created');
  assert.equal((await one.load(ROOM))?.box, 'new');
});

test('of two nodes\' first saves at once, one names the writer', async (t) => {
  const { one, two } = await setup(t);
  const verdicts = await Promise.all([one.save(ROOM, signSave(alice, ROOM, 1, 'a'), MAY_CREATE), two.save(ROOM, signSave(bob, ROOM, 1, 'b'), MAY_CREATE)]);
  assert.deepEqual([...verdicts].sort(), ['created', 'not-writer']);
  assert.equal((await one.load(ROOM))?.box, verdicts[0] === 'created' ? 'a' : 'b');
});

test('a value in Redis that is not a snapshot is absent and binds no writer', async (t) => {
  const { one, raw } = await setup(t);
  for (const junk of ['not json', JSON.stringify({ writer: signSave(alice, ROOM, 1, 'x').writer, version: 9 })]) {
    await raw.set(KEY, junk);
    assert.equal(await one.load(ROOM), null);
    assert.equal(await one.save(ROOM, signSave(bob, ROOM, 1, 'fresh'), MAY_CREATE), 'created');
    assert.equal((await one.load(ROOM))?.box, 'fresh');
  }
});

test('a save that would make a new room is refused without leave to; saves to a room held still go through', async (t) => {
  const { one, two, clock, raw } = await setup(t);
  assert.equal(await one.save(ROOM, signSave(alice, ROOM, 1, 'first'), MAY_NOT_CREATE), 'too-many-rooms');
  assert.equal(await raw.exists(KEY), 0, 'nothing was written');
  assert.equal(await one.save(ROOM, signSave(alice, ROOM, 1, 'first'), MAY_CREATE), 'created');
  assert.equal(await two.save(ROOM, signSave(alice, ROOM, 2, 'second'), MAY_NOT_CREATE), 'saved');
  clock.ms += TTL_MS;
  assert.equal(await one.save(ROOM, signSave(alice, ROOM, 3, 'third'), MAY_NOT_CREATE), 'too-many-rooms', 'a room whose snapshot expired is new again');
});

test('every node counts the same rooms against the cap: past it new rooms are refused, rooms held are still saved, and one that expires frees its place', async (t) => {
  const { one, two, clock } = await setup(t, 2);
  const [first, second, third] = ['first-room-0123456789', 'second-room-012345678', 'third-room-0123456789'];
  assert.equal(await one.save(first, signSave(alice, first, 1, 'one'), MAY_CREATE), 'created');
  clock.ms += TTL_MS / 2;
  assert.equal(await two.save(second, signSave(alice, second, 1, 'two'), MAY_CREATE), 'created');
  assert.equal(await one.save(third, signSave(alice, third, 1, 'three'), MAY_CREATE), 'store-full');
  assert.equal(await one.save(second, signSave(alice, second, 2, 'two-again'), MAY_CREATE), 'saved');
  assert.equal(await two.load(third), null);
  clock.ms += TTL_MS / 2;
  assert.equal(await two.save(third, signSave(alice, third, 1, 'three'), MAY_CREATE), 'created', 'the first expired');
  assert.equal(await one.save(first, signSave(bob, first, 1, 'one-again'), MAY_CREATE), 'store-full', 'full again');
});

test('a Redis that cannot be reached is an error at start, not a hang', { timeout: 10_000 }, async () => {
  await assert.rejects(createRedisSnapshots({ url: 'redis://127.0.0.1:1', ttlMs: TTL_MS, maxRooms: 1000, log: silentLog }), /cannot reach Redis/);
});
