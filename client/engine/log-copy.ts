import { compactAt, entriesFrom, entryAt, lengthOf, type RoomLog } from '../../shared/room-log.ts';
import type { Timers } from './timers.ts';

/** A fork is settled by the fork rule only while it is this fresh; older history gives way to the host alone. */
export const SETTLE_MS = 5_000;

/**
 * This member's copy of the room log, and when each of its places joined it (local clock), to
 * tell fresh forks from settled history. Once a checkpoint has been held for SETTLE_MS, no fork can
 * undo it, so the copy lets go of the acts before it (shared/checkpoint.ts).
 */
export interface LogCopy {
  get(): RoomLog;
  /** Takes `next`, which shares our first `keep` places; `settled`: its new places count as long held (a saved snapshot). */
  replace(next: RoomLog, keep: number, settled?: boolean): void;
  /** When the act at place n joined our copy; 0 if it is not held, -Infinity if it came settled. */
  joinedAt(n: number): number;
}

export function createLogCopy(initial: RoomLog, timers: Timers, trace: (line: string) => void): LogCopy {
  let log = initial;
  const joined = new Map<number, number>();

  const forget = (keepFrom: number, keepBefore: number): void => {
    for (const n of [...joined.keys()]) if (n < keepFrom || n >= keepBefore) joined.delete(n);
  };

  function compactSettled(): void {
    const at = settledCheckpoint(log, joined, timers.now() - SETTLE_MS);
    if (at === null) return;
    log = compactAt(log, at);
    forget(log.base, Infinity);
    trace(`log: starts at the checkpoint at ${at}`);
  }

  return {
    get: () => log,
    replace(next, keep, settled = false) {
      forget(next.base, keep);
      for (let n = Math.max(keep, next.base); n < lengthOf(next); n++) joined.set(n, settled ? -Infinity : timers.now());
      if (entriesFrom(next, keep).some((entry) => entry.act.type === 'checkpoint')) timers.after(SETTLE_MS, compactSettled);
      log = next;
    },
    joinedAt: (n) => joined.get(n) ?? 0,
  };
}

/** The latest checkpoint past the copy's start held since at least `settledAt`: the place to compact at, or null. */
export function settledCheckpoint(log: RoomLog, joinedAt: ReadonlyMap<number, number>, settledAt: number): number | null {
  for (let n = lengthOf(log) - 1; n >= log.base; n--) {
    if (entryAt(log, n)?.act.type === 'checkpoint' && (joinedAt.get(n) ?? Infinity) <= settledAt) return n;
  }
  return null;
}
