import { createIdentity, type Identity } from '../../shared/crypto.ts';
import { concatBytes } from '../../shared/encoding.ts';
import { startVisit } from '../../shared/visit-key.ts';

/**
 * This browser's identity key. Where WebCrypto has Ed25519, the secret is a non-extractable
 * CryptoKey: IndexedDB keeps the key object, and no script, stored copy or extension reading the
 * profile can get its bytes out. It signs only at the start of a visit to a room (visit-key.ts).
 * Elsewhere it is tweetnacl's key pair, as bytes.
 */
export type IdentityKey = { publicKey: Uint8Array; privateKey: CryptoKey } | Identity;

const ED25519 = { name: 'Ed25519' } as const;
/** PKCS #8 for an Ed25519 private key, up to its 32-byte seed (RFC 8410). */
const PKCS8_SEED_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);

const inWebCrypto = (key: IdentityKey): key is { publicKey: Uint8Array; privateKey: CryptoKey } => 'privateKey' in key;

/** A new identity: in WebCrypto where it can be, else tweetnacl's. */
export async function createIdentityKey(subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null): Promise<IdentityKey> {
  try {
    if (!subtle) return createIdentity();
    const pair = (await subtle.generateKey(ED25519, false, ['sign', 'verify'])) as CryptoKeyPair;
    return { publicKey: new Uint8Array(await subtle.exportKey('raw', pair.publicKey)), privateKey: pair.privateKey };
  } catch (error) {
    if (error instanceof DOMException && error.name === 'NotSupportedError') return createIdentity();
    throw new Error('could not make an identity key', { cause: error });
  }
}

/**
 * A tweetnacl identity moved into WebCrypto, non-extractable, the same key; null where the
 * browser lacks Ed25519 (the identity then stays as it is).
 */
export async function intoWebCrypto(identity: Identity, subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null): Promise<IdentityKey | null> {
  if (!subtle) return null;
  try {
    const seed = identity.secretKey.subarray(0, 32);
    const privateKey = await subtle.importKey('pkcs8', Uint8Array.from(concatBytes(PKCS8_SEED_PREFIX, seed)), ED25519, false, ['sign']);
    return { publicKey: identity.publicKey, privateKey };
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
