import type { Reaction } from '../../../shared/peer-message.ts';
import type { ActRequest } from '../../engine/room-types.ts';

/** Everything a person can ask of the room from the page. */
export type RoomAction =
  | { type: 'act'; act: ActRequest }
  | { type: 'set-muted'; muted: boolean }
  | { type: 'select-input'; deviceId: string }
  | { type: 'react'; emoji: Reaction }
  | { type: 'mark-verified'; peerId: string }
  | { type: 'leave' };

/**
 * How components ask for anything: one `room-action` event that bubbles out of their shadow roots
 * to the room page, the one place that calls the engine (and so knows what the person just did,
 * for announcements).
 */
export type RoomActionEvent = CustomEvent<RoomAction>;

export const roomAction = (action: RoomAction): RoomActionEvent =>
  new CustomEvent('room-action', { detail: action, bubbles: true, composed: true });

/** The common case: an act on the room, signed into its log. */
export const roomAct = (act: ActRequest): RoomActionEvent => roomAction({ type: 'act', act });

declare global {
  interface HTMLElementEventMap {
    'room-action': RoomActionEvent;
  }
}
