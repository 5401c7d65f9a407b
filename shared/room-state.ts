import type { ActBody, Authored } from './room-acts.ts';
import { assertNever } from './result.ts';

/**
 * The room as the result of signed acts: a pure reducer every member runs over the same log
 * (room-log.ts), so all honest members agree without trusting anyone.
 * People are identity keys (base64url). An act by someone without the right changes nothing.
 *
 * Invariants kept here: the host is always on stage and can never be muted, moved or removed;
 * an acting host (standIn) is a speaker with moderator rights, and only while there are no moderators;
 * a banned identity holds no role, hand, invitation or admission; one identity has one role;
 * the stage (host included) never grows past stageMax by self-service.
 */
export type Role = 'host' | 'moderator' | 'speaker' | 'listener';
export type RoomKind = 'hangout' | 'stage';

export interface RoomRules {
  /** The creator's identity key, bound by the room link. */
  hostKey: string;
  stageMax: number;
}

export interface RoomState {
  kind: RoomKind;
  title: string;
  description: string;
  moderators: readonly string[];
  speakers: readonly string[];
  /** Raised hands, in the order raised. */
  hands: readonly string[];
  invited: readonly string[];
  /** Muted by the host or a moderator; only they can allow unmuting. */
  hostMuted: readonly string[];
  banned: readonly string[];
  locked: boolean;
  admitted: readonly string[];
  ended: boolean;
  /** A speaker keeping order while the host is away (moderator rights until the host returns). */
  standIn: string | null;
  /** The id of the key the room's broadcasts are sealed under since the latest removal or lock; null: the link's own. */
  epoch: string | null;
  /** The id of the link everyone here moved to (room-link.ts); the room here has ended. */
  movedTo: string | null;
}

export const initialRoomState: RoomState = {
  kind: 'hangout',
  title: '',
  description: '',
  moderators: [],
  speakers: [],
  hands: [],
  invited: [],
  hostMuted: [],
  banned: [],
  locked: false,
  admitted: [],
  ended: false,
  standIn: null,
  epoch: null,
  movedTo: null,
};

export function roleOf(state: RoomState, rules: RoomRules, key: string): Role {
  if (key === rules.hostKey) return 'host';
  if (state.moderators.includes(key) || state.standIn === key) return 'moderator';
  if (state.speakers.includes(key)) return 'speaker';
  return 'listener';
}

/** Who keeps order: the host, moderators, and a speaker standing in (whose role reads as moderator). */
export const isStaff = (role: Role): boolean => role === 'host' || role === 'moderator';

export const isOnStage = (state: RoomState, rules: RoomRules, key: string): boolean => roleOf(state, rules, key) !== 'listener';

/** Whose audio honest peers play: on stage and not muted by staff. */
export const mayBeHeard = (state: RoomState, rules: RoomRules, key: string): boolean =>
  isOnStage(state, rules, key) && !state.hostMuted.includes(key) && !state.banned.includes(key);

/** While a room is locked, newcomers wait in the lobby until staff admit them. */
export const mayEnter = (state: RoomState, rules: RoomRules, key: string): boolean =>
  !state.banned.includes(key) && (!state.locked || isOnStage(state, rules, key) || state.admitted.includes(key));

/** The host and the stage's other members count toward stageMax. */
const stageCount = (state: RoomState): number => 1 + state.moderators.length + state.speakers.length;

const without = (list: readonly string[], key: string): readonly string[] => list.filter((k) => k !== key);
const withKey = (list: readonly string[], key: string): readonly string[] => (list.includes(key) ? list : [...list, key]);

/**
 * Everything a person holds, dropped at once (removal, or moving to a new role). A staff mute is
 * not dropped: it outlives leaving and retaking a seat, else a muted speaker could unmute itself.
 */
function clearPerson(state: RoomState, key: string): RoomState {
  return {
    ...state,
    moderators: without(state.moderators, key),
    speakers: without(state.speakers, key),
    hands: without(state.hands, key),
    invited: without(state.invited, key),
    standIn: state.standIn === key ? null : state.standIn,
  };
}

