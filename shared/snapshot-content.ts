import * as v from 'valibot';
import { CheckpointSchema, verifyCheckpoint, type Checkpoint } from './checkpoint.ts';
import { seal, unseal } from './crypto.ts';
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from './encoding.ts';
import { SignedActSchema, type SignedAct } from './room-acts.ts';
import { createLog, entriesFrom, entryAt, fromCheckpoint, lengthOf, merge, stateAt, type RoomLog } from './room-log.ts';
import type { RoomRules } from './room-state.ts';
import { judgeSave, verifyWriterCert, type SnapshotSave } from './room-snapshot.ts';

/**
 * What a room's snapshot holds (room-snapshot.ts is how the server keeps it): the log from its
 * latest checkpoint on, exactly what a member hands a newcomer, and the host's certificate for the
 * writer that saved it. A member takes a snapshot only when every check holds: the writer signed
 * this save, the host certified that writer, the checkpoint is the host's, every act after it is
 * signed and was its signer's right, it opens under the newest key this browser holds of the room,
 * which is the one its room names, and it is no older than one this browser saw. So it can only be
 * a save the host made of its room, and not one from before a removal or lock this browser saw.
 */
export interface SnapshotLog {
  /** The checkpoint it starts from; null: the log from its very start. */
  checkpoint: Checkpoint | null;
  entries: readonly SignedAct[];
}

export interface SnapshotContent extends SnapshotLog {
  /** The host's certificate for the writer (certifyWriter). */
  cert: string;
}

/** A key a snapshot may be sealed under, and the epoch it is the key of (null: the link's key). */
export interface SnapshotKey {
  bytes: Uint8Array;
  epoch: string | null;
}

/** Acts after the checkpoint: the host checkpoints every 50 places, so this is only a bound. */
const MAX_SNAPSHOT_ACTS = 200;

const SnapshotContentSchema = v.strictObject({
  cert: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{86}$/)),
  checkpoint: v.nullable(CheckpointSchema),
  entries: v.pipe(v.array(SignedActSchema), v.maxLength(MAX_SNAPSHOT_ACTS)),
});

/** The log from its latest checkpoint on (or from its start, before the first). */
export function snapshotOf(log: RoomLog): SnapshotLog {
  for (let n = lengthOf(log) - 1; n >= log.base; n--) {
    const act = entryAt(log, n);
    const state = stateAt(log, n);
    if (act?.act.type === 'checkpoint' && state) return { checkpoint: { act, state }, entries: entriesFrom(log, n + 1) };
  }
  return { checkpoint: log.checkpoint, entries: log.entries };
}

export const sealSnapshot = (content: SnapshotContent, key: Uint8Array): string => toBase64Url(seal(utf8(JSON.stringify(content)), key));

/** The snapshot opened under `key`, and parsed. */
function open(box: string, key: SnapshotKey): SnapshotContent | 'sealed' | 'malformed' {
  const sealed = fromBase64Url(box);
  if (!sealed) return 'malformed';
  const opened = unseal(sealed, key.bytes);
  if (!opened) return 'sealed';
  const text = fromUtf8(opened);
  try {
    const parsed = text === null ? null : v.safeParse(SnapshotContentSchema, JSON.parse(text));
    return parsed?.success ? parsed.output : 'malformed';
  } catch {
    // Not JSON: sealed under our key, but not a snapshot.
    return 'malformed';
  }
}

/**
 * The log a snapshot holds, checked as a newcomer checks what members hand it; null when its
 * checkpoint is not the host's word for this room. Acts from the first that fails its checks are dropped.
 */
export function logOfSnapshot(roomId: string, rules: RoomRules, content: SnapshotLog, maxEntries?: number): RoomLog | null {
  const { checkpoint } = content;
  if (checkpoint && !verifyCheckpoint(checkpoint, roomId, rules)) return null;
  const start = checkpoint ? fromCheckpoint(roomId, rules, checkpoint, maxEntries) : createLog(roomId, rules, maxEntries);
  const merged = merge(start, content.entries);
  return merged.kind === 'extended' ? merged.log : start;
}

/** 'sealed': under a key we lack; 'refused': not a save the host made of this room, or older than one we saw. */
export type CheckedSnapshot = { kind: 'log'; log: RoomLog; version: number } | { kind: 'sealed' } | { kind: 'refused'; why: string };

export interface SnapshotRoom {
  roomId: string;
  rules: RoomRules;
  maxEntries?: number;
}

/**
 * Every check a member makes of the snapshot the server hands it (see SnapshotContent). `key`: the
 * newest key of the room's broadcasts this browser holds, as a snapshot under an older one is
 * older than what it knows; `floor`: the newest version it saw or made.
 */
export function checkSnapshot(save: SnapshotSave, room: SnapshotRoom, key: SnapshotKey, floor: number): CheckedSnapshot {
  const { roomId, rules } = room;
  if (judgeSave(roomId, null, save) !== 'saved') return { kind: 'refused', why: 'not signed by its writer' };
  if (save.version < floor) return { kind: 'refused', why: 'older than one this browser saw' };
  const content = open(save.box, key);
  if (content === 'sealed') return { kind: 'sealed' };
  if (content === 'malformed') return { kind: 'refused', why: 'not a snapshot' };
  if (!verifyWriterCert(rules.hostKey, roomId, save.writer, content.cert)) return { kind: 'refused', why: 'its writer is not certified by the host' };
  const log = logOfSnapshot(roomId, rules, content, room.maxEntries);
  if (!log) return { kind: 'refused', why: "its checkpoint is not the host's" };
  if (log.state.epoch !== key.epoch) return { kind: 'refused', why: 'sealed under another key than its room names' };
  return { kind: 'log', log, version: save.version };
}
