import nacl from 'tweetnacl';
import { verify, type Identity } from './crypto.ts';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './encoding.ts';
import { writerCertBytes, writerOfSeed, writerSeedBytes } from './room-snapshot.ts';

/**
 * Visit keys, for browsers that keep a person's identity as a non-extractable WebCrypto key. Such a
 * key signs only asynchronously, and only inside the browser, so the identity signs once as a visit
 * to a room starts: a certificate for a fresh tweetnacl key made for that visit, which then signs
 * the visit's acts and introductions at once. The visit key lives in memory only and speaks for
 * the identity in that room alone.
 *
 *   cert = ed25519(identity, DOMAIN ‖ roomId ‖ 0 ‖ visitKey)
 *
 * What is signed under a visit key carries the key and its certificate; a checker accepts it only
 * if the identity certified that key for this room and the key signed the message.
 */
const DOMAIN = utf8('porch visit key v1\n');

/** The visit key a signature was made with, and the identity's certificate for it. */
export interface VisitProof {
  key: Uint8Array;
  cert: Uint8Array;
}

export const visitCertBytes = (roomId: string, visitKey: Uint8Array): Uint8Array => concatBytes(DOMAIN, utf8(roomId), Uint8Array.of(0), visitKey);

/** Signs as the identity, the way the browser's WebCrypto key does: asynchronously. */
export type IdentitySigner = (message: Uint8Array) => Promise<Uint8Array>;

/**
 * The identity this browser uses in one room: a fresh visit key, certified, with the room writer's
 * seed and certificate signed now, as they too need the identity itself.
 */
export async function startVisit(identityKey: Uint8Array, signAsIdentity: IdentitySigner, roomId: string): Promise<Identity> {
  const pair = nacl.sign.keyPair();
  const [cert, writerSeed] = await Promise.all([signAsIdentity(visitCertBytes(roomId, pair.publicKey)), signAsIdentity(writerSeedBytes(roomId))]);
  const writerCert = await signAsIdentity(writerCertBytes(roomId, toBase64Url(writerOfSeed(writerSeed).publicKey)));
  return { publicKey: identityKey, secretKey: pair.secretKey, visit: { roomId, publicKey: pair.publicKey, cert, writerSeed, writerCert } };
}

/** One Ed25519 signature to check: `signer`'s over `message`. */
export interface SignatureClaim {
  message: Uint8Array;
  signature: Uint8Array;
  signer: Uint8Array;
}

/** What makes `signature` over `message` `signer`'s in this room: its own signature, or a visit key's it certified for it. */
export function signatureClaims(roomId: string, message: Uint8Array, signature: Uint8Array, signer: Uint8Array, visit: VisitProof | null): SignatureClaim[] {
  if (!visit) return [{ message, signature, signer }];
  return [
    { message: visitCertBytes(roomId, visit.key), signature: visit.cert, signer },
    { message, signature, signer: visit.key },
  ];
}

/** Whether `signer` made `signature` over `message` in this room: itself, or through a visit key it certified for it. */
export function verifySigned(roomId: string, message: Uint8Array, signature: Uint8Array, signer: Uint8Array, visit: VisitProof | null): boolean {
  return claimsHold(signatureClaims(roomId, message, signature, signer, visit));
}

/** Whether every claim holds: found genuine already (`checked`), or checked here. */
export const claimsHold = (claims: readonly SignatureClaim[], checked?: (claim: SignatureClaim) => boolean): boolean =>
  claims.every((claim) => checked?.(claim) === true || verify(claim.message, claim.signature, claim.signer));

/** The proof to attach to what `identity` signs; null when it signs as itself. */
export const visitProofOf = (identity: Identity): VisitProof | null => (identity.visit ? { key: identity.visit.publicKey, cert: identity.visit.cert } : null);

/** A proof as text carries it (acts): none (null), or both halves; 'bad' when one is missing or unreadable. */
export function visitProofFrom(key: string | undefined, cert: string | undefined): VisitProof | null | 'bad' {
  if (key === undefined && cert === undefined) return null;
  const keyBytes = key === undefined ? null : fromBase64Url(key);
  const certBytes = cert === undefined ? null : fromBase64Url(cert);
  return keyBytes && certBytes ? { key: keyBytes, cert: certBytes } : 'bad';
}
