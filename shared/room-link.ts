import { derive, randomBytes } from './crypto.ts';
import { concatBytes, fromBase64Url, toBase64Url } from './encoding.ts';
import { err, ok, type Result } from './result.ts';

/**
 * A room is a 32-byte secret plus its host's identity key; the link carries both in the
 * fragment, which browsers never send:  /r/#<secret, 43 chars>.<host key, 43 chars>
 *
 * Room id and room key derive from both, so a link whose host key was swapped is simply
 * another, empty room: nobody can make themselves host of someone else's room.
 */
export const ROOM_SECRET_BYTES = 32;
const KEY_TEXT_LENGTH = 43;
const ROOM_ID_BYTES = 16;
/** A link's fragment: the secret, then the host key. */
export const LINK_PATTERN = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

export interface RoomSecret {
  readonly bytes: Uint8Array;
  /** The host's ed25519 public key. */
  readonly hostKey: Uint8Array;
  /** The fragment text, without '#'. */
  readonly text: string;
}

export function createRoomSecret(hostKey: Uint8Array, random: (n: number) => Uint8Array = randomBytes): RoomSecret {
  if (hostKey.length !== 32) throw new Error('createRoomSecret: the host key must be 32 bytes');
  const bytes = random(ROOM_SECRET_BYTES);
  return { bytes, hostKey: hostKey.slice(), text: `${toBase64Url(bytes)}.${toBase64Url(hostKey)}` };
}

/** Strict: exactly `<43 base64url>.<43 base64url>` after an optional '#', nothing else. */
export function parseRoomFragment(fragment: string): Result<RoomSecret> {
  const text = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  if (text.length !== 2 * KEY_TEXT_LENGTH + 1) {
    return err({ code: 'bad-link', message: 'This room link is incomplete. Ask for the link again.' });
  }
  const match = LINK_PATTERN.exec(text);
  const bytes = match && fromBase64Url(match[1]!);
  const hostKey = match && fromBase64Url(match[2]!);
  if (!bytes || !hostKey || bytes.length !== ROOM_SECRET_BYTES || hostKey.length !== 32) {
    return err({ code: 'bad-link', message: 'This room link is damaged. Ask for the link again.' });
  }
  return ok({ bytes, hostKey, text });
}

export const roomLink = (origin: string, secret: RoomSecret): string => `${origin}/r/#${secret.text}`;

const material = (secret: RoomSecret): Uint8Array => concatBytes(secret.bytes, secret.hostKey);

/** The only name of the room the signaling server ever sees. */
export const roomIdOf = (secret: RoomSecret): string => toBase64Url(derive('porch room id', material(secret), ROOM_ID_BYTES));

/** Seals every message between members; never leaves the browser. */
export const roomKeyOf = (secret: RoomSecret): Uint8Array => derive('porch room key', material(secret), 32);

/** Names a link without revealing it: a room's log says by this which link everyone moved to. */
export const linkIdOf = (secret: RoomSecret): string => toBase64Url(derive('porch link id', material(secret), 32));
