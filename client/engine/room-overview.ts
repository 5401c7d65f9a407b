import type { Authored } from '../../shared/room-acts.ts';
import {
  mayBeHeard,
  mayEnter,
  permittedActs,
  permittedOwnActs,
  roleOf,
  type OwnActType,
  type Role,
  type RoomKind,
  type RoomRules,
  type RoomState,
  type TargetActType,
} from '../../shared/room-state.ts';

/** Where one person stands in the room, as the signed room log says. */
interface Standing {
  role: Role;
  /** A speaker keeping order while the host is away: their role reads as moderator until the host returns. */
  standsIn: boolean;
  /** Place in the raised-hand queue (0 = first), or null. */
  hand: number | null;
  invited: boolean;
  /** Muted by the host or a moderator; only they can allow unmuting. */
  hostMuted: boolean;
  /** The room is locked and they have not been admitted: they wait in the lobby. */
  waiting: boolean;
  /** Honest members play their audio. */
  audible: boolean;
}

/** Someone else as we see them: where they stand, and what we may do to them now (the reducer's answer). */
export interface StandingView extends Standing {
  permitted: readonly TargetActType[];
}

/** The room as a whole and this person's own standing in it. */
export interface RoomOverview extends Standing {
  /** What we may do now on our own account or to the room as a whole (the reducer's answer). */
  permitted: readonly OwnActType[];
  kind: RoomKind;
  description: string;
  locked: boolean;
  /** How many identities the room removed (they may come back under new ones while the link works). */
  removed: number;
  /** The log has been learned from the room (or there was nobody to learn it from). */
  settled: boolean;
  /** Acts from others that failed their checks: forged, or signed without the right. */
  refusedActs: number;
  /** Acts the room had taken that a winning fork dropped, until their authors make them again (lost-acts.ts). */
  lostActs: readonly Authored[];
  /** Members (by peer id) whose copy of the log parted from ours, and the fork rule cannot settle it now (log-heads.ts). */
  splitWith: readonly string[];
  /** Who keeps order while the host is away: the first present moderator, else a speaker standing in. */
  actingHost: string | null;
}

function standingFromLog(state: RoomState, rules: RoomRules, key: string): Standing {
  const hand = state.hands.indexOf(key);
  return {
    role: roleOf(state, rules, key),
    standsIn: state.standIn === key,
    hand: hand < 0 ? null : hand,
    invited: state.invited.includes(key),
    hostMuted: state.hostMuted.includes(key),
    waiting: !mayEnter(state, rules, key),
    audible: mayBeHeard(state, rules, key),
  };
}

/** Where `key` stands, as seen by `viewerKey`; someone not yet introduced (null) looks like a listener we can do nothing to. */
export function standingOf(state: RoomState, rules: RoomRules, key: string | null, viewerKey: string): StandingView {
  if (key === null) return { role: 'listener', standsIn: false, hand: null, invited: false, hostMuted: false, waiting: false, audible: false, permitted: [] };
  return { ...standingFromLog(state, rules, key), permitted: permittedActs(state, rules, viewerKey, key) };
}

export function overviewOf(
  state: RoomState,
  rules: RoomRules,
  selfKey: string,
  options: { settled: boolean; refusedActs: number; actingHost?: string | null; lostActs?: readonly Authored[]; splitWith?: readonly string[]; sealedOut?: boolean },
): RoomOverview {
  const { settled, refusedActs, actingHost = null, lostActs = [], splitWith = [] } = options;
  // The room's snapshot is sealed for those who were in it: until one of them is here, we wait as in a lobby.
  const shutOut = options.sealedOut === true && !settled;
  const standing = standingFromLog(state, rules, selfKey);
  return {
    ...standing,
    waiting: standing.waiting || shutOut,
    permitted: shutOut ? [] : permittedOwnActs(state, rules, selfKey),
    kind: state.kind,
    description: state.description,
    locked: state.locked,
    removed: state.banned.length,
    settled,
    refusedActs,
    lostActs,
    splitWith,
    actingHost,
  };
}

/** The host if present keeps order; otherwise the first present moderator, else a speaker standing in. */
export function actingHostOf(state: RoomState, rules: RoomRules, present: ReadonlySet<string>): string | null {
  if (present.has(rules.hostKey)) return null;
  const moderator = state.moderators.find((key) => present.has(key));
  if (moderator) return moderator;
  return state.standIn !== null && present.has(state.standIn) ? state.standIn : null;
}

/** Whether we should stand in as acting host: the host is away, nobody moderates, and we are the longest-serving speaker here. */
export function shouldStandIn(state: RoomState, rules: RoomRules, present: ReadonlySet<string>, selfKey: string): boolean {
  if (present.has(rules.hostKey) || state.moderators.length > 0 || state.standIn !== null) return false;
  return state.speakers.find((key) => present.has(key)) === selfKey;
}
