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
    usage = counted(usage, rank, { by, n: length, act: { type: 'raise-hand' } });
    length += 1;
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

test("the host's checkpoint starts the count again: a full log and a member's used-up share have room once more", () => {
  const capacity = 10;
  const full = fill(capacity, Array.from({ length: 12 }, () => ({ rank: 'member' as const, by: 'a' })));
  assert.equal(fits(full.usage, capacity, full.length, 'member', 'b'), 'quota');
  const checkpoint = { by: 'h', n: full.length, act: { type: 'checkpoint', state: 'x'.repeat(43) } } as const;
  const after = counted(full.usage, 'host', checkpoint);
  assert.equal(after.since, full.length + 1);
  assert.equal(after.memberActs, 0);
  assert.equal(fits(after, capacity, full.length + 1, 'member', 'a'), 'fits');
  assert.equal(fits(after, capacity, full.length + 1 + capacity, 'host', 'h'), 'full', 'the count is of places since the checkpoint');
});
