/**
 * The iframe's postMessage API, the element's methods and events carried across the frame:
 * the page posts `{ porch: 'join' }` (or leave, mute, unmute) to the frame, and the frame
 * posts `{ porch: <event type>, detail }` to the page for every event the element fires.
 */
import type { WidgetEvent } from './widget-events.ts';

/** What the frame posts to the page: an event, as the element would fire it. */
export type FrameEventMessage = { [E in WidgetEvent as E['type']]: { porch: E['type']; detail: E['detail'] } }[WidgetEvent['type']];

export const frameEventMessage = (event: WidgetEvent): FrameEventMessage => ({ porch: event.type, detail: event.detail }) as FrameEventMessage;

export const FRAME_COMMANDS = ['join', 'leave', 'mute', 'unmute'] as const;
export type FrameCommand = (typeof FRAME_COMMANDS)[number];

/** A command the page sent, or null for anything else (other scripts post messages too). */
export function parseFrameCommand(data: unknown): FrameCommand | null {
  if (typeof data !== 'object' || data === null) return null;
  const command: unknown = (data as { porch?: unknown }).porch;
  return FRAME_COMMANDS.find((known) => known === command) ?? null;
}
