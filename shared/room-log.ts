import { derive } from './crypto.ts';
import { toBase64Url, utf8 } from './encoding.ts';
import { signAct, signedBytesOf, verifyAct, type ActBody, type SignedAct } from './room-acts.ts';
import type { Identity } from './crypto.ts';
import { checkpointable, stateDigest, type Checkpoint } from './checkpoint.ts';
import { counted, fits, noUsage, rankOf, usageFrom, type LogUsage, type Rank } from './log-quota.ts';
import { applyAct, initialRoomState, type RoomRules, type RoomState } from './room-state.ts';

/**
 * The room's history: a hash chain of signed acts. Each act is signed over its index and the
 * hash of the log before it, so it is valid at exactly one place in one history: nobody can
 * date an act back to when they held a right, or replay it into another history. An act joins
 * the log only if its signer had the right at that place, so every member who holds the same
 * log holds the same room. A copy may start at a host's checkpoint (checkpoint.ts) instead of at
 * the beginning: places stay counted from the beginning, and what came before is the host's word.
 *
 *   hash(0)   = derive('porch log genesis', roomId)
 *   hash(n+1) = derive('porch log entry', signed bytes of entry n)   (those bytes include hash(n))
 */
export interface RoomLog {
  readonly roomId: string;
  readonly rules: RoomRules;
  /** The place of the first entry this copy holds: 0, or just after the checkpoint it starts from. */
  readonly base: number;
  /** The host's checkpoint this copy starts from (checkpoint.ts); null while it holds the log from the start. */
  readonly checkpoint: Checkpoint | null;
  /** entries[i] is the act at place base + i. */
  readonly entries: readonly SignedAct[];
  /** heads[i] is the hash of the history before place base + i; heads.length === entries.length + 1. */
  readonly heads: readonly string[];
  /** states[i] is the room before place base + i, so a fork is judged by the room before it without replaying the log. */
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
  const heads = [hashOf('porch log genesis', utf8(roomId))];
  return { roomId, rules, base: 0, checkpoint: null, entries: [], heads, states: [initialRoomState], state: initialRoomState, maxEntries, usage: noUsage };
}

/** A copy that starts at a checkpoint the caller has verified (verifyCheckpoint): it holds no act before it. */
export function fromCheckpoint(roomId: string, rules: RoomRules, checkpoint: Checkpoint, maxEntries = MAX_LOG_ENTRIES): RoomLog {
  const base = checkpoint.act.n + 1;
  const { state } = checkpoint;
  return { roomId, rules, base, checkpoint, entries: [], heads: [entryHash(roomId, checkpoint.act)], states: [state], state, maxEntries, usage: usageFrom(base) };
}

/** How many places the room's history has, held or not. */
export const lengthOf = (log: RoomLog): number => log.base + log.entries.length;
export const headOf = (log: RoomLog): string => log.heads[log.heads.length - 1] ?? '';
/** By place in the room's history: undefined before this copy's start or past its end. */
export const entryAt = (log: RoomLog, n: number): SignedAct | undefined => (n >= log.base ? log.entries[n - log.base] : undefined);
export const headAt = (log: RoomLog, n: number): string | undefined => (n >= log.base ? log.heads[n - log.base] : undefined);
export const stateAt = (log: RoomLog, n: number): RoomState | undefined => (n >= log.base ? log.states[n - log.base] : undefined);
/** The acts held from place n on. */
export const entriesFrom = (log: RoomLog, n: number): readonly SignedAct[] => log.entries.slice(Math.max(0, n - log.base));

/** Signs an act for the next place in this log. Whether it takes effect is append's business. */
export const signNext = (log: RoomLog, act: ActBody, identity: Identity): SignedAct =>
  signAct(act, { n: lengthOf(log), prev: headOf(log) }, identity, log.roomId);

/** 'quota': the signer's share of the log is used up (log-quota.ts); 'full': the log is. */
export type AppendRefusal = 'not-next' | 'bad-signature' | 'no-right' | 'quota' | 'full';
export type AppendResult = { ok: true; log: RoomLog } | { ok: false; reason: AppendRefusal };

/** How an act's signature is known good without checking it here: signed by us, or checked ahead (say, by WebCrypto). */
export interface Vouched {
  /** We signed it ourselves a moment ago (signNext). */
  signedHere?: boolean;
  /** Whether this exact act's signature was found genuine already. */
  passed?: (signed: SignedAct) => boolean;
}

/**
 * Adds the act that comes next, if it is signed for this place, fits its signer's share, and its
 * signer has the right. The signature is checked here unless `vouched` says it is known good.
 */
