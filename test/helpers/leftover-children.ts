/**
 * Last resort for a test that forgot to stop a process it started (the signaling server,
 * turnserver): children are SIGKILLed when the test process exits or is interrupted. One
 * registry for every helper, so one set of exit handlers.
 */
import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();
const killLeftovers = (): void => {
  for (const child of running) child.kill('SIGKILL');
};
process.on('exit', killLeftovers);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killLeftovers();
    // Our listener is gone now, so re-raising gets the default (or another module's) handling.
    process.kill(process.pid, signal);
  });
}

/** Kills the child when the test process goes, unless it has exited by then (call forget). */
export function killAtExit(child: ChildProcess): { forget(): void } {
  running.add(child);
  return { forget: () => void running.delete(child) };
}
