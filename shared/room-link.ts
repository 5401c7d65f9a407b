import { derive, randomBytes } from './crypto.ts';
import { fromBase64Url, toBase64Url } from './encoding.ts';
import { err, ok, type Result } from './result.ts';

/** A room is its 32-byte secret; the link carries it in the fragment, which browsers never send. */
export const ROOM_SECRET_BYTES = 32;
const SECRET_TEXT_LENGTH = 43;
const ROOM_ID_BYTES = 16;

export interface RoomSecret {
  readonly bytes: Uint8Array;
  readonly text: string;
}

export function createRoomSecret(random: (n: number) => Uint8Array = randomBytes): RoomSecret {
  const bytes = random(ROOM_SECRET_BYTES);
  return { bytes, text: toBase64Url(bytes) };
}

/** Strict: exactly 43 base64url characters after an optional '#', nothing else. */
export function parseRoomFragment(fragment: string): Result<RoomSecret> {
  const text = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  if (text.length !== SECRET_TEXT_LENGTH) {
    return err({ code: 'bad-link', message: 'This room link is incomplete. Ask for the link again.' });
  }
  const bytes = fromBase64Url(text);
  if (!bytes || bytes.length !== ROOM_SECRET_BYTES) {
    return err({ code: 'bad-link', message: 'This room link is damaged. Ask for the link again.' });
  }
  return ok({ bytes, text });
}

export const roomLink = (origin: string, secret: RoomSecret): string => `${origin}/r/#${secret.text}`;

/** The only name of the room the signaling server ever sees. */
export const roomIdOf = (secret: RoomSecret): string =>
  toBase64Url(derive('porch room id', secret.bytes, ROOM_ID_BYTES));

/** Seals every message between members; never leaves the browser. */
export const roomKeyOf = (secret: RoomSecret): Uint8Array => derive('porch room key', secret.bytes, 32);
