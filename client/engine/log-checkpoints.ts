import { verifyCheckpoint, checkpointable, type Checkpoint } from '../../shared/checkpoint.ts';
import type { SignedAct } from '../../shared/room-acts.ts';
import { entriesFrom, entryAt, fromCheckpoint, headAt, lengthOf, type RoomLog } from '../../shared/room-log.ts';

/**
 * Checkpoints in a member's copy of the log (shared/checkpoint.ts). The host makes one every
 * CHECKPOINT_EVERY places, so that the log's places never run out and a newcomer checks few
 * signatures. Members let go of the acts before a checkpoint once they have held it for as long
 * as a fork may still undo it (log-copy.ts), and from then on hand newcomers that checkpoint
 * instead of the history before it.
 */
export const CHECKPOINT_EVERY = 50;

/** Whether the host should checkpoint now: enough places counted since the last (a small log sooner), and a room one message carries. */
export function checkpointDue(log: RoomLog): boolean {
  const every = Math.min(CHECKPOINT_EVERY, Math.floor(log.maxEntries / 4));
  return lengthOf(log) - log.usage.since >= every && !log.state.ended && checkpointable(log.state);
}

/**
 * What a checkpoint a member handed us means for our copy:
 * - 'held': we hold it, or start past it;
 * - 'act': it goes at our next place, or parts from ours just at its own place: taken, or settled
 *   as a fork, like any act;
 * - 'forged': not the host's word for this room;
 * - 'start': the host's history, which we do not hold up to there: we start from it, as the host's
 *   history wins however old. `dropped` is what we held that may not be in it: all we held if we
 *   hold its place on another history, or if we held only our own acts (made while we could not
 *   wait for the log); else nothing, for behind it we cannot tell our acts from the host's.
 */
export type HandedCheckpoint = { kind: 'held' } | { kind: 'act' } | { kind: 'forged' } | { kind: 'start'; log: RoomLog; dropped: readonly SignedAct[] };

export function handedCheckpoint(log: RoomLog, checkpoint: Checkpoint, selfKey: string): HandedCheckpoint {
  const { act } = checkpoint;
  if (act.n < log.base || entryAt(log, act.n)?.sig === act.sig) return { kind: 'held' };
  const length = lengthOf(log);
  if (act.n <= length && act.prev === headAt(log, act.n)) return { kind: 'act' };
  if (!verifyCheckpoint(checkpoint, log.roomId, log.rules)) return { kind: 'forged' };
  const ours = entriesFrom(log, log.base);
  const forked = act.n <= length;
  const dropped = forked || ours.every((entry) => entry.by === selfKey) ? ours : [];
  return { kind: 'start', log: fromCheckpoint(log.roomId, log.rules, checkpoint, log.maxEntries), dropped };
}
