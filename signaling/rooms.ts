import { err, ok, type Result } from '../shared/result.ts';

/**
 * Who is in which room. Pure bookkeeping: no sockets, timers or I/O. Each member holds an
 * opaque handle (the server stores its connection there) or `null` while it is away, that is,
 * disconnected without saying bye and still within its grace period.
 *
 * Invariants: a room in the map has at least one member; a peer id appears at most once per
 * room; a member's handle is either the one connection that currently speaks for it or null.
 */
export interface Member<H> {
  readonly peer: string;
  handle: H | null;
}

export type JoinOutcome<H> =
  /** A peer the room had not seen (or that left for good). */
  | { kind: 'joined' }
  /** An away peer came back within its grace period. */
  | { kind: 'resumed' }
  /** The peer was still connected elsewhere; that older handle no longer speaks for it. */
  | { kind: 'replaced'; previous: H };

export interface RoomsError {
  code: 'room-full';
  message: string;
}

export interface RoomRegistry<H> {
  /**
   * Adds `peer` to `room` with `handle`. Away and replaced peers keep their place when the room
   * is full; `overCapacity` admits a newcomer to a full room too.
   */
  join(room: string, peer: string, handle: H, options?: { overCapacity?: boolean }): Result<JoinOutcome<H>, RoomsError>;
  /** Marks the peer away, if `handle` still speaks for it. Returns whether it did. */
  setAway(room: string, peer: string, handle: H): boolean;
  /**
   * Removes the peer, if `handle` still speaks for it; `null` removes it only while away.
   * Returns whether it did, so a stale handle cannot remove a peer that moved on.
   */
  leave(room: string, peer: string, handle: H | null): boolean;
  /** The handle for a peer: `undefined` if not in the room, `null` while away. */
  handleOf(room: string, peer: string): H | null | undefined;
  /** Connected members of a room, in join order. */
  present(room: string): Iterable<Member<H> & { handle: H }>;
  /** Ids of connected members, leaving out `except`. */
  presentPeers(room: string, except?: string): string[];
}

export function createRoomRegistry<H>(options: { capacity: number }): RoomRegistry<H> {
  const rooms = new Map<string, Map<string, Member<H>>>();

  function* present(room: string): Generator<Member<H> & { handle: H }> {
    const members = rooms.get(room);
    if (!members) return;
    for (const member of members.values()) {
      if (member.handle !== null) yield member as Member<H> & { handle: H };
    }
  }

  return {
    join(room, peer, handle, { overCapacity = false } = {}) {
      let members = rooms.get(room);
      const existing = members?.get(peer);
      if (existing) {
        const previous = existing.handle;
        existing.handle = handle;
        return ok(previous === null ? { kind: 'resumed' } : { kind: 'replaced', previous });
      }
      if (members && members.size >= options.capacity && !overCapacity) {
        return err({ code: 'room-full', message: `the room holds at most ${options.capacity} people` });
      }
      if (!members) {
        members = new Map();
        rooms.set(room, members);
      }
      members.set(peer, { peer, handle });
      return ok({ kind: 'joined' });
    },

    setAway(room, peer, handle) {
      const member = rooms.get(room)?.get(peer);
      if (!member || member.handle !== handle) return false;
      member.handle = null;
      return true;
    },

    leave(room, peer, handle) {
      const members = rooms.get(room);
      const member = members?.get(peer);
      if (!members || !member || member.handle !== handle) return false;
      members.delete(peer);
      if (members.size === 0) rooms.delete(room);
      return true;
    },

    handleOf(room, peer) {
      return rooms.get(room)?.get(peer)?.handle;
    },

    present,

    presentPeers(room, except) {
      const peers: string[] = [];
      for (const member of present(room)) if (member.peer !== except) peers.push(member.peer);
      return peers;
    },
  };
}
