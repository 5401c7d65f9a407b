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
  pacer.send('small', () => 60);
  pacer.send('huge', () => 500);
  assert.deepEqual(written, ['small']);
  clock.advance(2000);
  assert.deepEqual(written, ['small', 'huge']);
});

test('what comes after a waiting frame waits behind it, even when it alone would fit', () => {
  const { clock, written, pacer } = setup();
  pacer.send('broadcast', () => 70);
  pacer.send('another broadcast', () => 70);
  pacer.send('direct', () => 1);
  assert.deepEqual(written, ['broadcast']);
  clock.advance(2000);
  assert.deepEqual(written, ['broadcast', 'another broadcast', 'direct']);
});

test('a queue that only grows is cut at MAX_WAITING: newer frames are dropped, older ones still go', () => {
  const { clock, written, pacer } = setup();
  for (let i = 0; i < MAX_WAITING + 100; i++) pacer.send(`f${i}`, () => 0);
  const atOnce = written.length;
  assert.equal(pacer.waiting(), MAX_WAITING);
  clock.advance(1000 * (MAX_WAITING / (LIMITS.framesPerS * 0.85) + 2));
  assert.equal(written.length, atOnce + MAX_WAITING);
  assert.equal(written.at(-1), `f${atOnce + MAX_WAITING - 1}`);
});

test('stopped, nothing more is written, whatever was waiting', () => {
  const { clock, written, pacer } = setup();
  for (let i = 0; i < 40; i++) pacer.send(`f${i}`, () => 0);
  const before = written.length;
  pacer.stop();
  clock.advance(10_000);
  assert.equal(written.length, before);
  assert.equal(pacer.waiting(), 0);
});

test('a broadcast costs the members there when it goes, not when it was queued', () => {
  const { clock, written, pacer } = setup();
  let members = 10;
  pacer.send('fills the budget', () => 70);
  pacer.send('broadcast', () => members);
  members = 60;
  clock.advance(1000);
  assert.deepEqual(written, ['fills the budget'], 'after a second, ~43 copies are back: enough for 10 members, not for 60');
  clock.advance(1000);
  assert.deepEqual(written, ['fills the budget', 'broadcast']);
});

test('it spends less than the server allows: three quarters of the burst, and 85 % of the rate', () => {
  const { clock, written, pacer } = setup();
  for (let i = 0; i < 100; i++) pacer.send(`f${i}`, () => 0);
  assert.equal(written.length, 15);
  clock.advance(2000);
  const later = written.length - 15;
  assert.ok(later <= 17 && later >= 16, `${later} in two seconds, where the server allows 20`);
});
