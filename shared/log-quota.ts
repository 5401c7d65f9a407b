import { assertNever } from './result.ts';
import type { SignedAct } from './room-acts.ts';
import { isStaff, roleOf, type RoomRules, type RoomState } from './room-state.ts';

/**
 * How the room log's places are shared out, so that no member can take what staff need.
 * Every member runs the same rule over the same log, so all agree on which acts fit:
 * - acts by members who are not staff take at most half the log, and each identity at most
 *   ACTS_PER_MEMBER of them (fresh identities are free, so the half is what really bounds them);
 * - everyone but the host stops an eighth short of the end, which is kept for the host;
 * - the host's acts fit until the log is full.
 * So however members flood, staff keep half the log, and the host its own reserve.
 * A member's rank is taken where the act goes: what it signed as a member counts as a member's.
 * The host's checkpoints (checkpoint.ts) start the count again: places are counted from the latest.
 */
export const ACTS_PER_MEMBER = 40;

export type Rank = 'host' | 'staff' | 'member';

export interface LogUsage {
  /** Where the count starts: just after the latest checkpoint, or 0. */
  readonly since: number;
  /** Acts made by members who were not staff when they made them. */
  readonly memberActs: number;
  readonly byMember: ReadonlyMap<string, number>;
}

/** Nothing counted yet, from place `since` on. */
export const usageFrom = (since: number): LogUsage => ({ since, memberActs: 0, byMember: new Map() });
export const noUsage: LogUsage = usageFrom(0);

export function rankOf(state: RoomState, rules: RoomRules, by: string): Rank {
  const role = roleOf(state, rules, by);
  if (role === 'host') return 'host';
  return isStaff(role) ? 'staff' : 'member';
}

export const memberShare = (capacity: number): number => Math.floor(capacity / 2);
export const hostReserve = (capacity: number): number => Math.floor(capacity / 8);

export type Fit = 'fits' | 'full' | 'quota';

/** Whether one more act by `by`, of rank `rank`, fits a log `length` acts long, of which `capacity` may count. */
export function fits(usage: LogUsage, capacity: number, length: number, rank: Rank, by: string): Fit {
  const counted = length - usage.since;
  if (counted >= capacity) return 'full';
  if (rank === 'host') return 'fits';
  if (counted >= capacity - hostReserve(capacity)) return 'quota';
  switch (rank) {
    case 'staff':
      return 'fits';
    case 'member':
      return usage.memberActs < memberShare(capacity) && (usage.byMember.get(by) ?? 0) < ACTS_PER_MEMBER ? 'fits' : 'quota';
    default:
      return assertNever(rank);
  }
}

/** The usage once `signed`, by a signer of rank `rank`, has joined the log. */
export function counted(usage: LogUsage, rank: Rank, signed: Pick<SignedAct, 'by' | 'n' | 'act'>): LogUsage {
  if (signed.act.type === 'checkpoint') return usageFrom(signed.n + 1);
  if (rank !== 'member') return usage;
  const byMember = new Map(usage.byMember);
  byMember.set(signed.by, (byMember.get(signed.by) ?? 0) + 1);
  return { ...usage, memberActs: usage.memberActs + 1, byMember };
}
