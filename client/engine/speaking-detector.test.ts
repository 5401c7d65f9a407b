import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeTimers } from '../../test/helpers/fake-timers.ts';
import { createTimers } from './timers.ts';
import { createSpeakingDetector, type SpeakingDetectorOptions } from './speaking-detector.ts';

const ADA = 'ada_0123456789abcdef';
const BOB = 'bob_0123456789abcdef';

/**
 * Drives the detector with a manual clock.
 * `levels` is what the next tick samples; `changes` records every onChange as [self, sorted remote ids].
 */
function setup(t: TestContext, options: Partial<SpeakingDetectorOptions> = {}) {
  const clock = createFakeTimers();
  let samples = 0;
  const levels = { self: 0, remote: new Map<string, number>() };
  const changes: [boolean, string[]][] = [];
  const detector = createSpeakingDetector({
    sample: () => {
      samples += 1;
      return { self: levels.self, remote: new Map(levels.remote) };
    },
    onChange: (self, remote) => changes.push([self, [...remote].sort()]),
    timers: createTimers(clock),
    ...options,
  });
  t.after(() => detector.stop());
  const tick = (ms = 100): void => {
    clock.advance(ms);
  };
  return { detector, levels, changes, tick, samples: () => samples };
}

test('a remote level at the threshold counts as speaking and one below it does not', (t) => {
  const { detector, levels, changes, tick } = setup(t);
  detector.start();
  levels.remote.set(ADA, 0.019).set(BOB, 0.02);
  tick();
  assert.deepEqual(changes, [[false, [BOB]]]);
});

test('a custom threshold is honoured', (t) => {
  const { detector, levels, changes, tick } = setup(t, { threshold: 0.5 });
  detector.start();
  levels.remote.set(ADA, 0.4);
  tick();
  assert.deepEqual(changes, []);
  levels.remote.set(ADA, 0.5);
  tick();
  assert.deepEqual(changes, [[false, [ADA]]]);
});

test('onChange fires only when who is speaking changes', (t) => {
  const { detector, levels, changes, tick } = setup(t);
  detector.start();
  tick();
  tick();
  assert.deepEqual(changes, [], 'silence at the start is no change');
  levels.remote.set(ADA, 0.3);
  tick();
  tick();
  tick();
  assert.deepEqual(changes, [[false, [ADA]]]);
  levels.remote.set(BOB, 0.3);
  tick();
  tick();
  assert.deepEqual(changes, [
    [false, [ADA]],
    [false, [ADA, BOB]],
  ]);
});

test('a speaker stays marked through a pause shorter than the hold and is cleared after it', (t) => {
  const { detector, levels, changes, tick } = setup(t, { holdMs: 400 });
  detector.start();
  levels.remote.set(ADA, 0.3);
  tick(); // loud at 100
  levels.remote.set(ADA, 0);
  tick(); // 200
  tick(); // 300
  tick(); // 400
  tick(); // 500: 400 ms since the last loud sample, still within the hold
  assert.deepEqual(changes, [[false, [ADA]]]);
  tick(); // 600: past the hold
  assert.deepEqual(changes, [
    [false, [ADA]],
    [false, []],
  ]);
});

test('speech that resumes within the hold does not flicker the indicator', (t) => {
  const { detector, levels, changes, tick } = setup(t, { holdMs: 400 });
  detector.start();
  for (const level of [0.3, 0, 0, 0.3, 0, 0, 0, 0.3]) {
    levels.remote.set(ADA, level);
    tick();
  }
  assert.deepEqual(changes, [[false, [ADA]]]);
});

test('our own voice alone turns the self indicator on and off', (t) => {
  const { detector, levels, changes, tick } = setup(t, { holdMs: 400 });
  detector.start();
  levels.self = 0.3;
  tick();
  assert.deepEqual(changes, [[true, []]]);
  levels.self = 0;
  for (let i = 0; i < 5; i++) tick();
  assert.deepEqual(changes, [
    [true, []],
    [false, []],
  ]);
});

test('the self indicator goes off after a remote speaker stopped first', (t) => {
  const { detector, levels, changes, tick } = setup(t, { holdMs: 400 });
  detector.start();
  levels.self = 0.3;
  levels.remote.set(ADA, 0.3);
  tick();
  levels.remote.set(ADA, 0);
  for (let i = 0; i < 5; i++) tick();
  levels.self = 0;
  for (let i = 0; i < 5; i++) tick();
  assert.deepEqual(changes, [
    [true, [ADA]],
    [true, []],
    [false, []],
  ]);
});

test('a member who disappears from the sample stops speaking at once', (t) => {
  const { detector, levels, changes, tick } = setup(t, { holdMs: 400 });
  detector.start();
  levels.remote.set(ADA, 0.3);
  tick();
  levels.remote.delete(ADA);
  tick();
  assert.deepEqual(changes, [
    [false, [ADA]],
    [false, []],
  ]);
});

test('ticks follow the interval; start is idempotent and stop ends sampling', (t) => {
  const { detector, tick, samples } = setup(t, { intervalMs: 250 });
  detector.start();
  detector.start();
  tick(249);
  assert.equal(samples(), 0);
  tick(1);
  assert.equal(samples(), 1, 'a second start must not add a second interval');
  tick(250);
  assert.equal(samples(), 2);
  detector.stop();
  tick(1000);
  assert.equal(samples(), 2);
  detector.stop();
});
