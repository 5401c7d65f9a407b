import { roomTag, type Log } from './log.ts';
import type { RoomBus } from './room-bus.ts';

/**
 * The planner leases of the rooms open on this node: with several nodes, only the holder of a
 * room's lease plans its relay tree. A lease is counted as ours only until shortly before it
 * would run out unrenewed, so a node whose renewals fail or stall stops planning before another
 * node can take over.
 */
export interface PlannerLeases {
  /** Takes or keeps the room's lease. */
  renew(room: string): void;
  leads(room: string): boolean;
  /** How many rooms this node plans now. */
  count(): number;
  /** The room closed here: its lease is given up. */
  drop(room: string): void;
  /** Gives every lease up. */
  stop(): Promise<void>;
}

export interface PlannerLeasesOptions {
  bus: RoomBus;
  log: Log;
  /** This node has just taken the room's lease. */
  onTaken(room: string): void;
}

/** The planner lease lasts this long unless renewed; a node that dies hands it over within it. */
export const LEASE_MS = 3000;
/** Counted as ours until this long before it runs out, for the round trip and the clocks. */
const LEASE_MARGIN_MS = 500;

interface Lease {
  /** When, on performance.now()'s clock, it may run out; 0: not ours. */
  until: number;
}

export function createPlannerLeases(options: PlannerLeasesOptions): PlannerLeases {
  const { bus, log } = options;
  const leases = new Map<string, Lease>();
  let stopped = false;
  const failed = (what: string) => (error: Error) => log.warn({ event: 'planner-lease-failed', what, code: error.name });
  const ours = (lease: Lease | undefined): boolean => lease !== undefined && performance.now() < lease.until;

  return {
    renew(room) {
      const lease = leases.get(room) ?? { until: 0 };
      leases.set(room, lease);
      const sentAt = performance.now();
      bus.lease(room, LEASE_MS).then(
        (held) => {
          // Taken for a room that has closed here meanwhile, or by a node going down: given back.
          if (stopped || leases.get(room) !== lease) {
            if (held && (stopped || !leases.has(room))) bus.release(room).catch(failed('release'));
            return;
          }
          const was = ours(lease);
          lease.until = held ? sentAt + LEASE_MS - LEASE_MARGIN_MS : 0;
          if (held === was) return;
          log.info({ event: held ? 'planner-lease-taken' : 'planner-lease-lost', room: roomTag(room) });
          if (held) options.onTaken(room);
        },
        (error: Error) => {
          lease.until = 0;
          failed('renew')(error);
        },
      );
    },

    leads: (room) => ours(leases.get(room)),

    count() {
      let count = 0;
      for (const lease of leases.values()) if (ours(lease)) count += 1;
      return count;
    },

    drop(room) {
      const lease = leases.get(room);
      leases.delete(room);
      if (lease && lease.until > 0) bus.release(room).catch(failed('release'));
    },

    async stop() {
      stopped = true;
      const releases = [...leases].filter(([, lease]) => lease.until > 0).map(([room]) => bus.release(room));
      leases.clear();
      await Promise.allSettled(releases);
    },
  };
}
