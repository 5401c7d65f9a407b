import * as v from 'valibot';
import { utf8 } from './encoding.ts';
import { err, ok, type Result } from './result.ts';
import { SnapshotSaveFields } from './room-snapshot.ts';

/**
 * The frames between a browser and the signaling server. The server sees routing only:
 * opaque room ids, peer ids it derives itself, and `box` strings it never looks inside.
 */
export const PROTOCOL_VERSION = 1;
/** Largest WebSocket frame either side accepts; SDP with candidates fits with room to spare. */
export const MAX_FRAME_BYTES = 32 * 1024;
/** A box: 40 of the largest staff acts (a removal with its epoch), signed under visit keys, fit one (about 26,600). */
export const MAX_BOX_CHARS = 28 * 1024;

const id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16,64}$/));
/** 32 random bytes in base64url; the server derives the peer id from it, so ids survive restarts. */
const resumeSecret = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/));
const box = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_BOX_CHARS));

const HelloFrame = v.strictObject({
  type: v.literal('hello'),
  v: v.literal(PROTOCOL_VERSION),
  room: id,
  resume: resumeSecret,
});
const SendFrame = v.strictObject({
  type: v.literal('send'),
  to: v.union([id, v.literal('*')]),
  box,
});
const ByeFrame = v.strictObject({ type: v.literal('bye') });
/** Lets a browser notice a dead path to the server; browsers cannot see WebSocket pings. */
const PingFrame = v.strictObject({ type: v.literal('ping') });

/**
 * What the relay-tree planner needs from a member, and nothing else (SECURITY.md lists it as
 * metadata the server learns). A false claim gains nothing: members play only what their own copy
 * of the room log allows, whoever the plan links them with.
 */
const TreeFrame = v.strictObject({
  type: v.literal('tree'),
  tier: v.picklist(['stage', 'audience']),
  /** Upload the member can spend forwarding the stage to others; 0: it cannot forward at all. */
  uploadKbps: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000)),
  /** It reaches others only through TURN ("Hide my IP address"): never asked to relay. */
  turnOnly: v.boolean(),
  /** Its browser forwards each frame inside one of its own (Firefox), which costs delay: relays that forward unchanged go first. */
  repacks: v.exactOptional(v.boolean()),
});

/** The room's state, sealed, for the server to hand whoever arrives next (shared/room-snapshot.ts). */
const SaveFrame = v.strictObject({ type: v.literal('save'), ...SnapshotSaveFields });

const ClientFrameSchema = v.variant('type', [HelloFrame, SendFrame, ByeFrame, PingFrame, TreeFrame, SaveFrame]);
export type ClientFrame = v.InferOutput<typeof ClientFrameSchema>;

/** One STUN/TURN server as RTCPeerConnection takes it; the server's config reuses this schema. */
export const IceServer = v.strictObject({
  urls: v.union([v.string(), v.array(v.string())]),
  username: v.exactOptional(v.string()),
  credential: v.exactOptional(v.string()),
});
export type IceServer = v.InferOutput<typeof IceServer>;

export const ERROR_CODES = [
  'too-large',
  'bad-json',
  'bad-frame',
  'not-joined',
  'already-joined',
  'unknown-peer',
  'rate-limited',
  'room-full',
  'server-full',
  'save-refused',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Most children or standbys one member is told about; the planner's fan-out is far below it. */
export const MAX_PLAN_PEERS = 64;
const planPeers = v.pipe(v.array(id), v.maxLength(MAX_PLAN_PEERS));

/**
 * A member's own part of its room's relay-tree plan (shared/tree-plan.ts). `parent` null: fed by
 * the stage directly. A stage member's `children` are the members it sends to; `standby` are the
 * members that fail over to us when their parent stalls.
 */
const PlanFrame = v.strictObject({
  type: v.literal('plan'),
  mode: v.picklist(['direct', 'tree']),
  parent: v.nullable(id),
  backup: v.nullable(id),
  children: planPeers,
  standby: planPeers,
  depth: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1024)),
  /** Feed our children the stage mixed into one stream: every speaker's would exceed our upload. */
  mixes: v.boolean(),
  /** The upload the planner counts per forwarded stream (PORCH_STREAM_KBPS): a relay offers what it measured in these terms. */
  streamKbps: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)),
});
export type PlanFrame = v.InferOutput<typeof PlanFrame>;

