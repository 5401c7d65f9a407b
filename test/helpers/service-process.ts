/**
 * A service a test started (turnserver, redis-server) as the test sees it: what it printed, whether
 * it runs, and an idempotent stop that removes its temporary directory. The child is unref'd, so
 * it never keeps a test process alive on its own; leftovers are SIGKILLed at exit.
 */
import type { ChildProcessByStdio } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { killAtExit } from './leftover-children.ts';

const MAX_OUTPUT_LINES = 2_000;

export interface ServiceProcess {
  output(): string;
  isRunning(): boolean;
  exited: Promise<void>;
  /** SIGTERM, wait for exit (SIGKILL after 5 s), remove `dir`. Idempotent. */
  stop(): Promise<void>;
}

export function watchService(child: ChildProcessByStdio<null, Readable, Readable>, dir: string, onLine: (line: string) => void = () => {}): ServiceProcess {
  const leftover = killAtExit(child);
  child.unref();
  (child.stdout as unknown as Socket).unref();
  (child.stderr as unknown as Socket).unref();
  const lines: string[] = [];
  const record = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      onLine(line);
    }
    while (lines.length > MAX_OUTPUT_LINES) lines.shift();
  };
  child.stdout.on('data', record);
  child.stderr.on('data', record);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => leftover.forget());
  const isRunning = (): boolean => child.exitCode === null && child.signalCode === null;
  let stopping: Promise<void> | null = null;

  return {
    output: () => lines.join('\n'),
    isRunning,
    exited,
    stop() {
      stopping ??= (async () => {
        if (isRunning()) child.kill('SIGTERM');
        const escalate = setTimeout(() => child.kill('SIGKILL'), 5_000);
        // The child is unref'd, so a ref'd timer keeps this process alive until its exit is seen.
        const keepAlive = setInterval(() => undefined, 1_000);
        await exited;
        clearInterval(keepAlive);
        clearTimeout(escalate);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
