import type { RoomPhase, RoomView } from '../engine/room-types.ts';

/**
 * What the widget tells the page it sits on, as DOM events on the element (and, from the iframe,
 * as messages to the parent). Derived only from how the room's view changed, so both forms say
 * the same things in the same order.
 */
export type WidgetEvent =
  | { type: 'porch-ready'; detail: Record<string, never> }
  | { type: 'porch-join'; detail: { name: string } }
  | { type: 'porch-leave'; detail: { reason: LeaveReason } }
  | { type: 'porch-error'; detail: { code: string; message: string } }
  | { type: 'porch-speaking'; detail: { id: string; name: string; self: boolean; speaking: boolean } };

export const WIDGET_EVENT_TYPES = ['porch-ready', 'porch-join', 'porch-leave', 'porch-error', 'porch-speaking'] as const satisfies readonly WidgetEvent['type'][];

export type LeaveReason = Extract<RoomPhase, 'left' | 'removed' | 'ended' | 'replaced' | 'moved'>;

const LEAVE_REASONS: readonly RoomPhase[] = ['left', 'removed', 'ended', 'replaced', 'moved'] satisfies LeaveReason[];
const isLeaveReason = (phase: RoomPhase): phase is LeaveReason => LEAVE_REASONS.includes(phase);

const MICROPHONE_ERRORS = {
  denied: 'The microphone was blocked, so nobody can hear you. Allow it for this site and try again.',
  unavailable: 'No microphone was found, so nobody can hear you.',
} as const;

/**
 * The events between two views of a room, in the order a page should see them: join, speaking,
 * errors, leave. Only someone who joined leaves: a join given up half way is no event.
 */
export function eventsBetween(previous: RoomView, next: RoomView): WidgetEvent[] {
  const events: WidgetEvent[] = [];
  if (previous.phase !== 'joined' && next.phase === 'joined') events.push({ type: 'porch-join', detail: { name: next.name } });
  events.push(...speakingChanges(previous, next));
  if (previous.phase !== 'room-full' && next.phase === 'room-full') {
    events.push({ type: 'porch-error', detail: { code: 'room-full', message: 'This room is full.' } });
  }
  if (previous.microphone !== next.microphone && (next.microphone === 'denied' || next.microphone === 'unavailable')) {
    events.push({ type: 'porch-error', detail: { code: `microphone-${next.microphone}`, message: MICROPHONE_ERRORS[next.microphone] } });
  }
  if (previous.phase === 'joined' && isLeaveReason(next.phase)) events.push({ type: 'porch-leave', detail: { reason: next.phase } });
  return events;
}

/** Who started or stopped speaking; someone who went while speaking has stopped. */
function speakingChanges(previous: RoomView, next: RoomView): WidgetEvent[] {
  const events: WidgetEvent[] = [];
  const said = (id: string, name: string, self: boolean, speaking: boolean): void => {
    events.push({ type: 'porch-speaking', detail: { id, name, self, speaking } });
  };
  if (previous.selfSpeaking !== next.selfSpeaking) said(next.selfId ?? previous.selfId ?? '', next.name, true, next.selfSpeaking);
  const before = new Map(previous.participants.map((p) => [p.id, p]));
  const after = new Map(next.participants.map((p) => [p.id, p]));
  for (const p of next.participants) if (p.speaking !== (before.get(p.id)?.speaking ?? false)) said(p.id, p.name, false, p.speaking);
  for (const p of previous.participants) if (p.speaking && !after.has(p.id)) said(p.id, p.name, false, false);
  return events;
}
