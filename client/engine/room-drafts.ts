import { get, set } from 'idb-keyval';
import type { RoomKind } from '../../shared/room-state.ts';

/** What the creator chose on the landing page, kept by this browser only. */
export interface RoomDraft {
  title: string;
  kind: RoomKind;
}

const defaultDraft: RoomDraft = { title: '', kind: 'hangout' };

const keyOf = (roomId: string): string => `porch:draft:${roomId}`;

/** A stored draft read back; anything not shaped like one gives the defaults. */
export function parseRoomDraft(stored: unknown): RoomDraft {
  if (!stored || typeof stored !== 'object') return defaultDraft;
  const { title, kind } = stored as Partial<Record<keyof RoomDraft, unknown>>;
  if (typeof title !== 'string' || (kind !== 'hangout' && kind !== 'stage')) return defaultDraft;
  return { title, kind };
}

/** The draft of a room this browser created, keyed by the public room id; null for anyone else's room. */
export async function loadRoomDraft(roomId: string): Promise<RoomDraft | null> {
  try {
    const stored: unknown = await get(keyOf(roomId));
    return stored === undefined ? null : parseRoomDraft(stored);
  } catch {
    return null;
  }
}

export async function saveRoomDraft(roomId: string, draft: RoomDraft): Promise<void> {
  try {
    await set(keyOf(roomId), draft);
  } catch {
    // Without storage the title and room type are simply not applied; the room works the same.
  }
}
