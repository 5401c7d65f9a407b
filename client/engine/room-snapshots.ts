import type { Identity } from '../../shared/crypto.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import { headOf, lengthOf, type RoomLog } from '../../shared/room-log.ts';
import { MAX_SNAPSHOT_CHARS, signSave, writerFor, type SnapshotSave } from '../../shared/room-snapshot.ts';
import { openSnapshot, restoredLog, sealSnapshot, snapshotOf, type SnapshotContent } from '../../shared/snapshot-content.ts';
import type { RoomRules } from '../../shared/room-state.ts';
import type { Cancel, Timers } from './timers.ts';

/**
 * The room's snapshot (shared/room-snapshot.ts), so that roles, removals and the lock outlive the
 * people in the room. The host saves its copy of the log to the server as it changes, sealed under
 * the key the room's broadcasts go under: the link's, or since a removal or lock, the epoch's,
 * which only those let in hold. Whoever arrives is handed it and opens it with the keys this
 * browser kept from its visits (room-keys-store.ts), checking it as it checks what members hand it.
 */
export interface RoomSnapshotsDeps {
  roomId: string;
  rules: RoomRules;
  identity: Identity;
  log(): RoomLog;
  /** The key the room's broadcasts go under now; null while we lack the epoch's. */
  sealKey(): Uint8Array | null;
  /** Every key a snapshot may be sealed under that this browser holds. */
  keys(): readonly Uint8Array[];
  /** Our copy is the room's as far as we can tell: we have joined and hold the log. */
  holdsLog(): boolean;
  /** False when it could not be sent (we are not connected). */
  save(save: SnapshotSave): boolean;
  /** Takes the snapshot's log as our copy, while we hold nothing (log-sync.ts). */
  restore(log: RoomLog): void;
  /** Checkpoints the log, for a snapshot too large to save; false when that cannot be done now. */
  checkpoint(): boolean;
  /** Its clock is the wall clock: versions must grow across visits. */
  timers: Timers;
  trace?: (line: string) => void;
}

/** 'kept': opened, to restore should nobody here hand us the log; 'sealed': under a key we lack; 'held': we hold the log already (we reconnected). */
export type SnapshotArrival = 'kept' | 'sealed' | 'held';

export interface RoomSnapshots {
  /** The server handed us the room's snapshot as we arrived. */
  arrived(box: string): SnapshotArrival;
  /**
   * Takes the snapshot kept on arrival as our log, while we hold nothing: where nobody here holds
   * the log. Its acts are checked only now, as each costs a signature check.
   */
  restore(): void;
  /** The log changed: the host saves it once changes settle, and at once when the room ends. */
  update(): void;
}

/** Changes within this long go in one save. */
const SAVE_AFTER_MS = 1000;

export function createRoomSnapshots(deps: RoomSnapshotsDeps): RoomSnapshots {
  const trace = deps.trace ?? (() => {});
  const isHost = toBase64Url(deps.identity.publicKey) === deps.rules.hostKey;
  let writer: Identity | null = null;
  let savedHead: string | null = null;
  let version = 0;
  let pending: Cancel | null = null;
  let kept: SnapshotContent | null = null;

  function save(): void {
    pending = null;
    const log = deps.log();
    const key = deps.sealKey();
    if (!deps.holdsLog() || key === null || headOf(log) === savedHead) return;
    const content = snapshotOf(log);
    const box = sealSnapshot(content, key);
    if (box.length > MAX_SNAPSHOT_CHARS) {
      // A checkpoint leaves only the room itself; a room too large even then is not saved.
      const shrinks = content.entries.length > 0 && deps.checkpoint();
      trace(`snapshot: ${box.length} characters is too large${shrinks ? '; checkpointing first' : ''}`);
      return;
    }
    writer ??= writerFor(deps.identity, deps.roomId);
    version = Math.max(deps.timers.now(), version + 1);
    const sent = deps.save(signSave(writer, deps.roomId, version, box));
    trace(`snapshot: version ${version} ${sent ? 'saved' : 'not sent'}`);
    if (sent) savedHead = headOf(log);
  }

  return {
    arrived(box) {
      if (lengthOf(deps.log()) > 0) return 'held';
      kept = openSnapshot(box, deps.keys());
      trace(`snapshot: ${kept ? 'opened' : 'could not be opened'}`);
      return kept ? 'kept' : 'sealed';
    },
    restore() {
      const content = kept;
      kept = null;
      if (!content || lengthOf(deps.log()) > 0) return;
      const log = restoredLog(deps.roomId, deps.rules, content, deps.log().maxEntries);
      trace(`snapshot: ${log ? `restored ${lengthOf(log)} places` : "not the host's word for this room"}`);
      if (log) deps.restore(log);
    },
    update() {
      if (!isHost) return;
      // An ending goes out before the room closes on us.
      if (deps.log().state.ended) {
        pending?.();
        return save();
      }
      pending ??= deps.timers.after(SAVE_AFTER_MS, save);
    },
  };
}
