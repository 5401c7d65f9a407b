import { derive } from './crypto.ts';
import { toBase64Url, utf8 } from './encoding.ts';
import { signAct, signedBytesOf, verifyAct, type ActBody, type SignedAct } from './room-acts.ts';
import type { Identity } from './crypto.ts';
import { counted, fits, noUsage, rankOf, type LogUsage } from './log-quota.ts';
import { applyAct, initialRoomState, type RoomRules, type RoomState } from './room-state.ts';

/**
 * The room's history: a hash chain of signed acts. Each act is signed over its index and the
 * hash of the log before it, so it is valid at exactly one place in one history: nobody can
 * date an act back to when they held a right, or replay it into another history. An act joins
 * the log only if its signer had the right at that place, so every member who holds the same
 * log holds the same room.
 *
 *   hash(0)   = derive('porch log genesis', roomId)
 *   hash(n+1) = derive('porch log entry', signed bytes of entry n)   (those bytes include hash(n))
 */
export interface RoomLog {
  readonly roomId: string;
  readonly rules: RoomRules;
  readonly entries: readonly SignedAct[];
  /** heads[i] is the hash of the first i entries; heads.length === entries.length + 1. */
  readonly heads: readonly string[];
  /** states[i] is the room after the first i entries, so a fork is judged by the room before it without replaying the log. */
  readonly states: readonly RoomState[];
  /** The room now: the last of states. */
  readonly state: RoomState;
  readonly maxEntries: number;
  /** How many places members' acts hold, which log-quota.ts bounds so that staff acts always fit. */
  readonly usage: LogUsage;
}

/** Beyond this a log takes no more acts: a bound on what everyone holds (log-quota.ts shares it out). */
export const MAX_LOG_ENTRIES = 2000;

const hashOf = (label: string, bytes: Uint8Array): string => toBase64Url(derive(label, bytes, 32));
/** The hash of the log once `signed` has joined it: cheap next to checking its signature. */
export const entryHash = (roomId: string, signed: SignedAct): string => hashOf('porch log entry', signedBytesOf(roomId, signed));

export function createLog(roomId: string, rules: RoomRules, maxEntries = MAX_LOG_ENTRIES): RoomLog {
  return { roomId, rules, entries: [], heads: [hashOf('porch log genesis', utf8(roomId))], states: [initialRoomState], state: initialRoomState, maxEntries, usage: noUsage };
}

export const headOf = (log: RoomLog): string => log.heads[log.heads.length - 1] ?? '';

/** Signs an act for the next place in this log. Whether it takes effect is append's business. */
export const signNext = (log: RoomLog, act: ActBody, identity: Identity): SignedAct =>
  signAct(act, { n: log.entries.length, prev: headOf(log) }, identity, log.roomId);

/** 'quota': the signer's share of the log is used up (log-quota.ts); 'full': the log is. */
export type AppendRefusal = 'not-next' | 'bad-signature' | 'no-right' | 'quota' | 'full';
export type AppendResult = { ok: true; log: RoomLog } | { ok: false; reason: AppendRefusal };

/**
 * Adds the act that comes next, if it is signed for this place, fits its signer's share, and its
 * signer has the right. `signedHere`: we signed it ourselves a moment ago (signNext), so checking
 * the signature again would only cost time.
 */
export function append(log: RoomLog, signed: SignedAct, { signedHere = false } = {}): AppendResult {
  if (signed.n !== log.entries.length || signed.prev !== headOf(log)) return { ok: false, reason: 'not-next' };
  const rank = rankOf(log.state, log.rules, signed.by);
  const fit = fits(log.usage, log.maxEntries, log.entries.length, rank, signed.by);
  // Checked before the signature, which costs far more.
  if (fit !== 'fits') return { ok: false, reason: fit };
  if (!signedHere && !verifyAct(signed, log.roomId)) return { ok: false, reason: 'bad-signature' };
  const state = applyAct(log.state, log.rules, signed);
  if (state === log.state) return { ok: false, reason: 'no-right' };
  return {
    ok: true,
    log: {
      ...log,
      entries: [...log.entries, signed],
      heads: [...log.heads, entryHash(log.roomId, signed)],
      states: [...log.states, state],
      state,
      usage: counted(log.usage, rank, signed.by),
    },
  };
}

/** The log cut back to its first n entries (already verified, so only recounted). */
export function truncate(log: RoomLog, n: number): RoomLog {
  if (n >= log.entries.length) return log;
  const entries = log.entries.slice(0, n);
  const states = log.states.slice(0, n + 1);
  const usage = entries.reduce((counts, entry, i) => counted(counts, rankOf(states[i] ?? initialRoomState, log.rules, entry.by), entry.by), noUsage);
  return { ...log, entries, heads: log.heads.slice(0, n + 1), states, state: states[n] ?? initialRoomState, usage };
}

/**
 * What a batch of acts from another member means for our log:
 * - 'extended': zero or more of them came next and were taken (acts we already hold are skipped);
 * - 'gap': they start beyond our end, so we miss some in between;
 * - 'fork': from index `at` they tell another history; `theirs` is our log up to `at` followed by
 *   as much of theirs as is valid. Which history to keep is the caller's choice (see fork-rule.ts).
 * `refused` counts acts that were signed for their place but failed a check there.
 */
export type MergeResult =
  | { kind: 'extended'; log: RoomLog; added: number; refused: number; reason?: AppendRefusal }
  | { kind: 'gap'; from: number }
  | { kind: 'fork'; at: number; theirs: RoomLog; refused: number };

export function merge(log: RoomLog, batch: readonly SignedAct[]): MergeResult {
  let current = log;
  let added = 0;
  for (const [i, signed] of batch.entries()) {
    if (signed.n > current.entries.length) return added > 0 ? extended(current, added, 0) : { kind: 'gap', from: current.entries.length };
    if (signed.n < current.entries.length) {
      if (entryHash(log.roomId, signed) === current.heads[signed.n + 1]) continue;
      if (signed.prev !== current.heads[signed.n]) return extended(current, added, 0, 'not-next');
      const { log: theirs, reason } = appendAll(truncate(current, signed.n), batch.slice(i));
      const refused = reason ? 1 : 0;
      return theirs.entries.length > signed.n ? { kind: 'fork', at: signed.n, theirs, refused } : extended(current, added, refused, reason);
    }
    const next = append(current, signed);
    if (!next.ok) return extended(current, added, 1, next.reason);
    current = next.log;
    added++;
  }
  return extended(current, added, 0);
}

const extended = (log: RoomLog, added: number, refused: number, reason?: AppendRefusal): MergeResult => ({
  kind: 'extended',
  log,
  added,
  refused,
  ...(reason ? { reason } : {}),
});

function appendAll(log: RoomLog, batch: readonly SignedAct[]): { log: RoomLog; reason?: AppendRefusal } {
  let current = log;
  for (const signed of batch) {
    const next = append(current, signed);
    if (!next.ok) return { log: current, reason: next.reason };
    current = next.log;
  }
  return { log: current };
}

/**
 * The act where a batch parts from our history, if it does, found by hashes alone: no signature
 * is checked, so a fork nobody would take costs next to nothing however often it is sent.
 */
export function partingOf(log: RoomLog, batch: readonly SignedAct[]): SignedAct | null {
  for (const signed of batch) {
    if (signed.n >= log.entries.length) return null;
    if (entryHash(log.roomId, signed) === log.heads[signed.n + 1]) continue;
    return signed.prev === log.heads[signed.n] ? signed : null;
  }
  return null;
}
