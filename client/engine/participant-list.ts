import type { Reaction } from '../../shared/peer-message.ts';
import type { Participant, RoomView } from './room-types.ts';
import type { WritableStore } from './store.ts';
import type { Cancel, Timers } from './timers.ts';

/** How long a reaction stays on someone's avatar. */
const REACTION_MS = 4_000;

/** The people in the room state: added on first news of them, patched, removed, and their brief reactions. */
export interface ParticipantList {
  patch(id: string, changes: Partial<Participant>): void;
  remove(id: string): void;
  /** Shows an emoji on someone's avatar (null: ours) for a few seconds. */
  react(id: string | null, emoji: Reaction): void;
}

export function createParticipantList(state: WritableStore<RoomView>, blank: (id: string) => Participant, timers: Timers): ParticipantList {
  const hiding = new Map<string, Cancel>();

  function patch(id: string, changes: Partial<Participant>): void {
    state.update((s) => {
      const known = s.participants.some((p) => p.id === id);
      const participants = known
        ? s.participants.map((p) => (p.id === id ? { ...p, ...changes } : p))
        : [...s.participants, { ...blank(id), ...changes }];
      return { ...s, participants };
    });
  }

  function show(id: string | null, emoji: Reaction | null): void {
    const timerKey = id ?? '';
    hiding.get(timerKey)?.();
    hiding.delete(timerKey);
    if (id === null) state.update((s) => ({ ...s, reaction: emoji }));
    else if (state.get().participants.some((p) => p.id === id)) patch(id, { reaction: emoji });
    if (emoji) hiding.set(timerKey, timers.after(REACTION_MS, () => show(id, null)));
  }

  return {
    patch,
    remove(id) {
      state.update((s) => ({ ...s, participants: s.participants.filter((p) => p.id !== id) }));
    },
    react: show,
  };
}