/**
 * Applies one act; returns the same object when the act is not allowed or would change nothing,
 * so that `next !== state` means the act took effect (room-log.ts keeps only those, and
 * permittedActs asks exactly that question).
 */
export function applyAct(state: RoomState, rules: RoomRules, signed: Authored): RoomState {
  const by = signed.by;
  if (state.ended || state.banned.includes(by)) return state;
  const role = roleOf(state, rules, by);
  const isHost = role === 'host';
  const staff = isStaff(role);
  const act: ActBody = signed.act;
  switch (act.type) {
    case 'set-kind':
      return isHost && act.kind !== state.kind ? { ...state, kind: act.kind } : state;
    case 'set-info':
      if (!isHost || (act.title === state.title && act.description === state.description)) return state;
      return { ...state, title: act.title, description: act.description };
    case 'take-seat':
      if (state.kind !== 'hangout' || role !== 'listener' || stageCount(state) >= rules.stageMax) return state;
      return { ...clearPerson(state, by), speakers: [...state.speakers, by] };
    case 'raise-hand':
      return role === 'listener' && !state.hands.includes(by) ? { ...state, hands: [...state.hands, by] } : state;
    case 'lower-hand':
      return state.hands.includes(by) ? { ...state, hands: without(state.hands, by) } : state;
    case 'invite':
      if (!staff || roleOf(state, rules, act.target) !== 'listener' || state.banned.includes(act.target)) return state;
      return state.invited.includes(act.target) ? state : { ...state, invited: [...state.invited, act.target] };
    case 'accept-invite':
      if (!state.invited.includes(by) || role !== 'listener' || stageCount(state) >= rules.stageMax) return state;
      return { ...clearPerson(state, by), speakers: [...state.speakers, by] };
    case 'decline-invite':
      return state.invited.includes(by) ? { ...state, invited: without(state.invited, by) } : state;
    case 'leave-stage':
      return role === 'speaker' || role === 'moderator' ? clearPerson(state, by) : state;
    case 'move-to-audience': {
      const target = roleOf(state, rules, act.target);
      const allowed = (isHost && (target === 'moderator' || target === 'speaker')) || (staff && target === 'speaker');
      return allowed ? clearPerson(state, act.target) : state;
    }
    case 'mute': {
      const target = roleOf(state, rules, act.target);
      if (!staff || target === 'host' || target === 'listener' || (role === 'moderator' && target === 'moderator')) return state;
      return state.hostMuted.includes(act.target) ? state : { ...state, hostMuted: [...state.hostMuted, act.target] };
    }
    case 'allow-unmute': {
      // Only whoever could have muted the target lifts it: a moderator muted by the host stays muted.
      const target = roleOf(state, rules, act.target);
      if (!staff || !state.hostMuted.includes(act.target) || (role === 'moderator' && target === 'moderator')) return state;
      return { ...state, hostMuted: without(state.hostMuted, act.target) };
    }
    case 'make-moderator':
      // Making a moderator again would only move them down the list of who keeps order in the host's absence.
      if (!isHost || act.target === rules.hostKey || state.banned.includes(act.target) || state.moderators.includes(act.target)) return state;
      return { ...clearPerson(state, act.target), standIn: null, moderators: [...state.moderators, act.target] };
    case 'remove': {
      const target = roleOf(state, rules, act.target);
      if (!staff || target === 'host' || (role === 'moderator' && target === 'moderator') || state.banned.includes(act.target)) return state;
      const cleared = clearPerson(state, act.target);
      return {
        ...cleared,
        hostMuted: without(state.hostMuted, act.target),
        admitted: without(state.admitted, act.target),
        banned: [...state.banned, act.target],
        epoch: act.epoch ?? state.epoch,
      };
    }
    case 'lock': {
      if (!staff) return state;
      const present = (act.admit ?? []).filter((key) => !state.banned.includes(key));
      const admitted = present.reduce(withKey, state.admitted);
      return state.locked && admitted === state.admitted ? state : { ...state, locked: true, admitted, epoch: act.epoch ?? state.epoch };
    }
    case 'unlock':
      return staff && state.locked ? { ...state, locked: false } : state;
    case 'admit':
      if (!staff || state.banned.includes(act.target) || state.admitted.includes(act.target)) return state;
      return { ...state, admitted: [...state.admitted, act.target] };
    case 'end':
      return isHost ? { ...state, ended: true } : state;
    case 'new-link':
      return staff ? { ...state, ended: true, movedTo: act.id } : state;
    case 'stand-in':
      // Only with no moderators at all: where there are moderators, the oldest present one keeps order.
      return role === 'speaker' && state.moderators.length === 0 && state.standIn === null ? { ...state, standIn: by } : state;
    case 'host-returns':
      return isHost && state.standIn !== null ? { ...state, standIn: null } : state;
    case 'checkpoint':
      // It changes nothing in the room; whether it holds is the log's business (room-log.ts).
      return state;
    default:
      return assertNever(act);
  }
}

