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
  /** We make this link (else we only accept it when the other side makes it). */
  make: boolean;
  /** The link carries our microphone. */
  send: boolean;
  /** We play what arrives on it. */
  play: boolean;
}

/** Links by peer id; a member left out gets no link at all (and any it has is closed). */
export type Topology = ReadonlyMap<string, PlannedLink>;

export interface TopologyInput {
  room: RoomState;
  rules: RoomRules;
  selfKey: string;
  members: readonly LinkCandidate[];
}

/**
 * The mesh: everyone on stage links with everyone else who may be in the room, so the stage is
 * a full mesh and each listener receives every speaker directly; listeners do not link with
 * each other. Someone invited to speak links as if on stage already, so that the audience hears
 * them the moment they accept. Nobody links with someone banned or waiting in the lobby, nor
 * while waiting there.
 * Both sides of a pair reach the same answer from the same log, so each waits for the other
 * only where the other will make the link.
 */
export function meshTopology({ room, rules, selfKey, members }: TopologyInput): Topology {
  const links = new Map<string, PlannedLink>();
  if (!mayEnter(room, rules, selfKey)) return links;
  const selfOnStage = isOnStage(room, rules, selfKey);
  const speaksSoon = (key: string): boolean => isOnStage(room, rules, key) || room.invited.includes(key);
  for (const member of members) {
    if (member.key === selfKey || !mayEnter(room, rules, member.key)) continue;
    links.set(member.peer, {
      make: member.presented && (speaksSoon(selfKey) || speaksSoon(member.key)),
      send: selfOnStage,
      play: mayBeHeard(room, rules, member.key),
    });
  }
  return links;
}
