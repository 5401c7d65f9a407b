import type { RoomView } from '../engine/room.ts';
import type { Role } from '../../shared/room-state.ts';

/** What the viewer itself just did, so its own moves are not announced as done to it. */
export interface OwnDoing {
  leftStage: boolean;
}

const onStage = (role: Role): boolean => role !== 'listener';

/**
 * What a screen reader should say about the change from `before` to `after`: people joining and
 * leaving the stage, raised hands, new moderators, and what happened to us. Nothing is said
 * while the room's log is still being learned (catching up would read out the room's history),
 * nor about the standing of people we only just met or identified (except, to whoever may let them in, that they wait).
 */
export function announcements(before: RoomView | null, after: RoomView, own: OwnDoing = { leftStage: false }): string[] {
  if (!before || before.phase !== 'joined' || after.phase !== 'joined' || !before.overview.settled || !after.overview.settled) return [];
  const said: string[] = [];
  const was = before.overview;
  const now = after.overview;

  if (!was.invited && now.invited) said.push("You're invited to speak");
  if (!onStage(was.role) && onStage(now.role)) said.push("You're on stage");
  if (onStage(was.role) && !onStage(now.role)) said.push(own.leftStage ? 'You left the stage' : 'You were moved to the audience');
  if (was.role !== 'moderator' && now.role === 'moderator') {
    said.push(now.standsIn ? "You're standing in for the host" : "You're now a moderator");
  }
  if (!was.hostMuted && now.hostMuted) said.push('A host muted you');
  if (was.hostMuted && !now.hostMuted) said.push('You may unmute');
  if (was.waiting && !now.waiting) said.push("You've been let in");
  if (was.locked !== now.locked) said.push(now.locked ? 'The room is locked' : 'The room is unlocked');

  const earlier = new Map(before.participants.map((p) => [p.id, p]));
  for (const p of after.participants) {
    const prev = earlier.get(p.id);
    const knownWaiting = prev !== undefined && prev.key === p.key && prev.standing.waiting;
    if (p.standing.waiting && p.standing.permitted.includes('admit') && !knownWaiting) said.push(`${p.name} is waiting in the lobby`);
    // Before a key is known everyone looks like a listener; only changes under one identity count.
    if (!prev || prev.key === null || prev.key !== p.key) continue;
    const from = prev.standing;
    const to = p.standing;
    if (from.role !== 'moderator' && to.role === 'moderator') said.push(to.standsIn ? `${p.name} is standing in for the host` : `${p.name} is now a moderator`);
    else if (!onStage(from.role) && onStage(to.role)) said.push(`${p.name} joined the stage`);
    if (onStage(from.role) && !onStage(to.role)) said.push(`${p.name} left the stage`);
    if (from.hand === null && to.hand !== null) said.push(`${p.name} raised a hand`);
  }
  return said;
}
