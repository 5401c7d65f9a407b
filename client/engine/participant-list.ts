import type { Reaction } from '../../shared/peer-message.ts';
import type { Participant, RoomView } from './room-types.ts';
import type { WritableStore } from './store.ts';
import type { Cancel, Timers } from './timers.ts';

/** How long a reaction stays on someone's avatar. */
const REACTION_MS = 4_000;

/**
 * The people in the room state: shown once the room knows them to be people (room-inbox.ts),
 * patched, removed, and their brief reactions. What is learned of someone not shown yet (a
 * link's state, say) waits and is shown with them.
 */
export interface ParticipantList {
  show(id: string, changes: Partial<Participant>): void;
  has(id: string): boolean;
  patch(id: string, changes: Partial<Participant>): void;
  remove(id: string): void;
  /** Shows an emoji on someone's avatar (null: ours) for a few seconds. */
  react(id: string | null, emoji: Reaction): void;
}

export function createParticipantList(state: WritableStore<RoomView>, blank: (id: string) => Participant, timers: Timers): ParticipantList {
  const hiding = new Map<string, Cancel>();
  const waiting = new Map<string, Partial<Participant>>();
  const has = (id: string): boolean => state.get().participants.some((p) => p.id === id);

  function patch(id: string, changes: Partial<Participant>): void {
    if (!has(id)) return void waiting.set(id, { ...waiting.get(id), ...changes });
    state.update((s) => ({ ...s, participants: s.participants.map((p) => (p.id === id ? { ...p, ...changes } : p)) }));
  }

  function show(id: string, changes: Partial<Participant>): void {
    if (has(id)) return patch(id, changes);
    const shown = { ...blank(id), ...waiting.get(id), ...changes };
    waiting.delete(id);
    state.update((s) => ({ ...s, participants: [...s.participants, shown] }));
  }

  function showReaction(id: string | null, emoji: Reaction | null): void {
    const timerKey = id ?? '';
    hiding.get(timerKey)?.();
    hiding.delete(timerKey);
    if (id === null) state.update((s) => ({ ...s, reaction: emoji }));
    else if (has(id)) patch(id, { reaction: emoji });
    if (emoji) hiding.set(timerKey, timers.after(REACTION_MS, () => showReaction(id, null)));
  }

  return {
    show,
    has,
    patch,
    remove(id) {
      waiting.delete(id);
      state.update((s) => ({ ...s, participants: s.participants.filter((p) => p.id !== id) }));
    },
    react: showReaction,
  };
}
