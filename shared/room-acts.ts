import * as v from 'valibot';
import { sign, type Identity } from './crypto.ts';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './encoding.ts';
import { err, ok, type Result } from './result.ts';
import { verifySigned, visitProofFrom, visitProofOf } from './visit-key.ts';

/**
 * Acts change the room: roles, hands, mutes, bans, lock. Each is signed by the identity that
 * performs it, over its place in the room's log (room-log.ts), so members can forward acts to
 * newcomers without being trusted, and nobody can move an act to a moment they held a right.
 * Whether the signer had the right is decided by the reducer (room-state.ts), not here.
 *
 *   signed bytes = DOMAIN ‖ roomId ‖ 0 ‖ canonical JSON of [by, n, prev, act]
 *
 * Signed under a visit key (visit-key.ts), an act carries that key (`vk`) and the identity's
 * certificate for it (`cert`); `by` stays the identity, which roles and bans refer to.
 */
export const MAX_TITLE_LENGTH = 80;
export const MAX_DESCRIPTION_LENGTH = 280;
/** More than a room holds (the server's capacity is 50 by default). */
export const MAX_ADMITTED_AT_LOCK = 100;
const DOMAIN = utf8('porch act v2');

/** 32 bytes in base64url: a key, or a hash (of a log's history up to a place, of a room, of an epoch's key). */
export const Bytes32Schema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/));
const identityKey = Bytes32Schema;
const hashText = Bytes32Schema;
const signatureText = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{86}$/));

const ActBodySchema = v.variant('type', [
  v.strictObject({ type: v.literal('set-kind'), kind: v.picklist(['hangout', 'stage']) }),
  v.strictObject({
    type: v.literal('set-info'),
    title: v.pipe(v.string(), v.maxLength(MAX_TITLE_LENGTH)),
    description: v.pipe(v.string(), v.maxLength(MAX_DESCRIPTION_LENGTH)),
  }),
  v.strictObject({ type: v.literal('take-seat') }),
  v.strictObject({ type: v.literal('raise-hand') }),
  v.strictObject({ type: v.literal('lower-hand') }),
  v.strictObject({ type: v.literal('invite'), target: identityKey }),
  v.strictObject({ type: v.literal('accept-invite') }),
  v.strictObject({ type: v.literal('decline-invite') }),
  v.strictObject({ type: v.literal('leave-stage') }),
  v.strictObject({ type: v.literal('move-to-audience'), target: identityKey }),
  v.strictObject({ type: v.literal('mute'), target: identityKey }),
  v.strictObject({ type: v.literal('allow-unmute'), target: identityKey }),
  v.strictObject({ type: v.literal('make-moderator'), target: identityKey }),
  /** `epoch`: the id of the key the room's broadcasts move to, which the removed never gets (epoch-key.ts). */
  v.strictObject({ type: v.literal('remove'), target: identityKey, epoch: v.exactOptional(hashText) }),
  /** Those already in the room (`admit`) stay; only newcomers wait in the lobby, without the new epoch's key. */
  v.strictObject({
    type: v.literal('lock'),
    admit: v.exactOptional(v.pipe(v.array(identityKey), v.maxLength(MAX_ADMITTED_AT_LOCK))),
    epoch: v.exactOptional(hashText),
  }),
  v.strictObject({ type: v.literal('unlock') }),
  v.strictObject({ type: v.literal('admit'), target: identityKey }),
  v.strictObject({ type: v.literal('end') }),
  /** Everyone here moves to a fresh link, named by its id only (room-link.ts); the room here ends. */
  v.strictObject({ type: v.literal('new-link'), id: hashText }),
  /** While the host is away and the room has no moderators, a speaker keeps order as acting host. */
  v.strictObject({ type: v.literal('stand-in') }),
  /** The host is back: the acting host returns to being a speaker. */
  v.strictObject({ type: v.literal('host-returns') }),
  /** The host vouches for the room as it stands here, by its digest (checkpoint.ts), so newcomers can start from it. */
  v.strictObject({ type: v.literal('checkpoint'), state: hashText }),
]);
export type ActBody = v.InferOutput<typeof ActBodySchema>;