export function append(log: RoomLog, signed: SignedAct, vouched: Vouched = {}): AppendResult {
  if (signed.n !== lengthOf(log) || signed.prev !== headOf(log)) return { ok: false, reason: 'not-next' };
  const signedHere = vouched.signedHere === true || vouched.passed?.(signed) === true;
  if (signed.act.type === 'checkpoint') return appendCheckpoint(log, signed, signedHere);
  const rank = rankOf(log.state, log.rules, signed.by);
  const fit = fits(log.usage, log.maxEntries, lengthOf(log), rank, signed.by);
  // Checked before the signature, which costs far more.
  if (fit !== 'fits') return { ok: false, reason: fit };
  if (!signedHere && !verifyAct(signed, log.roomId)) return { ok: false, reason: 'bad-signature' };
  const state = applyAct(log.state, log.rules, signed);
  if (state === log.state) return { ok: false, reason: 'no-right' };
  return { ok: true, log: withEntry(log, signed, state, rank) };
}

/**
 * A checkpoint always fits, so that a full log can be started afresh; it holds only if the host
 * signed it, the room has not ended, and it names the room as it stands, in a size a message carries.
 */
function appendCheckpoint(log: RoomLog, signed: SignedAct, signedHere: boolean): AppendResult {
  const { act } = signed;
  const holds = signed.by === log.rules.hostKey && !log.state.ended && checkpointable(log.state) && act.type === 'checkpoint' && act.state === stateDigest(log.state);
  if (!holds) return { ok: false, reason: 'no-right' };
  if (!signedHere && !verifyAct(signed, log.roomId)) return { ok: false, reason: 'bad-signature' };
  return { ok: true, log: withEntry(log, signed, log.state, 'host') };
}

function withEntry(log: RoomLog, signed: SignedAct, state: RoomState, rank: Rank): RoomLog {
  return {
    ...log,
    entries: [...log.entries, signed],
    heads: [...log.heads, entryHash(log.roomId, signed)],
    states: [...log.states, state],
    state,
    usage: counted(log.usage, rank, signed),
  };
}

/** The log cut back to its first n places (already verified, so only recounted); n is never before the copy's start. */
export function truncate(log: RoomLog, n: number): RoomLog {
  if (n >= lengthOf(log)) return log;
  const keep = n - log.base;
  if (keep < 0) throw new Error(`truncate: place ${n} is before this copy's start at ${log.base}`);
  const entries = log.entries.slice(0, keep);
  const states = log.states.slice(0, keep + 1);
  const usage = entries.reduce((counts, entry, i) => counted(counts, rankOf(states[i] ?? initialRoomState, log.rules, entry.by), entry), usageFrom(log.base));
  return { ...log, entries, heads: log.heads.slice(0, keep + 1), states, state: states[keep] ?? initialRoomState, usage };
}

/**
 * The copy from the checkpoint at place n on, the acts before it let go: the same room and the
 * same count of places. n must hold a checkpoint.
 */
export function compactAt(log: RoomLog, n: number): RoomLog {
  const act = entryAt(log, n);
  const state = stateAt(log, n);
  if (act?.act.type !== 'checkpoint' || state === undefined) throw new Error(`compactAt: place ${n} holds no checkpoint`);
  const drop = n + 1 - log.base;
  return { ...log, base: n + 1, checkpoint: { act, state }, entries: log.entries.slice(drop), heads: log.heads.slice(drop), states: log.states.slice(drop) };
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

export function merge(log: RoomLog, batch: readonly SignedAct[], passed?: Vouched['passed']): MergeResult {
  const vouched = passed ? { passed } : {};
  let current = log;
  let added = 0;
  for (const [i, signed] of batch.entries()) {
    const length = lengthOf(current);
    if (signed.n > length) return added > 0 ? extended(current, added, 0) : { kind: 'gap', from: length };
    // Before our copy's start: the checkpoint we start from speaks for that history.
    if (signed.n < current.base) continue;
    if (signed.n < length) {
      if (entryHash(log.roomId, signed) === headAt(current, signed.n + 1)) continue;
      if (signed.prev !== headAt(current, signed.n)) return extended(current, added, 0, 'not-next');
      const { log: theirs, reason } = appendAll(truncate(current, signed.n), batch.slice(i), vouched);
      const refused = reason ? 1 : 0;
      return lengthOf(theirs) > signed.n ? { kind: 'fork', at: signed.n, theirs, refused } : extended(current, added, refused, reason);
    }
    const next = append(current, signed, vouched);
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

function appendAll(log: RoomLog, batch: readonly SignedAct[], vouched: Vouched): { log: RoomLog; reason?: AppendRefusal } {
  let current = log;
  for (const signed of batch) {
    const next = append(current, signed, vouched);
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
    if (signed.n >= lengthOf(log)) return null;
    if (signed.n < log.base || entryHash(log.roomId, signed) === headAt(log, signed.n + 1)) continue;
    return signed.prev === headAt(log, signed.n) ? signed : null;
  }
  return null;
}
