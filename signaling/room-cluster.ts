import { roomTag } from './log.ts';
import type { Timers } from './hub.ts';
import { createRemoteMembers, type RemoteMembersOptions, type RemoteView } from './remote-members.ts';
import type { MemberRecord } from './room-bus.ts';
import type { TreeClaim } from './tree-planning.ts';

/**
 * Keeps a node's rooms in step with the other nodes serving them, over the room bus. A room is
 * open here while this node has a member in it: it hears the room's events, holds the members
 * on other nodes as RemoteSockets, and competes for the room's planner lease. Only the lease
 * holder plans the room's relay tree; every node mirrors the claims, so any can take over.
 */
export interface RoomCluster {
  prepare(room: string): Promise<() => void>;
  /** Our member is connected (joined, resumed or replaced). */
  present(room: string, peer: string): void;
  /** Our member dropped without bye. */
  away(room: string, peer: string): void;
  /** Our member left, or its grace ran out. */
  gone(room: string, peer: string): void;
  claimed(room: string, peer: string, claim: TreeClaim & { since: number }): void;
  /** A message to every member; ours have it already. */
  spread(room: string, from: string, text: string): void;
  /** We have no member in the room any more. */
  vacated(room: string): void;
  leads(room: string): boolean;
  leading(): number;
  stop(local: ReadonlyMap<string, ReadonlySet<string>>): Promise<void>;
}

export interface RoomClusterOptions extends RemoteMembersOptions {
  timers: Timers;
  /** How many members of the room this node holds. */
  local(room: string): number;
}

/** The planner lease lasts this long unless renewed; a node that dies hands it over within it. */
export const LEASE_MS = 3000;
const RENEW_MS = 1000;

interface OpenRoom extends RemoteView {
  /** Joins waiting on `ready`; the room stays open for them. */
  holds: number;
  ready: Promise<void>;
  leading: boolean;
  renewTimer: unknown;
}

export function createRoomCluster(options: RoomClusterOptions): RoomCluster {
  const { bus, rooms, trees, timers, log } = options;
  const open = new Map<string, OpenRoom>();
  let stopped = false;

  const members = createRemoteMembers(options);
  bus.listen((room, event) => {
    const state = open.get(room);
    if (state && !stopped) members.hear(room, state, event);
  });

  async function openRoom(room: string, state: OpenRoom): Promise<void> {
    try {
      members.adopt(room, state, await bus.open(room));
    } catch (error) {
      // The room still works for this node's own members; the others appear as they act.
      log.warn({ event: 'room-open-failed', room: roomTag(room), code: (error as Error).name });
      state.goneWhileOpening = null;
    }
    if (open.get(room) === state) renew(room, state);
  }

  function renew(room: string, state: OpenRoom): void {
    state.renewTimer = timers.set(() => renew(room, state), RENEW_MS);
    bus.lease(room, LEASE_MS).then(
      (held) => {
        if (open.get(room) !== state || stopped || held === state.leading) return;
        state.leading = held;
        log.info({ event: held ? 'planner-lease-taken' : 'planner-lease-lost', room: roomTag(room) });
        if (held) trees.lead(room);
      },
      (error: Error) => log.warn({ event: 'planner-lease-failed', room: roomTag(room), code: error.name }),
    );
  }

  function close(room: string, state: OpenRoom): void {
    open.delete(room);
    timers.clear(state.renewTimer);
    bus.close(room);
    if (state.leading) bus.release(room).catch((error: Error) => log.warn({ event: 'planner-lease-release-failed', code: error.name }));
    for (const peer of state.remote) {
      options.grace.cancel(room, peer);
      trees.remove(room, peer);
      rooms.leave(room, peer, rooms.handleOf(room, peer) ?? null);
    }
  }

  function ours(room: string, peer: string, away: boolean, claim: MemberRecord['claim']): void {
    void bus.record(room, peer, { node: bus.node, away, claim });
  }

  function announceAway(room: string, peer: string): void {
    ours(room, peer, true, null);
    bus.publish(room, { type: 'away', node: bus.node, peer });
  }

  return {
    prepare(room) {
      let state = open.get(room);
      if (!state) {
        const fresh: OpenRoom = { holds: 0, ready: Promise.resolve(), goneWhileOpening: new Set(), remote: new Set(), leading: false, renewTimer: null };
        open.set(room, fresh);
        fresh.ready = openRoom(room, fresh);
        state = fresh;
      }
      const held = state;
      held.holds += 1;
      const release = (): void => {
        held.holds -= 1;
        if (held.holds === 0 && options.local(room) === 0 && open.get(room) === held) close(room, held);
      };
      return held.ready.then(() => release);
    },

    present(room, peer) {
      open.get(room)?.remote.delete(peer);
      ours(room, peer, false, null);
      bus.publish(room, { type: 'present', node: bus.node, peer });
    },

    away: announceAway,

    gone(room, peer) {
      void bus.record(room, peer, null);
      bus.publish(room, { type: 'gone', node: bus.node, peer });
    },

    claimed(room, peer, claim) {
      ours(room, peer, false, claim);
      bus.publish(room, { type: 'claim', node: bus.node, peer, claim });
    },

    spread(room, from, text) {
      bus.publish(room, { type: 'spread', node: bus.node, except: from, text, from });
    },

    vacated(room) {
      const state = open.get(room);
      if (state && state.holds === 0) close(room, state);
    },

    leads: (room) => open.get(room)?.leading ?? false,

    leading() {
      let count = 0;
      for (const state of open.values()) if (state.leading) count += 1;
      return count;
    },

    async stop(local) {
      stopped = true;
      for (const [room, peers] of local) {
        for (const peer of peers) if (rooms.handleOf(room, peer)) announceAway(room, peer);
      }
      const releases: Promise<void>[] = [];
      for (const [room, state] of open) {
        timers.clear(state.renewTimer);
        if (state.leading) releases.push(bus.release(room));
      }
      open.clear();
      await Promise.allSettled(releases);
    },
  };
}
