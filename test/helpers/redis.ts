/**
 * Starts a real redis-server for a test: loopback only, a free port, nothing saved to disk.
 * node test/setup.mjs installs it when missing.
 *
 * Ready means: it printed "Ready to accept connections". Stopped by the test; as a last resort,
 * leftovers are SIGKILLed when the test process exits (leftover-children.ts).
 */
import { watchService } from './service-process.ts';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER_PATH = '/usr/bin/redis-server';
const HOST = '127.0.0.1';

export interface RunningRedis {
  port: number;
  /** For REDIS_URL. */
  url: string;
  /** SIGTERM, wait for exit; SIGKILL if still running after 5 s. Idempotent. */
  stop(): Promise<void>;
  output(): string;
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis(startTimeoutMs = 10_000): Promise<RunningRedis> {
  if (!existsSync(REDIS_SERVER_PATH)) throw new Error(`${REDIS_SERVER_PATH} not found; run node test/setup.mjs`);
  const dir = mkdtempSync(join(tmpdir(), 'porch-redis-'));
  const port = await freeTcpPort();
  const child = spawn(
    REDIS_SERVER_PATH,
    // No config file: only what is written here. No snapshots or append-only file: nothing on disk.
    ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const { output, exited, stop } = watchService(child, dir, (line) => {
    if (line.includes('Ready to accept connections')) onReady();
  });

  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), startTimeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') {
    await stop();
    throw new Error(`redis-server ${outcome === 'exited' ? 'exited before it was ready' : `was not ready within ${startTimeoutMs} ms`}\n--- redis-server output ---\n${output()}`);
  }
  return { port, url: `redis://${HOST}:${port}`, stop, output };
}
