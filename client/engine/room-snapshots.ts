import type { Identity } from '../../shared/crypto.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import { headOf, lengthOf, type RoomLog } from '../../shared/room-log.ts';
import { certifyWriter, MAX_SNAPSHOT_CHARS, signSave, writerFor, type SnapshotSave } from '../../shared/room-snapshot.ts';
import { checkSnapshot, sealSnapshot, snapshotOf, type CheckedSnapshot, type SnapshotKey } from '../../shared/snapshot-content.ts';
import type { ClientFrame } from '../../shared/protocol.ts';
import type { RoomRules } from '../../shared/room-state.ts';
import type { Cancel, Timers } from './timers.ts';

/**
 * The room's snapshot (shared/room-snapshot.ts), so that roles, removals and the lock outlive the
 * people in the room. The host saves its copy of the log to the server as it changes, sealed under
 * the key the room's broadcasts go under: the link's, or since a removal or lock, the epoch's,
 * which only those let in hold. Whoever arrives is handed it, checks it (shared/snapshot-content.ts)
 * and opens it with the keys this browser kept from its visits (room-memory.ts).
 */
export interface RoomSnapshotsDeps {
  roomId: string;
  rules: RoomRules;
  identity: Identity;
  log(): RoomLog;
  /** The key the room's broadcasts go under now; null while we lack the epoch's. */
  sealKey(): SnapshotKey | null;
  /** Every key a snapshot may be sealed under that this browser holds. */
  keys(): readonly SnapshotKey[];
  /** Our copy is the room's as far as we can tell: we have joined and hold the log. */
  holdsLog(): boolean;
  /** Sends a save; false when it could not be sent (we are not connected). */
  save(save: SnapshotSave): boolean;
  /** Takes the snapshot's log as our copy, while we hold nothing (log-sync.ts). */
  adopt(log: RoomLog): void;
  /** Checkpoints the log, for a snapshot too large to save; false when that cannot be done now. */
  checkpoint(): boolean;
  /** The newest version of the room's snapshot this browser has seen, on any visit. */
  seenVersion: number;
  /** A newer version seen, for the browser to keep. */
  onVersion?(version: number): void;
  timers: Timers;
  trace?: (line: string) => void;
}

export interface RoomSnapshots {
  /** The server handed us the room's snapshot as we arrived; its welcome comes next. */
  arrived(save: SnapshotSave): void;
  /**
   * The server welcomed us: the snapshot that came just before, if it passed every check, is our
   * log while we hold none. `sealed`: one came that is sealed under a key we lack.
   */
  welcomed(): { sealed: boolean };
  /** The server kept our save. */
  saved(version: number): void;
  /** The server refused our save: it goes again with the room's next change. */
  refused(): void;
  /** The log changed: the host saves it once changes settle, and as it leaves when the room ends. */
  update(): void;
  /** The save that goes as we leave, the room having ended here: after everything else, before the goodbye. */
  parting(): Extract<ClientFrame, { type: 'save' }> | undefined;
}

/** Changes within this long go in one save. */
const SAVE_AFTER_MS = 1000;

export function createRoomSnapshots(deps: RoomSnapshotsDeps): RoomSnapshots {
  const trace = deps.trace ?? (() => {});
  const isHost = toBase64Url(deps.identity.publicKey) === deps.rules.hostKey;
  let writer: Identity | null = null;
  let savedHead: string | null = null;
  /** The newest version seen, ours included: the next save goes above it. */
  let newest = deps.seenVersion;
  /** The newest this browser keeps: a snapshot older than it is refused. */
  let kept = deps.seenVersion;
  let pending: Cancel | null = null;
  let checked: CheckedSnapshot | null = null;
  let parting: SnapshotSave | null = null;

  function seen(version: number): void {
    newest = Math.max(newest, version);
    if (version <= kept) return;
    kept = version;
    deps.onVersion?.(version);
  }

  function save(): void {
    pending = null;
    const log = deps.log();
    const key = deps.sealKey();
    if (!deps.holdsLog() || key === null || headOf(log) === savedHead) return;
    writer ??= writerFor(deps.identity, deps.roomId);
    const content = { ...snapshotOf(log), cert: certifyWriter(deps.identity, deps.roomId, toBase64Url(writer.publicKey)) };
    const box = sealSnapshot(content, key.key);
    if (box.length > MAX_SNAPSHOT_CHARS) {
      // A checkpoint leaves only the room itself; a room too large even then is not saved.
      const shrinks = content.entries.length > 0 && deps.checkpoint();
      trace(`snapshot: ${box.length} characters is too large${shrinks ? '; checkpointing first' : ''}`);
      return;
    }
    const version = newest + 1;
    const signed = signSave(writer, deps.roomId, version, box);
    // Sent with the room's end, it could wait behind the end's own messages and be dropped as we close.
    if (log.state.ended) parting = signed;
    const sent = parting !== null || deps.save(signed);
    trace(`snapshot: version ${version} ${parting ? 'goes as we leave' : sent ? 'sent' : 'not sent'}`);
    if (!sent) return;
    savedHead = headOf(log);
    newest = version;
  }

  return {
    arrived(save) {
      checked = checkSnapshot(save, { roomId: deps.roomId, rules: deps.rules, maxEntries: deps.log().maxEntries }, deps.keys(), kept);
      trace(`snapshot: version ${save.version} ${checked.kind === 'refused' ? `refused: ${checked.why}` : checked.kind}`);
      // The host saves above whatever its writer last saved, even a save it cannot open.
      if (isHost && checked.kind !== 'refused') newest = Math.max(newest, save.version);
    },
    welcomed() {
      const arrival = checked;
      checked = null;
      if (arrival?.kind === 'log' && lengthOf(deps.log()) === 0) {
        seen(arrival.version);
        deps.adopt(arrival.log);
      }
      return { sealed: arrival?.kind === 'sealed' };
    },
    saved: seen,
    refused() {
      savedHead = null;
    },
    update() {
      if (!isHost) return;
      // The room closes on us as it ends: no waiting.
      if (deps.log().state.ended) {
        pending?.();
        return save();
      }
      pending ??= deps.timers.after(SAVE_AFTER_MS, save);
    },
    parting: () => (parting ? { type: 'save', ...parting } : undefined),
  };
}
