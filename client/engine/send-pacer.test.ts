import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeTimers } from '../../test/helpers/fake-timers.ts';
import { createSendPacer, MAX_WAITING } from './send-pacer.ts';
import { createTimers } from './timers.ts';

const LIMITS = { framesPerS: 10, framesBurst: 20, copiesPerS: 50, copiesBurst: 100 };

function setup() {
  const clock = createFakeTimers();
  const written: string[] = [];
  const pacer = createSendPacer({ limits: LIMITS, timers: createTimers(clock), write: (text) => written.push(text) });
  return { clock, written, pacer };
}

test('a broadcast to more members than the copy budget holds goes once that budget is full, not never', () => {
  const { clock, written, pacer } = setup();
  pacer.send('small', 60);
  pacer.send('huge', 500);
  assert.deepEqual(written, ['small']);
  clock.advance(2000);
  assert.deepEqual(written, ['small', 'huge']);
});

test('what comes after a waiting frame waits behind it, even when it alone would fit', () => {
  const { clock, written, pacer } = setup();
  pacer.send('broadcast', 98);
  pacer.send('another broadcast', 98);
  pacer.send('direct', 1);
  assert.deepEqual(written, ['broadcast']);
  clock.advance(2000);
  assert.deepEqual(written, ['broadcast', 'another broadcast', 'direct']);
});

test('a queue that only grows is cut at MAX_WAITING: newer frames are dropped, older ones still go', () => {
  const { clock, written, pacer } = setup();
  for (let i = 0; i < MAX_WAITING + 100; i++) pacer.send(`f${i}`, 0);
  const atOnce = written.length;
  assert.equal(pacer.waiting(), MAX_WAITING);
  clock.advance(1000 * (MAX_WAITING / LIMITS.framesPerS + 1));
  assert.equal(written.length, atOnce + MAX_WAITING);
  assert.equal(written.at(-1), `f${atOnce + MAX_WAITING - 1}`);
});

test('stopped, nothing more is written, whatever was waiting', () => {
  const { clock, written, pacer } = setup();
  for (let i = 0; i < 40; i++) pacer.send(`f${i}`, 0);
  const before = written.length;
  pacer.stop();
  clock.advance(10_000);
  assert.equal(written.length, before);
  assert.equal(pacer.waiting(), 0);
});
