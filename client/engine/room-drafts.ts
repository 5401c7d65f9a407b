import { get, set } from 'idb-keyval';
import type { RoomKind } from '../../shared/room-state.ts';

/** What the creator chose on the landing page, kept by this browser only. */
export interface RoomDraft {
  title: string;
  kind: RoomKind;
  /** Of a room everyone moved from (new-links.ts): its moderators and removed identities, by key. */
  moderators?: readonly string[];
  banned?: readonly string[];
}

const defaultDraft: RoomDraft = { title: '', kind: 'hangout' };

const keyOf = (roomId: string): string => `porch:draft:${roomId}`;

/** A stored draft read back; anything not shaped like one gives the defaults. */
export function parseRoomDraft(stored: unknown): RoomDraft {
  if (!stored || typeof stored !== 'object') return defaultDraft;
  const { title, kind, moderators, banned } = stored as Partial<Record<keyof RoomDraft, unknown>>;
  if (typeof title !== 'string' || (kind !== 'hangout' && kind !== 'stage')) return defaultDraft;
  return { title, kind, ...(isKeyList(moderators) ? { moderators } : {}), ...(isKeyList(banned) ? { banned } : {}) };
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

const isKeyList = (value: unknown): value is string[] => Array.isArray(value) && value.every((key) => typeof key === 'string' && /^[A-Za-z0-9_-]{43}$/.test(key));

export async function saveRoomDraft(roomId: string, draft: RoomDraft): Promise<void> {
  try {
    await set(keyOf(roomId), draft);
  } catch {
    // Without storage the title and room type are simply not applied; the room works the same.
  }
}
