import type { Identity } from '../../shared/crypto.ts';
import { ED25519, intoWebCrypto, inWebCrypto } from './identity-key.ts';

/**
 * Signs as one identity off the main thread, resolving to its Ed25519 signature; null where this
 * browser cannot, and the caller signs on the page instead (tweetnacl, ~9 ms a signature there).
 */
export type BackgroundSign = (message: Uint8Array) => Promise<Uint8Array | null>;

/** Makes what signs as `identity` off the main thread: so no signer ever signs for another key. */
export type BackgroundSigner = (identity: Identity) => BackgroundSign;

/**
 * With WebCrypto's Ed25519 where the browser has it. The key is imported once, ahead of the first
 * signature, and used only once it signs exactly as tweetnacl does with the same bytes
 * (identity-key.ts); a key WebCrypto refuses, or a signature it will not make, gives null.
 */
export const webCryptoSigner =
  (subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null): BackgroundSigner =>
  (identity) => {
    const key: Promise<CryptoKey | null> = intoWebCrypto(identity, subtle).then(
      (moved) => (moved && inWebCrypto(moved) ? moved.privateKey : null),
      () => null,
    );
    return async (message) => {
      const webCryptoKey = await key;
      if (!subtle || !webCryptoKey) return null;
      return subtle.sign(ED25519, webCryptoKey, Uint8Array.from(message)).then(
        (signature) => new Uint8Array(signature),
        () => null,
      );
    };
  };
