/**
 * Whom of the audience the room page draws as a tile. A small audience is shown whole: a face per
 * person is friendlier and cheap. Past AUDIENCE_WHOLE_MAX the page shows a count and only the
 * people worth seeing, so a room of hundreds draws a bounded number of tiles (at most
 * HANDS_SHOWN_MAX + RECENT_MAX + 1, whatever its size):
 * - raised hands, first in line first: staff answer them, and the hand queue is the audience's voice;
 * - yourself, so you can see where you stand;
 * - the few who arrived most recently, for a minute: a room greets newcomers.
 * Staff (host and moderators) are always on the stage (shared/room-state.ts roleOf), which is
 * drawn whole, so they never need a place here.
 */

/** Up to this many listeners, every one gets a tile. */
export const AUDIENCE_WHOLE_MAX = 12;
/** The first this many raised hands get a tile; staff see the whole queue in their tools. */
export const HANDS_SHOWN_MAX = 12;
/** How long a newcomer stays among those worth seeing, and how many newcomers at once. */
export const RECENT_MS = 60_000;
export const RECENT_MAX = 3;

/** What the choice needs to know of a listener. */
export interface Listener {
  /** Place in the raised-hand queue (0 = first), or null. */
  hand: number | null;
  /** When they arrived while we were here (ms), or null (see Participant.arrivedAt). */
  arrivedAt: number | null;
  self: boolean;
}

export interface AudienceShown<T> {
  /** Raised hands first, in queue order, then the rest in the order given. */
  shown: T[];
  /** When the choice changes with no other change in the room (a newcomer stops being new), or null. */
  changesAt: number | null;
}

const handOrder = (a: Listener, b: Listener): number => (a.hand ?? Infinity) - (b.hand ?? Infinity);

/** Whom to draw of `listeners` (given in arrival order) at time `now`; `whole`: the person asked to see everyone. */
export function audienceShown<T extends Listener>(listeners: readonly T[], now: number, { whole = false } = {}): AudienceShown<T> {
  // Array sort is stable: equal places keep the order given.
  if (whole || listeners.length <= AUDIENCE_WHOLE_MAX) return { shown: [...listeners].sort(handOrder), changesAt: null };
  const hands = listeners.filter((l) => l.hand !== null).sort(handOrder).slice(0, HANDS_SHOWN_MAX);
  const recent = listeners
    .filter((l): l is T & { arrivedAt: number } => l.hand === null && l.arrivedAt !== null && now - l.arrivedAt < RECENT_MS)
    .sort((a, b) => b.arrivedAt - a.arrivedAt)
    .slice(0, RECENT_MAX);
  const chosen = new Set<T>([...hands, ...recent, ...listeners.filter((l) => l.self)]);
  const oldest = recent.at(-1);
  return {
    shown: listeners.filter((l) => chosen.has(l)).sort(handOrder),
    changesAt: oldest ? oldest.arrivedAt + RECENT_MS : null,
  };
}
