import {
  IDENTITY_PUBLIC_KEY_BYTES,
  SESSION_PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
  derive,
  seal,
  sharedSecret,
  sign,
  unseal,
  type Identity,
  type SessionKeys,
} from './crypto.ts';
import { concatBytes, equalBytes, fromBase64Url, toBase64Url, utf8 } from './encoding.ts';
import { err, ok, type Result } from './result.ts';
import { claimsHold, signatureClaims, visitProofOf, type SignatureClaim } from './visit-key.ts';

/**
 * The envelopes member-to-member messages travel in. The server routes them by peer id and
 * sees only their length. There are two kinds, told apart by which key opens them:
 *
 * Introduction (presence; to everyone, or a knock on a member whose session key we lack):
 *   box   = base64url( nonce[24] ‖ secretbox(roomKey, inner) )                  (+16 MAC)
 *   inner = header[12] ‖ sig[64] ‖ identityKey[32] ‖ sessionKey[32] ‖ [visitKey[32] ‖ cert[64]] ‖ body
 *   sig   = ed25519(identity or its visit key, DOMAIN ‖ roomId ‖ 0 ‖ from ‖ 0 ‖ to ‖ 0 ‖ [recipient's sessionKey] ‖ inner without sig)
 *   With flag bit 2, a visit key signs, which the identity certified for this room (visit-key.ts).
 *   roomKey is the room's current broadcast key: the link's own, or an epoch's (epoch-key.ts).
 *
 * Bound introduction (flag bit 1), to one member whose session key we know:
 *   box   = base64url( sessionKey[32] ‖ nonce[24] ‖ secretbox(pairKey(from → to), inner) )
 *   It also signs that member's session key, which it makes anew for each visit, and is sealed
 *   under our pair key, so it opens for that visit only: not an old one replayed, and not for
 *   anyone else who holds the link. The recipient's key is not sent; it puts in its own.
 *
 * Pair message (everything else, e.g. SDP and ICE), once both sides are introduced:
 *   box   = base64url( nonce[24] ‖ secretbox(pairKey(from → to), header[12] ‖ body) )  (+16 MAC)
 *   pairKey(a → b) = derive('porch pair key', X25519(a, b) ‖ roomId ‖ 0 ‖ a ‖ 0 ‖ b, 32)
 *
 *   header = version[1]=2 ‖ flags[1] (bit 0: to everyone, bit 1: bound, bit 2: visit key) ‖ seq[4, BE] ‖ ts[6, BE ms]
 *
 * `from` and `to` are never sent inside: the receiver takes `from` from the server's routing
 * and `to` from itself. An introduction re-routed or re-stamped fails its signature; a pair
 * message does not even decrypt under any other pair's key. Only introductions pay for an
 * ed25519 signature; pair messages cost a secretbox (a few microseconds), which keeps the
 * dozens of envelopes of a WebRTC negotiation off the join's critical path.
 *
 * `fresh` on what opens: made for the receiver's current visit (a pair message, whose key
 * involves the receiver's session key, or a bound introduction), so not an envelope recorded
 * before the receiver came. An unbound introduction within the clock window may be such a replay.
 */
const VERSION = 2;
const DOMAIN = utf8('porch envelope v2');
const FLAG_BROADCAST = 1;
const FLAG_BOUND = 2;
const FLAG_VISIT = 4;
const VISIT_PROOF_BYTES = IDENTITY_PUBLIC_KEY_BYTES + SIGNATURE_BYTES;
const HEADER_BYTES = 12;
/** How far an envelope's timestamp may be from the receiver's clock. */
export const MAX_CLOCK_SKEW_MS = 2 * 60_000;

export interface EnvelopeHeader {
  seq: number;
  ts: number;
}

export type EnvelopeRejection = 'unreadable' | 'malformed' | 'bad-signature' | 'stale' | 'replayed';

export interface OpenedEnvelope extends EnvelopeHeader {
  body: Uint8Array;
  fresh: boolean;
  /** Present on introductions only: who signed, and the session key for pair messages. */
  introduction: { identityKey: Uint8Array; sessionKey: Uint8Array } | null;
}

const zero = Uint8Array.of(0);

function writeHeader(to: string, { seq, ts }: EnvelopeHeader, bound = false, visit = false): Uint8Array {
  const header = new Uint8Array(HEADER_BYTES);
  header[0] = VERSION;
  header[1] = (to === '*' ? FLAG_BROADCAST : 0) | (bound ? FLAG_BOUND : 0) | (visit ? FLAG_VISIT : 0);
  for (let i = 5, v = seq; i >= 2; i--, v = Math.floor(v / 256)) header[i] = v % 256;
  for (let i = 11, v = ts; i >= 6; i--, v = Math.floor(v / 256)) header[i] = v % 256;
  return header;
}

