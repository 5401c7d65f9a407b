import nacl from 'tweetnacl';
import * as v from 'valibot';
import { derive, sign, verify, type Identity } from './crypto.ts';
import { fromBase64Url, toBase64Url, utf8 } from './encoding.ts';

/**
 * A room's snapshot: its state, kept by the signaling server for whoever arrives next, so that
 * roles, removals and the lock outlive the people in the room. What is saved is sealed under the
 * room's current key (client/engine/room-snapshots.ts); the server cannot read it. It checks one
 * thing: that a save is signed by the room's writer and is newer than the one it holds.
 *
 * The writer is a key the host derives for this room alone from its identity, so the server
 * cannot tie two rooms to one host. The first save names it (the host saves as soon as it sets a
 * room up); from then on only saves it signs replace the snapshot. Members check more: the server
 * hands them the save whole, and inside the box the host's identity certifies the writer, so a
 * member takes only a save the host made (snapshot-content.ts).
 *
 *   writer seed = derive('porch room writer', sign(identity, 'porch room writer\n' ‖ roomId), 32)
 *   signature   = sign(writer, derive('porch room snapshot', JSON [roomId, version, box], 32))
 *   certificate = sign(identity, derive('porch room writer cert', JSON [roomId, writer], 32))
 */
export interface SnapshotSave {
  /** Strictly greater than the stored snapshot's. */
  version: number;
  /** The writer's public key, base64url. */
  writer: string;
  /** The sealed snapshot, base64url; the server never looks inside. */
  box: string;
  /** The writer's signature over room, version and box, base64url. */
  sig: string;
}

/** A snapshot as a store keeps it: the save, and when it was made (server clock, ms). */
export interface StoredSnapshot extends SnapshotSave {
  savedAt: number;
}

/** Most characters a snapshot's box may have: a frame carries it with the welcome, beside the rest. */
export const MAX_SNAPSHOT_CHARS = 20 * 1024;

const key = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/));
export const SnapshotSaveFields = {
  version: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(Number.MAX_SAFE_INTEGER)),
  writer: key,
  box: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_SNAPSHOT_CHARS), v.regex(/^[A-Za-z0-9_-]+$/)),
  sig: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{86}$/)),
};
export const StoredSnapshotSchema = v.strictObject({ ...SnapshotSaveFields, savedAt: v.pipe(v.number(), v.integer(), v.minValue(0)) });

/** What a store does with a save: keeps it, or refuses it as older than, or not from the writer of, the one it holds. */
export type SaveVerdict = 'saved' | 'stale' | 'not-writer' | 'forged';

const signedBytes = (roomId: string, version: number, box: string): Uint8Array => derive('porch room snapshot', utf8(JSON.stringify([roomId, version, box])), 32);

/** What the identity signs to seed its writer for this room. */
export const writerSeedBytes = (roomId: string): Uint8Array => utf8(`porch room writer\n${roomId}`);

/** The writer that the identity's signature over writerSeedBytes makes. */
export function writerOfSeed(seedSignature: Uint8Array): Identity {
  const pair = nacl.sign.keyPair.fromSeed(derive('porch room writer', seedSignature, 32));
  return { publicKey: pair.publicKey, secretKey: pair.secretKey };
}

/** This room's writer: the same key every time this identity asks, and a different one for every room. */
export function writerFor(identity: Identity, roomId: string): Identity {
  if (identity.visit && identity.visit.roomId !== roomId) throw new Error("a visit knows only its own room's writer");
  return writerOfSeed(identity.visit?.writerSeed ?? sign(writerSeedBytes(roomId), identity));
}

export function signSave(writer: Identity, roomId: string, version: number, box: string): SnapshotSave {
  return { version, writer: toBase64Url(writer.publicKey), box, sig: toBase64Url(sign(signedBytes(roomId, version, box), writer)) };
}

/** What the host's identity signs to certify a writer. */
export const writerCertBytes = (roomId: string, writer: string): Uint8Array => derive('porch room writer cert', utf8(JSON.stringify([roomId, writer])), 32);

/** The host's word that `writer` saves this room: sealed inside the box, where the server cannot see whose it is. */
export function certifyWriter(identity: Identity, roomId: string, writer: string): string {
  if (!identity.visit) return toBase64Url(sign(writerCertBytes(roomId, writer), identity));
  // Under a visit key, the identity certified its own writer as the visit began, and nothing else.
  if (writer !== toBase64Url(writerFor(identity, roomId).publicKey)) throw new Error('a visit certifies only its own writer');
  return toBase64Url(identity.visit.writerCert);
}

export function verifyWriterCert(hostKey: string, roomId: string, writer: string, cert: string): boolean {
  const key = fromBase64Url(hostKey);
  const sig = fromBase64Url(cert);
  return key !== null && sig !== null && verify(writerCertBytes(roomId, writer), sig, key);
}

/** Checks a signature; the server passes a native one (node:crypto), as tweetnacl's costs it far more. */
export type VerifySignature = (message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array) => boolean;

/**
 * Whether a store keeps `save` over what it holds: a first save names the writer; after that,
 * only a newer one signed by the same writer. Pure: a store applies it atomically.
 */
export function judgeSave(roomId: string, stored: Pick<SnapshotSave, 'writer' | 'version'> | null, save: SnapshotSave, check: VerifySignature = verify): SaveVerdict {
  if (stored && stored.writer !== save.writer) return 'not-writer';
  if (stored && save.version <= stored.version) return 'stale';
  const writer = fromBase64Url(save.writer);
  const sig = fromBase64Url(save.sig);
  if (!writer || !sig || writer.length !== 32 || sig.length !== 64 || !check(signedBytes(roomId, save.version, save.box), sig, writer)) return 'forged';
  return 'saved';
}
