import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTimers } from './timers.ts';

test('a timer runs once after its delay, and not at all once cancelled', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const timers = createTimers();
  const ran: string[] = [];
  timers.after(100, () => ran.push('kept'));
  const cancel = timers.after(100, () => ran.push('cancelled'));
  cancel();
  t.mock.timers.tick(99);
  assert.deepEqual(ran, []);
  t.mock.timers.tick(1);
  assert.deepEqual(ran, ['kept']);
  t.mock.timers.tick(1000);
  assert.deepEqual(ran, ['kept']);
});

test('a repeating timer runs at every interval until cancelled', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const timers = createTimers();
  let count = 0;
  const cancel = timers.every(10, () => (count += 1));
  for (let i = 0; i < 3; i++) t.mock.timers.tick(10);
  assert.equal(count, 3);
  cancel();
  t.mock.timers.tick(100);
  assert.equal(count, 3);
});

test('stopping cancels everything pending, repeating timers included, and schedules nothing afterwards', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const timers = createTimers();
  let count = 0;
  timers.after(50, () => (count += 1));
  timers.every(10, () => (count += 1));
  timers.stop();
  timers.after(5, () => (count += 1));
  t.mock.timers.tick(1000);
  assert.equal(count, 0);
});

test('the time comes from the clock it was given', () => {
  const timers = createTimers({ now: () => 1234, setTimeout: () => 0, clearTimeout: () => {} });
  assert.equal(timers.now(), 1234);
});
