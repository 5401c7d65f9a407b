import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/**
 * What the server exposes at /metrics, in Prometheus' text format: how many connections and
 * rooms there are, how much is routed and refused, and the process's own figures.
 *
 * Invariant: every label value is one of the fixed codes below, never text a client sent, so no
 * room id, peer id, address or origin can reach a scrape. Callers can only pass these codes.
 */

/** Why a frame from a client was not acted on. */
export const REJECT_REASONS = [
  /** Over MAX_FRAME_BYTES; the connection is closed. */
  'too-large',
  /** Not a valid WebSocket frame (text that is not UTF-8, a bad opcode…); the connection is closed. */
  'protocol-error',
  'bad-json',
  /** Valid JSON that is no frame we accept, or a binary frame. */
  'bad-frame',
  'not-joined',
  'already-joined',
  'unknown-peer',
  'room-full',
  /** Dropped for going over RATE_LIMIT_PER_S. */
  'rate-limited',
  /** Dropped for going over FANOUT_LIMIT_PER_S. */
  'fanout-limited',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Why a WebSocket upgrade was refused. `server-full` sockets are opened, told, then closed. */
export const UPGRADE_REFUSALS = ['not-found', 'shutting-down', 'bad-origin', 'too-many-connections', 'server-full'] as const;
export type UpgradeRefusal = (typeof UPGRADE_REFUSALS)[number];

/**
 * What became of a room snapshot's save (snapshot-store.ts): kept, refused by the store's
 * judgement, not stored for a failure, or refused for a limit: `too-fast`, over the connection's
 * saves per second; `too-many-rooms`, a new room past its address's allowance
 * (new-room-quota.ts); `store-full`, a new room past SNAPSHOT_MAX_ROOMS.
 */
export const SAVE_OUTCOMES = ['saved', 'stale', 'not-writer', 'forged', 'failed', 'too-fast', 'too-many-rooms', 'store-full'] as const;
export type SaveOutcome = (typeof SAVE_OUTCOMES)[number];

/** What the parts of the server count through; small, so they can be tested without a registry. */
export interface Counters {
  /** A send frame was routed, to one peer or to the whole room. */
  envelopeRouted(): void;
  frameRejected(reason: RejectReason): void;
  upgradeRefused(code: UpgradeRefusal): void;
  /** A room's relay tree was planned. */
  planComputed(): void;
  snapshotSaved(outcome: SaveOutcome): void;
  /** A room's snapshot went out with a welcome. */
  snapshotHandedOut(): void;
}

/** For parts under test that count nothing. */
export const uncounted: Counters = { envelopeRouted() {}, frameRejected() {}, upgradeRefused() {}, planComputed() {}, snapshotSaved() {}, snapshotHandedOut() {} };

/** The figures read fresh at every scrape rather than kept in step by hand. */
export interface Levels {
  connections: number;
  rooms: number;
  members: number;
  /** Rooms whose relay tree this node plans (with several nodes, those whose planner lease it holds). */
  leading: number;
}

export interface Metrics {
  counters: Counters;
  /** The text a scrape answers with, and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/**
 * prom-client's default metrics describe the process, and collecting them starts monitors (event
 * loop delay, a GC observer) that nothing can stop; so one registry holds them per process and
 * every server in it (tests start many) shares it.
 */
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (processRegistry === null) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** One server's metrics, in a registry of its own (never prom-client's global one). */
export function createMetrics(levels: () => Levels): Metrics {
  const registry = new Registry();
  const registers = [registry];

  const level = (name: string, help: string, read: (now: Levels) => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(levels()));
      },
    });
  };
  level('porch_connections', 'WebSocket connections open now, joined to a room or not.', (now) => now.connections);
  level('porch_rooms', 'Rooms with at least one member.', (now) => now.rooms);
  level('porch_room_members', 'Members of all rooms, counting those away within their grace period.', (now) => now.members);
  level('porch_planner_leases', 'Rooms whose relay tree this node plans; with several nodes, the planner leases it holds.', (now) => now.leading);

  const plans = new Counter({ name: 'porch_plans_computed_total', help: 'Relay-tree plans computed.', registers });
  const routed = new Counter({ name: 'porch_envelopes_routed_total', help: 'Envelopes routed, to one peer or to a whole room.', registers });
  const rejected = new Counter({
    name: 'porch_frames_rejected_total',
    help: 'Frames from clients that were not acted on, by reason.',
    labelNames: ['reason'] as const,
    registers,
  });
  const refused = new Counter({
    name: 'porch_upgrades_refused_total',
    help: 'WebSocket upgrades refused, by code.',
    labelNames: ['code'] as const,
    registers,
  });
  const saves = new Counter({
    name: 'porch_snapshot_saves_total',
    help: 'Saves of room snapshots, by outcome.',
    labelNames: ['outcome'] as const,
    registers,
  });
  const handedOut = new Counter({ name: 'porch_snapshots_handed_out_total', help: 'Room snapshots sent with a welcome.', registers });
  // Every series exists from the start, so a rate over a reason that has not happened yet reads 0, not nothing.
  for (const reason of REJECT_REASONS) rejected.inc({ reason }, 0);
  for (const code of UPGRADE_REFUSALS) refused.inc({ code }, 0);
  for (const outcome of SAVE_OUTCOMES) saves.inc({ outcome }, 0);

  const exposed = Registry.merge([processMetrics(), registry]);
  return {
    counters: {
      envelopeRouted: () => routed.inc(),
      frameRejected: (reason) => rejected.inc({ reason }),
      upgradeRefused: (code) => refused.inc({ code }),
      planComputed: () => plans.inc(),
      snapshotSaved: (outcome) => saves.inc({ outcome }),
      snapshotHandedOut: () => handedOut.inc(),
    },
    async scrape() {
      return { contentType: exposed.contentType, body: await exposed.metrics() };
    },
  };
}
