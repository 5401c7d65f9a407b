import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNewRoomQuota, NEW_ROOMS_PER_HOUR } from './new-room-quota.ts';

const HOUR_MS = 3_600_000;

function setup() {
  const clock = { ms: 0 };
  const quota = createNewRoomQuota({ nowMs: () => clock.ms });
  const takeAll = (address: string, count: number): boolean[] => Array.from({ length: count }, () => quota.take(address));
  return { clock, quota, takeAll };
}

test('an address makes its allowance of new rooms at once, then one more for each share of the hour', () => {
  const { clock, quota, takeAll } = setup();
  assert.ok(takeAll('192.0.2.1', NEW_ROOMS_PER_HOUR).every(Boolean));
  assert.equal(quota.take('192.0.2.1'), false);
  assert.equal(quota.take('192.0.2.2'), true, 'another address has its own');
  clock.ms += HOUR_MS / NEW_ROOMS_PER_HOUR;
  assert.deepEqual(takeAll('192.0.2.1', 2), [true, false]);
  clock.ms += HOUR_MS;
  assert.equal(takeAll('192.0.2.1', NEW_ROOMS_PER_HOUR + 1).filter(Boolean).length, NEW_ROOMS_PER_HOUR, 'a quiet hour gives back no more than the allowance');
});

test('a place given back, for a save that made no new room, can be taken again', () => {
  const { quota, takeAll } = setup();
  takeAll('192.0.2.1', NEW_ROOMS_PER_HOUR);
  quota.give('192.0.2.1');
  assert.deepEqual(takeAll('192.0.2.1', 2), [true, false]);
});

test('while allowances that are whole again are forgotten, a spent one is kept', () => {
  const { clock, quota, takeAll } = setup();
  // Many addresses, each making one room: a share of the hour later their allowances are whole again.
  for (let i = 0; i < 5000; i += 1) quota.take(`10.0.${i >> 8}.${i & 255}`);
  clock.ms += HOUR_MS / NEW_ROOMS_PER_HOUR;
  takeAll('2001:db8::/64', NEW_ROOMS_PER_HOUR);
  for (let i = 0; i < 5000; i += 1) quota.take(`10.1.${i >> 8}.${i & 255}`);
  assert.equal(quota.take('2001:db8::/64'), false);
  assert.equal(quota.take('10.0.0.1'), true);
});
