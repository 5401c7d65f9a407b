import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ACTS_PER_MEMBER, counted, fits, hostReserve, memberShare, noUsage, type LogUsage, type Rank } from './log-quota.ts';

/** Plays attempts to add acts, keeping those that fit, as append does. */
function fill(capacity: number, attempts: readonly { rank: Rank; by: string }[]): { length: number; usage: LogUsage } {
  let length = 0;
  let usage = noUsage;
  for (const { rank, by } of attempts) {
    if (fits(usage, capacity, length, rank, by) !== 'fits') continue;
    length += 1;
    usage = counted(usage, rank, by);
  }
  return { length, usage };
}

const attempt = fc.record({ rank: fc.constantFrom<Rank>('member', 'staff', 'host'), by: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g') });
const capacity = fc.integer({ min: 8, max: 400 });

test('whatever members do, staff find room in the log', () => {
  fc.assert(
    fc.property(capacity, fc.array(attempt.map((a) => ({ ...a, rank: 'member' as const })), { maxLength: 500 }), (cap, attempts) => {
      const { length, usage } = fill(cap, attempts);
      assert.ok(usage.memberActs <= memberShare(cap));
      for (const count of usage.byMember.values()) assert.ok(count <= ACTS_PER_MEMBER);
      assert.equal(fits(usage, cap, length, 'staff', 'm'), 'fits');
      assert.equal(fits(usage, cap, length, 'host', 'h'), 'fits');
    }),
  );
});

test('whatever members and moderators do, the host finds room in the log', () => {
  fc.assert(
    fc.property(capacity, fc.array(attempt.filter((a) => a.rank !== 'host'), { maxLength: 600 }), (cap, attempts) => {
      const { length, usage } = fill(cap, attempts);
      assert.ok(length <= cap - hostReserve(cap));
      assert.equal(fits(usage, cap, length, 'host', 'h'), 'fits');
    }),
  );
});

test('a log is full for everyone, the host too, at its capacity', () => {
  assert.equal(fits(noUsage, 10, 10, 'host', 'h'), 'full');
});
