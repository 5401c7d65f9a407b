/**
 * The signaling server alone, on loopback, beside a bare `ws` relay (bare-relay-server.mjs) in
 * the same run:
 * - memory per idle connection: the server's resident memory before and after IDLE_CLIENTS
 *   clients joined rooms of ten and stayed quiet;
 * - routing: PAIRS pairs of clients, each sending its partner envelopes as fast as a window of
 *   WINDOW in flight allows, for ROUTE_MS; envelopes routed per second and the latency of each;
 *   also across two nodes on one Redis, each pair's partners on different nodes.
 * The bench's clients share the machine's cores with the server: the figures are a floor. So
 * routing is also counted per second of the server processes' own CPU time (user and system, from
 * /proc): what one of the server's cores routes, whatever the clients beside it take.
 * Limits are lifted (connections, rates): this measures the routing, not the guards.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../shared/protocol.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { serverMetric, startServer, type RunningServer } from '../test/helpers/server.ts';
import { percentile, type Row } from './stats.ts';

const IDLE_CLIENTS = Number(process.env.BENCH_IDLE_CLIENTS ?? 10_000);
const PAIRS = 50;
const WINDOW = 50;
const ROUTE_MS = 5000;
/** About a sealed ICE candidate's size. */
const BOX = 'x'.repeat(300);

const LIFTED = {
  MAX_CONNECTIONS: '100000',
  MAX_CONNECTIONS_PER_IP: '100000',
  RATE_LIMIT_PER_S: '1000000',
  FANOUT_LIMIT_PER_S: '1000000',
};

interface Harness {
  /** Opens a socket in `room`; resolves once the server let it in. */
  connect(room: string): Promise<WebSocket>;
  /** A frame to `to`'s partner carrying `text`. */
  frame(text: string): string;
  /** The text a routed frame carries. */
  textOf(data: string): string | null;
}

/** A socket that is not in within CONNECT_MS fails the measurement rather than hang it. */
const CONNECT_MS = 10_000;
function opening(url: string, onOpen: (ws: WebSocket) => void, inWhen: 'open' | 'message'): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => reject(new Error(`not in after ${CONNECT_MS} ms`)), CONNECT_MS);
    ws.once('open', () => onOpen(ws));
    ws.once(inWhen, () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

/** Porch's nodes, taken in turn: with two, each pair's partners are on different nodes. */
const porch = (...nodes: RunningServer[]): Harness => {
  let next = 0;
  const hello = (room: string): string => JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, room, resume: randomBytes(32).toString('base64url') });
  return {
    connect: (room) => {
      const node = nodes[next++ % nodes.length] as RunningServer;
      return opening(`${node.url.replace(/^http/, 'ws')}/ws`, (ws) => ws.send(hello(room)), 'message');
    },
    frame: (text) => JSON.stringify({ type: 'send', to: '*', box: text }),
    textOf: (data) => {
      const frame = JSON.parse(data) as { type: string; box?: string };
      return frame.type === 'msg' ? (frame.box ?? null) : null;
    },
  };
};

const bare = (server: RunningServer): Harness => ({
  connect: (room) => opening(`${server.url.replace(/^http/, 'ws')}/ws`, (ws) => ws.send(room), 'open'),
  frame: (text) => text,
  textOf: (data) => data,
});

/** Linux counts a process's CPU time in ticks of 1/100 s (getconf CLK_TCK). */
const TICKS_PER_S = 100;

/** CPU seconds the processes have used so far, user and system: fields 14 and 15 of /proc/<pid>/stat. */
function cpuSecondsOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_S;
}

const pidsOf = (servers: readonly RunningServer[]): number[] => servers.map((server) => server.process.pid!);

const roomName = (i: number): string => `bench-room-${String(i).padStart(8, '0')}`;
const closeAll = (sockets: WebSocket[]): void => sockets.forEach((ws) => ws.terminate());

