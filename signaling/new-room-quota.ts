import { createTokenBucket, type TokenBucket } from '../shared/token-bucket.ts';

/**
 * How many rooms' first snapshots each client address may make, so that strangers cannot fill
 * the store with rooms nobody returns to: NEW_ROOMS_PER_HOUR, in bursts of as many. Saves to
 * rooms the store already holds cost nothing here. Addresses are keyed as for the connection
 * cap (client-address.ts: an IPv6 address by its /64).
 *
 * Per node: with several nodes an address may make this many on each. The store's own cap
 * (SNAPSHOT_MAX_ROOMS) bounds them all together.
 */
export interface NewRoomQuota {
  /** Takes one new room from the address's allowance; false when it has none left. */
  take(address: string): boolean;
  /** Gives back one taken for a save that made no new room. */
  give(address: string): void;
}

/** A host makes a room or two an evening; twenty an hour is far beyond that, and 480 a day at most. */
export const NEW_ROOMS_PER_HOUR = 20;
/** Full buckets are forgotten once this many are kept, and again each time their number doubles. */
const FORGET_FROM = 1024;

export function createNewRoomQuota(options: { nowMs: () => number }): NewRoomQuota {
  const { nowMs } = options;
  const buckets = new Map<string, TokenBucket>();
  let forgetAt = FORGET_FROM;

  /** A full bucket is what an address without one gets, so forgetting it keeps memory to the addresses making rooms now. */
  function forgetFull(): void {
    for (const [address, bucket] of buckets) if (bucket.full()) buckets.delete(address);
    forgetAt = Math.max(FORGET_FROM, buckets.size * 2);
  }

  return {
    take(address) {
      let bucket = buckets.get(address);
      if (!bucket) {
        if (buckets.size >= forgetAt) forgetFull();
        bucket = createTokenBucket({ ratePerS: NEW_ROOMS_PER_HOUR / 3600, burst: NEW_ROOMS_PER_HOUR, nowMs });
        buckets.set(address, bucket);
      }
      return bucket.take();
    },

    give(address) {
      buckets.get(address)?.give();
    },
  };
}
