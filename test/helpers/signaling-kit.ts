/**
 * Test support for the signaling server: a real server on a free port, real `ws` clients,
 * and waits on events (frames, closes, log entries) instead of sleeps. Everything created
 * here is closed by the test context it was given.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join as joinPath } from 'node:path';
import type { TestContext } from 'node:test';
import { WebSocket } from 'ws';
import { parseServerFrame, PROTOCOL_VERSION, type ServerFrame } from '../../shared/protocol.ts';
import { parseConfig, type Config } from '../../signaling/config.ts';
import { createFileSnapshots } from '../../signaling/file-snapshots.ts';
import type { Log, LogEntry } from '../../signaling/log.ts';
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts';

const DEFAULT_WAIT_MS = 3000;

/** Rejects with a readable message if `promise` has not settled in time. */
export function within<T>(promise: Promise<T>, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const randomId = (): string => randomBytes(16).toString('base64url');
/** A resume secret as a client makes one: 32 random bytes, base64url. */
export const randomResume = (): string => randomBytes(32).toString('base64url');

// ---- log capture ----

export interface CapturedLog extends Log {
  readonly entries: LogEntry[];
  /** Resolves with the next entry (including ones already logged and not yet awaited) with this event. */
  next(event: string): Promise<LogEntry>;
}

export function createCapturedLog(): CapturedLog {
  const entries: LogEntry[] = [];
  let seen = 0;
  const waiters = new Set<() => void>();
  const record = (entry: LogEntry): void => {
    entries.push(entry);
    for (const wake of waiters) wake();
  };
  return {
    entries,
    error: record,
    warn: record,
    info: record,
    debug: record,
    next(event) {
      return within(
        new Promise<LogEntry>((resolve) => {
          const check = (): void => {
            const index = entries.findIndex((e, i) => i >= seen && e.event === event);
            if (index < 0) return;
            seen = index + 1;
            waiters.delete(check);
            resolve(entries[index] as LogEntry);
          };
          waiters.add(check);
          check();
        }),
        `log event ${event}`,
      );
    },
  };
}

// ---- server ----

export interface TestServer {
  server: SignalingServer;
  port: number;
  httpUrl: string;
  wsUrl: string;
  /** The directory the client is served from, removed when the test ends. */
  staticDir: string;
  /** Where rooms' snapshots are kept: a fresh directory unless `overrides` named one, removed when the test ends. */
  dataDir: string;
  log: CapturedLog;
}

const CLIENT_FILES: Record<string, string | Buffer> = {
  'index.html': '<!doctype html><title>Porch</title>',
  'app.js': 'export {};',
};

/** Every entry goes to both logs. */
function teeLog(first: Log, second: Log): Log {
  return {
    error(entry) {
      first.error(entry);
      second.error(entry);
    },
    warn(entry) {
      first.warn(entry);
      second.warn(entry);
    },
    info(entry) {
      first.info(entry);
      second.info(entry);
    },
    debug(entry) {
      first.debug(entry);
      second.debug(entry);
    },
  };
}

/**
 * A server on 127.0.0.1 and a free port, serving a tiny client (`files` adds to it, by path
 * under the static directory) and keeping snapshots in a directory of its own (or
 * `overrides.dataDir`), shut down when the test ends. Its entries are captured, and also go to
 * `alsoLogTo` (a real logger, to see what an operator would).
 */
export async function startTestServer(
  t: TestContext,
  overrides: Partial<Config> = {},
  files: Record<string, string | Buffer> = {},
  alsoLogTo?: Log,
): Promise<TestServer> {
  const staticDir = mkdtempSync(joinPath(tmpdir(), 'porch-static-'));
  for (const [name, body] of Object.entries({ ...CLIENT_FILES, ...files })) {
    mkdirSync(dirname(joinPath(staticDir, name)), { recursive: true });
    writeFileSync(joinPath(staticDir, name), body);
  }
  const base = parseConfig({ PORT: '0', HOST: '127.0.0.1' });
  if (!base.ok) throw new Error(base.error.message);
  const ownDataDir = mkdtempSync(joinPath(tmpdir(), 'porch-data-'));
  const config = { ...base.value, staticDir, dataDir: ownDataDir, ...overrides };
  const log = createCapturedLog();
  const serverLog = alsoLogTo ? teeLog(log, alsoLogTo) : log;
  const snapshots = await createFileSnapshots({ dataDir: config.dataDir, ttlMs: config.snapshotTtlMs, maxRooms: config.snapshotMaxRooms, log: serverLog });
  const server = createSignalingServer(config, { log: serverLog, snapshots });
  t.after(async () => {
    await server.shutdown('shutdown');
    for (const dir of [staticDir, ownDataDir]) rmSync(dir, { recursive: true, force: true });
  });
  const { port } = await server.listen();
  return { server, port, httpUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws`, staticDir, dataDir: config.dataDir, log };
}

// ---- clients ----

export interface TestClient {
  readonly ws: WebSocket;
  /** Every frame received so far, in order. */
  readonly received: ServerFrame[];
  /** The earliest not-yet-taken frame of this type matching `match`, now or when it arrives (within `timeoutMs`). */
  next<T extends ServerFrame['type']>(
    type: T,
    match?: (frame: Extract<ServerFrame, { type: T }>) => boolean,
    timeoutMs?: number,
  ): Promise<Extract<ServerFrame, { type: T }>>;
  /** Sends a frame as JSON, or raw text/bytes as given. */
  send(frame: object | string | Buffer): void;
  /** The close code and reason, once the socket has closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

/** How a test client presents itself: the page origin, extra headers, the local address to connect from. */
export interface ClientOptions {
  autoPong?: boolean;
  origin?: string;
  headers?: Record<string, string>;
  localAddress?: string;
}

const socketOptions = (options: ClientOptions) => ({
  autoPong: options.autoPong ?? true,
  ...(options.origin === undefined ? {} : { origin: options.origin }),
  ...(options.headers === undefined ? {} : { headers: options.headers }),
  ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
});

/** Resolves with the HTTP status of an upgrade the server refuses; rejects if it is accepted. */
export function refusedUpgrade(t: TestContext, wsUrl: string, options: ClientOptions = {}): Promise<number> {
  const ws = new WebSocket(wsUrl, socketOptions(options));
  t.after(() => ws.terminate());
  return within(
    new Promise<number>((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      ws.once('open', () => reject(new Error('the upgrade was accepted')));
      ws.once('error', (error) => reject(new Error(`the upgrade failed without an HTTP answer: ${error.message}`)));
    }),
    'the upgrade to be refused',
  );
}

export async function connect(t: TestContext, wsUrl: string, options: ClientOptions = {}): Promise<TestClient> {
  const ws = new WebSocket(wsUrl, socketOptions(options));
  t.after(() => ws.terminate());
  const received: ServerFrame[] = [];
  const pending: ServerFrame[] = [];
  const problems: string[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const waiter of waiters) waiter();
  };
  let closeInfo: { code: number; reason: string } | null = null;

  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      closeInfo = { code, reason: reason.toString() };
      resolve(closeInfo);
      wake();
    });
  });
  ws.on('error', (error) => problems.push(`socket error: ${error.message}`));
  ws.on('message', (data, isBinary) => {
    // Every frame the server sends must pass the browser's own parser.
    const parsed = isBinary ? null : parseServerFrame(data.toString());
    if (!parsed?.ok) problems.push(`server sent an invalid frame: ${data.toString().slice(0, 200)}`);
    else {
      received.push(parsed.value);
      pending.push(parsed.value);
    }
    wake();
  });
  await within(new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  }), 'the connection to open');

  return {
    ws,
    received,
    closed,
    send(frame) {
      ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
    },
    next(type, match = () => true, timeoutMs = DEFAULT_WAIT_MS) {
      type Wanted = Extract<ServerFrame, { type: typeof type }>;
      const what = `a ${type} frame (received so far: ${received.map((f) => f.type).join(', ') || 'nothing'})`;
      return within(
        new Promise<Wanted>((resolve, reject) => {
          const check = (): void => {
            const index = pending.findIndex((f) => f.type === type && match(f as Wanted));
            const problem = problems[0];
            if (index >= 0) {
              const [frame] = pending.splice(index, 1);
              waiters.delete(check);
              resolve(frame as Wanted);
            } else if (problem !== undefined) {
              waiters.delete(check);
              reject(new Error(problem));
            } else if (closeInfo) {
              waiters.delete(check);
              reject(new Error(`socket closed (${closeInfo.code}) before ${what}`));
            }
          };
          waiters.add(check);
          check();
        }),
        what,
        timeoutMs,
      );
    },
  };
}

/** Connects and says hello; resolves once welcomed. */
export async function join(
  t: TestContext,
  wsUrl: string,
  room: string,
  resume = randomResume(),
  options: ClientOptions = {},
): Promise<TestClient & { peer: string; peers: string[]; resume: string }> {
  const client = await connect(t, wsUrl, options);
  client.send({ type: 'hello', v: PROTOCOL_VERSION, room, resume });
  const welcome = await client.next('welcome');
  return Object.assign(client, { peer: welcome.peer, peers: welcome.peers, resume });
}

// ---- abuse ----

/**
 * A server with an ordinary call in a room of its own, for abuse tests: the call must keep
 * routing before, during and after the abuse, on a server that stays up.
 */
export async function withBystanders(
  t: TestContext,
  overrides: Partial<Config> = {},
): Promise<TestServer & { callStillWorks(): Promise<void> }> {
  const server = await startTestServer(t, overrides);
  const room = randomId();
  const alice = await join(t, server.wsUrl, room);
  const bob = await join(t, server.wsUrl, room);
  let round = 0;
  const callStillWorks = async (): Promise<void> => {
    round += 1;
    const ping = `ping-${round}`;
    const pong = `pong-${round}`;
    alice.send({ type: 'send', to: bob.peer, box: ping });
    await bob.next('msg', (f) => f.box === ping && f.from === alice.peer);
    bob.send({ type: 'send', to: '*', box: pong });
    await alice.next('msg', (f) => f.box === pong && f.from === bob.peer);
  };
  await callStillWorks();
  return { ...server, callStillWorks };
}

export async function serverIsUp({ httpUrl }: TestServer): Promise<void> {
  const res = await fetch(`${httpUrl}/healthz`);
  if (res.status !== 200) throw new Error(`healthz answered ${res.status}`);
  await res.arrayBuffer();
}
