import type { Clock } from '../../client/engine/timers.ts';

/** A manual clock for engine tests: timers run only when the test advances time. */
export function createFakeTimers() {
  let now = 0;
  let nextId = 1;
  const pending = new Map<number, { at: number; fn: () => void }>();
  return {
    now: (): number => now,
    setTimeout: (fn: () => void, ms: number): unknown => {
      const id = nextId++;
      pending.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (handle: unknown): void => {
      pending.delete(handle as number);
    },
    pendingCount: (): number => pending.size,
    /** Moves the clock forward, running every timer that falls due on the way, in order. */
    advance(ms: number): void {
      const until = now + ms;
      for (;;) {
        const due = [...pending].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        pending.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = until;
    },
  } satisfies Clock & Record<string, unknown>;
}
