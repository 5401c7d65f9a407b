import type { ActBody } from '../../../shared/room-acts.ts';
import type { TargetActType } from '../../../shared/room-state.ts';
import type { StandingView } from '../../engine/room-overview.ts';

/** One thing the viewer may do to another person, named after them ("Mute Ben"). */
export interface PersonAction {
  /** The control's exact name. It names the person, so the page's only control named "Mute" is the viewer's own. */
  label: string;
  act: ActBody;
  /** Ends someone's time in the room: drawn in the warning colour. */
  danger?: true;
}

/** The actions in the order they are shown. Mute and Allow to unmute are never both permitted. */
const ACTIONS: readonly { type: TargetActType; label: (name: string) => string; danger?: true }[] = [
  { type: 'admit', label: (n) => `Admit ${n}` },
  { type: 'invite', label: (n) => `Invite ${n} to speak` },
  { type: 'move-to-audience', label: (n) => `Move ${n} to the audience` },
  { type: 'allow-unmute', label: (n) => `Allow ${n} to unmute` },
  { type: 'mute', label: (n) => `Mute ${n}` },
  { type: 'make-moderator', label: (n) => `Make ${n} a moderator` },
  { type: 'remove', label: (n) => `Remove ${n}`, danger: true },
];

/** Someone waiting in the lobby is let in or turned away; the rest waits until they are in. */
const IN_THE_LOBBY: readonly TargetActType[] = ['admit', 'remove'];

/**
 * What the viewer may do to a person. The engine says which acts the room would accept
 * (StandingView.permitted); this only names them. Admit is offered only to those waiting in the
 * lobby: elsewhere it would merely pre-admit someone already in.
 */
export function actionsOn(person: { key: string | null; name: string; standing: StandingView }): PersonAction[] {
  const { key, name, standing } = person;
  if (key === null) return [];
  const offered = (type: TargetActType): boolean => (standing.waiting ? IN_THE_LOBBY.includes(type) : type !== 'admit');
  return ACTIONS.filter(({ type }) => standing.permitted.includes(type) && offered(type)).map(({ type, label, danger }) => ({
    label: label(name),
    act: { type, target: key },
    ...(danger ? { danger } : {}),
  }));
}
