import * as v from 'valibot';
import { sign, verify, type Identity } from './crypto.ts';
import { fromBase64Url, toBase64Url, utf8 } from './encoding.ts';
import { MAX_TITLE_LENGTH } from './peer-message.ts';
import { err, ok, type Result } from './result.ts';

/**
 * Acts change the room: roles, hands, mutes, bans, lock. Each is signed by the identity that
 * performs it, so members can forward acts to newcomers without being trusted themselves.
 * Whether the signer had the right is decided by the reducer (room-state.ts), not here.
 *
 *   signed bytes = DOMAIN ‖ roomId ‖ 0 ‖ canonical JSON of {by, clock, act}
 */
export const MAX_DESCRIPTION_LENGTH = 280;
const DOMAIN = utf8('porch act v1');

const identityKey = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/));

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
  v.strictObject({ type: v.literal('remove'), target: identityKey }),
  v.strictObject({ type: v.literal('lock') }),
  v.strictObject({ type: v.literal('unlock') }),
  v.strictObject({ type: v.literal('admit'), target: identityKey }),
  v.strictObject({ type: v.literal('end') }),
]);
export type ActBody = v.InferOutput<typeof ActBodySchema>;

const SignedActSchema = v.strictObject({
  by: identityKey,
  /** Lamport clock: every member folds acts in (clock, by, sig) order, so all reach the same state. */
  clock: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2 ** 31)),
  act: ActBodySchema,
  sig: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{86}$/)),
});
export type SignedAct = v.InferOutput<typeof SignedActSchema>;

/** Key order fixed by construction, so the signed bytes never depend on who serialized. */
function canonical(by: string, clock: number, act: ActBody): Uint8Array {
  const fields = Object.keys(act)
    .sort()
    .map((k) => [k, (act as Record<string, unknown>)[k]]);
  return utf8(JSON.stringify([by, clock, fields]));
}

const signedBytes = (roomId: string, by: string, clock: number, act: ActBody): Uint8Array =>
  new Uint8Array([...DOMAIN, ...utf8(roomId), 0, ...canonical(by, clock, act)]);

export function signAct(act: ActBody, clock: number, identity: Identity, roomId: string): SignedAct {
  const by = toBase64Url(identity.publicKey);
  return { by, clock, act, sig: toBase64Url(sign(signedBytes(roomId, by, clock, act), identity)) };
}

/** The one parser for acts arriving from other members: shape first, then signature. */
export function parseSignedAct(json: unknown, roomId: string): Result<SignedAct> {
  const parsed = v.safeParse(SignedActSchema, json);
  if (!parsed.success) return err({ code: 'bad-act', message: parsed.issues[0].message });
  const { by, clock, act, sig } = parsed.output;
  const key = fromBase64Url(by);
  const signature = fromBase64Url(sig);
  if (!key || !signature || !verify(signedBytes(roomId, by, clock, act), signature, key)) {
    return err({ code: 'bad-signature', message: 'act signature does not verify' });
  }
  return ok(parsed.output);
}

/** The total order every member folds acts in. */
export function compareActs(a: SignedAct, b: SignedAct): number {
  return a.clock - b.clock || (a.by < b.by ? -1 : a.by > b.by ? 1 : 0) || (a.sig < b.sig ? -1 : a.sig > b.sig ? 1 : 0);
}
