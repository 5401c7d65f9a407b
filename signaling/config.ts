import { resolve } from 'node:path';
import * as v from 'valibot';
import { IceServer, MAX_PLAN_PEERS } from '../shared/protocol.ts';
import { STREAM_KBPS } from '../shared/tree-plan.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { asOrigin } from './origin-check.ts';
import type { TurnSettings } from './turn-credentials.ts';

/** Everything the server reads from its environment, parsed once at startup. */
export interface Config {
  port: number;
  host: string;
  /** Absolute path of the built client. */
  staticDir: string;
  roomCapacity: number;
  heartbeatMs: number;
  leaveGraceMs: number;
  rateLimitPerS: number;
  /** Frames a connection may send at once before the per-second rate applies. */
  rateBurst: number;
  /** Copies of routed messages per second one connection may make the server send (a broadcast makes one per receiver). */
  fanoutPerS: number;
  fanoutBurst: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** How many reverse proxies in front of the server append to X-Forwarded-For; 0: the header is ignored. */
  trustedProxies: number;
  /**
   * Origins of other sites whose pages may embed rooms (open the WebSocket, frame /embed/),
   * in the form browsers send. The server's own origin is allowed whether listed or not.
   */
  allowedOrigins: readonly string[];
  /**
   * The server's own origin as browsers reach it (`https://porch.example`), when the operator
   * names it; null: each request's Host header says it.
   */
  publicOrigin: string | null;
  /** How long a new socket has to send a valid hello before it is closed. */
  helloTimeoutMs: number;
  /** Offered in every welcome, before any minted TURN entry. */
  iceServers: IceServer[];
  /** A TURN service whose credentials the server mints per welcome (turn-credentials.ts); null: none. */
  turn: TurnSettings | null;
  logLevel: LogLevel;
  /** Whether /metrics answers (METRICS=on), or is not found (off). */
  metrics: boolean;
  /** The relay tree: children per relay, the audience size above which the tree feeds it, and the upload a relay sets aside per forwarded stream. */
  tree: { fanout: number; directMax: number; streamKbps: number };
  /** Where nodes that serve the same rooms meet (redis-bus.ts); null: this process serves its rooms alone. */
  redisUrl: string | null;
  /** Absolute path where a single node keeps rooms' snapshots (file-snapshots.ts); unused with REDIS_URL. */
  dataDir: string;
  /** How long a room's snapshot is kept after its last save. */
  snapshotTtlMs: number;
  /** Rooms with a snapshot the store keeps at most (shared by every node on one Redis); past it, no new room is saved. */
  snapshotMaxRooms: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Bursts of twice the steady rate cover a join, when offers and candidates go out together. */
const BURST_FACTOR = 2;
/** setTimeout's ceiling (~24.8 days); larger delays fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const integer = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.regex(/^\d+$/, 'must be a whole number'),
    v.transform(Number),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

const ORIGIN_FORM = 'must be an origin like https://porch.example (scheme, host and port only)';
const origin = v.pipe(
  v.string(),
  v.check((text) => asOrigin(text) !== null, ORIGIN_FORM),
  v.transform((text) => asOrigin(text) ?? text),
);

const origins = v.pipe(
  v.string(),
  v.transform((list) => list.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')),
  // Only commas is more likely a list whose entries went missing than a wish for the default.
  v.minLength(1, 'must list at least one origin'),
  v.array(origin),
);

const ICE_URL = /^(stun|turns?):\S+$/;
const iceServers = v.array(
  v.pipe(
    IceServer,
    v.check(
      (server) => (Array.isArray(server.urls) ? server.urls : [server.urls]).every((url) => ICE_URL.test(url)),
      'every url must start with stun:, turn: or turns:',
    ),
  ),
);

const TURN_URL = /^turns?:[^\s,]+$/;
const turnUrls = v.pipe(
  v.string(),
  v.transform((list) => list.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')),
  v.array(v.pipe(v.string(), v.regex(TURN_URL, 'every URL must start with turn: or turns:'))),
  v.minLength(1, 'must list at least one URL'),
);
/**
 * Anyone who connects is given credentials minted from the secret, and an HMAC can be tried
 * offline against them: a short secret could be found and then used to mint credentials at will.
 */
const MIN_SECRET_CHARS = 16;
const turnSecret = v.pipe(v.string(), v.minLength(MIN_SECRET_CHARS, `must be at least ${MIN_SECRET_CHARS} characters (try: openssl rand -hex 32)`));
/** A day, the TURN REST draft's example: longer than most sessions, as links made later use the same credentials. */
const DEFAULT_TURN_TTL_S = '86400';
const WEEK_S = 7 * 24 * 3600;
const DAY_S = 24 * 3600;
/** Long enough for a weekly or monthly room to find its roles and lock again after a quiet spell. */
const DEFAULT_SNAPSHOT_TTL_S = String(30 * DAY_S);
const MAX_SNAPSHOT_TTL_S = 3650 * DAY_S;

/** A URL ioredis can connect to; credentials may sit in it, so it is never echoed. */
const redisUrl = v.pipe(
  v.string(),
  v.check((text) => URL.canParse(text) && /^rediss?:$/.test(new URL(text).protocol), 'must be a URL like redis://host:6379 or rediss://host:6380'),
);

/** One entry per variable: an issue's first path key is the variable it came from. */
const EnvSchema = v.object({
  PORT: v.optional(integer(0, 65535), '8080'),
  HOST: v.optional(v.string(), '0.0.0.0'),
  STATIC_DIR: v.optional(v.pipe(v.string(), v.transform((dir) => resolve(dir))), 'dist/public'),
  DATA_DIR: v.optional(v.pipe(v.string(), v.transform((dir) => resolve(dir))), 'data'),
  SNAPSHOT_TTL: v.optional(integer(60, MAX_SNAPSHOT_TTL_S), DEFAULT_SNAPSHOT_TTL_S),
  SNAPSHOT_MAX_ROOMS: v.optional(integer(1, 10_000_000), '100000'),
  ROOM_CAPACITY: v.optional(integer(1, 100_000), '50'),
  HEARTBEAT_MS: v.optional(integer(10, MAX_TIMER_MS), '15000'),
  LEAVE_GRACE_MS: v.optional(integer(0, MAX_TIMER_MS), '10000'),
  RATE_LIMIT_PER_S: v.optional(integer(1, 1_000_000), '40'),
  FANOUT_LIMIT_PER_S: v.optional(integer(1, 10_000_000), '200'),
  MAX_CONNECTIONS: v.optional(integer(1, 10_000_000), '10000'),
  MAX_CONNECTIONS_PER_IP: v.optional(integer(1, 10_000_000), '100'),
  TRUST_PROXY: v.optional(integer(0, 16), '0'),
  PORCH_ALLOWED_ORIGINS: v.optional(origins),
  PUBLIC_URL: v.optional(origin),
  HELLO_TIMEOUT_MS: v.optional(integer(10, MAX_TIMER_MS), '5000'),
  ICE_SERVERS: v.optional(v.pipe(v.string(), v.parseJson(undefined, 'must be valid JSON'), iceServers), '[]'),
  TURN_URLS: v.optional(turnUrls),
  TURN_SECRET: v.optional(turnSecret),
  TURN_TTL: v.optional(integer(60, WEEK_S), DEFAULT_TURN_TTL_S),
  LOG_LEVEL: v.optional(v.picklist(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`), 'info'),
  METRICS: v.optional(v.picklist(['on', 'off'], 'must be on or off'), 'on'),
  // A plan tells a member at most MAX_PLAN_PEERS others to send to: the stage feeds every listener below PORCH_DIRECT_MAX.
  PORCH_FANOUT: v.optional(integer(1, MAX_PLAN_PEERS), '4'),
  PORCH_DIRECT_MAX: v.optional(integer(1, MAX_PLAN_PEERS), '12'),
  PORCH_STREAM_KBPS: v.optional(integer(8, 100_000), String(STREAM_KBPS)),
  REDIS_URL: v.optional(redisUrl),
});
/** Errors echo the bad value, except where it may hold TURN credentials. */
const NOT_ECHOED = new Set(['ICE_SERVERS', 'TURN_SECRET', 'REDIS_URL']);

/** Reads the server's settings; a bad value is reported with the variable's name. */
export function parseConfig(env: Record<string, string | undefined>): Result<Config> {
  // An empty or blank variable means "use the default", as shells make unsetting awkward.
  const input: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.entries)) {
    const raw = env[key]?.trim();
    if (raw) input[key] = raw;
  }
  const parsed = v.safeParse(EnvSchema, input);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const [variable, ...inside] = issue.path?.map((p) => String(p.key)) ?? ['environment'];
    const where = inside.length > 0 ? ` at ${inside.join('.')}` : '';
    const shown = variable !== undefined && !NOT_ECHOED.has(variable) ? ` (got ${JSON.stringify(input[variable])})` : '';
    return err({ code: 'bad-config', message: `${variable}${where}: ${issue.message}${shown}` });
  }
  const settings = parsed.output;
  // Either alone is a half-done setup: browsers would get URLs they cannot log in to, or nothing.
  if (settings.TURN_URLS && !settings.TURN_SECRET) return err({ code: 'bad-config', message: 'TURN_SECRET: must be set when TURN_URLS is' });
  if (settings.TURN_SECRET && !settings.TURN_URLS) return err({ code: 'bad-config', message: 'TURN_URLS: must be set when TURN_SECRET is' });
  // A member's broadcast to a full room costs a copy per member; a burst smaller than that drops every one, and charges for it.
  if (settings.FANOUT_LIMIT_PER_S * BURST_FACTOR < settings.ROOM_CAPACITY) {
    return err({ code: 'bad-config', message: `FANOUT_LIMIT_PER_S: must be at least half of ROOM_CAPACITY (${settings.ROOM_CAPACITY}), so that one broadcast to a full room fits its burst` });
  }
  const turn = settings.TURN_URLS && settings.TURN_SECRET ? { urls: settings.TURN_URLS, secret: settings.TURN_SECRET, ttlS: settings.TURN_TTL } : null;
  return ok({
    port: settings.PORT,
    host: settings.HOST,
    staticDir: settings.STATIC_DIR,
    roomCapacity: settings.ROOM_CAPACITY,
    heartbeatMs: settings.HEARTBEAT_MS,
    leaveGraceMs: settings.LEAVE_GRACE_MS,
    rateLimitPerS: settings.RATE_LIMIT_PER_S,
    rateBurst: settings.RATE_LIMIT_PER_S * BURST_FACTOR,
    fanoutPerS: settings.FANOUT_LIMIT_PER_S,
    fanoutBurst: settings.FANOUT_LIMIT_PER_S * BURST_FACTOR,
    maxConnections: settings.MAX_CONNECTIONS,
    maxConnectionsPerIp: settings.MAX_CONNECTIONS_PER_IP,
    trustedProxies: settings.TRUST_PROXY,
    allowedOrigins: settings.PORCH_ALLOWED_ORIGINS ?? [],
    publicOrigin: settings.PUBLIC_URL ?? null,
    helloTimeoutMs: settings.HELLO_TIMEOUT_MS,
    iceServers: settings.ICE_SERVERS,
    turn,
    logLevel: settings.LOG_LEVEL,
    metrics: settings.METRICS === 'on',
    tree: { fanout: settings.PORCH_FANOUT, directMax: settings.PORCH_DIRECT_MAX, streamKbps: settings.PORCH_STREAM_KBPS },
    redisUrl: settings.REDIS_URL ?? null,
    dataDir: settings.DATA_DIR,
    snapshotTtlMs: settings.SNAPSHOT_TTL * 1000,
    snapshotMaxRooms: settings.SNAPSHOT_MAX_ROOMS,
  });
}
