import type { Timers } from './hub.ts';

/**
 * The pending departures of away members: each runs out after the grace period unless the member
 * comes back first.
 */
export interface GraceTimers {
  start(room: string, peer: string, onEnd: () => void): void;
  /** The member came back, or its departure is settled otherwise. */
  cancel(room: string, peer: string): void;
  /** Forgets every pending departure. */
  clear(): void;
}

export function createGraceTimers(timers: Timers, graceMs: number): GraceTimers {
  const pending = new Map<string, unknown>();
  const keyOf = (room: string, peer: string): string => `${room} ${peer}`;

  return {
    start(room, peer, onEnd) {
      const key = keyOf(room, peer);
      const previous = pending.get(key);
      if (previous !== undefined) timers.clear(previous);
      pending.set(
        key,
        timers.set(() => {
          pending.delete(key);
          onEnd();
        }, graceMs),
      );
    },
    cancel(room, peer) {
      const key = keyOf(room, peer);
      const timer = pending.get(key);
      if (timer === undefined) return;
      timers.clear(timer);
      pending.delete(key);
    },
    clear() {
      for (const timer of pending.values()) timers.clear(timer);
      pending.clear();
    },
  };
}
