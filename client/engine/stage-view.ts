import { mayBeHeard, mayEnter, roleOf, type Role, type RoomKind, type RoomRules, type StageState } from '../../shared/room-state.ts';

/** Where one person stands in the room, as the signed room log says. */
export interface StandingView {
  role: Role;
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

/** The room as a whole and this person's own standing in it. */
export interface StageView extends StandingView {
  kind: RoomKind;
  description: string;
  locked: boolean;
  stageCount: number;
  stageMax: number;
  /** The log has been learned from the room (or there was nobody to learn it from). */
  settled: boolean;
  /** Acts from others that failed their checks: forged, or signed without the right. */
  refusedActs: number;
}

export function standingOf(state: StageState, rules: RoomRules, key: string | null): StandingView {
  if (key === null) return { role: 'listener', hand: null, invited: false, hostMuted: false, waiting: false, audible: false };
  const hand = state.hands.indexOf(key);
  return {
    role: roleOf(state, rules, key),
    hand: hand < 0 ? null : hand,
    invited: state.invited.includes(key),
    hostMuted: state.hostMuted.includes(key),
    waiting: !mayEnter(state, rules, key),
    audible: mayBeHeard(state, rules, key),
  };
}

export function stageViewOf(state: StageState, rules: RoomRules, selfKey: string, extra: { settled: boolean; refusedActs: number }): StageView {
  return {
    ...standingOf(state, rules, selfKey),
    kind: state.kind,
    description: state.description,
    locked: state.locked,
    stageCount: 1 + state.moderators.length + state.speakers.length,
    stageMax: rules.stageMax,
    ...extra,
  };
}
