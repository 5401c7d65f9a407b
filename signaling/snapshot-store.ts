import * as v from 'valibot';
import { StoredSnapshotSchema, type SaveVerdict, type SnapshotSave, type StoredSnapshot } from '../shared/room-snapshot.ts';

/**
 * Where the server keeps each room's snapshot (shared/room-snapshot.ts) for whoever arrives next:
 * a file per room on one node (file-snapshots.ts), or Redis for several (redis-snapshots.ts).
 *
 * Invariants, kept by both: a snapshot saved longer than the TTL ago (by its `savedAt`, this
 * server's clock) is absent, so it is handed to nobody and its writer no longer binds; a save
 * is judged by `judgeSave` against what is held and written in one step, so two saves to a room
 * never both win; a forged save changes nothing. A save where none is held (never saved,
 * expired, unreadable) makes a new room: whether the room has one is decided in that same step,
 * so two saves cannot both find a room empty and both count it new. The store holds at most
 * `maxRooms` rooms. A failed read or write rejects; the caller refuses the save and logs it.
 */
export interface SnapshotStore {
  /** The room's snapshot, or null when it has none (never saved, expired, or unreadable). */
  load(room: string): Promise<StoredSnapshot | null>;
  /** Judges the save against the room's snapshot and, if it wins, keeps it. */
  save(room: string, save: SnapshotSave, options: SaveOptions): Promise<StoreVerdict>;
  /** Stops background work and waits for writes under way. Idempotent. */
  close(): Promise<void>;
}

export interface SaveOptions {
  /** Whether the save may make a new room (new-room-quota.ts); saves to rooms held need no leave. */
  mayCreate: boolean;
}

/**
 * What a store did with a save: judgeSave's verdict; 'created': kept, and the room's first
 * snapshot; refused as a new room the caller may not make ('too-many-rooms') or the store has
 * no place for ('store-full').
 */
export type StoreVerdict = SaveVerdict | 'created' | 'too-many-rooms' | 'store-full';

/** What both stores are made with. */
export interface SnapshotStoreOptions {
  /** How long a snapshot is kept after its last save (SNAPSHOT_TTL). */
  ttlMs: number;
  /** Rooms with a snapshot the store keeps at most (SNAPSHOT_MAX_ROOMS). */
  maxRooms: number;
  /** The server's clock, injected so tests can pass the TTL without waiting. */
  now?: () => number;
}

/** Whether a snapshot saved at `savedAt` is still kept at `nowMs`. */
export const isCurrent = (savedAt: number, nowMs: number, ttlMs: number): boolean => nowMs - savedAt < ttlMs;

/**
 * The one parser for a snapshot as a store read it back (a file, a Redis value): null for
 * anything that is not a StoredSnapshot, as a store that cannot read a record holds none.
 */
export function parseStoredSnapshot(text: string): StoredSnapshot | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = v.safeParse(StoredSnapshotSchema, json);
  return parsed.success ? parsed.output : null;
}

/** The record a store keeps for a save it takes: its four fields, named one by one so nothing else a caller's object carries is kept. */
export const stamp = (save: SnapshotSave, savedAt: number): StoredSnapshot => ({ version: save.version, writer: save.writer, box: save.box, sig: save.sig, savedAt });

/** What a store's failure is logged as: its code (ENOSPC, EACCES…) or its name, never its message, which may name the room. */
export function failureCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : typeof error;
}