function readHeader(inner: Uint8Array): (EnvelopeHeader & { broadcast: boolean; bound: boolean; visit: boolean }) | null {
  if (inner.length < HEADER_BYTES || inner[0] !== VERSION || inner[1]! & ~(FLAG_BROADCAST | FLAG_BOUND | FLAG_VISIT)) return null;
  const broadcast = (inner[1]! & FLAG_BROADCAST) !== 0;
  const bound = (inner[1]! & FLAG_BOUND) !== 0;
  const visit = (inner[1]! & FLAG_VISIT) !== 0;
  if (broadcast && bound) return null;
  let seq = 0;
  let ts = 0;
  for (let i = 2; i < 6; i++) seq = seq * 256 + inner[i]!;
  for (let i = 6; i < 12; i++) ts = ts * 256 + inner[i]!;
  return { seq, ts, broadcast, bound, visit };
}

/** The key for messages from `from` to `to`; each direction of each pair has its own. */
export function pairKey(mine: SessionKeys, theirSessionKey: Uint8Array, roomId: string, from: string, to: string): Uint8Array {
  const shared = sharedSecret(mine, theirSessionKey);
  return derive('porch pair key', concatBytes(shared, utf8(roomId), zero, utf8(from), zero, utf8(to)), 32);
}

const signedBytes = (roomId: string, from: string, to: string, boundTo: Uint8Array | null, unsigned: Uint8Array): Uint8Array =>
  concatBytes(DOMAIN, utf8(roomId), zero, utf8(from), zero, utf8(to), zero, boundTo ?? new Uint8Array(0), unsigned);

export interface IntroductionOptions {
  roomId: string;
  /** The room's broadcast key: what an unbound introduction is sealed under. */
  roomKey: Uint8Array;
  identity: Identity;
  session: SessionKeys;
  /** The recipient's session key, to bind the introduction to its current visit and seal it for that visit. */
  boundTo?: Uint8Array;
}

/** An introduction up to its signature: the bytes to sign, and what seals it once they are signed. */
export interface IntroductionDraft {
  toSign: Uint8Array;
  seal(signature: Uint8Array): string;
}

/** An introduction to sign elsewhere (off the main thread, client/engine/background-signer.ts) and seal after. */
export function draftIntroduction(from: string, to: string, header: EnvelopeHeader, body: Uint8Array, options: IntroductionOptions): IntroductionDraft {
  const boundTo = options.boundTo ?? null;
  if (boundTo && to === '*') throw new Error('a broadcast cannot be bound to one recipient');
  const visit = visitProofOf(options.identity);
  const head = writeHeader(to, header, boundTo !== null, visit !== null);
  const keys = concatBytes(options.identity.publicKey, options.session.publicKey, ...(visit ? [visit.key, visit.cert] : []));
  return {
    toSign: signedBytes(options.roomId, from, to, boundTo, concatBytes(head, keys, body)),
    seal(signature) {
      if (signature.length !== SIGNATURE_BYTES) throw new Error(`an introduction's signature is ${SIGNATURE_BYTES} bytes, not ${signature.length}`);
      const inner = concatBytes(head, signature, keys, body);
      if (!boundTo) return toBase64Url(seal(inner, options.roomKey));
      return toBase64Url(concatBytes(options.session.publicKey, seal(inner, pairKey(options.session, boundTo, options.roomId, from, to))));
    },
  };
}

/** An introduction signed here and now. */
export function sealIntroduction(from: string, to: string, header: EnvelopeHeader, body: Uint8Array, options: IntroductionOptions): string {
  const draft = draftIntroduction(from, to, header, body, options);
  return draft.seal(sign(draft.toSign, options.identity));
}

export function sealPairMessage(to: string, header: EnvelopeHeader, body: Uint8Array, key: Uint8Array): string {
  if (to === '*') throw new Error('pair messages go to one member; introductions go to everyone');
  return toBase64Url(seal(concatBytes(writeHeader(to, header), body), key));
}

export interface OpenOptions {
  roomId: string;
  /** The keys an unbound introduction may be sealed under: the epochs' we hold, and the link's. */
  roomKeys: readonly Uint8Array[];
  /** The server's routing stamp, not anything the sender claims. */
  from: string;
  self: string;
  /** Our session keys, made for this visit: what bound introductions are signed for and sealed to. */
  session: SessionKeys;
  /** The key for messages from `from` to us, once both sides are introduced. */
  pairKey: Uint8Array | null;
  /** Highest sequence number accepted from `from` so far. */
  lastSeq: number;
  now: number;
  /** A signature already found genuine, off the main thread (see introductionClaims): not checked again. */
  checked?: (claim: SignatureClaim) => boolean;
}

function checkFresh(header: EnvelopeHeader, options: OpenOptions): EnvelopeRejection | null {
  if (Math.abs(options.now - header.ts) > MAX_CLOCK_SKEW_MS) return 'stale';
  if (header.seq <= options.lastSeq) return 'replayed';
  return null;
}