/** Resident memory per connection, in KB, or an explanation of why it was not measured. */
async function idleMemory(server: RunningServer, harness: Harness): Promise<number | string> {
  const sockets: WebSocket[] = [];
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = await serverMetric(server.url, 'process_resident_memory_bytes');
    for (let i = 0; i < IDLE_CLIENTS; i += 100) {
      const batch = Array.from({ length: Math.min(100, IDLE_CLIENTS - i) }, (_, j) => harness.connect(roomName(Math.floor((i + j) / 10))));
      sockets.push(...(await Promise.all(batch)));
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await serverMetric(server.url, 'process_resident_memory_bytes');
    return (after - before) / 1024 / IDLE_CLIENTS;
  } catch (error) {
    return `not measured: ${sockets.length} of ${IDLE_CLIENTS} connected (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    closeAll(sockets);
  }
}

type Routed = { perS: number; perCpuS: number; latencies: number[] };

/** Envelopes routed per second, per second of the servers' CPU time, and each one's latency in ms. */
async function routing(harness: Harness, servers: readonly RunningServer[]): Promise<Routed> {
  const sockets: WebSocket[] = [];
  const latencies: number[] = [];
  let stopAt = Infinity;
  try {
    for (let i = 0; i < PAIRS; i++) sockets.push(await harness.connect(`pair-${i}-room-0000`), await harness.connect(`pair-${i}-room-0000`));
    const started = performance.now();
    const cpuBefore = cpuSecondsOf(pidsOf(servers));
    stopAt = started + ROUTE_MS;
    await Promise.all(
      sockets.map(
        (ws) =>
          new Promise<void>((resolve) => {
            // Each message that arrives is answered with another: a constant WINDOW in flight each way.
            const send = (): void => ws.send(harness.frame(`${performance.now()} ${BOX}`));
            ws.on('message', (data) => {
              const text = harness.textOf(String(data));
              if (text === null) return;
              const now = performance.now();
              latencies.push(now - Number(text.slice(0, text.indexOf(' '))));
              if (now < stopAt) send();
              else resolve();
            });
            // Whatever the server dropped, the measurement ends.
            setTimeout(resolve, ROUTE_MS + 2000);
            for (let k = 0; k < WINDOW; k++) send();
          }),
      ),
    );
    const cpuS = cpuSecondsOf(pidsOf(servers)) - cpuBefore;
    return { perS: latencies.length / ((performance.now() - started) / 1000), perCpuS: latencies.length / cpuS, latencies };
  } finally {
    closeAll(sockets);
  }
}

type Measured = Routed & { memory: number | string };

async function measure(server: RunningServer, harness: Harness): Promise<Measured> {
  const memory = await idleMemory(server, harness);
  return { memory, ...(await routing(harness, [server])) };
}

/** Two nodes on one Redis, each pair's partners on different nodes: every envelope crosses Redis. */
async function measureTwoNodes(): Promise<Measured> {
  const redis = await startRedis();
  const nodes: RunningServer[] = [];
  try {
    for (let i = 0; i < 2; i++) nodes.push(await startServer({ env: { ...LIFTED, REDIS_URL: redis.url } }));
    return { memory: 'as one node', ...(await routing(porch(...nodes), nodes)) };
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
    await redis.stop();
  }
}

/** Starts what a row measures, measures it, and stops it. */
async function measureOne(start: () => Promise<RunningServer>, harness: (server: RunningServer) => Harness): Promise<Measured> {
  const server = await start();
  try {
    return await measure(server, harness(server));
  } finally {
    await server.stop();
  }
}

export async function measureServerLoad(): Promise<Row[]> {
  const runs: [string, () => Promise<Measured>, string][] = [
    ['Porch signaling, one node', () => measureOne(() => startServer({ env: LIFTED }), (server) => porch(server)), '≤ 20 KB; ≥ 50,000 /s on one core'],
    ['Porch signaling, two nodes through Redis', measureTwoNodes, ''],
    ['baseline: bare ws relay', () => measureOne(() => startServer({ script: 'bench/bare-relay-server.mjs' }), bare), ''],
  ];
  const rows: Row[] = [];
  for (const [name, run, target] of runs) {
    const { memory, perS, perCpuS, latencies } = await run();
    rows.push({
      server: name,
      'KB per idle connection': typeof memory === 'number' ? memory.toFixed(1) : memory,
      'envelopes routed per s': Math.round(perS).toLocaleString('en'),
      'per s of server CPU (one core)': Math.round(perCpuS).toLocaleString('en'),
      'latency p50 ms': percentile(latencies, 50).toFixed(2),
      'latency p99 ms': percentile(latencies, 99).toFixed(2),
      target,
    });
  }
  return rows;
}
