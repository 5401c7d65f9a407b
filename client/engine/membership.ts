import type { LinkCandidate } from '../../shared/topology.ts';
import type { Introduction } from '../../shared/peer-message.ts';
import { EarlyPresence } from './early-presence.ts';
import { assertNever } from '../../shared/result.ts';
import type { Rejection } from './sealed-codec.ts';

/**
 * Whom a rejected envelope speaks against. Only the server (or the network before it) can make
 * an envelope that does not decrypt, a genuine one re-stamped or re-routed (bad signature), or
 * two keys under one peer id (ids are the server's to give): that is the server tampering, never
 * the member it names. An envelope that decrypts but is malformed was sealed by a holder of the
 * key, under a pair key the member itself: that is the member.
 */
export type Blame = 'server' | 'unsecured';

/**
 * Peers listed at once, whatever the server says: twice the server's default room capacity (50),
 * so that a server inventing arrivals cannot grow what a member keeps without bound.
 */
export const MAX_LISTED = 100;

/** Malformed envelopes from one peer before the person is told the connection is not secure. */
const REJECTIONS_BEFORE_WARNING = 3;

/**
 * Who is in the room, as far as this member knows: the one place that tracks it.
 * - listed: the server lists them (established links outlive signaling outages, so a
 *   reconnect replaces this list and nothing else);
 * - introduced: they proved the identity key they hold (kept across reconnects);
 * - presented: we have taken their signed introduction; links start only after it;
 * - looking in: their introduction says they have not joined (they opened the link): linked
 *   as a listener, but never shown or counted as here;
 * - confirmed: they sent something made for this visit of ours, so they are here now and not
 *   an old introduction the server replays; only then are they shown and counted as here;
 * - unconfirmed: their latest presence, held until they are confirmed;
 * - early: a presence that arrived before the server listed them, applied once it does;
 * - rejections: envelopes of theirs that failed checks, for the security warning.
 */
export interface Membership {
  /** The server's list on (re)joining: replaces who is listed. */
  welcome(peers: readonly string[]): void;
  /** Lists a member who arrived; false when the room is already as full as a room can be. */
  arrive(peerId: string): boolean;
  /** Gone from the room: everything about them is forgotten but their identity key. */
  depart(peerId: string): void;
  isListed(peerId: string): boolean;
  introduce(peerId: string, key: string): void;
  keyOf(peerId: string): string | null;
  /** Marks their presence as taken; true the first time. */
  markPresented(peerId: string): boolean;
  isPresented(peerId: string): boolean;
  /** Their latest introduction says whether they have joined yet. */
  setLooking(peerId: string, looking: boolean): void;
  isLooking(peerId: string): boolean;
  confirm(peerId: string): void;
  isConfirmed(peerId: string): boolean;
  /** Holds a presence until its sender is confirmed; the latest one wins. */
  keepUnconfirmed(peerId: string, message: Introduction): void;
  /** The presence held for a sender now confirmed, handed over once. */
  takeConfirmed(peerId: string): Introduction | null;
  /** Present and introduced: the members we can send to. */
  reachable(): string[];
  /** Present and introduced, for the topology. */
  candidates(): LinkCandidate[];
  /** The identity keys of everyone confirmed and presented here (not merely looking in), ours included. */
  presentedKeys(selfKey: string): Set<string>;
  /** Whether every present member has presented itself and is confirmed. */
  allPresented(): boolean;
  keepEarly(peerId: string, message: Introduction): void;
  takeEarly(peerId: string): Introduction | null;
  /** Counts a rejected envelope; returns the warning it now deserves, if any. */
  reject(peerId: string, reason: Rejection): Blame | null;
  clear(): void;
}

export function createMembership(): Membership {
  const listed = new Set<string>();
  const keys = new Map<string, string>();
  const presented = new Set<string>();
  const confirmed = new Set<string>();
  const looking = new Set<string>();
  const unconfirmed = new Map<string, Introduction>();
  const early = new EarlyPresence();
  const rejections = new Map<string, number>();

  /** Present and introduced, with the key each proved. */
  function introduced(): { peer: string; key: string }[] {
    const here: { peer: string; key: string }[] = [];
    for (const peer of listed) {
      const key = keys.get(peer);
      if (key !== undefined) here.push({ peer, key });
    }
    return here;
  }

  return {
    welcome(peers) {
      listed.clear();
      for (const peer of peers.slice(0, MAX_LISTED)) listed.add(peer);
    },
    arrive(peerId) {
      if (listed.size >= MAX_LISTED && !listed.has(peerId)) return false;
      listed.add(peerId);
      return true;
    },
    depart(peerId) {
      listed.delete(peerId);
      presented.delete(peerId);
      looking.delete(peerId);
      unconfirmed.delete(peerId);
      rejections.delete(peerId);
      early.forget(peerId);
    },
    isListed: (peerId) => listed.has(peerId),
    introduce: (peerId, key) => void keys.set(peerId, key),
    keyOf: (peerId) => keys.get(peerId) ?? null,
    markPresented(peerId) {
      if (presented.has(peerId)) return false;
      presented.add(peerId);
      return true;
    },
    isPresented: (peerId) => presented.has(peerId),
    setLooking: (peerId, isLooking) => void (isLooking ? looking.add(peerId) : looking.delete(peerId)),
    isLooking: (peerId) => looking.has(peerId),
    // Kept across departures: the codec confirms a peer id once per visit of ours.
    confirm: (peerId) => void confirmed.add(peerId),
    isConfirmed: (peerId) => confirmed.has(peerId),
    keepUnconfirmed: (peerId, message) => void unconfirmed.set(peerId, message),
    takeConfirmed(peerId) {
      if (!confirmed.has(peerId)) return null;
      const message = unconfirmed.get(peerId) ?? null;
      unconfirmed.delete(peerId);
      return message;
    },
    reachable: () => introduced().map(({ peer }) => peer),
    candidates: () => introduced().map(({ peer, key }) => ({ peer, key, presented: presented.has(peer) })),
    presentedKeys(selfKey) {
      const here = new Set([selfKey]);
      for (const { peer, key } of introduced()) if (presented.has(peer) && confirmed.has(peer) && !looking.has(peer)) here.add(key);
      return here;
    },
    allPresented: () => [...listed].every((peer) => presented.has(peer) && confirmed.has(peer)),
    keepEarly: (peerId, message) => early.keep(peerId, message),
    takeEarly: (peerId) => early.take(peerId),
    reject(peerId, reason) {
      switch (reason) {
        // Genuine envelopes late (a clock off by minutes, too) or again: dropped without a word.
        case 'stale':
        case 'replayed':
        // A broadcast under an epoch's key we were not handed (yet): not tampering.
        case 'other-epoch':
          return null;
        case 'unreadable':
        case 'bad-signature':
        case 'key-changed':
          return 'server';
        case 'malformed':
        case 'bad-message': {
          const count = (rejections.get(peerId) ?? 0) + 1;
          rejections.set(peerId, count);
          return count >= REJECTIONS_BEFORE_WARNING ? 'unsecured' : null;
        }
        default:
          return assertNever(reason);
      }
    },
    clear() {
      listed.clear();
      presented.clear();
      looking.clear();
      unconfirmed.clear();
      early.clear();
    },
  };
}