/** An introduction's inner bytes, from whichever key opens it; a bound one names the session key it came with. */
function openIntroduction(sealed: Uint8Array, options: OpenOptions): { inner: Uint8Array; sessionKey: Uint8Array | null } | null {
  for (const key of options.roomKeys) {
    const inner = unseal(sealed, key);
    if (inner) return { inner, sessionKey: null };
  }
  if (sealed.length <= SESSION_PUBLIC_KEY_BYTES) return null;
  const sessionKey = sealed.subarray(0, SESSION_PUBLIC_KEY_BYTES);
  const inner = unseal(sealed.subarray(SESSION_PUBLIC_KEY_BYTES), pairKey(options.session, sessionKey, options.roomId, options.from, options.self));
  return inner && { inner, sessionKey };
}

/** An introduction opened but not yet believed: what it says, and the signatures that would make it so. */
interface UncheckedIntroduction {
  header: EnvelopeHeader & { bound: boolean };
  body: Uint8Array;
  identityKey: Uint8Array;
  sessionKey: Uint8Array;
  claims: SignatureClaim[];
}

function readIntroduction(sealed: Uint8Array, options: OpenOptions): Result<UncheckedIntroduction, EnvelopeRejection> {
  const opened = openIntroduction(sealed, options);
  if (!opened) return err('unreadable');
  const { inner } = opened;
  const header = readHeader(inner);
  const sessionEnd = HEADER_BYTES + SIGNATURE_BYTES + IDENTITY_PUBLIC_KEY_BYTES + SESSION_PUBLIC_KEY_BYTES;
  const keysEnd = sessionEnd + (header?.visit ? VISIT_PROOF_BYTES : 0);
  // Bound exactly when sealed for our visit, under the session key it carries.
  if (!header || inner.length < keysEnd || header.bound !== (opened.sessionKey !== null)) return err('malformed');
  // Freshness first: a replay flood then costs a decryption, not a signature check each.
  const stale = checkFresh(header, options);
  if (stale) return err(stale);
  const signature = inner.subarray(HEADER_BYTES, HEADER_BYTES + SIGNATURE_BYTES);
  const identityKey = inner.subarray(HEADER_BYTES + SIGNATURE_BYTES, HEADER_BYTES + SIGNATURE_BYTES + IDENTITY_PUBLIC_KEY_BYTES);
  const sessionKey = inner.subarray(sessionEnd - SESSION_PUBLIC_KEY_BYTES, sessionEnd);
  const visit = header.visit ? { key: inner.subarray(sessionEnd, sessionEnd + IDENTITY_PUBLIC_KEY_BYTES), cert: inner.subarray(sessionEnd + IDENTITY_PUBLIC_KEY_BYTES, keysEnd) } : null;
  if (opened.sessionKey && !equalBytes(opened.sessionKey, sessionKey)) return err('malformed');
  const unsigned = concatBytes(inner.subarray(0, HEADER_BYTES), inner.subarray(HEADER_BYTES + SIGNATURE_BYTES));
  const to = header.broadcast ? '*' : options.self;
  const boundTo = header.bound ? options.session.publicKey : null;
  const claims = signatureClaims(options.roomId, signedBytes(options.roomId, options.from, to, boundTo, unsigned), signature, identityKey, visit);
  return ok({ header, body: inner.slice(keysEnd), identityKey, sessionKey, claims });
}

/**
 * The signatures that opening `box` would check, to check them ahead, off the main thread: none
 * for a pair message, nor for what would be refused before any check.
 */
export function introductionClaims(box: string, options: OpenOptions): SignatureClaim[] {
  const sealed = fromBase64Url(box);
  if (!sealed || (options.pairKey && unseal(sealed, options.pairKey))) return [];
  const read = readIntroduction(sealed, options);
  return read.ok ? read.value.claims : [];
}

export function openEnvelope(box: string, options: OpenOptions): Result<OpenedEnvelope, EnvelopeRejection> {
  const sealed = fromBase64Url(box);
  if (!sealed) return err('unreadable');
  const pairInner = options.pairKey && unseal(sealed, options.pairKey);
  if (pairInner) {
    const header = readHeader(pairInner);
    if (!header || header.broadcast || header.bound || header.visit) return err('malformed');
    const stale = checkFresh(header, options);
    if (stale) return err(stale);
    return ok({ seq: header.seq, ts: header.ts, body: pairInner.slice(HEADER_BYTES), fresh: true, introduction: null });
  }
  const read = readIntroduction(sealed, options);
  if (!read.ok) return read;
  const { header, body, identityKey, sessionKey, claims } = read.value;
  if (!claimsHold(claims, options.checked)) return err('bad-signature');
  return ok({
    seq: header.seq,
    ts: header.ts,
    body,
    fresh: header.bound,
    introduction: { identityKey: identityKey.slice(), sessionKey: sessionKey.slice() },
  });
}
