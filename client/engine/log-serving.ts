import { batchesOf, MAX_ACTS_PER_MESSAGE, type PeerMessage } from '../../shared/peer-message.ts';
import { entriesFrom, headOf, lengthOf, type RoomLog } from '../../shared/room-log.ts';
import { mayEnter } from '../../shared/room-state.ts';
import type { Timers } from './timers.ts';

/**
 * Sends members the stretches of our log they ask for (or that we show them at a fork), paced so
 * that what others ask of us can never make us exceed the server's rate limit for our own
 * connection (RATE_LIMIT_PER_S, 40 frames a second, bursts of 80), which would get us cut.
 * All requesters together get at most SERVE_FRAMES_PER_S frames a second; each one, a full log's
 * worth at once and then one frame a second. A newer request from a member replaces its older one.
 * An identity that is not in the room (removed, or waiting in the lobby) gets one copy, however
 * often it asks, and only up to the act that shut it out: enough for an honest one to learn where
 * it stands, and nothing of what the room did since.
 */
export interface LogServingDeps {
  send(to: string, message: PeerMessage): void;
  log(): RoomLog;
  /** The identity key a member proved it holds, once introduced. */
  keyOf(peerId: string): string | null;
  timers: Timers;
}

export interface LogServing {
  /** Sends `peerId` our log from index `from` on, as the budgets allow. */
  serve(peerId: string, from: number): void;
  /** Shows `peerId` our history from where a fork parts, once per fork: the same rule on its side then settles it. */
  showFork(peerId: string, at: number): void;
  gone(peerId: string): void;
}

/** A quarter of the server's per-connection rate, leaving the rest for signaling and our own acts. */
export const SERVE_FRAMES_PER_S = 10;
const SERVE_BURST = 20;
const FRAMES_PER_REQUESTER_PER_S = 1;

interface Bucket {
  ready(): boolean;
  take(): void;
}

/** Tokens refill at `ratePerS` up to `burst`; a frame goes out only while one is there. Kept in milliseconds of credit, so whole ticks add up exactly. */
function bucket(ratePerS: number, burst: number, now: () => number): Bucket {
  const perToken = 1000 / ratePerS;
  let credit = burst * perToken;
  let last = now();
  return {
    ready() {
      const t = now();
      credit = Math.min(burst * perToken, credit + t - last);
      last = t;
      return credit >= perToken;
    },
    take: () => void (credit -= perToken),
  };
}

export function createLogServing(deps: LogServingDeps): LogServing {
  const total = bucket(SERVE_FRAMES_PER_S, SERVE_BURST, deps.timers.now);
  const perPeer = new Map<string, Bucket>();
  /** Where each member's stretch goes on from, and where it stops. */
  const pending = new Map<string, { from: number; end: number }>();
  /** Forks we already showed our side of (to whom, where, our head then), so two members that disagree never ping-pong. */
  const shownForks = new Set<string>();
  /** Identities outside the room that have had their one copy. */
  const outsidersServed = new Set<string>();
  let scheduled = false;

  /** A stretch from `from` on; history before our copy's start goes as the checkpoint it starts from, which speaks for it. */
  function sendNext(peer: string, { from, end }: { from: number; end: number }): void {
    const log = deps.log();
    const { checkpoint } = log;
    if (checkpoint && from < log.base) {
      pending.set(peer, { from: log.base, end });
      deps.send(peer, { kind: 'checkpoint', checkpoint });
      return;
    }
    const entries = batchesOf(entriesFrom(log, from).slice(0, Math.max(0, Math.min(MAX_ACTS_PER_MESSAGE, end - from))))[0] ?? [];
    const next = from + entries.length;
    if (next >= Math.min(end, lengthOf(log))) pending.delete(peer);
    else pending.set(peer, { from: next, end });
    if (entries.length > 0) deps.send(peer, { kind: 'acts', entries });
  }

  /** One frame per waiting member per round, while the budgets last; then again once tokens are back. */
  function pump(): void {
    let sent = true;
    while (sent && pending.size > 0) {
      sent = false;
      for (const [peer, stretch] of [...pending]) {
        const own = perPeer.get(peer);
        if (!own || !total.ready() || !own.ready()) continue;
        total.take();
        own.take();
        sendNext(peer, stretch);
        sent = true;
      }
    }
    if (pending.size === 0 || scheduled) return;
    scheduled = true;
    deps.timers.after(1000 / SERVE_FRAMES_PER_S, () => {
      scheduled = false;
      pump();
    });
  }

  /** Where this identity's copy ends (its key decides, not its connection, which it can renew); null: it gets none. */
  function endFor(key: string | null): number | null {
    if (key === null) return null;
    const log = deps.log();
    if (mayEnter(log.state, log.rules, key)) return Infinity;
    if (outsidersServed.has(key)) return null;
    outsidersServed.add(key);
    return shutOutEnd(log, key);
  }

  function serve(peerId: string, from: number): void {
    const end = from < lengthOf(deps.log()) ? endFor(deps.keyOf(peerId)) : null;
    if (end === null) return;
    if (!perPeer.has(peerId)) {
      // A checkpoint, then a full log's worth of acts after it.
      const fullLog = 1 + Math.ceil(deps.log().maxEntries / MAX_ACTS_PER_MESSAGE);
      perPeer.set(peerId, bucket(FRAMES_PER_REQUESTER_PER_S, fullLog, deps.timers.now));
    }
    pending.set(peerId, { from, end });
    pump();
  }

  return {
    serve,
    showFork(peerId, at) {
      const told = `${peerId} ${at} ${headOf(deps.log())}`;
      if (shownForks.has(told)) return;
      shownForks.add(told);
      serve(peerId, at);
    },
    gone(peerId) {
      pending.delete(peerId);
      perPeer.delete(peerId);
    },
  };
}

/** Just past the act that shut `key` out (its removal, or the lock it was not let through), or our copy's start. */
function shutOutEnd(log: RoomLog, key: string): number {
  const removed = log.state.banned.includes(key);
  for (let i = log.entries.length - 1; i >= 0; i--) {
    const { act, n } = log.entries[i]!;
    const shut = removed ? act.type === 'remove' && act.target === key : act.type === 'lock' && !(act.admit ?? []).includes(key);
    if (shut) return n + 1;
  }
  return log.base;
}
