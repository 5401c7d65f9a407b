import type { Reaction } from '../../shared/peer-message.ts';
import type { Participant, RoomView } from './room-types.ts';
import type { WritableStore } from './store.ts';

/** How long a reaction stays on someone's avatar. */
const REACTION_MS = 4_000;

/** The people in the room state: added on first news of them, patched, removed, and their brief reactions. */
export interface ParticipantList {
  patch(id: string, changes: Partial<Participant>): void;
  remove(id: string): void;
  /** Shows an emoji on someone's avatar (null: ours) for a few seconds. */
  react(id: string | null, emoji: Reaction): void;
  /** Stops pending reaction timers (the session is over). */
  stop(): void;
}

export function createParticipantList(state: WritableStore<RoomView>, blank: (id: string) => Participant): ParticipantList {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

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
    clearTimeout(timers.get(timerKey));
    timers.delete(timerKey);
    if (id === null) state.update((s) => ({ ...s, reaction: emoji }));
    else if (state.get().participants.some((p) => p.id === id)) patch(id, { reaction: emoji });
    if (emoji) timers.set(timerKey, setTimeout(() => show(id, null), REACTION_MS));
  }

  return {
    patch,
    remove(id) {
      state.update((s) => ({ ...s, participants: s.participants.filter((p) => p.id !== id) }));
    },
    react: show,
    stop() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
