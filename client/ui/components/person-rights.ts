import type { ActBody } from '../../../shared/room-acts.ts';
import type { Role } from '../../../shared/room-state.ts';
import type { StandingView } from '../../engine/room-overview.ts';

/** One thing the viewer may do to another person, with the button's exact name. */
export interface PersonAction {
  label: 'Invite to speak' | 'Move to audience' | 'Mute' | 'Allow to unmute' | 'Make moderator' | 'Remove' | 'Admit';
  act: ActBody;
  /** Ends someone's time in the room: drawn in the warning colour. */
  danger?: true;
}

const isStaff = (role: Role): boolean => role === 'host' || role === 'moderator';

/**
 * What `viewer` may do to a person, mirroring the reducer's rights (shared/room-state.ts
 * applyAct) so nobody is shown a button the room would ignore: staff invite listeners, move
 * speakers to the audience, mute, allow unmuting, remove and admit; only the host makes
 * moderators or moves them; moderators cannot act on moderators; nobody acts on the host.
 * Acts that would change nothing (inviting someone already invited) are left out too.
 */
export function actionsOn(viewer: Role, target: { key: string | null; standing: StandingView }): PersonAction[] {
  const { key, standing } = target;
  const role = standing.role;
  if (key === null || !isStaff(viewer) || role === 'host') return [];
  const peerOfModerator = viewer === 'moderator' && role === 'moderator';
  const remove: PersonAction = { label: 'Remove', act: { type: 'remove', target: key }, danger: true };
  if (standing.waiting) return [{ label: 'Admit', act: { type: 'admit', target: key } }, remove];
  const actions: PersonAction[] = [];
  if (role === 'listener' && !standing.invited) actions.push({ label: 'Invite to speak', act: { type: 'invite', target: key } });
  if (role === 'speaker' || (role === 'moderator' && viewer === 'host')) {
    actions.push({ label: 'Move to audience', act: { type: 'move-to-audience', target: key } });
  }
  if (!peerOfModerator) {
    if (standing.hostMuted) actions.push({ label: 'Allow to unmute', act: { type: 'allow-unmute', target: key } });
    else if (role !== 'listener') actions.push({ label: 'Mute', act: { type: 'mute', target: key } });
  }
  if (viewer === 'host' && role !== 'moderator') actions.push({ label: 'Make moderator', act: { type: 'make-moderator', target: key } });
  if (!peerOfModerator) actions.push(remove);
  return actions;
}
