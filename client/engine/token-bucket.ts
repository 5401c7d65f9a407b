/** A budget that refills with time: `burst` at once, then `perSecond` on average. */
export interface TokenBucket {
  /** Spends one token; false when none is left (nothing is spent then). */
  take(): boolean;
}

export function createTokenBucket(options: { burst: number; perSecond: number; now: () => number }): TokenBucket {
  const { burst, perSecond, now } = options;
  let tokens = burst;
  let last = now();
  return {
    take() {
      const at = now();
      tokens = Math.min(burst, tokens + ((at - last) * perSecond) / 1000);
      last = at;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
