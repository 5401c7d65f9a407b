import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRateLimiter, createSenderShares, type RateVerdict } from './limits.ts';

function limiter(ratePerS: number, burst: number) {
  let now = 0;
  const rate = createRateLimiter({ ratePerS, burst, nowMs: () => now });
  return {
    advanceMs: (ms: number) => void (now += ms),
    take: (count: number): RateVerdict[] => Array.from({ length: count }, () => rate.take()),
  };
}

test('a connection may send a full burst at once', () => {
  const rate = limiter(10, 20);
  assert.ok(rate.take(20).every((v) => v === 'ok'));
});

test('the frame after a burst is dropped, and only the first drop of a spell is flagged', () => {
  const rate = limiter(10, 20);
  rate.take(20);
  assert.deepEqual(rate.take(3), [
    { dropped: true, first: true },
    { dropped: true, first: false },
    { dropped: true, first: false },
  ]);
});

test('a steady sender at the rate is never dropped', () => {
  const rate = limiter(10, 20);
  for (let i = 0; i < 1000; i++) {
    rate.advanceMs(100);
    assert.equal(rate.take(1)[0], 'ok');
  }
});

test('a client that overshot is served again once it pauses, and a new spell is flagged again', () => {
  const rate = limiter(10, 20);
  rate.take(25);
  rate.advanceMs(1000); // repays the debt of 5 and earns 5
  assert.ok(rate.take(5).every((v) => v === 'ok'));
  assert.deepEqual(rate.take(1), [{ dropped: true, first: true }]);
});

test('a client that keeps flooding a burst past empty is judged abusive', () => {
  const rate = limiter(10, 20);
  const verdicts = rate.take(41);
  assert.ok(verdicts.slice(0, 20).every((v) => v === 'ok'));
  assert.ok(verdicts.slice(20, 40).every((v) => typeof v === 'object'));
  assert.equal(verdicts[40], 'abusive');
});

test('refills never exceed the burst', () => {
  const rate = limiter(10, 20);
  rate.advanceMs(3_600_000);
  assert.ok(rate.take(20).every((v) => v === 'ok'));
  assert.equal(typeof rate.take(1)[0], 'object');
});

test('a frame with a cost spends that many tokens, and a burst past empty by cost is abusive', () => {
  let now = 0;
  const fanout = createRateLimiter({ ratePerS: 200, burst: 400, nowMs: () => now });
  assert.equal(fanout.take(49), 'ok', 'a broadcast to 49 fits');
  for (let i = 0; i < 7; i++) assert.equal(fanout.take(49), 'ok');
  assert.deepEqual(fanout.take(49), { dropped: true, first: true });
  now += 1000;
  assert.equal(fanout.take(49), 'ok', 'a second later the debt is repaid');
  const verdicts = Array.from({ length: 20 }, () => fanout.take(49));
  assert.equal(verdicts.at(-1), 'abusive');
});

test('one sender may queue up to its share in a receiver, and more once written out', () => {
  const shares = createSenderShares(1000);
  assert.equal(shares.take('flooder', 600), true);
  assert.equal(shares.take('flooder', 600), false, 'past its share: dropped');
  assert.equal(shares.take('carol', 900), true, 'another sender has its own share');
  shares.give('flooder', 600);
  assert.equal(shares.take('flooder', 1000), true);
});
