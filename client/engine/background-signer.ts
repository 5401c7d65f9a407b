import { sign, type Identity } from '../../shared/crypto.ts';
import { ED25519, intoWebCrypto, inWebCrypto } from './identity-key.ts';

/** Signs as an identity, resolving to its Ed25519 signature. */
export type BackgroundSign = (message: Uint8Array) => Promise<Uint8Array>;

/**
 * Signs as `identity` without holding up the page: with WebCrypto's Ed25519 where the browser has
 * it, off the main thread (tweetnacl takes ~9 ms a signature there, a long task when a click signs
 * several). The key is imported once, ahead of the first signature, and kept only if it signs
 * exactly as tweetnacl does (identity-key.ts). Elsewhere, or should WebCrypto refuse a signature,
 * tweetnacl signs.
 */
export function createBackgroundSigner(identity: Identity, subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null): BackgroundSign {
  const key: Promise<CryptoKey | null> = intoWebCrypto(identity, subtle).then(
    (moved) => (moved && inWebCrypto(moved) ? moved.privateKey : null),
    // A key WebCrypto will not take, for whatever reason, leaves signing to tweetnacl.
    () => null,
  );
  return async (message) => {
    const webCryptoKey = await key;
    if (!subtle || !webCryptoKey) return sign(message, identity);
    try {
      return new Uint8Array(await subtle.sign(ED25519, webCryptoKey, Uint8Array.from(message)));
    } catch {
      // A key that imported but will not sign now: tweetnacl still can.
      return sign(message, identity);
    }
  };
}
