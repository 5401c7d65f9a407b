/**
 * The one way the engine reads the time and schedules work. A room owns one `Timers`; leaving
 * stops it, so nothing scheduled by a room that is over can still run.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type Cancel = () => void;

export interface Timers {
  now(): number;
  /** Runs `fn` once after `ms`. */
  after(ms: number, fn: () => void): Cancel;
  /** Runs `fn` every `ms` until cancelled. */
  every(ms: number, fn: () => void): Cancel;
  /** Cancels everything pending; whatever is scheduled afterwards never runs. */
  stop(): void;
}

/** The global clock, looked up at each call so that tests can mock the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function createTimers(clock: Clock = systemClock): Timers {
  const pending = new Set<unknown>();
  let stopped = false;

  function after(ms: number, fn: () => void): Cancel {
    if (stopped) return () => {};
    const handle = clock.setTimeout(() => {
      pending.delete(handle);
      fn();
    }, ms);
    pending.add(handle);
    return () => {
      if (pending.delete(handle)) clock.clearTimeout(handle);
    };
  }

  return {
    now: () => clock.now(),
    after,
    every(ms, fn) {
      let cancel: Cancel = () => {};
      const tick = (): void => {
        cancel = after(ms, tick);
        fn();
      };
      cancel = after(ms, tick);
      return () => cancel();
    },
    stop() {
      stopped = true;
      for (const handle of pending) clock.clearTimeout(handle);
      pending.clear();
    },
  };
}
