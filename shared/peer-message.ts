import * as v from 'valibot';
import { utf8 } from './encoding.ts';
import { err, ok, type Result } from './result.ts';
import { CheckpointSchema } from './checkpoint.ts';
import { Bytes32Schema, MAX_TITLE_LENGTH, SignedActSchema, type SignedAct } from './room-acts.ts';
import { LINK_PATTERN } from './room-link.ts';

/**
 * What one room member says to another inside a `box`. The server never parses these;
 * receivers parse them here, once, before anything reaches WebRTC or the UI.
 */
export const MAX_NAME_LENGTH = 40;
export { MAX_TITLE_LENGTH };
/** Acts per `acts` message: a long log travels in several, each well under the frame cap. */
export const MAX_ACTS_PER_MESSAGE = 40;
/**
 * Bytes of JSON the acts of one message may take, so that sealed and in base64 it fits a box
 * (protocol.ts MAX_BOX_CHARS): forty hand toggles do, forty long titles would not.
 */
export const MAX_ACTS_BYTES = 20 * 1024;

/** `entries` in messages of at most MAX_ACTS_PER_MESSAGE acts and MAX_ACTS_BYTES (an act alone is always far smaller). */
export function batchesOf(entries: readonly SignedAct[]): SignedAct[][] {
  const batches: SignedAct[][] = [];
  let batch: SignedAct[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = utf8(JSON.stringify(entry)).length + 1;
    if (batch.length === MAX_ACTS_PER_MESSAGE || (batch.length > 0 && bytes + size > MAX_ACTS_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
/** The reactions a person can send; anything else is refused. */
export const REACTIONS = ['👏', '😂', '❤️', '🙌', '🔥', '👍'] as const;
export type Reaction = (typeof REACTIONS)[number];

const logIndex = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 31));
/** 32 bytes, base64url: a key, or the id that names one. */
const bytes32 = Bytes32Schema;

const SessionDescription = v.strictObject({
  type: v.picklist(['offer', 'answer']),
  sdp: v.pipe(v.string(), v.maxLength(16 * 1024)),
});
const Candidate = v.strictObject({
  type: v.literal('candidate'),
  candidate: v.strictObject({
    candidate: v.pipe(v.string(), v.maxLength(1024)),
    sdpMLineIndex: v.optional(v.nullable(v.number())),
    sdpMid: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(64)))),
    usernameFragment: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(256)))),
  }),
});
const Renegotiate = v.strictObject({ type: v.literal('renegotiate'), renegotiate: v.literal(true) });

const SignalData = v.union([SessionDescription, Candidate, Renegotiate]);
export type SignalData = v.InferOutput<typeof SignalData>;

const PeerMessageSchema = v.variant('kind', [
  /** Who I am and how I am; sent to everyone on joining and whenever it changes. */
  v.strictObject({
    kind: v.literal('presence'),
    name: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(MAX_NAME_LENGTH)),
    muted: v.boolean(),
    /** The room title, repeated by everyone who knows it so newcomers learn it without the server. */
    title: v.exactOptional(v.pipe(v.string(), v.trim(), v.maxLength(MAX_TITLE_LENGTH))),
    /** How many acts the sender's room log holds, so a newcomer knows when it has caught up. */
    log: v.exactOptional(logIndex),
  }),
  /**
   * Who I am, keys only: before the person has joined (they opened the link and are deciding), and
   * to anyone the room does not let in. Links that bring them the room may start, but nobody shows
   * the sender or counts them as here (no name is sent). The log's length, as in a presence, tells
   * even someone shut out that there is a log to learn (and learn that they are).
   */
  v.strictObject({ kind: v.literal('looking-in'), log: v.exactOptional(logIndex) }),
  /** Acts of the room log, in order: one new act as it happens, or a stretch of the log for someone catching up. */
  v.strictObject({
    kind: v.literal('acts'),
    entries: v.pipe(v.array(SignedActSchema), v.minLength(1), v.maxLength(MAX_ACTS_PER_MESSAGE)),
  }),
  /** Acts of the recipient's that a winning fork dropped from the sender's copy of the log: only their author can make them again. */
  v.strictObject({
    kind: v.literal('lost-acts'),
    entries: v.pipe(v.array(SignedActSchema), v.minLength(1), v.maxLength(MAX_ACTS_PER_MESSAGE)),
  }),
  /** The host's latest checkpoint and the room it names: handed to a member that asked for history before it, whose acts follow. */
  v.strictObject({ kind: v.literal('checkpoint'), checkpoint: CheckpointSchema }),
  /** Asks a member for its log from index `from` on (the asker found a gap). */
  v.strictObject({ kind: v.literal('acts-request'), from: logIndex }),
  /**
   * Where the sender's log stands: its length and the hash of its history up to there (log-heads.ts).
   * `ask`: the sender wants ours back.
   */
  v.strictObject({ kind: v.literal('head'), length: logIndex, hash: bytes32, ask: v.exactOptional(v.literal(true)) }),
  /**
   * The link everyone here moves to (its fragment), sent pairwise to each member the log lets in
   * just before the act that names it; with what the room is, for its host to set it up alike.
   */
  v.strictObject({
    kind: v.literal('new-link'),
    link: v.pipe(v.string(), v.regex(LINK_PATTERN)),
    stage: v.boolean(),
    title: v.pipe(v.string(), v.trim(), v.maxLength(MAX_TITLE_LENGTH)),
  }),
  /** The key of the room's current epoch (epoch-key.ts), sent pairwise to a member the log lets in. */
  v.strictObject({ kind: v.literal('epoch-key'), key: bytes32 }),
  /** Asks a member for the key of the epoch the log names by this id, which the asker lacks. */
  v.strictObject({ kind: v.literal('epoch-request'), epoch: bytes32 }),
  /** A short-lived emoji shown on the sender's avatar. */
  v.strictObject({ kind: v.literal('react'), emoji: v.picklist(REACTIONS) }),
  /** WebRTC negotiation for one connection attempt; `conn` tells attempts apart so stale ones are ignored. */
  v.strictObject({
    kind: v.literal('signal'),
    conn: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,32}$/)),
    data: SignalData,
  }),
]);
export type PeerMessage = v.InferOutput<typeof PeerMessageSchema>;

/** What a member introduces itself with: only these bind its keys (sealed-codec.ts). */
export type Introduction = Extract<PeerMessage, { kind: 'presence' | 'looking-in' }>;
export const isIntroduction = (message: PeerMessage): message is Introduction => message.kind === 'presence' || message.kind === 'looking-in';

export function parsePeerMessage(json: unknown): Result<PeerMessage> {
  const parsed = v.safeParse(PeerMessageSchema, json);
  if (!parsed.success) return err({ code: 'bad-message', message: parsed.issues[0].message });
  return ok(parsed.output);
}
