import { createPublicKey, verify } from 'node:crypto';
import { IDENTITY_PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../shared/crypto.ts';
import type { VerifySignature } from '../shared/room-snapshot.ts';

/**
 * Ed25519 checked by Node's OpenSSL rather than tweetnacl, whose pure JavaScript costs the
 * server far more per save; the stores pass it to judgeSave. Same answers for every signature a
 * client makes; stricter on one it never makes: a signature whose S is not reduced below the
 * group order (tweetnacl takes it, OpenSSL does not), so such a save is refused as forged.
 */

/** DER of an Ed25519 SubjectPublicKeyInfo up to the key (RFC 8410): the raw 32 bytes follow. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** False, as tweetnacl's, for a key or signature of the wrong length (OpenSSL would throw on a short key). */
export const verifyNatively: VerifySignature = (message, signature, publicKey) =>
  publicKey.length === IDENTITY_PUBLIC_KEY_BYTES &&
  signature.length === SIGNATURE_BYTES &&
  verify(null, message, createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' }), signature);
