import { roomTag, type Log } from './log.ts';
import type { GraceTimers } from './grace-timers.ts';
import type { ClientSocket } from './hub.ts';
import { isRemote, RemoteSocket } from './remote-socket.ts';
import type { BusEvent, MemberRecord, RoomBus } from './room-bus.ts';
import type { JoinOutcome, RoomRegistry } from './rooms.ts';
import type { TreePlanning } from './tree-planning.ts';

/**
 * Applies what other nodes say about a room to this node's copy of it: who is present or away
 * there, what they claimed for the tree, and what they send to members held here.
 */
export interface RemoteMembers {
  /** An event from another node; held back while the room's record is being read. */
  hear(room: string, view: RemoteView, event: BusEvent): void;
  /**
   * Brings the copy in line with the room's record: members it no longer lists are gone, members
   * it lists are there (away, if their node is down); null: the record could not be read, and
   * the copy stays as it is. Then the events held back are applied.
   */
  reconcile(room: string, view: RemoteView, records: ReadonlyMap<string, MemberRecord> | null, alive: ReadonlySet<string>): void;
  /** A node stopped renewing its key: its members are away, and gone unless they come back. */
  nodeDown(room: string, view: RemoteView, node: string): void;
}

/** What this node knows of a room's members elsewhere. */
export interface RemoteView {
  /** Members on other nodes, present or away. */
  remote: Set<string>;
  /** Events that arrived while the room's record was being read; null once it has been. */
  queued: BusEvent[] | null;
}

export interface RemoteMembersOptions {
  bus: RoomBus;
  rooms: RoomRegistry<ClientSocket>;
  trees: TreePlanning;
  grace: GraceTimers;
  log: Log;
  /** Whether this node announced the member and has not yet heard its own announcement back. */
  unconfirmed(room: string, peer: string): boolean;
  /** A member on another node is connected; the hub tells ours. */
  arrived(room: string, peer: string, outcome: JoinOutcome<ClientSocket>): void;
  depart(room: string, peer: string, handle: ClientSocket | null): boolean;
  spread(room: string, except: string, text: string, from?: string): void;
}

export function createRemoteMembers(options: RemoteMembersOptions): RemoteMembers {
  const { bus, rooms, trees, grace, log } = options;

  const remoteSocket = (room: string, node: string, peer: string): RemoteSocket =>
    new RemoteSocket(node, (text, from) => bus.publish(room, { type: 'deliver', node: bus.node, peer, text, from }));

  /** The member's connection is at `node`, if that node still holds it. */
  const heldBy = (room: string, peer: string, node: string): RemoteSocket | null => {
    const handle = rooms.handleOf(room, peer);
    return isRemote(handle) && handle.node === node ? handle : null;
  };

  function arrive(room: string, view: RemoteView, peer: string, node: string): void {
    const handle = rooms.handleOf(room, peer);
    // Both nodes announced it: the later announcement wins, and ours, not yet heard back, is later.
    if (handle && !isRemote(handle) && options.unconfirmed(room, peer)) return;
    // Another node admitted it within the room's capacity as it saw it; refusing it here would split the room.
    const joined = rooms.join(room, peer, remoteSocket(room, node, peer), { overCapacity: true });
    if (!joined.ok) return log.warn({ event: 'remote-member-refused', room: roomTag(room), code: joined.error.code });
    view.remote.add(peer);
    options.arrived(room, peer, joined.value);
  }

  function depart(room: string, view: RemoteView, peer: string, handle: ClientSocket | null): void {
    if (options.depart(room, peer, handle)) view.remote.delete(peer);
  }

  function goAway(room: string, view: RemoteView, peer: string, node: string): void {
    const handle = heldBy(room, peer, node);
    if (!handle || !rooms.setAway(room, peer, handle)) return;
    trees.remove(room, peer);
    grace.start(room, peer, () => {
      // Its node may be down, so whoever sees the grace run out clears the record.
      void bus.announce(room, peer, { kind: 'forget', holder: node }, null).catch(() => {});
      depart(room, view, peer, null);
    });
  }

  function apply(room: string, view: RemoteView, event: BusEvent): void {
    switch (event.type) {
      case 'present':
        return arrive(room, view, event.peer, event.node);
      case 'away':
        return goAway(room, view, event.peer, event.node);
      case 'gone': {
        const handle = heldBy(room, event.peer, event.node);
        const away = rooms.handleOf(room, event.peer) === null && view.remote.has(event.peer);
        if (handle || away) depart(room, view, event.peer, handle);
        return;
      }
      case 'deliver': {
        const handle = rooms.handleOf(room, event.peer);
        if (handle && !isRemote(handle)) handle.send(event.text, event.from);
        return;
      }
      case 'spread':
        return options.spread(room, event.except, event.text, event.from);
      case 'claim':
        if (heldBy(room, event.peer, event.node)) trees.claim(room, event.peer, event.claim, event.claim.since);
        return;
    }
  }

  return {
    hear(room, view, event) {
      if (view.queued) view.queued.push(event);
      else apply(room, view, event);
    },

    reconcile(room, view, records, alive) {
      if (records) {
        for (const peer of [...view.remote]) if (!records.has(peer)) depart(room, view, peer, rooms.handleOf(room, peer) ?? null);
      }
      for (const [peer, record] of records ?? []) {
        const handle = rooms.handleOf(room, peer);
        if (record.node === bus.node || (handle !== undefined && (!isRemote(handle) || handle.node === record.node))) continue;
        arrive(room, view, peer, record.node);
        if (record.away || !alive.has(record.node)) goAway(room, view, peer, record.node);
        else if (record.claim) trees.claim(room, peer, record.claim, record.claim.since);
      }
      const queued = view.queued ?? [];
      view.queued = null;
      for (const event of queued) apply(room, view, event);
    },

    nodeDown(room, view, node) {
      for (const peer of [...view.remote]) goAway(room, view, peer, node);
    },
  };
}
