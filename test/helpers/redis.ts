/**
 * Starts a real redis-server for a test: loopback only, a free port, nothing saved to disk.
 * node test/setup.mjs installs it when missing.
 *
 * Ready means: it printed "Ready to accept connections". Stopped by the test; as a last resort,
 * leftovers are SIGKILLed when the test process exits (leftover-children.ts).
 */
import { killAtExit } from './leftover-children.ts';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER_PATH = '/usr/bin/redis-server';
const HOST = '127.0.0.1';
const MAX_OUTPUT_LINES = 500;

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
  const leftover = killAtExit(child);
  child.unref();
  (child.stdout as Socket).unref();
  (child.stderr as Socket).unref();

  const lines: string[] = [];
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const record = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (line.includes('Ready to accept connections')) onReady();
    }
    while (lines.length > MAX_OUTPUT_LINES) lines.shift();
  };
  child.stdout.on('data', record);
  child.stderr.on('data', record);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => leftover.forget());
  const output = (): string => lines.join('\n');
  let stopping: Promise<void> | null = null;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const escalate = setTimeout(() => child.kill('SIGKILL'), 5_000);
      // The child is unref'd, so a ref'd timer keeps this process alive until its exit is seen.
      const keepAlive = setInterval(() => undefined, 1_000);
      await exited;
      clearInterval(keepAlive);
      clearTimeout(escalate);
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

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
