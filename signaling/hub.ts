import { CLOSE_CODES, type IceServer, type SendLimits, type ServerFrame } from '../shared/protocol.ts';
import { ok, type Result } from '../shared/result.ts';
import type { SnapshotSave } from '../shared/room-snapshot.ts';
import { roomTag, type Log } from './log.ts';
import { createTreePlanning, type TreeClaim, type TreePlanningOptions } from './tree-planning.ts';
import { createGraceTimers, type GraceTimers } from './grace-timers.ts';
import { createRoomRegistry, type JoinOutcome, type RoomRegistry, type RoomsError } from './rooms.ts';
import { createRoomCluster } from './room-cluster.ts';
import type { RoomBus } from './room-bus.ts';
import { isRemote } from './remote-socket.ts';

/** One client connection as the hub sees it: somewhere to send text, something to close. */
export interface ClientSocket {
  /** `from` is the peer whose message this is, so one sender cannot fill the queue; server frames have none. */
  send(text: string, from?: string): void;
  close(code: number, reason: string): void;
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface HubOptions {
  roomCapacity: number;
  leaveGraceMs: number;
  /** The ICE servers for one welcome: called per welcome, as TURN credentials are minted for each. */
  iceServers: () => IceServer[];
  log: Log;
  /** The relay-tree planner's settings (PORCH_FANOUT, PORCH_DIRECT_MAX). */
  tree: TreePlanningOptions['settings'];
  /** What each connection may send, told in the welcome so that honest clients stay within it. */
  limits: SendLimits;
  timers?: Timers;
  /** Other nodes serving the same rooms (REDIS_URL); absent: this process serves its rooms alone. */
  bus?: RoomBus | undefined;
  /** Called each time a room's tree is planned. */
  onPlan?: (() => void) | undefined;
}

/**
 * Places connections in rooms and routes sealed boxes between them. It decides who is
 * present, away or gone and tells the room; it never looks inside a box. With a room bus,
 * members on other nodes are in its rooms too (room-cluster.ts keeps them in step).
 *
 * Invariants: `joined` and `left` go only to present members other than the subject; a
 * peer that disconnects without bye is away for `leaveGraceMs` (listed to nobody, its
 * messages dropped) and only then announced as `left`; `from` is always the sender's
 * server-derived id. Each node tells only its own connections `joined` and `left`.
 */
export interface Hub {
  /**
   * Gets a room ready for a join: with other nodes, learns who is in it there. Call `join` once
   * it gives a release (at once when the room is ready, else when it resolves), then the release,
   * which keeps the room open meanwhile.
   */
  prepare(room: string): (() => void) | Promise<() => void>;
  /**
   * Admits `socket` to the room as `peer`, sends it the room's `snapshot` if one is given (the
   * save whole, so members can check its signature), then `welcome`, and tells the others
   * `joined`. Nothing is sent to a socket that is not admitted.
   */
  join(socket: ClientSocket, room: string, peer: string, snapshot?: SnapshotSave | null): Result<JoinOutcome<ClientSocket>['kind'], RoomsError>;
  /** Routes a box from `from` to one present peer or, with '*', to every other present peer. */
  route(room: string, from: string, to: string, box: string): 'routed' | 'unknown-peer';
  /** The member says what the relay-tree planner needs (tree-planning.ts). */
  claim(room: string, peer: string, claim: TreeClaim): void;
  /** How many copies `route` would send for these arguments: 0 when `to` is unknown or the sender. */
  copies(room: string, from: string, to: string): number;
  /** The peer said bye: gone at once. */
  leave(socket: ClientSocket, room: string, peer: string): void;
  /** The connection closed without bye: away, then gone unless it resumes in time. */
  drop(socket: ClientSocket, room: string, peer: string): void;
  /**
   * Forgets pending departures and ignores further ones; the server is going down. Other nodes
   * are told its members are away, so they keep their places while they reconnect elsewhere.
   */
  stop(): Promise<void>;
  /** This node's own members: rooms, members, and those of them away. */
  counts(): { rooms: number; members: number; away: number; leading: number };
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const encode = (frame: ServerFrame): string => JSON.stringify(frame);

/** The save's four fields, named one by one: what a store keeps beside them (when it was saved) stays on the server. */
const snapshotFrame = ({ version, writer, box, sig }: SnapshotSave): ServerFrame => ({ type: 'snapshot', version, writer, box, sig });

function countLocal(local: ReadonlyMap<string, ReadonlySet<string>>, rooms: RoomRegistry<ClientSocket>): { rooms: number; members: number; away: number } {
  let members = 0;
  let away = 0;
  for (const [room, peers] of local) {
    members += peers.size;
    for (const peer of peers) if (rooms.handleOf(room, peer) === null) away += 1;
  }
  return { rooms: local.size, members, away };
}

/** A peer connected, here or on another node: its departure is off, and an older connection of ours is closed. */
function connected(grace: GraceTimers, room: string, peer: string, outcome: JoinOutcome<ClientSocket>): void {
  if (outcome.kind === 'resumed') grace.cancel(room, peer);
  // The newer connection wins; the old one hears why and must not reconnect.
  if (outcome.kind === 'replaced' && !isRemote(outcome.previous)) outcome.previous.close(CLOSE_CODES.replaced, 'replaced by a newer connection');
}

export function createHub(options: HubOptions): Hub {
  const { leaveGraceMs, iceServers, log, limits } = options;
  const timers = options.timers ?? realTimers;
  const rooms = createRoomRegistry<ClientSocket>({ capacity: options.roomCapacity });
  /** This node's own members of each room, present or away. */
  const local = new Map<string, Set<string>>();
  const grace = createGraceTimers(timers, leaveGraceMs);
  let stopped = false;
  const trees = createTreePlanning({
    settings: options.tree,
    timers,
    now: () => Date.now(),
    leads: (room) => cluster?.leads(room) ?? true,
    onPlan: options.onPlan,
    send: (room, peer, frame) => rooms.handleOf(room, peer)?.send(encode(frame)),
  });

  /** To this node's connections; serialized once, however many receive it. */
  function broadcast(room: string, except: string, text: string, from?: string): boolean {
    let elsewhere = false;
    for (const member of rooms.present(room)) {
      if (member.peer === except) continue;
      if (isRemote(member.handle)) elsewhere = true;
      else member.handle.send(text, from);
    }
    return elsewhere;
  }

  function setLocal(room: string, peer: string, here: boolean): void {
    const peers = local.get(room) ?? new Set<string>();
    if (here) peers.add(peer);
    else peers.delete(peer);
    if (peers.size > 0) local.set(room, peers);
    else if (local.delete(room)) cluster?.vacated(room);
  }

  /** Gone from this node's view of the room: its connections hear `left`. Returns whether it was there. */
  function depart(room: string, peer: string, handle: ClientSocket | null): boolean {
    if (!rooms.leave(room, peer, handle)) return false;
    grace.cancel(room, peer);
    trees.remove(room, peer);
    broadcast(room, peer, encode({ type: 'left', peer }));
    log.debug({ event: 'peer-left', room: roomTag(room) });
    if (local.get(room)?.has(peer)) {
      cluster?.gone(room, peer);
      setLocal(room, peer, false);
    }
    return true;
  }

  const cluster = options.bus
    ? createRoomCluster({
        bus: options.bus,
        rooms,
        trees,
        timers,
        log,
        local: (room) => local.get(room)?.size ?? 0,
        arrived(room, peer, outcome) {
          connected(grace, room, peer, outcome);
          if (local.get(room)?.has(peer)) setLocal(room, peer, false);
          broadcast(room, peer, encode({ type: 'joined', peer }));
        },
        grace,
        depart,
        spread: (room, except, text, from) => void broadcast(room, except, text, from),
      })
    : null;

  return {
    prepare: (room) => cluster?.prepare(room) ?? (() => {}),

    join(socket, room, peer, snapshot = null) {
      const joined = rooms.join(room, peer, socket);
      if (!joined.ok) {
        log.info({ event: 'room-full', room: roomTag(room) });
        return joined;
      }
      const outcome = joined.value;
      connected(grace, room, peer, outcome);
      setLocal(room, peer, true);
      cluster?.present(room, peer);
      // Before the welcome, so the client knows the room's state before it meets anyone in it.
      if (snapshot !== null) socket.send(encode(snapshotFrame(snapshot)));
      socket.send(encode({ type: 'welcome', peer, peers: rooms.presentPeers(room, peer), ice: iceServers(), limits }));
      // Sent on resume and replace too: the peer's connections may be gone, and clients take `joined` idempotently.
      broadcast(room, peer, encode({ type: 'joined', peer }));
      log.debug({ event: `peer-${outcome.kind}`, room: roomTag(room) });
      return ok(outcome.kind);
    },

    route(room, from, to, box) {
      const text = encode({ type: 'msg', from, box, ...(to === '*' ? { all: true } : {}) });
      if (to === '*') {
        if (broadcast(room, from, text, from)) cluster?.spread(room, from, text);
        return 'routed';
      }
      const handle = to === from ? undefined : rooms.handleOf(room, to);
      if (handle === undefined) return 'unknown-peer';
      // An away peer's messages are dropped silently: the sender cannot tell away from present.
      if (handle !== null) handle.send(text, from);
      return 'routed';
    },

    claim(room, peer, claim) {
      if (stopped || !rooms.handleOf(room, peer)) return;
      const since = trees.claim(room, peer, claim);
      cluster?.claimed(room, peer, { ...claim, since });
    },

    copies(room, from, to) {
      // An away peer counts: the sender cannot tell it from a present one.
      if (to !== '*') return to !== from && rooms.handleOf(room, to) !== undefined ? 1 : 0;
      let count = 0;
      for (const member of rooms.present(room)) if (member.peer !== from) count += 1;
      return count;
    },

    leave(socket, room, peer) {
      if (stopped) return;
      depart(room, peer, socket);
    },

    drop(socket, room, peer) {
      if (stopped) return;
      if (leaveGraceMs === 0) return void depart(room, peer, socket);
      if (!rooms.setAway(room, peer, socket)) return;
      // An away relay feeds nobody: those it fed are already on their backups, and get new parents now.
      trees.remove(room, peer);
      cluster?.away(room, peer);
      log.debug({ event: 'peer-away', room: roomTag(room) });
      grace.start(room, peer, () => depart(room, peer, null));
    },

    async stop() {
      stopped = true;
      trees.stop();
      grace.clear();
      await cluster?.stop(local);
    },

    counts: () => ({ ...countLocal(local, rooms), leading: cluster?.leading() ?? local.size }),
  };
}
