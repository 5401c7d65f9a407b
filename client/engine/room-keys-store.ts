import { get, set } from 'idb-keyval';

/**
 * The keys of a room's broadcasts this browser was handed (room-epochs.ts), kept between visits:
 * with them the person opens the room's snapshot when they come back to find nobody there
 * (room-snapshots.ts). Only the few latest are kept, as the room keeps them.
 */
const keyOf = (roomId: string): string => `porch:keys:${roomId}`;
const KEY_BYTES = 32;
/** As many as room-epochs.ts holds. */
const MAX_KEPT = 4;

export async function loadRoomKeys(roomId: string): Promise<Uint8Array[]> {
  try {
    const stored: unknown = await get(keyOf(roomId));
    if (!Array.isArray(stored)) return [];
    return stored.filter((key): key is Uint8Array => key instanceof Uint8Array && key.length === KEY_BYTES).slice(-MAX_KEPT);
  } catch {
    // Private windows may refuse IndexedDB: a snapshot sealed under an epoch's key then waits for a member.
    return [];
  }
}

export async function saveRoomKeys(roomId: string, keys: readonly Uint8Array[]): Promise<void> {
  try {
    await set(keyOf(roomId), keys.slice(-MAX_KEPT));
  } catch {
    // As above: not remembering never stops anyone from being in the room now.
  }
}