/** Acts aimed at another person. */
export type TargetActType = Extract<ActBody, { target: string }>['type'];
/** Acts on one's own standing or on the room as a whole (a checkpoint is the log's, not a person's). */
export type OwnActType = Exclude<ActBody['type'], TargetActType | 'checkpoint'>;

/** Listed as a record so that a new act aimed at someone fails to compile until it is added. */
const targetActs: Record<TargetActType, true> = {
  invite: true,
  'move-to-audience': true,
  mute: true,
  'allow-unmute': true,
  'make-moderator': true,
  remove: true,
  admit: true,
};
const targetActTypes = Object.keys(targetActs) as TargetActType[];

/**
 * For each act that names nobody, the form whose effect answers "may I do this now?". Acts that
 * set a value are asked about another value than the room's own: setting it is the right in question.
 */
const ownActProbes: { [T in OwnActType]: (state: RoomState) => Extract<ActBody, { type: T }> } = {
  'set-kind': (state) => ({ type: 'set-kind', kind: state.kind === 'stage' ? 'hangout' : 'stage' }),
  'set-info': (state) => ({ type: 'set-info', title: state.title === '' ? '-' : '', description: state.description }),
  'take-seat': () => ({ type: 'take-seat' }),
  'raise-hand': () => ({ type: 'raise-hand' }),
  'lower-hand': () => ({ type: 'lower-hand' }),
  'accept-invite': () => ({ type: 'accept-invite' }),
  'decline-invite': () => ({ type: 'decline-invite' }),
  'leave-stage': () => ({ type: 'leave-stage' }),
  lock: () => ({ type: 'lock' }),
  unlock: () => ({ type: 'unlock' }),
  end: () => ({ type: 'end' }),
  'new-link': () => ({ type: 'new-link', id: 'A'.repeat(43) }),
  'stand-in': () => ({ type: 'stand-in' }),
  'host-returns': () => ({ type: 'host-returns' }),
};
const ownActTypes = Object.keys(ownActProbes) as OwnActType[];

/**
 * What `by` may do to `target` now, asked of the reducer itself: exactly the acts that, signed by
 * `by`, would change the room. So nobody is offered an act the room would ignore.
 */
export function permittedActs(state: RoomState, rules: RoomRules, by: string, target: string): TargetActType[] {
  return targetActTypes.filter((type) => applyAct(state, rules, { by, act: { type, target } }) !== state);
}

/** What `by` may do now on its own account or to the room as a whole, asked of the reducer the same way. */
export function permittedOwnActs(state: RoomState, rules: RoomRules, by: string): OwnActType[] {
  return ownActTypes.filter((type) => applyAct(state, rules, { by, act: ownActProbes[type](state) }) !== state);
}