const budget = v.pipe(v.number(), v.gtValue(0), v.maxValue(10_000_000));
/**
 * What the server lets one connection send: frames, and the copies its messages make (one per
 * member reached, so a broadcast costs one per member). Past it, frames are dropped; the client
 * paces itself to stay within (client/engine/send-pacer.ts).
 */
const SendLimits = v.strictObject({ framesPerS: budget, framesBurst: budget, copiesPerS: budget, copiesBurst: budget });
export type SendLimits = v.InferOutput<typeof SendLimits>;

const ServerFrameSchema = v.variant('type', [
  PlanFrame,
  v.strictObject({ type: v.literal('welcome'), peer: id, peers: v.array(id), ice: v.array(IceServer), limits: SendLimits }),
  /**
   * Just before the welcome, where the room has one: its state as its host last saved it, sealed,
   * with the save's version and its writer's signature, which members check (shared/room-snapshot.ts).
   */
  v.strictObject({ type: v.literal('snapshot'), ...SnapshotSaveFields }),
  /** The server kept our save. */
  v.strictObject({ type: v.literal('saved'), version: SnapshotSaveFields.version }),
  v.strictObject({ type: v.literal('joined'), peer: id }),
  v.strictObject({ type: v.literal('left'), peer: id }),
  /** `all`: sent to everyone in the room, so perhaps under a key the recipient is not to hold (client/engine/room-epochs.ts). */
  v.strictObject({ type: v.literal('msg'), from: id, box, all: v.exactOptional(v.literal(true)) }),
  v.strictObject({ type: v.literal('error'), code: v.picklist(ERROR_CODES), message: v.string() }),
  v.strictObject({ type: v.literal('closing'), reason: v.picklist(['restart', 'shutdown']) }),
  v.strictObject({ type: v.literal('pong') }),
]);
export type ServerFrame = v.InferOutput<typeof ServerFrameSchema>;

function parseFrame<T>(schema: v.GenericSchema<unknown, T>, raw: string): Result<T> {
  // Characters undercount bytes; encode only when the text could be too large.
  if (raw.length > MAX_FRAME_BYTES || (raw.length * 3 > MAX_FRAME_BYTES && utf8(raw).length > MAX_FRAME_BYTES)) {
    return err({ code: 'too-large', message: `frame exceeds ${MAX_FRAME_BYTES} bytes` });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return err({ code: 'bad-json', message: 'frame is not valid JSON' });
  }
  const parsed = v.safeParse(schema, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
    return err({ code: 'bad-frame', message: `invalid frame${path ? ` at ${path}` : ''}: ${issue.message}` });
  }
  return ok(parsed.output);
}

/** The server's one boundary parser for text from a browser. */
export const parseClientFrame = (raw: string): Result<ClientFrame> => parseFrame(ClientFrameSchema, raw);
/** The browser's one boundary parser for text from the server. */
export const parseServerFrame = (raw: string): Result<ServerFrame> => parseFrame(ServerFrameSchema, raw);

/**
 * `GET RELAY_PATH` answers whether welcomes offer a TURN server, so the join form can tell,
 * before joining, whether a person can keep their address from the room (relayed links only).
 */
export const RELAY_PATH = '/relay';
const RelayOfferSchema = v.strictObject({ relay: v.boolean() });
export type RelayOffer = v.InferOutput<typeof RelayOfferSchema>;

/** The browser's parser for the server's answer on RELAY_PATH. */
export function parseRelayOffer(json: unknown): Result<RelayOffer> {
  const parsed = v.safeParse(RelayOfferSchema, json);
  return parsed.success ? ok(parsed.output) : err({ code: 'bad-relay-offer', message: 'the relay answer is not {"relay": true|false}' });
}

/** WebSocket close codes with a meaning the client acts on. */
export const CLOSE_CODES = {
  /** A newer connection resumed this peer id; the old socket must not reconnect. */
  replaced: 4000,
  /** The room is at capacity; retrying will not help until someone leaves. */
  roomFull: 4001,
  /** Persistent abuse: bad frames or flooding. */
  policy: 1008,
  /** The server is at its connection limit (RFC 6455 "Try Again Later"); reconnect with backoff. */
  serverFull: 1013,
  /** The server is restarting; reconnect with backoff. */
  restart: 1012,
} as const;
