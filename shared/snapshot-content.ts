import * as v from 'valibot';
import { CheckpointSchema, verifyCheckpoint, type Checkpoint } from './checkpoint.ts';
import { seal, unseal } from './crypto.ts';
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from './encoding.ts';
import { SignedActSchema, type SignedAct } from './room-acts.ts';
import { createLog, entriesFrom, entryAt, fromCheckpoint, lengthOf, merge, stateAt, type RoomLog } from './room-log.ts';
import type { RoomRules } from './room-state.ts';

/**
 * What a room's snapshot holds (room-snapshot.ts is how the server keeps it): the log from its
 * latest checkpoint on, exactly what a member hands a newcomer. Whoever opens it checks it as a
 * newcomer would: the checkpoint against the host key from the link, every act after it by its
 * signature and its signer's right at its place. So a snapshot can only be the room's own history.
 */
export interface SnapshotContent {
  /** The checkpoint it starts from; null: the log from its very start. */
  checkpoint: Checkpoint | null;
  entries: readonly SignedAct[];
}

/** Acts after the checkpoint: the host checkpoints every 50 places, so this is only a bound. */
const MAX_SNAPSHOT_ACTS = 200;

const SnapshotContentSchema = v.strictObject({
  checkpoint: v.nullable(CheckpointSchema),
  entries: v.pipe(v.array(SignedActSchema), v.maxLength(MAX_SNAPSHOT_ACTS)),
});

/** The log from its latest checkpoint on (or from its start, before the first). */
export function snapshotOf(log: RoomLog): SnapshotContent {
  for (let n = lengthOf(log) - 1; n >= log.base; n--) {
    const act = entryAt(log, n);
    const state = stateAt(log, n);
    if (act?.act.type === 'checkpoint' && state) return { checkpoint: { act, state }, entries: entriesFrom(log, n + 1) };
  }
  return { checkpoint: log.checkpoint, entries: log.entries };
}

export const sealSnapshot = (content: SnapshotContent, key: Uint8Array): string => toBase64Url(seal(utf8(JSON.stringify(content)), key));

/** The snapshot opened under the first of `keys` that opens it, and parsed; null when none does or it is malformed. */
export function openSnapshot(box: string, keys: readonly Uint8Array[]): SnapshotContent | null {
  const sealed = fromBase64Url(box);
  if (!sealed) return null;
  for (const key of keys) {
    const opened = unseal(sealed, key);
    const text = opened && fromUtf8(opened);
    if (text === null) continue;
    try {
      const parsed = v.safeParse(SnapshotContentSchema, JSON.parse(text));
      return parsed.success ? parsed.output : null;
    } catch {
      // Not JSON: sealed under our key, but not a snapshot.
      return null;
    }
  }
  return null;
}

/**
 * The log a snapshot holds, checked as a newcomer checks what members hand it; null when its
 * checkpoint is not the host's word for this room. Acts after the first that fails its checks are dropped.
 */
export function restoredLog(roomId: string, rules: RoomRules, content: SnapshotContent, maxEntries?: number): RoomLog | null {
  const { checkpoint } = content;
  if (checkpoint && !verifyCheckpoint(checkpoint, roomId, rules)) return null;
  const start = checkpoint ? fromCheckpoint(roomId, rules, checkpoint, maxEntries) : createLog(roomId, rules, maxEntries);
  const merged = merge(start, content.entries);
  return merged.kind === 'extended' ? merged.log : start;
}
