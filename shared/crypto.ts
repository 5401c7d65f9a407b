import nacl from 'tweetnacl';
import { concatBytes, utf8 } from './encoding.ts';

/**
 * The one key-derivation function: SHA-512 over a length-prefixed domain label and the input,
 * truncated. Domain separation keeps a room id from ever being usable as a room key.
 *
 *   derive(label, input, n) = SHA-512( len(label) as 1 byte ‖ label ‖ input )[0..n)
 */
export function derive(label: string, input: Uint8Array, lengthBytes: number): Uint8Array {
  const labelBytes = utf8(label);
  if (labelBytes.length > 255) throw new Error('derive: label too long');
  if (!Number.isInteger(lengthBytes) || lengthBytes < 1 || lengthBytes > 64) throw new Error('derive: length out of range');
  return nacl.hash(concatBytes(Uint8Array.of(labelBytes.length), labelBytes, input)).slice(0, lengthBytes);
}

export const randomBytes = (n: number): Uint8Array => nacl.randomBytes(n);

/**
 * A long-lived ed25519 identity: who a person is across rooms and reloads. `publicKey` is the
 * identity's; `secretKey` signs. Where the browser keeps the identity's own secret in WebCrypto,
 * out of reach of scripts, `secretKey` is a visit key's, which `visit` shows the identity certified
 * for one room (visit-key.ts).
 */
export interface Identity {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  visit?: Visit;
}

/** A visit key's public half and the identity's certificate for it, with what else only the identity signs in that room. */
export interface Visit {
  roomId: string;
  publicKey: Uint8Array;
  cert: Uint8Array;
  /** The identity's signature that seeds the room's writer (room-snapshot.ts): the same on every visit. */
  writerSeed: Uint8Array;
  /** The identity's certificate for that writer. */
  writerCert: Uint8Array;
}

export const IDENTITY_PUBLIC_KEY_BYTES = nacl.sign.publicKeyLength;
export const SIGNATURE_BYTES = nacl.sign.signatureLength;
export const SECRETBOX_NONCE_BYTES = nacl.secretbox.nonceLength;
export const SECRETBOX_MAC_BYTES = nacl.secretbox.overheadLength;

export function createIdentity(): Identity {
  const pair = nacl.sign.keyPair();
  return { publicKey: pair.publicKey, secretKey: pair.secretKey };
}

/** Rebuilds an identity from a stored secret key; null when the bytes are not a valid key pair. */
export function identityFromSecretKey(secretKey: Uint8Array): Identity | null {
  if (secretKey.length !== nacl.sign.secretKeyLength) return null;
  const pair = nacl.sign.keyPair.fromSecretKey(secretKey);
  const probe = utf8('porch identity check');
  return nacl.sign.detached.verify(probe, nacl.sign.detached(probe, pair.secretKey), pair.publicKey)
    ? { publicKey: pair.publicKey, secretKey: pair.secretKey }
    : null;
}

export const sign = (message: Uint8Array, identity: Identity): Uint8Array => nacl.sign.detached(message, identity.secretKey);

export function verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== IDENTITY_PUBLIC_KEY_BYTES) return false;
  return nacl.sign.detached.verify(message, signature, publicKey);
}

/** nonce ‖ XSalsa20-Poly1305(key, nonce, plaintext), with a fresh random nonce every time. */
export function seal(plaintext: Uint8Array, key: Uint8Array): Uint8Array {
  const nonce = randomBytes(SECRETBOX_NONCE_BYTES);
  return concatBytes(nonce, nacl.secretbox(plaintext, nonce, key));
}

/** Null on any failure: wrong key, tampering, truncation. */
export function unseal(sealed: Uint8Array, key: Uint8Array): Uint8Array | null {
  if (sealed.length < SECRETBOX_NONCE_BYTES + SECRETBOX_MAC_BYTES) return null;
  return nacl.secretbox.open(sealed.subarray(SECRETBOX_NONCE_BYTES), sealed.subarray(0, SECRETBOX_NONCE_BYTES), key);
}

/** A per-session X25519 key pair: pairs of members derive one shared key each, once. */
export interface SessionKeys {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

export const SESSION_PUBLIC_KEY_BYTES = nacl.box.publicKeyLength;

export function createSessionKeys(): SessionKeys {
  const pair = nacl.box.keyPair();
  return { publicKey: pair.publicKey, secretKey: pair.secretKey };
}

/** X25519 + HSalsa20 (nacl.box.before): the raw secret two session keys share. */
export function sharedSecret(mine: SessionKeys, theirPublicKey: Uint8Array): Uint8Array {
  return nacl.box.before(theirPublicKey, mine.secretKey);
}
