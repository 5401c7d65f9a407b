import { get, set } from 'idb-keyval';

/** The creator's own copy of a room's title, keyed by the public room id. */
const keyOf = (roomId: string): string => `porch:title:${roomId}`;

export async function loadRoomTitle(roomId: string): Promise<string> {
  try {
    const title: unknown = await get(keyOf(roomId));
    return typeof title === 'string' ? title : '';
  } catch {
    return '';
  }
}

export async function saveRoomTitle(roomId: string, title: string): Promise<void> {
  try {
    await set(keyOf(roomId), title);
  } catch {
    // Without storage the title is simply not shown; the room works the same.
  }
}
