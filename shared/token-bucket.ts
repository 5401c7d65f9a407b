/**
 * A budget that refills with time: `burst` at once, then `ratePerS` on average. A take that finds
 * it empty is refused and costs nothing: it never runs into debt. The clock is given, so the
 * browser (greetings) and the server (snapshot saves) share it.
 */
export interface TokenBucket {
  /** Takes one token if there is one. */
  take(): boolean;
  /** Puts back one token taken for something that did not happen after all. */
  give(): void;
  /** Whether it is full again, so that forgetting it changes nothing. */
  full(): boolean;
}

/** Tokens refill at `ratePerS` up to `burst`; it starts full. */
export function createTokenBucket(options: { ratePerS: number; burst: number; nowMs: () => number }): TokenBucket {
  const { ratePerS, burst, nowMs } = options;
  let tokens = burst;
  let lastMs = nowMs();
  const refill = (): void => {
    const now = nowMs();
    tokens = Math.min(burst, tokens + ((now - lastMs) * ratePerS) / 1000);
    lastMs = now;
  };

  return {
    take() {
      refill();
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    give() {
      refill();
      tokens = Math.min(burst, tokens + 1);
    },
    full() {
      refill();
      return tokens >= burst;
    },
  };
}
