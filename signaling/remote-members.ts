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
  hear(room: string, view: RemoteView, event: BusEvent): void;
  /** Takes in who the room's record says is on other nodes, once it has been read. */
  adopt(room: string, view: RemoteView, records: ReadonlyMap<string, MemberRecord>): void;
}

/** What this node knows of a room's members elsewhere. */
export interface RemoteView {
  /** Members on other nodes, present or away. */
  remote: Set<string>;
  /** Peers that left while the room's record was being read, so a stale record does not bring them back. */
  goneWhileOpening: Set<string> | null;
}

export interface RemoteMembersOptions {
  bus: RoomBus;
  rooms: RoomRegistry<ClientSocket>;
  trees: TreePlanning;
  grace: GraceTimers;
  log: Log;
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

  function arrive(room: string, view: RemoteView, peer: string, node: string): boolean {
    const joined = rooms.join(room, peer, remoteSocket(room, node, peer));
    if (!joined.ok) {
      log.warn({ event: 'remote-member-refused', room: roomTag(room), code: joined.error.code });
      return false;
    }
    view.remote.add(peer);
    options.arrived(room, peer, joined.value);
    return true;
  }

  function depart(room: string, view: RemoteView, peer: string, handle: ClientSocket | null): void {
    if (options.depart(room, peer, handle)) view.remote.delete(peer);
  }

  function goAway(room: string, view: RemoteView, peer: string, node: string): void {
    const handle = heldBy(room, peer, node);
    if (!handle || !rooms.setAway(room, peer, handle)) return;
    trees.remove(room, peer);
    grace.start(room, peer, () => {
      // Its node may be gone, so whoever sees the grace run out clears the record.
      void bus.record(room, peer, null, node);
      depart(room, view, peer, null);
    });
  }

  return {
    hear(room, view, event) {
      switch (event.type) {
        case 'present':
          return void arrive(room, view, event.peer, event.node);
        case 'away':
          return goAway(room, view, event.peer, event.node);
        case 'gone': {
          view.goneWhileOpening?.add(event.peer);
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
    },

    adopt(room, view, records) {
      for (const [peer, record] of records) {
        if (view.goneWhileOpening?.has(peer) || rooms.handleOf(room, peer) !== undefined) continue;
        if (!arrive(room, view, peer, record.node)) continue;
        if (record.away) goAway(room, view, peer, record.node);
        else if (record.claim) trees.claim(room, peer, record.claim, record.claim.since);
      }
      view.goneWhileOpening = null;
    },
  };
}
