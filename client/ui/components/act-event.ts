import type { ActBody } from '../../../shared/room-acts.ts';

/**
 * How components ask for a room act: one `act` event that bubbles out of their shadow roots to
 * the room view, which performs it (and knows what the person just did, for announcements).
 */
export type ActEvent = CustomEvent<ActBody>;

export const actEvent = (act: ActBody): ActEvent => new CustomEvent('act', { detail: act, bubbles: true, composed: true });

declare global {
  interface HTMLElementEventMap {
    act: ActEvent;
  }
}
