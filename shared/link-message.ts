import * as v from 'valibot';
import { err, ok, type Result } from './result.ts';

/**
 * What two linked members say to each other over their link's own data channel, beside the audio:
 * the relay tree's housekeeping, which must keep working while the signaling server is away and
 * must not wait on it. DTLS carries it; the link itself was authenticated through sealed signaling,
 * so the sender is the member at the other end. Nothing here is trusted beyond that: a slot map
 * names who a relay *says* is speaking, and the receiver still plays only who the log allows.
 */

/** Audio slots on a feed link: one per stage seat, so a relay never renegotiates as the stage changes. */
export const FEED_SLOTS = 8;
const MAX_LINK_MESSAGE_CHARS = 2048;

const peer = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16,64}$/));
/**
 * What a slot carries when a relay mixed the stage into one stream (shared/tree-plan.ts `mixes`):
 * no peer id is this short, so it names nobody.
 */
export const STAGE_MIX = 'mix';
const slotSource = v.nullable(v.union([peer, v.literal(STAGE_MIX)]));
/** Each source on one slot at most, and a mix alone: two slots routed onto one would interleave two streams below us. */
const slotMap = v.pipe(
  v.array(slotSource),
  v.maxLength(FEED_SLOTS),
  v.check((slots) => {
    const named = slots.filter((source) => source !== null);
    return new Set(named).size === named.length && (!named.includes(STAGE_MIX) || named.length === 1);
  }, 'a slot map names each source once, and a mix alone'),
);
const level = v.pipe(v.number(), v.minValue(0), v.maxValue(1));

const LinkMessageSchema = v.variant('t', [
  /** Whose audio each of my sending slots carries to you (null: none). */
  v.strictObject({ t: v.literal('slots'), slots: slotMap }),

  /** From a member to its standby relay: start (or stop) forwarding the stage to me. */
  v.strictObject({ t: v.literal('feed'), on: v.boolean() }),
  /**
   * A feeding relay is alive even while the stage is silent; beside a mixed stage, which a
   * listener cannot tell speakers apart in, it says how loud each speaker is now, 0..1.
   */
  v.strictObject({ t: v.literal('tick'), levels: v.optional(v.pipe(v.array(v.tuple([peer, level])), v.maxLength(FEED_SLOTS))) }),
  /** A relay is leaving on purpose: switch to your backup now, I keep forwarding a moment longer. */
  v.strictObject({ t: v.literal('leaving') }),
]);
export type LinkMessage = v.InferOutput<typeof LinkMessageSchema>;

/** The one parser for text arriving on a link's data channel. */
export function parseLinkMessage(raw: unknown): Result<LinkMessage> {
  if (typeof raw !== 'string' || raw.length > MAX_LINK_MESSAGE_CHARS) {
    return err({ code: 'bad-link-message', message: 'a link message is a short JSON text' });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return err({ code: 'bad-link-message', message: 'a link message is not valid JSON' });
  }
  const parsed = v.safeParse(LinkMessageSchema, json);
  return parsed.success ? ok(parsed.output) : err({ code: 'bad-link-message', message: parsed.issues[0].message });
}

export const encodeLinkMessage = (message: LinkMessage): string => JSON.stringify(message);
