import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenBucket } from './token-bucket.ts';

test('a bucket gives its burst at once, then refills at its rate up to the burst', () => {
  let now = 0;
  const bucket = createTokenBucket({ burst: 3, perSecond: 2, now: () => now });
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
  now += 499;
  assert.equal(bucket.take(), false, 'not yet a whole token');
  now += 1;
  assert.equal(bucket.take(), true);
  now += 60_000;
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false], 'never more than the burst');
});
