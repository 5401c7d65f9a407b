import type { PeerMessage } from '../../shared/peer-message.ts';
import type { Timers } from './timers.ts';

/** A request for missing acts that brings nothing for this long is sent to someone else. */
const REQUEST_TIMEOUT_MS = 2_000;

/**
 * How a member learns the acts it lacks: members claim how long their logs are, and we ask one
 * of them at a time for what we lack, so a join costs one copy of the log, not one per member.
 * A claim counts at most a log's worth beyond what we hold, and a claim that brings nothing when asked stops
 * keeping us waiting until that member sends acts we lack.
 */
export interface CatchUpDeps {
  send(to: string, message: PeerMessage): void;
  timers: Timers;
  /** How many places of the room's history we hold, and how many acts a log counts. */
  held(): number;
  capacity(): number;
  trace(line: string): void;
  /** A claim nobody backed stopped keeping us waiting, and we hold all that anyone backs. */
  onCaughtUp(): void;
}

/** The request in flight when a batch of acts arrived, to tell afterwards whether it answered it. */
export interface Round {
  from: string;
  asked: { peer: string; at: number } | null;
}

export interface CatchUp {
  /** A member said (or showed, by sending acts up to there) how long its log is. */
  claim(peerId: string, length: number): void;
  /** Whoever sends acts holds at least that much of the log, whatever its presence said. */
  atLeast(peerId: string, length: number): void;
  /** A batch of acts from a member begins… */
  begin(from: string): Round;
  /** …and ends; `progress`: it brought acts we lacked. Then we ask on where needed. */
  end(round: Round, progress: boolean): void;
  /** Asks a member for the acts from `from` on (default: all we lack). */
  ask(peerId: string, from?: number): void;
  gone(peerId: string): void;
  /** Whether some member told us of acts we do not hold yet. */
  behind(): boolean;
  /** Whether we hold at least as much as every member has told us about (and someone has). */
  caughtUp(): boolean;
  heardOfLog(): boolean;
}

export function createCatchUp(deps: CatchUpDeps): CatchUp {
  const { timers } = deps;
  /** How long each member says its log is: at most what a log holds. */
  const claims = new Map<string, number>();
  /** Members whose claim brought no acts when asked: it keeps nobody waiting until they send some. */
  const hollow = new Set<string>();
  /** The member we are asking, and when it last brought something. */
  let request: { peer: string; at: number } | null = null;

  /** A claim counts at most a log's worth beyond what we hold: places go on past a log's size, checkpoint after checkpoint. */
  const bounded = (length: number): number => Math.min(length, deps.held() + deps.capacity());
  const aheadOfUs = (): string[] => [...claims].filter(([peer, length]) => length > deps.held() && !hollow.has(peer)).map(([peer]) => peer);
  const behind = (): boolean => aheadOfUs().length > 0;

  function ask(peer: string, from = deps.held()): void {
    const now = timers.now();
    if (request && request.peer !== peer && now - request.at < REQUEST_TIMEOUT_MS) return;
    const sent = { peer, at: now };
    request = sent;
    deps.trace(`log: asking ${peer} from ${from}`);
    deps.send(peer, { kind: 'acts-request', from });
    watch(sent);
  }

  /** A request is given up once it has brought nothing for a while; the member's claim then stops counting. */
  function watch(sent: { peer: string; at: number }): void {
    timers.after(sent.at + REQUEST_TIMEOUT_MS - timers.now(), () => {
      if (request !== sent) return;
      if (timers.now() - sent.at < REQUEST_TIMEOUT_MS) return watch(sent);
      request = null;
      if ((claims.get(sent.peer) ?? 0) > deps.held()) spend(sent.peer);
      next();
      if (claims.size > 0 && !behind()) deps.onCaughtUp();
    });
  }

  function spend(peer: string): void {
    deps.trace(`log: ${peer} did not back its claim`);
    hollow.add(peer);
    claims.set(peer, deps.held());
  }

  function next(): void {
    if (request && timers.now() - request.at < REQUEST_TIMEOUT_MS) return;
    const peer = aheadOfUs()[0];
    if (peer !== undefined) ask(peer);
  }

  return {
    claim(peerId, length) {
      claims.set(peerId, bounded(length));
      next();
    },
    atLeast(peerId, length) {
      if (length > (claims.get(peerId) ?? 0)) claims.set(peerId, bounded(length));
    },
    begin(from) {
      return { from, asked: request };
    },
    end({ from, asked }, progress) {
      if (progress) hollow.delete(from);
      // A stretch of a longer answer keeps the request alive, and once all of it has come we ask on.
      // Only acts we lacked count: answering each request with an act we hold would otherwise keep
      // a liar's claim alive forever.
      if (asked?.peer === from && request === asked && progress) {
        if ((claims.get(from) ?? 0) > deps.held()) asked.at = timers.now();
        else request = null;
      }
      next();
    },
    ask,
    gone(peerId) {
      claims.delete(peerId);
      hollow.delete(peerId);
      if (request?.peer === peerId) request = null;
      next();
    },
    behind,
    caughtUp: () => claims.size > 0 && !behind(),
    heardOfLog: () => claims.size > 0,
  };
}
