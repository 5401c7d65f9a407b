import * as v from 'valibot';
import { err, ok, type Result } from '../shared/result.ts';
import type { TreeClaim } from './tree-planning.ts';

/**
 * What the signaling nodes that serve the same rooms tell each other (redis-bus.ts carries it).
 * Each node holds its own members' sockets and a copy of who else is in each room it serves;
 * the events keep those copies alike and carry what one node's members send another's.
 * Nothing here is readable by the server beyond what one node already sees: boxes stay sealed.
 */
export interface RoomBus {
  /** This node's id, random per process. */
  readonly node: string;
  /**
   * Where the events of the rooms this node has open go, its own included (their order among
   * the others' is the order Redis ran them in); and what to do when the events may have had a
   * gap (the connection to Redis came back): read the open rooms' records again. Set once.
   */
  listen(onEvent: (room: string, event: BusEvent) => void, onGap: () => void): void;
  /**
   * Starts hearing a room's events, then reads who is in it. In that order, so that a member
   * arriving meanwhile is heard of one way or the other.
   */
  open(room: string): Promise<Map<string, MemberRecord>>;
  /** Reads who the room's record says is in it. */
  read(room: string): Promise<Map<string, MemberRecord>>;
  /** Stops hearing a room: this node has no member in it any more. */
  close(room: string): void;
  /** An event that changes nobody's record. */
  publish(room: string, event: BusEvent): void;
  /**
   * Changes one member's record and publishes `event`, as one step: no other node's change comes
   * between. A change only its holder may make that finds another node holding the member does
   * nothing, publishes nothing, and resolves false.
   */
  announce(room: string, peer: string, change: RecordChange, event: BusEvent | null): Promise<boolean>;
  /** Which of these nodes are running (they renew a key while they run). */
  alive(nodes: readonly string[]): Promise<Set<string>>;
  /** Takes or keeps the room's planner lease; resolves whether this node holds it now. */
  lease(room: string, ms: number): Promise<boolean>;
  /** Gives the lease up, if held, so another node can take it at once. */
  release(room: string): Promise<void>;
  quit(): Promise<void>;
}

export type RecordChange =
  /** The member connected to this node: whoever held it before, it is ours now. */
  | { kind: 'take'; entry: MemberRecord }
  /** What we say about a member we hold (or that nobody holds). */
  | { kind: 'update'; entry: MemberRecord }
  /** The member is gone; its record goes if `holder` still holds it. */
  | { kind: 'forget'; holder: string };

/** One member as the room's shared record holds it: where it is connected and what it claimed. */
export interface MemberRecord {
  node: string;
  away: boolean;
  /** What it told the tree planner, and since when it has been in the room. */
  claim: (TreeClaim & { since: number }) | null;
}

const node = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/));
const peer = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16,64}$/));
/** A server frame, already serialized by the node that built it. */
const text = v.pipe(v.string(), v.maxLength(128 * 1024));

const Claim = v.strictObject({
  tier: v.picklist(['stage', 'audience']),
  uploadKbps: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000)),
  turnOnly: v.boolean(),
  repacks: v.exactOptional(v.boolean()),
  since: v.pipe(v.number(), v.finite()),
});

const MemberRecordSchema = v.strictObject({ node, away: v.boolean(), claim: v.nullable(Claim) });

const BusEventSchema = v.variant('type', [
  /** The member is connected at `node`: it joined, came back, or moved there from another node. */
  v.strictObject({ type: v.literal('present'), node, peer }),
  /** Its connection dropped without bye; it is gone unless it comes back within the grace period. */
  v.strictObject({ type: v.literal('away'), node, peer }),
  /** It said bye, or its grace period ran out. */
  v.strictObject({ type: v.literal('gone'), node, peer }),
  /** A frame for one member, whichever node holds it. */
  v.strictObject({ type: v.literal('deliver'), node, peer, text, from: v.optional(peer) }),
  /** A frame for every member of the room but `except`. */
  v.strictObject({ type: v.literal('spread'), node, except: peer, text, from: v.optional(peer) }),
  /** What the member told the tree planner. */
  v.strictObject({ type: v.literal('claim'), node, peer, claim: Claim }),
]);
export type BusEvent = v.InferOutput<typeof BusEventSchema>;

function parseJson<T>(schema: v.GenericSchema<unknown, T>, raw: string, what: string): Result<T> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return err({ code: 'bad-json', message: `${what} is not valid JSON` });
  }
  const parsed = v.safeParse(schema, json);
  return parsed.success ? ok(parsed.output) : err({ code: 'bad-shape', message: `${what}: ${parsed.issues[0].message}` });
}

/** The one parser for what arrives from other nodes. */
export const parseBusEvent = (raw: string): Result<BusEvent> => parseJson(BusEventSchema, raw, 'bus event');
export const parseMemberRecord = (raw: string): Result<MemberRecord> => parseJson(MemberRecordSchema, raw, 'member record');
