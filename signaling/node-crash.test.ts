import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis } from '../test/helpers/redis.ts';
import { startServer } from '../test/helpers/server.ts';
import { join, randomId } from '../test/helpers/signaling-kit.ts';
import { NODE_TTL_MS } from './redis-bus.ts';

const GRACE_MS = 1000;

test('members of a node that dies without a word are away for the other nodes, and gone after their grace period', { timeout: 60_000 }, async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const env = { REDIS_URL: redis.url, LEAVE_GRACE_MS: String(GRACE_MS), HOST: '127.0.0.1' };
  const one = await startServer({ script: 'signaling/main.ts', env });
  const two = await startServer({ script: 'signaling/main.ts', env });
  t.after(async () => {
    await one.kill();
    await two.stop();
  });
  const wsOf = (url: string): string => `${url.replace(/^http/, 'ws')}/ws`;
  const room = randomId();
  const alice = await join(t, wsOf(one.url), room);
  const bob = await join(t, wsOf(two.url), room);
  assert.deepEqual(bob.peers, [alice.peer]);
  await alice.next('joined', (f) => f.peer === bob.peer);

  await one.kill();
  const killedAt = Date.now();
  await bob.next('left', (f) => f.peer === alice.peer, 30_000);
  const tookMs = Date.now() - killedAt;
  // Not a timing test: a member that stays forever would never produce this frame at all.
  assert.ok(tookMs >= GRACE_MS, `Alice left only after her grace period (${tookMs} ms; node key lives ${NODE_TTL_MS} ms)`);

  // A newcomer is not told about her either: the record no longer lists her.
  const carol = await join(t, wsOf(two.url), room);
  assert.deepEqual(carol.peers, [bob.peer]);
});
