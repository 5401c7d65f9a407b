import type { Introduction, PeerMessage } from '../../shared/peer-message.ts';

/**
 * What we tell members about ourselves, and whom. Our presence (name, mute state, the title) goes
 * only to members the room lets in: to everyone under the epoch's key, or pairwise. While the room
 * keeps us out (the lobby), it goes pairwise to staff only, who decide whether to let us in.
 * Anyone else, and everyone until we hold the log, gets our keys only (`looking-in`), which is all
 * the link's key ever carries from us once the room is in an epoch: so the removed, the lobby and
 * whoever merely holds the link learn no name of ours. Whom we held our presence back from gets it
 * once the room lets them in.
 */
export interface RoomPresenceDeps {
  sendTo(to: string, message: PeerMessage): void;
  /** Our presence as it is now. */
  presence(): Introduction;
  joined(): boolean;
  /** We hold the room's log, so we know whom it lets in. */
  holdsLog(): boolean;
  /** The room lets us in (we are not waiting in the lobby). */
  inside(): boolean;
  /** We hold the key of the epoch the log names (room-epochs.ts). */
  holdsKey(): boolean;
  /** Whether a member may learn our presence: inside, anyone the room lets in; in the lobby, staff. */
  hears(peerId: string): boolean;
  /** Whether the room lets a member in (not removed, not in the lobby). */
  letsIn(peerId: string): boolean;
  listed(): readonly string[];
}

export interface RoomPresence {
  /** To everyone on arriving: our presence if we may tell it, else our keys (members need them to answer). */
  arrive(): void;
  /** To whoever may hear it, as our presence changed; held back until we may tell it. */
  announce(): void;
  /** What one member gets from us on introducing itself, or arriving. */
  introductionFor(peerId: string): Introduction;
  /** The log, who is here, or the keys we hold changed: what we held back goes out where it now may. */
  update(): void;
}

/** Our keys, and how long our log is: even whom the room shuts out learns from the log that it does. */
function keysOnly(presence: Introduction): Introduction {
  return presence.log === undefined ? { kind: 'looking-in' } : { kind: 'looking-in', log: presence.log };
}

export function createRoomPresence(deps: RoomPresenceDeps): RoomPresence {
  /**
   * Members the room kept out when we gave them our keys only: told pairwise once it lets them in,
   * as they may lack the key of our broadcasts. Whom we gave our keys only for our own reasons (we
   * held no log yet, or waited in the lobby) hears our next broadcast like everyone.
   */
  const owed = new Set<string>();
  /**
   * Whom we gave our keys only before we held the log, so without its length: once we hold it,
   * those the room keeps out learn the length from us pairwise, as our broadcast is not for them.
   */
  const unlogged = new Set<string>();
  let announcing = false;
  /** Let in when we last looked: one let in from the lobby tells everyone at once. */
  let wasInside = true;

  const mayTell = (): boolean => deps.joined() && deps.holdsLog();
  /** Inside, waiting for the epoch's key: a broadcast would go under a key the removed may hold. */
  const waitingForKey = (): boolean => deps.inside() && !deps.holdsKey();

  function tell(peer: string): void {
    owed.delete(peer);
    deps.sendTo(peer, deps.presence());
  }

  function announce(): void {
    announcing = deps.joined() && (!mayTell() || waitingForKey());
    if (announcing || !mayTell()) return;
    if (!deps.inside()) {
      for (const peer of deps.listed()) if (deps.hears(peer)) tell(peer);
      return;
    }
    deps.sendTo('*', deps.presence());
  }

  function tellLength(): void {
    const told = keysOnly(deps.presence());
    const listed = new Set(deps.listed());
    if (told.log !== undefined) for (const peer of unlogged) if (listed.has(peer) && !deps.letsIn(peer)) deps.sendTo(peer, told);
    unlogged.clear();
  }

  return {
    arrive() {
      if (mayTell() && !waitingForKey()) return announce();
      announcing = deps.joined();
      if (!mayTell()) for (const peer of deps.listed()) unlogged.add(peer);
      deps.sendTo('*', keysOnly(deps.presence()));
    },
    announce,
    introductionFor(peerId) {
      if (mayTell() && deps.hears(peerId)) {
        owed.delete(peerId);
        return deps.presence();
      }
      if (mayTell() && !deps.letsIn(peerId)) owed.add(peerId);
      if (!mayTell()) unlogged.add(peerId);
      return keysOnly(deps.presence());
    },
    update() {
      const inside = deps.inside();
      if (inside && !wasInside) announcing = deps.joined();
      wasInside = inside;
      if (!mayTell()) return;
      tellLength();
      if (announcing) announce();
      if (waitingForKey()) return;
      const listed = new Set(deps.listed());
      for (const peer of owed) {
        if (!listed.has(peer)) owed.delete(peer);
        else if (deps.hears(peer)) tell(peer);
      }
    },
  };
}