export const SignedActSchema = v.strictObject({
  by: identityKey,
  /** Where in the room's log this act goes: its index, and the hash of the log before it. */
  n: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 31)),
  prev: hashText,
  act: ActBodySchema,
  sig: signatureText,
  vk: v.optional(identityKey),
  cert: v.optional(signatureText),
});
export type SignedAct = v.InferOutput<typeof SignedActSchema>;

/** Who did what, which is all the reducer needs; the log checks signatures and positions. */
export type Authored = Pick<SignedAct, 'by' | 'act'>;

export interface LogPosition {
  n: number;
  prev: string;
}

/** An act's fields in key order, so what is signed never depends on who serialized. */
const fieldsOf = (act: ActBody): [string, unknown][] =>
  Object.keys(act)
    .sort()
    .map((k) => [k, (act as Record<string, unknown>)[k]]);

const canonical = (by: string, { n, prev }: LogPosition, act: ActBody): Uint8Array => utf8(JSON.stringify([by, n, prev, fieldsOf(act)]));

/** Whether two acts say the same thing, whatever order their keys came in. */
export const sameAct = (a: ActBody, b: ActBody): boolean => JSON.stringify(fieldsOf(a)) === JSON.stringify(fieldsOf(b));

/** What the signer signs, and what the log hashes: the act, its author and its exact place in one history. */
export const signedBytesOf = (roomId: string, signed: Pick<SignedAct, 'by' | 'n' | 'prev' | 'act'>): Uint8Array =>
  concatBytes(DOMAIN, utf8(roomId), Uint8Array.of(0), canonical(signed.by, signed, signed.act));

/** An act up to its signature: the bytes to sign, and the signed act once they are. */
export interface ActDraft {
  toSign: Uint8Array;
  signed(signature: Uint8Array): SignedAct;
}

/** An act to sign elsewhere (off the main thread, client/engine/acts-ahead.ts), at this exact place. */
export function draftAct(act: ActBody, position: LogPosition, identity: Identity, roomId: string): ActDraft {
  const unsigned = { by: toBase64Url(identity.publicKey), n: position.n, prev: position.prev, act };
  const visit = visitProofOf(identity);
  return {
    toSign: signedBytesOf(roomId, unsigned),
    signed(signature) {
      const signed = { ...unsigned, sig: toBase64Url(signature) };
      return visit ? { ...signed, vk: toBase64Url(visit.key), cert: toBase64Url(visit.cert) } : signed;
    },
  };
}

export function signAct(act: ActBody, position: LogPosition, identity: Identity, roomId: string): SignedAct {
  const draft = draftAct(act, position, identity, roomId);
  return draft.signed(sign(draft.toSign, identity));
}

/** Whether `by` signed exactly this act at exactly this position, in this room: itself, or through a visit key it certified. */
export function verifyAct(signed: SignedAct, roomId: string): boolean {
  const key = fromBase64Url(signed.by);
  const signature = fromBase64Url(signed.sig);
  const visit = visitProofFrom(signed.vk, signed.cert);
  return key !== null && signature !== null && visit !== 'bad' && verifySigned(roomId, signedBytesOf(roomId, signed), signature, key, visit);
}

/** Shape and signature, for acts that arrive on their own (a log batch parses its acts with SignedActSchema). */
export function parseSignedAct(json: unknown, roomId: string): Result<SignedAct> {
  const parsed = v.safeParse(SignedActSchema, json);
  if (!parsed.success) return err({ code: 'bad-act', message: parsed.issues[0].message });
  if (!verifyAct(parsed.output, roomId)) return err({ code: 'bad-signature', message: 'act signature does not verify' });
  return ok(parsed.output);
}
