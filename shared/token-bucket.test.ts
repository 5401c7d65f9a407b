import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenBucket } from './token-bucket.ts';

test('a bucket gives its burst at once, then refills at its rate up to the burst', () => {
  let now = 0;
  const bucket = createTokenBucket({ burst: 3, ratePerS: 2, nowMs: () => now });
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
  now += 499;
  assert.equal(bucket.take(), false, 'not yet a whole token');
  now += 1;
  assert.equal(bucket.take(), true);
  now += 60_000;
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false], 'never more than the burst');
});

test('a token bucket refuses past its burst without running into debt, and refills at its rate', () => {
  let now = 0;
  const bucket = createTokenBucket({ ratePerS: 1, burst: 2, nowMs: () => now });
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, false, false]);
  now += 1000;
  assert.equal(bucket.take(), true, 'refusals cost nothing: a second later one is back');
  assert.equal(bucket.take(), false);
  assert.equal(bucket.full(), false);
  now += 10_000;
  assert.equal(bucket.full(), true, 'it refills to its burst and no further');
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take()], [true, true, false]);
});

test('a token given back can be taken again, but never past the burst', () => {
  const bucket = createTokenBucket({ ratePerS: 1, burst: 1, nowMs: () => 0 });
  assert.equal(bucket.take(), true);
  bucket.give();
  assert.equal(bucket.take(), true);
  bucket.give();
  bucket.give();
  assert.deepEqual([bucket.take(), bucket.take()], [true, false]);
});
