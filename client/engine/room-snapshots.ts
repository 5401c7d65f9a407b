import type { Identity } from '../../shared/crypto.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import { headOf, lengthOf, type RoomLog } from '../../shared/room-log.ts';
import { certifyWriter, judgeSave, MAX_SNAPSHOT_CHARS, signSave, writerFor, type SnapshotSave } from '../../shared/room-snapshot.ts';
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
  /** The newest key of the room's broadcasts this browser holds: a snapshot under an older one is older than what we know. */
  newestKey(): SnapshotKey;
  /** Our copy is the room's as far as we can tell: we have joined and hold the log. */
  holdsLog(): boolean;
  /** Sends a save; false when it could not be sent (we are not connected). */
  save(save: SnapshotSave): boolean;
  /** Takes the snapshot's log as our copy, while we hold nothing (log-sync.ts). */
  adopt(log: RoomLog): void;
  /** Checkpoints the log, for a snapshot too large to save; false when that cannot be done now. */
  checkpoint(): boolean;
  /** The newest version of the room's snapshot this browser has seen or made, on any visit. */
  seenVersion: number;
  /** A newer version seen or made, for the browser to keep. */
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
  /** The server kept a save; true when it was the one we sent last. */
  saved(version: number): boolean;
  /** The server refused our last save: it goes again once the room changes, or we reconnect. */
  refused(): void;
  /** The log changed: the host saves it once changes settle. */
  update(): void;
  /** As we leave: the host's save of what changed since its last, to go after everything else and before the goodbye. */
  lastSave(): Extract<ClientFrame, { type: 'save' }> | undefined;
}

/** Changes within this long go in one save. */
const SAVE_AFTER_MS = 1000;

export function createRoomSnapshots(deps: RoomSnapshotsDeps): RoomSnapshots {
  const trace = deps.trace ?? (() => {});
  const { roomId } = deps;
  const writer = toBase64Url(deps.identity.publicKey) === deps.rules.hostKey ? writerFor(deps.identity, roomId) : null;
  const writerKey = writer && toBase64Url(writer.publicKey);
  /** Our last save the server was sent, and the head of the log it holds. */
  let sent: { version: number; head: string; acked: boolean } | null = null;
  /** The head of a save the server refused: not sent again until the room changes. */
  let refusedHead: string | null = null;
  /** The newest version seen, ours included: the next save goes above it. */
  let newest = deps.seenVersion;
  /** A snapshot below this is older than one this browser saw or made, and refused. */
  let floor = deps.seenVersion;
  let pending: Cancel | null = null;
  let checked: CheckedSnapshot | null = null;

  /** Whether the room changed since our last save, or the one the server refused. */
  const changed = (head: string): boolean => head !== sent?.head && head !== refusedHead;

  function seen(version: number): void {
    newest = Math.max(newest, version);
    if (version <= floor) return;
    floor = version;
    deps.onVersion?.(version);
  }

  /** The host's save of the room as it stands, if it changed since the last; `shrink`: checkpoint one too large. */
  function nextSave(shrink: boolean): { save: SnapshotSave; head: string } | null {
    const log = deps.log();
    const key = deps.sealKey();
    const head = headOf(log);
    if (!writer || !writerKey || !deps.holdsLog() || key === null || !changed(head)) return null;
    const content = { ...snapshotOf(log), cert: certifyWriter(deps.identity, roomId, writerKey) };
    const box = sealSnapshot(content, key.bytes);
    if (box.length > MAX_SNAPSHOT_CHARS) {
      // A checkpoint leaves only the room itself; a room too large even then is not saved.
      const shrinks = shrink && content.entries.length > 0 && deps.checkpoint();
      trace(`snapshot: ${box.length} characters is too large${shrinks ? '; checkpointing first' : ''}`);
      return null;
    }
    const version = newest + 1;
    // Kept as made: a server that withholds its acknowledgement cannot lower what we refuse below.
    seen(version);
    return { save: signSave(writer, roomId, version, box), head };
  }

  function send(): void {
    pending = null;
    const next = nextSave(true);
    if (!next) return;
    const delivered = deps.save(next.save);
    trace(`snapshot: version ${next.save.version} ${delivered ? 'sent' : 'not sent'}`);
    if (delivered) sent = { version: next.save.version, head: next.head, acked: false };
  }

  return {
    arrived(save) {
      checked = checkSnapshot(save, { roomId, rules: deps.rules, maxEntries: deps.log().maxEntries }, deps.newestKey(), floor);
      trace(`snapshot: version ${save.version} ${checked.kind === 'refused' ? `refused: ${checked.why}` : checked.kind}`);
      // The host saves above what its own writer saved last, even a save it cannot open.
      if (save.writer === writerKey && judgeSave(roomId, null, save) === 'saved') newest = Math.max(newest, save.version);
    },
    welcomed() {
      const arrival = checked;
      checked = null;
      // A save not acknowledged may have been lost with the connection, and a refused one may be taken now.
      if (sent && !sent.acked) sent = null;
      refusedHead = null;
      if (arrival?.kind === 'log' && lengthOf(deps.log()) === 0) {
        seen(arrival.version);
        deps.adopt(arrival.log);
      }
      return { sealed: arrival?.kind === 'sealed' };
    },
    saved(version) {
      if (sent?.version !== version) return false;
      sent.acked = true;
      return true;
    },
    refused() {
      refusedHead = sent?.head ?? null;
      sent = null;
    },
    update() {
      // Called on every refresh of the room: only a change of its log is worth a timer.
      if (writer && changed(headOf(deps.log()))) pending ??= deps.timers.after(SAVE_AFTER_MS, send);
    },
    lastSave() {
      pending?.();
      pending = null;
      const next = nextSave(false);
      if (next) trace(`snapshot: version ${next.save.version} goes as we leave`);
      return next ? { type: 'save', ...next.save } : undefined;
    },
  };
}
