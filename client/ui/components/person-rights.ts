import type { ActBody } from '../../../shared/room-acts.ts';
import type { TargetActType } from '../../../shared/room-state.ts';
import type { StandingView } from '../../engine/room-overview.ts';

/** One thing the viewer may do to another person, with the button's exact name. */
export interface PersonAction {
  label: 'Invite to speak' | 'Move to audience' | 'Mute' | 'Allow to unmute' | 'Make moderator' | 'Remove' | 'Admit';
  act: ActBody;
  /** Ends someone's time in the room: drawn in the warning colour. */
  danger?: true;
}

/** The buttons in the order they are shown. Mute and Allow to unmute are never both permitted. */
const BUTTONS: readonly { type: TargetActType; label: PersonAction['label']; danger?: true }[] = [
  { type: 'admit', label: 'Admit' },
  { type: 'invite', label: 'Invite to speak' },
  { type: 'move-to-audience', label: 'Move to audience' },
  { type: 'allow-unmute', label: 'Allow to unmute' },
  { type: 'mute', label: 'Mute' },
  { type: 'make-moderator', label: 'Make moderator' },
  { type: 'remove', label: 'Remove', danger: true },
];

/** Someone waiting in the lobby is let in or turned away; the rest waits until they are in. */
const IN_THE_LOBBY: readonly TargetActType[] = ['admit', 'remove'];

/**
 * The buttons for what the viewer may do to a person. The engine says which acts the room would
 * accept (StandingView.permitted); this only names them. Admit is offered only to those waiting
 * in the lobby: elsewhere it would merely pre-admit someone already in.
 */
export function actionsOn(person: { key: string | null; standing: StandingView }): PersonAction[] {
  const { key, standing } = person;
  if (key === null) return [];
  const offered = (type: TargetActType): boolean => (standing.waiting ? IN_THE_LOBBY.includes(type) : type !== 'admit');
  return BUTTONS.filter(({ type }) => standing.permitted.includes(type) && offered(type)).map(({ type, label, danger }) => ({
    label,
    act: { type, target: key },
    ...(danger ? { danger } : {}),
  }));
}
