import { get, set } from 'idb-keyval';

/**
 * What this browser keeps of a room between visits, for its snapshot (room-snapshots.ts): the keys
 * of the room's broadcasts it was handed (room-epochs.ts), with which it opens the snapshot when it
 * comes back, and the newest version of the snapshot it has seen or made, below which it takes
 * none (a server handing back an older save cannot roll the room back for it).
 */
export interface RoomMemory {
  /** Oldest first; only the few latest, as the room keeps them. */
  keys: Uint8Array[];
  snapshotVersion: number;
}

const keysOf = (roomId: string): string => `porch:keys:${roomId}`;
const versionOf = (roomId: string): string => `porch:snapshot-version:${roomId}`;
const KEY_BYTES = 32;
/** As many as room-epochs.ts holds. */
const MAX_KEPT = 4;

export async function loadRoomMemory(roomId: string): Promise<RoomMemory> {
  try {
    const [keys, version]: unknown[] = await Promise.all([get(keysOf(roomId)), get(versionOf(roomId))]);
    return {
      keys: Array.isArray(keys) ? keys.filter((key): key is Uint8Array => key instanceof Uint8Array && key.length === KEY_BYTES).slice(-MAX_KEPT) : [],
      snapshotVersion: Number.isSafeInteger(version) ? (version as number) : 0,
    };
  } catch {
    // Private windows may refuse IndexedDB: a snapshot sealed under an epoch's key then waits for a member.
    return { keys: [], snapshotVersion: 0 };
  }
}

/** Not remembering never stops anyone from being in the room now. */
const quietly = (write: Promise<void>): Promise<void> => write.catch(() => {});

export const saveRoomKeys = (roomId: string, keys: readonly Uint8Array[]): Promise<void> => quietly(set(keysOf(roomId), keys.slice(-MAX_KEPT)));

export const saveSnapshotVersion = (roomId: string, version: number): Promise<void> => quietly(set(versionOf(roomId), version));
