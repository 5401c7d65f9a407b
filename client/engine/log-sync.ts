import type { Identity } from '../../shared/crypto.ts';
import { MAX_ACTS_PER_MESSAGE, type PeerMessage } from '../../shared/peer-message.ts';
import type { ActBody, SignedAct } from '../../shared/room-acts.ts';
import { append, createLog, headOf, merge, prefersFork, signNext, type RoomLog } from '../../shared/room-log.ts';
import type { RoomRules } from '../../shared/room-state.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import type { Timers } from './timers.ts';

/**
 * Keeps this member's copy of the room log (shared/room-log.ts) in step with the others'.
 * New acts go to every member as they happen. A newcomer learns how long the others' logs are
 * from their presence and asks one of them at a time for what it lacks, so a join costs one
 * copy of the log, not one per member. Members hold nothing the others cannot check.
 */
export interface LogSyncDeps {
  roomId: string;
  rules: RoomRules;
  identity: Identity;
  send(to: string, message: PeerMessage): void;
  /** Members we can send to: in the room and introduced. */
  members(): Iterable<string>;
  /** The identity key a member proved it holds, once introduced. */
  keyOf(peerId: string): string | null;
  /** The clock, and how an unanswered request moves on to another member. */
  timers: Timers;
  onChange(log: RoomLog): void;
  /** A member sent acts that failed their checks (forged, or signed without the right). */
  onRefused(peerId: string): void;
  /** Diagnostics (acts made and taken, forks, requests), for the person's own console. */
  trace?: (line: string) => void;
  /** How many acts the log holds (tests use a small log). */
  maxEntries?: number;
}

export interface LogSync {
  readonly log: () => RoomLog;
  /** Signs and shares an act; false when it would change nothing (no right, or nothing to do). */
  perform(act: ActBody): boolean;
  /** A member's presence said how long its log is. */
  onLength(peerId: string, length: number): void;
  onActs(from: string, entries: readonly SignedAct[]): void;
  onRequest(from: string, index: number): void;
  /** A member has just introduced itself, so we can send to it from now on. */
  onIntroduced(peerId: string): void;
  onGone(peerId: string): void;
  /** Whether we hold at least as much as every member has told us about (and someone has). */
  caughtUp(): boolean;
  /** Whether some member told us of acts we do not hold yet. */
  behind(): boolean;
  /** Whether any member has told us how long its log is. */
  heardOfLog(): boolean;
}

/** A fork is settled by hash only while it is this fresh; older history is never rewritten. */
export const SETTLE_MS = 5_000;
/** Our own acts this recent are sent to a member introduced after we made them. */
const RECENT_OWN_MS = 30_000;
/** A request for missing acts that has not been answered by then is sent to someone else. */
const REQUEST_TIMEOUT_MS = 2_000;
/** Serving a member its missing acts at most this often, so requests cannot be used to flood. */
const SERVE_INTERVAL_MS = 1_000;

