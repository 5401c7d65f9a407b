import { createIdentity, sign, type Identity } from '../../shared/crypto.ts';
import { concatBytes, equalBytes, utf8 } from '../../shared/encoding.ts';
import { startVisit } from '../../shared/visit-key.ts';

/**
 * This browser's identity key. Where WebCrypto has Ed25519, the secret is a non-extractable
 * CryptoKey: IndexedDB keeps the key object, and no script, stored copy or extension reading the
 * profile can get its bytes out. It signs only at the start of a visit to a room (visit-key.ts).
 * Elsewhere it is tweetnacl's key pair, as bytes.
 */
export type IdentityKey = { publicKey: Uint8Array; privateKey: CryptoKey } | Identity;

export const ED25519 = { name: 'Ed25519' } as const;
/** PKCS #8 for an Ed25519 private key, up to its 32-byte seed (RFC 8410). */
const PKCS8_SEED_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);

/** A tweetnacl identity's secret as WebCrypto imports it: PKCS #8 around its seed. */
export const pkcs8Of = (identity: Identity): Uint8Array<ArrayBuffer> => Uint8Array.from(concatBytes(PKCS8_SEED_PREFIX, identity.secretKey.subarray(0, 32)));

export const inWebCrypto = (key: IdentityKey): key is { publicKey: Uint8Array; privateKey: CryptoKey } => 'privateKey' in key;

/**
 * Whether WebCrypto's key will do as the identity: it can be stored (Firefox before 136 cannot
 * keep an Ed25519 key in IndexedDB) and signs as RFC 8032 does, deterministically, the same as
 * tweetnacl (Safari's are randomised), since the room writer comes from a signature
 * (room-snapshot.ts). `expected`: tweetnacl's signature of the probe with the same key, if known.
 */
async function usable(subtle: SubtleCrypto, privateKey: CryptoKey, expected?: Uint8Array): Promise<boolean> {
  try {
    structuredClone(privateKey);
  } catch {
    return false;
  }
  const [a, b] = await Promise.all([subtle.sign(ED25519, privateKey, PROBE), subtle.sign(ED25519, privateKey, PROBE)]);
  return equalBytes(new Uint8Array(a), new Uint8Array(b)) && (expected === undefined || equalBytes(new Uint8Array(a), expected));
}

// WebCrypto takes bytes over a plain ArrayBuffer: Uint8Array.from makes one.
const PROBE = Uint8Array.from(utf8('porch identity probe'));

/** A new identity: in WebCrypto where it can be, else tweetnacl's. */
export async function createIdentityKey(subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null): Promise<IdentityKey> {
  try {
    if (!subtle) return createIdentity();
    const pair = (await subtle.generateKey(ED25519, false, ['sign', 'verify'])) as CryptoKeyPair;
    if (!(await usable(subtle, pair.privateKey))) return createIdentity();
    return { publicKey: new Uint8Array(await subtle.exportKey('raw', pair.publicKey)), privateKey: pair.privateKey };
  } catch (error) {
    if (error instanceof DOMException && error.name === 'NotSupportedError') return createIdentity();
    throw new Error('could not make an identity key', { cause: error });
  }
}

/**
 * A tweetnacl identity moved into WebCrypto, non-extractable, the same key; null where the
 * browser lacks Ed25519 or its key would not do (the identity then stays as it is).
 */
export async function intoWebCrypto(identity: Identity, subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null): Promise<IdentityKey | null> {
  if (!subtle) return null;
  try {
    const privateKey = await subtle.importKey('pkcs8', pkcs8Of(identity), ED25519, false, ['sign']);
    // The bytes are dropped only for a key that signs exactly as they do.
    return (await usable(subtle, privateKey, sign(PROBE, identity))) ? { publicKey: identity.publicKey, privateKey } : null;
  } catch (error) {
    if (error instanceof DOMException && error.name === 'NotSupportedError') return null;
    throw new Error('could not move the identity key into WebCrypto', { cause: error });
  }
}

/** What signs in one room: a visit key the WebCrypto identity certified for it, or the tweetnacl identity itself. */
export async function identityInRoom(key: IdentityKey, roomId: string, subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null): Promise<Identity> {
  if (!inWebCrypto(key)) return key;
  if (!subtle) throw new Error('the identity is a WebCrypto key, but WebCrypto is gone');
  const signAsIdentity = async (message: Uint8Array): Promise<Uint8Array> => new Uint8Array(await subtle.sign(ED25519, key.privateKey, Uint8Array.from(message)));
  return startVisit(key.publicKey, signAsIdentity, roomId);
}
