import { isOnStage, mayBeHeard, mayEnter, type RoomRules, type RoomState } from './room-state.ts';

/**
 * Who links with whom, and what each link carries: the one place that decides it. A strategy
 * maps the room's state (from the signed log) and who is here to the links this member should
 * hold. Each member runs it on its own copy of the log, so a modified client that links where
 * it should not still finds the honest side's door closed.
 */

/** A member in the room that proved its identity key. */
export interface LinkCandidate {
  peer: string;
  key: string;
  /** It has introduced itself with a signed presence: only then do we start a link to it. */
  presented: boolean;
}

export interface PlannedLink {
  /** We start it now (else we wait for them: they have not presented themselves yet). */
  make: boolean;
  /** The link carries our microphone. */
  send: boolean;
  /** We play what arrives on it (a feed's slots: the relay decides each, client/engine/relay.ts). */
  play: boolean;
  /** A relay-tree feed (shared/tree-topology.ts): what the other member is to us. */
  feed?: FeedRole;
  /** Also a standby: our backup that fails over to us as we do to it (the two are in different subtrees). */
  standby?: true;
  /** What arrives on it may be forwarded: a feed, or a speaker's link with a member the stage feeds directly. */
  relays?: true;
  /** A feed the latest plan dropped, kept a moment so that nothing breaks before its successor is made (client/engine/tree-part.ts). */
  lingering?: true;
}

/**
 * parent: feeds us the stage; backup: stands by to feed us, silent until asked; child: we feed it;
 * standby: we stand by to feed it.
 */
export type FeedRole = 'parent' | 'backup' | 'child' | 'standby';

/** The links to hold, by peer id; a member left out gets none (and any it has is closed). */
export type Topology = ReadonlyMap<string, PlannedLink>;

export interface TopologyInput {
  room: RoomState;
  rules: RoomRules;
  selfKey: string;
  members: readonly LinkCandidate[];
}

/**
 * Whether two members may hold a link at all: neither is banned or waits in the lobby. An offer
 * from a member the topology has no link with yet is taken only where this holds (they may have
 * learned an act a moment before us); the next reconciliation keeps the link only if the
 * topology then has it.
 */
export const mayLink = (room: RoomState, rules: RoomRules, selfKey: string, memberKey: string): boolean =>
  mayEnter(room, rules, selfKey) && mayEnter(room, rules, memberKey);

/**
 * The mesh: everyone on stage links with everyone else who may be in the room, so the stage is
 * a full mesh and each listener receives every speaker directly; listeners do not link with
 * each other. Someone invited to speak links as if on stage already, so that the audience hears
 * them the moment they accept. Nobody links with someone banned or waiting in the lobby, nor
 * while waiting there. Both sides of a pair reach the same answer from the same log.
 */
export function meshTopology({ room, rules, selfKey, members }: TopologyInput): Topology {
  const links = new Map<string, PlannedLink>();
  const selfOnStage = isOnStage(room, rules, selfKey);
  const speaksSoon = (key: string): boolean => isOnStage(room, rules, key) || room.invited.includes(key);
  for (const member of members) {
    if (member.key === selfKey || !mayLink(room, rules, selfKey, member.key)) continue;
    if (!speaksSoon(selfKey) && !speaksSoon(member.key)) continue;
    links.set(member.peer, { make: member.presented, send: selfOnStage, play: mayBeHeard(room, rules, member.key) });
  }
  return links;
}
