/**
 * Per-connection limits on what a client may send, and on how much of a receiver's queue one
 * sender may fill. Pure: the clock is injected.
 */

/** Error replies a connection may earn before it is closed as abusive. A working client earns none. */
export const MAX_ERROR_FRAMES = 20;

/** Bytes queued towards one client before it counts as too slow to keep (backpressure). */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * Bytes of one sender's messages that may wait in one receiver's queue. A quarter of the queue,
 * so one sender alone can never make a receiver look slow; only a receiver that falls behind
 * several senders (or everyone) is cut.
 */
export const MAX_BYTES_QUEUED_PER_SENDER = MAX_BUFFERED_BYTES / 4;

export type RateVerdict =
  /** Within the rate: handle the frame. */
  | 'ok'
  /** Over the rate: drop the frame. `first` marks the start of a spell, the one worth telling the client about. */
  | { dropped: true; first: boolean }
  /** Far over the rate for long: close the connection. */
  | 'abusive';

export interface RateLimiter {
  /** Spends `cost` tokens (default one). */
  take(cost?: number): RateVerdict;
}

/**
 * A token bucket that may run into debt. Each frame costs a token (or its `cost`); tokens refill at `ratePerS`
 * up to `burst`. Frames that find the bucket empty are dropped but still cost a token, so a
 * client that keeps flooding digs deeper, and one `burst` below empty is closed. A client that
 * merely overshot pays its debt back by pausing and is served again.
 */
export function createRateLimiter(options: { ratePerS: number; burst: number; nowMs: () => number }): RateLimiter {
  const { ratePerS, burst, nowMs } = options;
  let tokens = burst;
  let lastMs = nowMs();
  let dropping = false;

  return {
    take(cost = 1) {
      const now = nowMs();
      tokens = Math.min(burst, tokens + ((now - lastMs) * ratePerS) / 1000);
      lastMs = now;
      tokens -= cost;
      if (tokens >= 0) {
        dropping = false;
        return 'ok';
      }
      if (tokens < -burst) return 'abusive';
      const first = !dropping;
      dropping = true;
      return { dropped: true, first };
    },
  };
}

/**
 * How many bytes each sender has waiting in one receiver's outgoing queue, so that a message
 * is dropped rather than let one sender fill the queue. Bytes are taken when a message is
 * queued and given back when the socket has written it.
 */
export interface SenderShares {
  /** Takes `bytes` for `sender` if it stays within its share; false means drop the message. */
  take(sender: string, bytes: number): boolean;
  give(sender: string, bytes: number): void;
}

export function createSenderShares(maxBytesPerSender: number): SenderShares {
  const queued = new Map<string, number>();
  return {
    take(sender, bytes) {
      const now = (queued.get(sender) ?? 0) + bytes;
      if (now > maxBytesPerSender) return false;
      queued.set(sender, now);
      return true;
    },
    give(sender, bytes) {
      const left = (queued.get(sender) ?? bytes) - bytes;
      if (left > 0) queued.set(sender, left);
      else queued.delete(sender);
    },
  };
}
