import { roomTag } from './log.ts';
import type { ClientSocket, Timers } from './hub.ts';
import { createPlannerLeases } from './planner-leases.ts';
import { createRemoteMembers, type RemoteMembersOptions, type RemoteView } from './remote-members.ts';
import { isRemote } from './remote-socket.ts';
import type { BusEvent, MemberRecord, RecordChange, RoomBus } from './room-bus.ts';
import type { RoomRegistry } from './rooms.ts';
import type { TreeClaim } from './tree-planning.ts';

/**
 * Keeps a node's rooms in step with the other nodes serving them, over the room bus. A room is
 * open here while this node has a member in it: it hears the room's events, holds the members
 * on other nodes as RemoteSockets, and competes for the room's planner lease. Only the lease
 * holder plans the room's relay tree; every node mirrors the claims, so any can take over.
 */
export interface RoomCluster {
  /** A release to call once the join is done: at once when the room is ready here, else once it is. */
  prepare(room: string): (() => void) | Promise<() => void>;
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

export interface RoomClusterOptions extends Omit<RemoteMembersOptions, 'unconfirmed'> {
  timers: Timers;
  /** How many members of the room this node holds. */
  local(room: string): number;
}

/** How often leases are renewed, other nodes checked, and records read again where events may have been lost. */
const TICK_MS = 1000;

interface OpenRoom extends RemoteView {
  /** Joins waiting on `ready`; the room stays open for them. */
  holds: number;
  /** Settles when the record has been read; null once it has. */
  ready: Promise<void> | null;
  /** Events may have been lost (Redis reconnected, or a read failed): read the record again. */
  stale: boolean;
}

const nodesOf = (records: ReadonlyMap<string, MemberRecord>): string[] => [...new Set([...records.values()].map((record) => record.node))];

/** Our announcements of members, counted until we hear them back from Redis. */
function createEchoes(): { sent(room: string, peer: string): void; heard(room: string, peer: string): void; awaited(room: string, peer: string): boolean } {
  const waiting = new Map<string, number>();
  const keyOf = (room: string, peer: string): string => `${room} ${peer}`;
  return {
    sent: (room, peer) => void waiting.set(keyOf(room, peer), (waiting.get(keyOf(room, peer)) ?? 0) + 1),
    heard(room, peer) {
      const count = (waiting.get(keyOf(room, peer)) ?? 1) - 1;
      if (count > 0) waiting.set(keyOf(room, peer), count);
      else waiting.delete(keyOf(room, peer));
    },
    awaited: (room, peer) => waiting.has(keyOf(room, peer)),
  };
}

/** The nodes holding members of our open rooms that stopped renewing their keys, with the rooms. */
async function nodesDown(open: ReadonlyMap<string, OpenRoom>, rooms: RoomRegistry<ClientSocket>, bus: RoomBus): Promise<Map<string, Set<string>>> {
  const roomsOfNode = new Map<string, Set<string>>();
  for (const [room, state] of open) {
    for (const peer of state.remote) {
      const handle = rooms.handleOf(room, peer);
      if (isRemote(handle)) roomsOfNode.set(handle.node, (roomsOfNode.get(handle.node) ?? new Set()).add(room));
    }
  }
  if (roomsOfNode.size === 0) return roomsOfNode;
  const alive = await bus.alive([...roomsOfNode.keys()]);
  for (const node of alive) roomsOfNode.delete(node);
  return roomsOfNode;
}

export function createRoomCluster(options: RoomClusterOptions): RoomCluster {
  const { bus, rooms, trees, timers, log } = options;
  const open = new Map<string, OpenRoom>();
  const echoes = createEchoes();
  let stopped = false;
  const failed = (what: string) => (error: Error) => log.warn({ event: 'bus-failed', what, code: error.name });

  const leases = createPlannerLeases({ bus, log, onTaken: (room) => trees.lead(room) });
  const members = createRemoteMembers({ ...options, unconfirmed: echoes.awaited });
  bus.listen(
    (room, event) => {
      if (stopped) return;
      if (event.node !== bus.node) {
        const state = open.get(room);
        if (state) members.hear(room, state, event);
        return;
      }
      if (event.type === 'present') echoes.heard(room, event.peer);
    },
    () => {
      for (const state of open.values()) state.stale = true;
    },
  );

  /** Reads the room's record (subscribing first) and brings our copy in line, holding events back meanwhile. */
  async function refresh(room: string, state: OpenRoom): Promise<void> {
    state.stale = false;
    state.queued ??= [];
    try {
      const records = await bus.open(room);
      const alive = await bus.alive(nodesOf(records));
      if (open.get(room) === state) members.reconcile(room, state, records, alive);
    } catch (error) {
      // The room still works for this node's own members; the next tick tries again.
      log.warn({ event: 'room-read-failed', room: roomTag(room), code: (error as Error).name });
      state.stale = true;
      if (open.get(room) === state) members.reconcile(room, state, null, new Set());
    }
  }

  /** Members on nodes that stopped renewing their keys are away, and gone unless they come back. */
  async function checkNodes(): Promise<void> {
    const down = await nodesDown(open, rooms, bus);
    if (stopped) return;
    for (const [node, inRooms] of down) {
      log.info({ event: 'node-down' });
      for (const room of inRooms) {
        const state = open.get(room);
        if (state && !state.queued) members.nodeDown(room, state, node);
      }
    }
  }

  let tickTimer = timers.set(function tick() {
    tickTimer = timers.set(tick, TICK_MS);
    for (const [room, state] of open) {
      if (state.ready !== null) continue;
      leases.renew(room);
      if (state.stale) void refresh(room, state);
    }
    checkNodes().catch(failed('check-nodes'));
  }, TICK_MS);

  function close(room: string, state: OpenRoom): void {
    open.delete(room);
    bus.close(room);
    leases.drop(room);
    for (const peer of state.remote) {
      options.grace.cancel(room, peer);
      trees.remove(room, peer);
      rooms.leave(room, peer, rooms.handleOf(room, peer) ?? null);
    }
  }

  /** Changes our member's record and tells the other nodes, in one step; `undo` if that fails. */
  function announce(room: string, peer: string, change: RecordChange, event: BusEvent, undo = (): void => {}): void {
    bus.announce(room, peer, change, event).catch((error: Error) => {
      undo();
      failed('announce')(error);
    });
  }

  function openRoom(room: string): OpenRoom {
    const state: OpenRoom = { holds: 0, ready: null, queued: null, remote: new Set(), stale: false };
    open.set(room, state);
    state.ready = refresh(room, state).then(() => {
      state.ready = null;
      if (open.get(room) === state) leases.renew(room);
    });
    return state;
  }

  return {
    prepare(room) {
      const state = open.get(room) ?? openRoom(room);
      state.holds += 1;
      const release = (): void => {
        state.holds -= 1;
        if (state.holds === 0 && options.local(room) === 0 && open.get(room) === state) close(room, state);
      };
      return state.ready === null ? release : state.ready.then(() => release);
    },

    present(room, peer) {
      open.get(room)?.remote.delete(peer);
      echoes.sent(room, peer);
      // Never published, so never heard back.
      announce(room, peer, { kind: 'take', entry: { node: bus.node, away: false, claim: null } }, { type: 'present', node: bus.node, peer }, () => echoes.heard(room, peer));
    },

    away(room, peer) {
      announce(room, peer, { kind: 'update', entry: { node: bus.node, away: true, claim: null } }, { type: 'away', node: bus.node, peer });
    },

    gone(room, peer) {
      announce(room, peer, { kind: 'forget', holder: bus.node }, { type: 'gone', node: bus.node, peer });
    },

    claimed(room, peer, claim) {
      announce(room, peer, { kind: 'update', entry: { node: bus.node, away: false, claim } }, { type: 'claim', node: bus.node, peer, claim });
    },

    spread(room, from, text) {
      bus.publish(room, { type: 'spread', node: bus.node, except: from, text, from });
    },

    vacated(room) {
      const state = open.get(room);
      if (state && state.holds === 0) close(room, state);
    },

    leads: (room) => leases.leads(room),
    leading: () => leases.count(),

    async stop(local) {
      stopped = true;
      timers.clear(tickTimer);
      const pending: Promise<unknown>[] = [];
      for (const [room, peers] of local) {
        for (const peer of peers) {
          if (rooms.handleOf(room, peer)) pending.push(bus.announce(room, peer, { kind: 'update', entry: { node: bus.node, away: true, claim: null } }, { type: 'away', node: bus.node, peer }));
        }
      }
      pending.push(leases.stop());
      open.clear();
      await Promise.allSettled(pending);
    },
  };
}
