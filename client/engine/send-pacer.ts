import type { SendLimits } from '../../shared/protocol.ts';
import type { Cancel, Timers } from './timers.ts';

/**
 * Keeps what we send within what the server lets one connection send (signaling/limits.ts):
 * frames, and the copies a broadcast makes. The server drops what goes past its budget, and an
 * honest client must lose nothing to it (a lost presence leaves us unseen), so frames past ours
 * wait, in order, and go out as it refills. Order matters as much as delivery: sealed envelopes
 * carry rising sequence numbers, and one overtaken would be refused as a replay.
 */
export interface SendPacer {
  /**
   * Sends `text` now if the budget allows, else after what waits before it. `copies`: how many
   * members it reaches, asked as it goes out (a broadcast reaches whoever is there then).
   */
  send(text: string, copies: () => number): void;
  /** We are saying goodbye: sends what the budget allows now, keeping `reserve` frames for what goes after (the goodbye), and drops the rest. */
  flush(reserve?: number): void;
  /** The connection is gone: what waits is dropped. */
  stop(): void;
  waiting(): number;
}

/**
 * We spend less than the server allows, and more slowly: it counts frames as they arrive, so a
 * network that holds frames back and delivers them together looks to it like a burst, and the
 * hello, pings and the goodbye go outside the pacer.
 */
const BURST_SHARE = 0.75;
const RATE_SHARE = 0.85;
/** Past this many frames waiting something is wrong with us, not the budget: newer frames are dropped. */
export const MAX_WAITING = 2000;

interface Budget {
  tokens: number;
  readonly perS: number;
  readonly burst: number;
}

function budget(perS: number, burst: number): Budget {
  const kept = Math.max(1, Math.floor(burst * BURST_SHARE));
  return { tokens: kept, perS: perS * RATE_SHARE, burst: kept };
}

export function createSendPacer(options: { limits: SendLimits; timers: Timers; write(text: string): void }): SendPacer {
  const { timers, write, limits } = options;
  const frames = budget(limits.framesPerS, limits.framesBurst);
  const copies = budget(limits.copiesPerS, limits.copiesBurst);
  let last = timers.now();
  const queue: { text: string; copies: () => number }[] = [];
  let wake: Cancel | null = null;

  function refill(): void {
    const now = timers.now();
    for (const b of [frames, copies]) b.tokens = Math.min(b.burst, b.tokens + ((now - last) * b.perS) / 1000);
    last = now;
  }

  /** A broadcast to more members than the burst could never go; it goes once the budget is full. */
  const costOf = (n: number): number => Math.min(n, copies.burst);
  /** `reserve`: frames kept back for what goes outside the pacer (the goodbye). */
  const affordable = (n: number, reserve = 0): boolean => frames.tokens >= 1 + reserve && copies.tokens >= costOf(n);

  /** Sends what the budget allows, in order; false if something still waits. */
  function sendAffordable(reserve = 0): boolean {
    refill();
    while (queue.length > 0) {
      const n = queue[0]!.copies();
      if (!affordable(n, reserve)) return false;
      const next = queue.shift()!;
      frames.tokens -= 1;
      copies.tokens -= costOf(n);
      write(next.text);
    }
    return true;
  }

  function drain(): void {
    wake = null;
    if (!sendAffordable()) schedule(queue[0]!.copies());
  }

  function schedule(n: number): void {
    if (wake) return;
    const seconds = Math.max((1 - frames.tokens) / frames.perS, (costOf(n) - copies.tokens) / copies.perS, 0);
    wake = timers.after(Math.ceil(seconds * 1000), drain);
  }

  function stop(): void {
    wake?.();
    wake = null;
    queue.length = 0;
  }

  return {
    send(text, n) {
      if (queue.length >= MAX_WAITING) return;
      queue.push({ text, copies: n });
      if (!wake) drain();
    },
    flush(reserve = 1) {
      wake?.();
      sendAffordable(reserve);
      stop();
    },
    stop,
    waiting: () => queue.length,
  };
}