export function createLogSync(deps: LogSyncDeps): LogSync {
  const selfKey = toBase64Url(deps.identity.publicKey);
  const trace = deps.trace ?? (() => {});
  let log = createLog(deps.roomId, deps.rules, deps.maxEntries);
  /** When each entry joined our copy (local clock), to tell fresh forks from settled history. */
  let joinedAt: number[] = [];
  const lengths = new Map<string, number>();
  const served = new Map<string, number>();
  let request: { peer: string; at: number } | null = null;
  /** Forks we already showed our side of, so two members that disagree never ping-pong. */
  const shownForks = new Set<string>();
  /** Members that left a request unanswered (a hostile server may eat what they send us). */
  const unanswered = new Set<string>();

  function adopt(next: RoomLog, keep: number): void {
    joinedAt = [...joinedAt.slice(0, keep), ...next.entries.slice(keep).map(() => deps.timers.now())];
    log = next;
    deps.onChange(log);
  }

  function share(entries: readonly SignedAct[], to: Iterable<string>): void {
    for (const peer of to) {
      for (let i = 0; i < entries.length; i += MAX_ACTS_PER_MESSAGE) {
        deps.send(peer, { kind: 'acts', entries: entries.slice(i, i + MAX_ACTS_PER_MESSAGE) });
      }
    }
  }

  function perform(act: ActBody): boolean {
    const signed = signNext(log, act, deps.identity);
    const result = append(log, signed);
    trace(`log: ${act.type} at ${signed.n} ${result.ok ? 'made' : `refused (${result.reason})`}`);
    if (!result.ok) return false;
    // Shared before it takes effect here: an act that ends our session (ending the room) must still go out.
    share([signed], deps.members());
    adopt(result.log, log.entries.length);
    return true;
  }

  function ask(peer: string, from = log.entries.length): void {
    const now = deps.timers.now();
    if (request && request.peer !== peer && now - request.at < REQUEST_TIMEOUT_MS) return;
    const sent = { peer, at: now };
    request = sent;
    trace(`log: asking ${peer} from ${from}`);
    deps.send(peer, { kind: 'acts-request', from });
    deps.timers.after(REQUEST_TIMEOUT_MS, () => {
      if (request !== sent) return;
      request = null;
      unanswered.add(peer);
      catchUp();
    });
  }

  const behind = (): boolean => [...lengths.values()].some((length) => length > log.entries.length);

  function catchUp(): void {
    if (request && deps.timers.now() - request.at < REQUEST_TIMEOUT_MS) return;
    const ahead = [...lengths].filter(([, length]) => length > log.entries.length).map(([peer]) => peer);
    const next = ahead.find((peer) => !unanswered.has(peer)) ?? ahead[0];
    if (next !== undefined) ask(next);
  }

  function onFork(from: string, at: number, theirs: RoomLog): void {
    const fromHost = deps.keyOf(from) === deps.rules.hostKey;
    const fresh = deps.timers.now() - (joinedAt[at] ?? 0) < SETTLE_MS;
    // Where ours holds nothing but our own acts (say, a newcomer that stopped waiting for the log),
    // a longer history wins: our acts are simply made again on top of it.
    const onlyOurs = log.entries.slice(at).every((entry) => entry.by === selfKey);
    const yieldToLonger = onlyOurs && theirs.entries.length > log.entries.length;
    const adopted = fromHost || yieldToLonger || (fresh && prefersFork(log, theirs, at));
    trace(`log: fork at ${at} from ${from} (ours ${log.entries.length}, theirs ${theirs.entries.length}): ${adopted ? 'taking theirs' : 'keeping ours'}`);
    if (!adopted) {
      // They may never hear of our history otherwise (say, it was made before they were introduced):
      // show it to them once, and the same rule on their side settles the fork.
      const told = `${from} ${at} ${headOf(log)}`;
      if (!shownForks.has(told)) {
        shownForks.add(told);
        share(log.entries.slice(at), [from]);
      }
      return;
    }
    const dropped = log.entries.slice(at).filter((entry) => entry.by === selfKey);
    adopt(theirs, at);
    // Our acts that lost the race are made again on top of the winning history, if they still mean something.
    for (const entry of dropped) perform(entry.act);
  }

  return {
    log: () => log,
    perform,
    onLength(peerId, length) {
      lengths.set(peerId, length);
      catchUp();
    },
    onIntroduced(peerId) {
      // Acts we made before this member was introduced could not be sent to it: send our recent ones now.
      const since = deps.timers.now() - RECENT_OWN_MS;
      const recent = log.entries.filter((entry, i) => entry.by === selfKey && (joinedAt[i] ?? 0) >= since);
      if (recent.length > 0) share(recent, [peerId]);
    },
    onActs(from, entries) {
      // Whoever sends acts holds at least that much of the log, whatever its presence said.
      const last = entries[entries.length - 1];
      if (last && last.n + 1 > (lengths.get(from) ?? 0)) lengths.set(from, last.n + 1);
      const result = merge(log, entries);
      trace(`log: ${entries.map((e) => e.act.type).join(',')} from ${from} at ${entries[0]?.n} → ${result.kind}${result.kind === 'extended' ? ` +${result.added}${result.reason ? ` (${result.reason})` : ''}` : ''}`);
      switch (result.kind) {
        case 'extended':
          if (result.added > 0) adopt(result.log, log.entries.length);
          if (result.reason === 'no-right' || result.reason === 'bad-signature' || result.reason === 'quota') deps.onRefused(from);
          // A stretch that fits nowhere in our history: theirs parted from ours earlier; fetch it whole.
          if (result.reason === 'not-next') ask(from, 0);
          break;
        case 'gap':
          ask(from);
          break;
        case 'fork':
          if (result.refused > 0) deps.onRefused(from);
          onFork(from, result.at, result.theirs);
          break;
      }
      if (request?.peer === from) request = null;
      unanswered.delete(from);
      catchUp();
    },
    onRequest(from, index) {
      const now = deps.timers.now();
      if (now - (served.get(from) ?? -Infinity) < SERVE_INTERVAL_MS) return;
      served.set(from, now);
      // One act they should already hold comes along, so a history that parted there shows as a fork.
      const missing = log.entries.slice(Math.max(0, index - 1));
      if (missing.length > 0) share(missing, [from]);
    },
    onGone(peerId) {
      lengths.delete(peerId);
      served.delete(peerId);
      unanswered.delete(peerId);
      if (request?.peer === peerId) request = null;
      catchUp();
    },
    caughtUp: () => lengths.size > 0 && !behind(),
    behind,
    heardOfLog: () => lengths.size > 0,
  };
}
