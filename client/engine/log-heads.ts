import type { PeerMessage } from '../../shared/peer-message.ts';
import { headAt, headOf, lengthOf, type RoomLog } from '../../shared/room-log.ts';
import type { Timers } from './timers.ts';

/**
 * Finds histories that parted silently. Acts spread as they happen, so a history that parted
 * (the server kept one side's acts from the other) shows as a fork once anyone acts again; but
 * while nobody acts, two copies of the same length and different histories would never meet.
 * So every few seconds each member tells a few others, in turn, where its log stands: its length
 * and the hash of its whole history (pairwise, so only that member can have sent it). A member
 * whose hash at that place differs from ours is asked for its history, and told ours; the fork
 * rule then settles it on both sides alike where it can. Where it cannot (histories that parted
 * long ago, with the host away, each keep their own until the host's settles them), the parting
 * is shown: `split()` names the members whose history still differs from ours after a fork we
 * kept ours against.
 */
export interface LogHeadsDeps {
  log(): RoomLog;
  send(to: string, message: PeerMessage): void;
  /** Members to compare with: those the room lets in. */
  members(): readonly string[];
  letsIn(peerId: string): boolean;
  /** We hold the room's log (a newcomer's empty copy says nothing). */
  holdsLog(): boolean;
  timers: Timers;
  /** A member's log is longer than ours: catch up from it as usual (log-catch-up.ts). */
  claim(peerId: string, length: number): void;
  /** Asks a member for its history from a place (log-catch-up.ts). */
  ask(peerId: string, from: number): void;
  /** Who our history differs from changed. */
  onChange(): void;
  trace(line: string): void;
}

export interface LogHeads {
  /** A member's log is `length` long and its history up to there hashes to `hash`; `ask`: it wants ours back. */
  received(peerId: string, length: number, hash: string, ask: boolean): void;
  /**
   * A member showed us a history that parts from ours, and the fork rule kept ours; `genuine` checks
   * the signature of its first act that parts, asked only when that would show a parting.
   */
  keptOurs(peerId: string, genuine: () => boolean): void;
  gone(peerId: string): void;
  /** Members whose history differs from ours, though each side has seen the other's. */
  split(): readonly string[];
}

export const HEADS_EVERY_MS = 4_000;
/** Members told in each round: a room of any size costs each member one message a second. */
const HEADS_PER_ROUND = 4;
/** A member whose history differs is asked for it, and told ours, at most this often. */
const REASK_MS = 10_000;
/** After a fork we kept ours against, how long the member has to take ours before we ask where it stands. */
const CONFIRM_MS = 5_000;
/** Members that ask where we stand are answered at most this often each. */
const ANSWER_EVERY_MS = 1_000;

interface Parting {
  /** When we last asked for its history and showed ours, and the hash it said it held then. */
  askedAt: number;
  hash: string;
  /** When it showed us its side and the fork rule kept ours. */
  keptAt: number | null;
  /** It still held its own history after that: a parting the fork rule cannot settle now. */
  stays: boolean;
}

export function createLogHeads(deps: LogHeadsDeps): LogHeads {
  const { timers } = deps;
  const partings = new Map<string, Parting>();
  const answeredAt = new Map<string, number>();
  let turn = 0;

  const send = (peerId: string, ask: boolean): void =>
    deps.send(peerId, { kind: 'head', length: lengthOf(deps.log()), hash: headOf(deps.log()), ...(ask ? { ask } : {}) });

  timers.every(HEADS_EVERY_MS, () => {
    if (!deps.holdsLog() || lengthOf(deps.log()) === 0) return;
    const members = deps.members();
    const count = Math.min(HEADS_PER_ROUND, members.length);
    for (let i = 0; i < count; i += 1) send(members[(turn + i) % members.length] as string, false);
    turn = members.length === 0 ? 0 : (turn + count) % members.length;
  });

  /** Tells a member where we stand, at most once a second each: asking must not become a way to make us send. */
  function answer(peerId: string): void {
    const now = timers.now();
    if (now - (answeredAt.get(peerId) ?? -Infinity) < ANSWER_EVERY_MS) return;
    answeredAt.set(peerId, now);
    send(peerId, false);
  }

  function forget(peerId: string): void {
    const parting = partings.get(peerId);
    if (!parting) return;
    partings.delete(peerId);
    deps.trace(`log: ${peerId} holds our history again`);
    if (parting.stays) deps.onChange();
  }

  function parted(peerId: string, at: number, hash: string): void {
    const now = timers.now();
    const known = partings.get(peerId) ?? { askedAt: -Infinity, hash: '', keptAt: null, stays: false };
    partings.set(peerId, known);
    if (known.keptAt !== null && now - known.keptAt >= CONFIRM_MS && !known.stays) {
      known.stays = true;
      deps.onChange();
    }
    // A parting already shown is fetched again only once that member's history moves.
    if (known.hash === hash && (known.stays || now - known.askedAt < REASK_MS)) return;
    deps.trace(`log: ${peerId} holds another history at ${at}`);
    Object.assign(known, { askedAt: now, hash });
    send(peerId, true);
    deps.ask(peerId, deps.log().base);
  }

  return {
    received(peerId, length, hash, ask) {
      if (!deps.letsIn(peerId)) return;
      const log = deps.log();
      if (length > lengthOf(log)) return deps.claim(peerId, length);
      if (!deps.holdsLog()) return;
      const ours = headAt(log, length);
      // Before where our copy starts, only the checkpoint we start from can speak: they will ask for it.
      if (ours === undefined) return;
      if (ours !== hash) return parted(peerId, length, hash);
      forget(peerId);
      // Behind us on the same history, they catch up once told where we stand, as from a presence.
      if (ask || length < lengthOf(log)) answer(peerId);
    },
    keptOurs(peerId, genuine) {
      const known = partings.get(peerId);
      if (known?.keptAt != null || !genuine()) return;
      partings.set(peerId, { askedAt: known?.askedAt ?? -Infinity, hash: known?.hash ?? '', keptAt: timers.now(), stays: false });
      timers.after(CONFIRM_MS, () => {
        if (partings.has(peerId)) send(peerId, true);
      });
    },
    gone(peerId) {
      forget(peerId);
      answeredAt.delete(peerId);
    },
    split: () => [...partings].filter(([, parting]) => parting.stays).map(([peer]) => peer),
  };
}
