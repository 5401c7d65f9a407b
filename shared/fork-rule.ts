import { rankOf, type Rank } from './log-quota.ts';
import { sameAct, type SignedAct } from './room-acts.ts';
import { entriesFrom, entryAt, entryHash, headAt, stateAt, type RoomLog } from './room-log.ts';
import { applyAct } from './room-state.ts';

/**
 * Which of two histories to keep where they part: both hold the same log up to index n and a
 * different act there. Every member decides from what both sides share, so all settle on the
 * same history whichever act they saw first. The act that goes first is the one whose signer
 * 1. ranked higher in the room just before it: the host, then staff (moderators, and a speaker
 *    standing in), then everyone else;
 * 2. at equal rank, signed an act earlier in the shared history since the host's latest
 *    checkpoint: whoever was in the log first;
 * 3. only where neither tells them apart (one signer's two acts, or two identities the log has
 *    never seen), the act with the lower hash.
 *
 * Why nobody can win this by trying keys or hashes: rank and first act are read from the history
 * before the fork, which is fixed and the same on both sides, and a fresh key has neither: it is
 * a member, and comes after everyone the log already holds. Trying more keys, or signing more
 * variants of an act, changes only the hash, and the hash decides only between one signer's own
 * acts, or between two newcomers' first acts. Keys made to act early, in advance, gain the place
 * the earliest of them holds, which trying more keys cannot improve. The act that loses is not
 * undone for good: its author makes it again on top of the winner (see stillLost).
 * log-sync.ts applies the rule to recent forks only, and takes a history the host sends however old.
 */
export function prefersFork(ours: RoomLog, theirs: SignedAct): boolean {
  const mine = entryAt(ours, theirs.n);
  if (mine === undefined) return true;
  const before = stateAt(ours, theirs.n);
  if (before === undefined) return false;
  const rank = (act: SignedAct): number => RANK_ORDER.indexOf(rankOf(before, ours.rules, act.by));
  if (rank(theirs) !== rank(mine)) return rank(theirs) > rank(mine);
  const first = (act: SignedAct): number => firstActOf(ours, act.by, theirs.n);
  if (first(theirs) !== first(mine)) return first(theirs) < first(mine);
  return entryHash(ours.roomId, theirs) < (headAt(ours, theirs.n + 1) ?? '');
}

const RANK_ORDER: readonly Rank[] = ['member', 'staff', 'host'];

/**
 * Where `key` first signed an act before place `before`, since the latest checkpoint before it:
 * the same for every member holding that checkpoint, whether its copy starts there or earlier.
 * Infinity if it never did.
 */
function firstActOf(log: RoomLog, key: string, before: number): number {
  let first = Infinity;
  for (let n = before - 1; n >= log.base; n--) {
    const entry = entryAt(log, n);
    if (entry?.act.type === 'checkpoint') break;
    if (entry?.by === key) first = n;
  }
  return first;
}

/**
 * Whether an act that a winning history dropped is still missing from `log`, whose history and the
 * act's parted at index `since`: it is not in the log, its author has not made the same act again
 * since, and its author or the host could still bring it about. Once neither could (it holds
 * anyway, or nobody may make it any more), there is nothing left to make again or warn of.
 * Making it again is for its author alone: its signature binds it to the place it was made.
 */
export function stillLost(log: RoomLog, since: number, lost: SignedAct): boolean {
  if (headAt(log, lost.n + 1) === entryHash(log.roomId, lost)) return false;
  if (entriesFrom(log, since).some((entry) => entry.by === lost.by && sameAct(entry.act, lost.act))) return false;
  return [lost.by, log.rules.hostKey].some((by) => applyAct(log.state, log.rules, { by, act: lost.act }) !== log.state);
}
