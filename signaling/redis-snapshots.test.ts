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
const alice = writerFor(createIdentity(), ROOM);
const bob = writerFor(createIdentity(), ROOM);

/** Two nodes' stores on one real Redis, sharing a clock the test moves; `raw` looks at Redis directly. */
async function setup(t: TestContext) {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const clock = { ms: Date.now() };
  const open = () => createRedisSnapshots({ url: redis.url, ttlMs: TTL_MS, log: silentLog, now: () => clock.ms });
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
  assert.equal(await one.save(ROOM, signSave(alice, ROOM, 1, 'first')), 'saved');
  assert.equal(await two.save(ROOM, signSave(bob, ROOM, 2, 'takeover')), 'not-writer');
  assert.equal(await two.save(ROOM, signSave(alice, ROOM, 1, 'again')), 'stale');
  assert.equal(await two.save(ROOM, signSave(alice, ROOM, 2, 'second')), 'saved');
  assert.deepEqual(await one.load(ROOM), { ...signSave(alice, ROOM, 2, 'second'), savedAt: clock.ms });
  assert.equal(await one.load('other-room-0123456789'), null);
});

test('a forged save replaces nothing and names no writer', async (t) => {
  const { one, raw } = await setup(t);
  assert.equal(await one.save(ROOM, { ...signSave(alice, ROOM, 1, 'genuine'), box: 'altered' }), 'forged');
  assert.equal(await raw.exists(KEY), 0, 'Redis was not even asked');
  assert.equal(await one.save(ROOM, signSave(bob, ROOM, 1, 'bob-first')), 'saved');
  assert.equal(await one.save(ROOM, { ...signSave(bob, ROOM, 2, 'bob-second'), sig: signSave(alice, ROOM, 2, 'bob-second').sig }), 'forged');
  assert.equal((await one.load(ROOM))?.box, 'bob-first');
});

test('a snapshot expires in Redis a TTL after its save, and one a TTL old by our clock is absent and binds no writer', async (t) => {
  const { one, two, clock, raw } = await setup(t);
  assert.equal(await one.save(ROOM, signSave(alice, ROOM, 4, 'old')), 'saved');
  const pttl = await raw.pttl(KEY);
  assert.ok(pttl > 0 && pttl <= TTL_MS, `expires in ${pttl} ms`);
  clock.ms += TTL_MS;
  assert.equal(await two.load(ROOM), null);
  assert.equal(await two.save(ROOM, signSave(bob, ROOM, 1, 'new')), 'saved');
  assert.equal((await one.load(ROOM))?.box, 'new');
});

test('of two nodes\' first saves at once, one names the writer', async (t) => {
  const { one, two } = await setup(t);
  const verdicts = await Promise.all([one.save(ROOM, signSave(alice, ROOM, 1, 'a')), two.save(ROOM, signSave(bob, ROOM, 1, 'b'))]);
  assert.deepEqual([...verdicts].sort(), ['not-writer', 'saved']);
  assert.equal((await one.load(ROOM))?.box, verdicts[0] === 'saved' ? 'a' : 'b');
});

test('a value in Redis that is not a snapshot is absent and binds no writer', async (t) => {
  const { one, raw } = await setup(t);
  for (const junk of ['not json', JSON.stringify({ writer: signSave(alice, ROOM, 1, 'x').writer, version: 9 })]) {
    await raw.set(KEY, junk);
    assert.equal(await one.load(ROOM), null);
    assert.equal(await one.save(ROOM, signSave(bob, ROOM, 1, 'fresh')), 'saved');
    assert.equal((await one.load(ROOM))?.box, 'fresh');
  }
});

test('a Redis that cannot be reached is an error at start, not a hang', { timeout: 10_000 }, async () => {
  await assert.rejects(createRedisSnapshots({ url: 'redis://127.0.0.1:1', ttlMs: TTL_MS, log: silentLog }), /cannot reach Redis/);
});
