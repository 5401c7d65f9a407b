/**
 * The signaling server process: configuration from the environment, JSON logs on stdout.
 *
 * Prints `{"event":"listening","port":<n>,...}` once ready (tests read the port from it when
 * PORT=0). SIGTERM or SIGINT: clients are told `closing` (reason "restart") and closed with
 * CLOSE_CODES.restart, then the process exits 0. A bad setting exits 1 with a message naming it,
 * as does a REDIS_URL that cannot be reached. Rooms' snapshots are kept under DATA_DIR, or in
 * Redis with REDIS_URL.
 */
import { parseConfig } from './config.ts';
import { createFileSnapshots } from './file-snapshots.ts';
import { createLogger } from './log.ts';
import { createRedisBus } from './redis-bus.ts';
import { createRedisSnapshots } from './redis-snapshots.ts';
import { createSignalingServer } from './server.ts';

/** Past this, shutdown is stuck on something; exit anyway so a supervisor can restart us. */
const SHUTDOWN_DEADLINE_MS = 3000;

const config = parseConfig(process.env);
if (!config.ok) {
  console.error(`porch signaling: bad configuration: ${config.error.message}`);
  process.exit(1);
}

const log = createLogger(config.value.logLevel);
const { redisUrl, dataDir, snapshotTtlMs: ttlMs, snapshotMaxRooms: maxRooms } = config.value;
const [bus, snapshots] =
  redisUrl === null
    ? [undefined, await createFileSnapshots({ dataDir, ttlMs, maxRooms, log })]
    : await reachRedis(() => Promise.all([createRedisBus({ url: redisUrl, log }), createRedisSnapshots({ url: redisUrl, ttlMs, maxRooms, log })]));
const server = createSignalingServer(config.value, { log, bus, snapshots });

/** Other nodes and the rooms' snapshots are met through Redis; a server that cannot reach it stops at once and says so. */
async function reachRedis<T>(connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    console.error(`porch signaling: REDIS_URL: ${(error as Error).message}`);
    process.exit(1);
  }
}

try {
  const { port } = await server.listen();
  log.info({ event: 'listening', port, host: config.value.host, pid: process.pid });
} catch (error) {
  const code = (error as { code?: unknown }).code;
  log.error({ event: 'listen-failed', code: typeof code === 'string' ? code : String(error) });
  process.exit(1);
}

function stop(signal: NodeJS.Signals): void {
  log.info({ event: 'shutting-down', signal });
  setTimeout(() => {
    log.error({ event: 'shutdown-stuck', afterMs: SHUTDOWN_DEADLINE_MS });
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS).unref();
  server.shutdown('restart').then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
