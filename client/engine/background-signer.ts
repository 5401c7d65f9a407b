import { sign, type Identity } from '../../shared/crypto.ts';
import { ED25519, pkcs8Of } from './identity-key.ts';

/** Signs as an identity, resolving to its Ed25519 signature. */
export type BackgroundSign = (message: Uint8Array) => Promise<Uint8Array>;

/**
 * Signs as `identity` without holding up the page: with WebCrypto's Ed25519 where the browser has
 * it, off the main thread (tweetnacl takes ~9 ms a signature there, a long task when a click signs
 * several). Where WebCrypto lacks Ed25519 or refuses the key, tweetnacl signs, at once. Either
 * makes a signature anyone checks alike; what is signed here (introductions) is never compared
 * byte for byte, so a browser whose WebCrypto randomises its signatures does as well.
 */
export function createBackgroundSigner(identity: Identity, subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null): BackgroundSign {
  // Imported once, ahead of the first signature. A refusal of any kind leaves signing to tweetnacl.
  const key: Promise<CryptoKey | null> = subtle ? subtle.importKey('pkcs8', pkcs8Of(identity), ED25519, false, ['sign']).catch(() => null) : Promise.resolve(null);
  return async (message) => {
    const webCryptoKey = await key;
    if (!subtle || !webCryptoKey) return sign(message, identity);
    try {
      return new Uint8Array(await subtle.sign(ED25519, webCryptoKey, Uint8Array.from(message)));
    } catch {
      // A key that imported but will not sign: tweetnacl still can.
      return sign(message, identity);
    }
  };
}
