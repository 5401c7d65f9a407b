/**
 * The signaling server process: configuration from the environment, JSON logs on stdout.
 *
 * Prints `{"event":"listening","port":<n>,...}` once ready (tests read the port from it when
 * PORT=0). SIGTERM or SIGINT: clients are told `closing` (reason "restart") and closed with
 * CLOSE_CODES.restart, then the process exits 0. A bad setting exits 1 with a message naming it.
 */
import { parseConfig } from './config.ts';
import { createLogger } from './log.ts';
import { createSignalingServer } from './server.ts';

/** Past this, shutdown is stuck on something; exit anyway so a supervisor can restart us. */
const SHUTDOWN_DEADLINE_MS = 3000;

const config = parseConfig(process.env);
if (!config.ok) {
  console.error(`porch signaling: bad configuration: ${config.error.message}`);
  process.exit(1);
}

const log = createLogger(config.value.logLevel);
const server = createSignalingServer(config.value, { log });

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
