import type { Identity } from '../../shared/crypto.ts';
import { utf8 } from '../../shared/encoding.ts';
import { ED25519, pkcs8Of } from './identity-key.ts';

/**
 * Signs as one identity off the main thread, resolving to its Ed25519 signature; null where this
 * browser cannot, and the caller signs on the page instead (tweetnacl, ~9 ms a signature there).
 */
export type BackgroundSign = (message: Uint8Array) => Promise<Uint8Array | null>;

/** Makes what signs as `identity` off the main thread: so no signer ever signs for another key. */
export type BackgroundSigner = (identity: Identity) => BackgroundSign;

// WebCrypto takes bytes over a plain ArrayBuffer: Uint8Array.from makes one.
const PROBE = Uint8Array.from(utf8('porch background signer probe'));

/**
 * The identity's secret in WebCrypto, once a signature it makes checks out under the key others
 * check its signatures with: a visit's key where the identity signs through one (visit-key.ts),
 * else the identity's own. Null otherwise.
 */
async function keyFor(identity: Identity, subtle: SubtleCrypto): Promise<CryptoKey | null> {
  const [privateKey, publicKey] = await Promise.all([
    subtle.importKey('pkcs8', pkcs8Of(identity), ED25519, false, ['sign']),
    subtle.importKey('raw', Uint8Array.from(identity.visit?.publicKey ?? identity.publicKey), ED25519, false, ['verify']),
  ]);
  const signature = await subtle.sign(ED25519, privateKey, PROBE);
  return (await subtle.verify(ED25519, publicKey, signature, PROBE)) ? privateKey : null;
}

/**
 * With WebCrypto's Ed25519 where the browser has it. The key is imported once, ahead of the first
 * signature, and used only once a signature it makes checks out under the key it signs for,
 * all off the main thread; a key WebCrypto refuses, or a signature it will not make, gives null.
 */
export const webCryptoSigner =
  (subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null): BackgroundSigner =>
  (identity) => {
    // Refused for whatever reason (no Ed25519, a key it will not take): the page signs instead.
    const key: Promise<CryptoKey | null> = subtle ? keyFor(identity, subtle).catch(() => null) : Promise.resolve(null);
    return async (message) => {
      const webCryptoKey = await key;
      if (!subtle || !webCryptoKey) return null;
      return subtle.sign(ED25519, webCryptoKey, Uint8Array.from(message)).then(
        (signature) => new Uint8Array(signature),
        () => null,
      );
    };
  };
