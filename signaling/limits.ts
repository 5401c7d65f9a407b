/**
 * Per-connection limits on what a client may send. Pure: the clock is injected.
 */

/** Error replies a connection may earn before it is closed as abusive. A working client earns none. */
export const MAX_ERROR_FRAMES = 20;

/** Bytes queued towards one client before it counts as too slow to keep (backpressure). */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

export type RateVerdict =
  /** Within the rate: handle the frame. */
  | 'ok'
  /** Over the rate: drop the frame. `first` marks the start of a spell, the one worth telling the client about. */
  | { dropped: true; first: boolean }
  /** Far over the rate for long: close the connection. */
  | 'abusive';

export interface RateLimiter {
  take(): RateVerdict;
}

/**
 * A token bucket that may run into debt. Each frame costs a token; tokens refill at `ratePerS`
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
    take() {
      const now = nowMs();
      tokens = Math.min(burst, tokens + ((now - lastMs) * ratePerS) / 1000);
      lastMs = now;
      tokens -= 1;
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
