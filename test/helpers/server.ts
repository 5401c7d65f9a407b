/**
 * Starts the built signaling server (dist/server.js) as a child process for a test.
 *
 * Ready means: a JSON log line on stdout with "event":"listening" and its "port" (PORT=0 picks
 * a free one). Restarting on the same port is startServer({ port: previous.port }). Each server
 * keeps snapshots in a fresh temporary DATA_DIR, removed once it has exited, unless `env` names
 * one (to restart a server on what the one before it saved).
 * Everything started here is stopped by the test; as a last resort, leftovers are SIGKILLed
 * when the test process exits.
 */
import { killAtExit } from './leftover-children.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_SCRIPT = 'dist/server.js';
const MAX_OUTPUT_LINES = 2_000;

export interface ServerOptions {
  /** Port to listen on; 0 or absent picks a free one. */
  port?: number;
  /** Extra environment for the server (PORT is set from `port`; DATA_DIR, unless given, is a fresh directory). */
  env?: Record<string, string>;
  /** Script to run, relative to the repo root (default dist/server.js); a .ts one runs through tsx. */
  script?: string;
  /** How long to wait for the "listening" line (default 10 s). */
  startTimeoutMs?: number;
}

export interface RunningServer {
  port: number;
  url: string;
  /** Where it keeps snapshots (DATA_DIR). */
  dataDir: string;
  /** SIGTERM, wait for exit; SIGKILL if still running after 5 s. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit (a crash, not a shutdown). Idempotent. */
  kill(): Promise<void>;
  /** Everything the server printed so far, stdout and stderr interleaved, for failing tests. */
  output(): string;
  readonly exitCode: number | null;
  readonly process: ChildProcess;
}

function listeningPort(line: string): number | null {
  if (!line.includes('"listening"')) return null;
  try {
    const entry: unknown = JSON.parse(line);
    if (typeof entry !== 'object' || entry === null) return null;
    const { event, port } = entry as { event?: unknown; port?: unknown };
    return event === 'listening' && typeof port === 'number' ? port : null;
  } catch {
    return null;
  }
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const script = options.script ?? DEFAULT_SCRIPT;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  if (!existsSync(resolvePath(REPO_ROOT, script))) {
    throw new Error(`server script ${script} not found; build it first (node build.mjs)`);
  }
  // Never the repository's data/: each server saves into a directory of its own unless told otherwise.
  const dataDir = options.env?.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'porch-data-'));
  const ownDataDir = dataDir !== options.env?.DATA_DIR;
  // TypeScript runs through tsx, so unit tests can run the server before anything is built.
  const child = spawn(process.execPath, script.endsWith('.ts') ? ['--import', 'tsx', script] : [script], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env, DATA_DIR: dataDir, PORT: String(options.port ?? 0) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const leftover = killAtExit(child);
  child.unref();
  (child.stdout as Socket).unref();
  (child.stderr as Socket).unref();

  const lines: string[] = [];
  const record = (stream: string, line: string): void => {
    lines.push(stream === 'stderr' ? `[stderr] ${line}` : line);
    if (lines.length > MAX_OUTPUT_LINES) lines.shift();
  };
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      leftover.forget();
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
      resolve();
    });
  });
  const output = (): string => lines.join('\n');

  const port = await new Promise<number>((resolve, reject) => {
    const pending: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`server ${script} ${why}\n--- server output ---\n${output()}`));
    };
    const timer = setTimeout(() => fail(`did not report "listening" within ${startTimeoutMs} ms`), startTimeoutMs);
    const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const parts = (pending[stream] + chunk.toString('utf8')).split('\n');
      pending[stream] = parts.pop() ?? '';
      for (const line of parts) {
        record(stream, line);
        const found = stream === 'stdout' ? listeningPort(line) : null;
        if (found !== null && !settled) {
          settled = true;
          clearTimeout(timer);
          resolve(found);
        }
      }
    };
    child.stdout.on('data', onData('stdout'));
    child.stderr.on('data', onData('stderr'));
    child.on('error', (error) => fail(`could not start: ${error.message}`));
    // 'close' comes after the output is drained, so a startup error message is in output().
    child.once('close', (code, signal) => {
      for (const stream of ['stdout', 'stderr'] as const) if (pending[stream]) record(stream, pending[stream]);
      fail(`exited before listening (code ${code}, signal ${signal})`);
    });
  });

  const isRunning = (): boolean => child.exitCode === null && child.signalCode === null;
  /** The child is unref'd, so a ref'd timer keeps this process alive until its exit is seen. */
  const untilExited = async (): Promise<void> => {
    const keepAlive = setInterval(() => undefined, 1_000);
    await exited;
    clearInterval(keepAlive);
  };

  return {
    port,
    url: `http://localhost:${port}`,
    dataDir,
    async stop() {
      if (isRunning()) child.kill('SIGTERM');
      const escalate = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await untilExited();
      clearTimeout(escalate);
    },
    async kill() {
      if (isRunning()) child.kill('SIGKILL');
      await untilExited();
    },
    output,
    get exitCode() {
      return child.exitCode;
    },
    process: child,
  };
}

/** One gauge or counter from the server's /metrics (the members in its rooms, its open connections…). */
export async function serverMetric(serverUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${serverUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`the server reports no ${name}`);
  return Number(line.split(' ')[1]);
}
