import type { Identity } from '../../shared/crypto.ts';
import { batchesOf, type PeerMessage } from '../../shared/peer-message.ts';
import { verifyAct, type ActBody, type SignedAct } from '../../shared/room-acts.ts';
import { prefersFork } from '../../shared/fork-rule.ts';
import { append, createLog, entriesFrom, entryAt, entryHash, headAt, lengthOf, merge, partingOf, signNext, type RoomLog } from '../../shared/room-log.ts';
import { stateDigest, type Checkpoint } from '../../shared/checkpoint.ts';
import type { RoomRules, RoomState } from '../../shared/room-state.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import { assertNever } from '../../shared/result.ts';
import { createActsAhead } from './acts-ahead.ts';
import type { BackgroundSign } from './background-signer.ts';
import { createCatchUp, type CatchUp } from './log-catch-up.ts';
import { createLogHeads, type LogHeads } from './log-heads.ts';
import { createLogServing } from './log-serving.ts';
import { createLostActs } from './lost-acts.ts';
import { checkpointDue, handedCheckpoint } from './log-checkpoints.ts';
import { createLogCopy, SETTLE_MS } from './log-copy.ts';
import { inArrivalOrder, type SignatureCheck } from './signature-check.ts';
import type { Timers } from './timers.ts';

/**
 * Keeps this member's copy of the room log (shared/room-log.ts) in step with the others'.
 * New acts go to every member as they happen. A newcomer learns how long the others' logs are
 * from their presence and asks one of them at a time for what it lacks, so a join costs one
 * copy of the log, not one per member; what others ask of us is paced (log-serving.ts).
 * Members hold nothing the others cannot check, and a claim nobody backs with acts stops
 * keeping anyone waiting.
 */
export interface LogSyncDeps {
  roomId: string;
  rules: RoomRules;
  identity: Identity;
  send(to: string, message: PeerMessage): void;
  /** Members we can send to: in the room and introduced. */
  members(): Iterable<string>;
  /** Whether the room, as it stands or as `room` says, lets a member in: only those get our acts. */
  letsIn(peerId: string, room?: RoomState): boolean;
  /** The identity key a member proved it holds, once introduced. */
  keyOf(peerId: string): string | null;
  /** The clock, and how an unanswered request moves on to another member. */
  timers: Timers;
  onChange(log: RoomLog): void;
  /** A member sent acts that failed their checks (forged, or signed without the right). */
  onRefused(peerId: string): void;
  /** The person has joined: before that, none of our acts is made again on our behalf (lost-acts.ts). */
  mayAct(): boolean;
  /** Makes one of our lost acts again, adding what only the room holds (a fresh key for a removal); absent: signed as it was. */
  remake?(act: ActBody): boolean;
  /** Diagnostics (acts made and taken, forks, requests), for the person's own console. */
  trace?: (line: string) => void;
  /** Checks acts' signatures ahead, off the main thread (signature-check.ts); absent: the log checks each act itself. */
  signatures?: SignatureCheck;
  /** Signs acts ahead, off the main thread (acts-ahead.ts); absent: each act is signed when made. */
  signInBackground?: BackgroundSign;
  /** How many acts the log holds (tests use a small log). */
  maxEntries?: number;
}

export interface LogSync {
  readonly log: () => RoomLog;
  /** Signs and shares an act; false when it would change nothing (no right, or nothing to do). */
  perform(act: ActBody): boolean;
  /** Signs `act` for the log's next place in the background, so that performing it there signs nothing then. */
  signAhead(act: ActBody): void;
  /** A member's presence said how long its log is. */
  onLength(peerId: string, length: number): void;
  onActs(from: string, entries: readonly SignedAct[]): void;
  /** A member handed us the host's checkpoint that its copy starts from, with its acts to follow. */
  onCheckpoint(from: string, checkpoint: Checkpoint): void;
  /** The room's snapshot, checked (room-snapshots.ts): our copy, while we hold nothing yet. */
  adoptSnapshot(snapshot: RoomLog): void;
  onRequest(from: string, index: number): void;
  /** A member says a winning fork dropped these acts of ours from its copy (lost-acts.ts). */
  onLostActs(from: string, entries: readonly SignedAct[]): void;
  /** Acts the room had taken that a winning fork dropped, until they are made again (lost-acts.ts). */
  lostActs(): readonly SignedAct[];
  /** Where a member's log stands (log-heads.ts). */
  onHead(peerId: string, length: number, hash: string, ask: boolean): void;
  /** Members whose history differs from ours, and the fork rule cannot settle it now (log-heads.ts). */
  split(): readonly string[];
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

/** Our own acts this recent are sent to a member introduced after we made them. */
const RECENT_OWN_MS = 30_000;

/**
 * Whether we take a history that parts from ours with `theirs`, `length` acts long in all, sent by
 * the member whose key is `senderKey`; `age`: how long ago our act at that place joined our copy;
 * `fromSnapshot`: our copy started from the room's snapshot, settled history whoever made it.
 */
function takesFork(ours: RoomLog, theirs: SignedAct, length: number, { senderKey, selfKey, age, fromSnapshot }: { senderKey: string | null; selfKey: string; age: number; fromSnapshot: boolean }): boolean {
  if (senderKey === ours.rules.hostKey) return true;
  // A history checkpointed is never left, the host's included: so every genuine checkpoint lies on
  // the one history, and none that a fork dropped can be handed round later to roll the room back.
  if (entriesFrom(ours, theirs.n).some((entry) => entry.act.type === 'checkpoint')) return false;
  // Where our copy holds nothing but our own acts from the very start (a newcomer that stopped
  // waiting for the log), a longer history wins: our acts are simply made again on top of it. A
  // member that holds others' acts, acting just as a flood's long batch lands, gets the fork rule.
  const onlyOurs = !fromSnapshot && ours.base === 0 && ours.entries.every((entry) => entry.by === selfKey);
  if (onlyOurs && length > lengthOf(ours)) return true;
  return age < SETTLE_MS && prefersFork(ours, theirs);
}

/** The acts of a message whose signatures are worth checking ahead: none of a fork we would set aside, none we hold. */
function worthChecking(log: RoomLog, acts: readonly SignedAct[], takes: (parting: SignedAct, length: number) => boolean): SignedAct[] {
  const parting = partingOf(log, acts);
  const last = acts[acts.length - 1];
  if (parting && last && !takes(parting, last.n + 1)) return [];
  return acts.filter((act) => headAt(log, act.n + 1) !== entryHash(log.roomId, act));
}

/** Our own acts made in the last RECENT_OWN_MS. */
function recentOwn(log: RoomLog, selfKey: string, joinedAt: (n: number) => number, now: number): SignedAct[] {
  return log.entries.filter((entry, i) => entry.by === selfKey && joinedAt(log.base + i) >= now - RECENT_OWN_MS);
}

/** Where our log stands, compared with others' (log-heads.ts): what differs is fetched and settled by the fork rule. */
function headsFor(deps: LogSyncDeps, log: () => RoomLog, catchUp: CatchUp, trace: (line: string) => void): LogHeads {
  return createLogHeads({
    log,
    send: deps.send,
    members: () => [...deps.members()].filter((peer) => deps.letsIn(peer)),
    letsIn: (peer) => deps.letsIn(peer),
    holdsLog: catchUp.caughtUp,
    timers: deps.timers,
    claim: catchUp.claim,
    ask: catchUp.ask,
    onChange: () => deps.onChange(log()),
    trace,
  });
}

/** A few of our own acts, straight away: one as it happens, or those a member missed. */
function share(send: LogSyncDeps['send'], entries: readonly SignedAct[], to: Iterable<string>): void {
  for (const peer of to) {
    for (const batch of batchesOf(entries)) send(peer, { kind: 'acts', entries: batch });
  }
}

export function createLogSync(deps: LogSyncDeps): LogSync {
  const selfKey = toBase64Url(deps.identity.publicKey);
  const trace = deps.trace ?? (() => {});
  const copy = createLogCopy(createLog(deps.roomId, deps.rules, deps.maxEntries), deps.timers, trace);
  const log = copy.get;
  const serving = createLogServing({ send: deps.send, log, keyOf: deps.keyOf, timers: deps.timers });
  // What we lost and made again waits for the whole log, which a claim nobody backs may have delayed.
  const catchUp = createCatchUp({ send: deps.send, timers: deps.timers, held: () => lengthOf(log()), capacity: () => log().maxEntries, trace, onCaughtUp: () => lost.remake() });
  const lost = createLostActs({ ...deps, selfKey, log, perform: (act) => deps.mayAct() && (deps.remake ?? perform)(act), caughtUp: catchUp.caughtUp });
  const heads = headsFor(deps, log, catchUp, trace);
  const ahead = deps.signInBackground ? createActsAhead(deps.identity, deps.signInBackground) : null;

  /** Takes `next`, which shares our first `keep` places (`settled`: history no fork may undo); the host then checkpoints if it is time. */
  function adopt(next: RoomLog, keep: number, { settled = false } = {}): void {
    copy.replace(next, keep, settled);
    lost.prune();
    deps.onChange(log());
    if (selfKey === deps.rules.hostKey && deps.mayAct() && !catchUp.behind() && checkpointDue(log())) perform({ type: 'checkpoint', state: stateDigest(log().state) });
  }

  /** A checkpoint a member handed us (log-checkpoints.ts); true when it brought us history we lacked. */
  function takeCheckpoint(from: string, checkpoint: Checkpoint): boolean {
    const handed = handedCheckpoint(log(), checkpoint, selfKey);
    trace(`log: checkpoint at ${checkpoint.act.n} from ${from} → ${handed.kind}`);
    if (handed.kind === 'act') return take(from, [checkpoint.act]);
    if (handed.kind === 'forged') deps.onRefused(from);
    if (handed.kind !== 'start') return false;
    lost.dropped(handed.dropped, handed.log.base, handed.log);
    adopt(handed.log, handed.log.base);
    return true;
  }

  /** Members gone since: what they sent that is still being checked is dropped. */
  const departed = new Set<string>();
  const arrive = inArrivalOrder(deps.signatures, (peerId) => !departed.has(peerId));

  /** A message that may bring acts, from a member whose log reaches `upTo`: it ends a catch-up round. */
  function received(from: string, upTo: number, bringsActs: () => boolean): void {
    catchUp.atLeast(from, upTo);
    catchUp.end(catchUp.begin(from), bringsActs());
    // Our acts that a winning history dropped go on top of it, once we hold it whole.
    lost.remake();
  }

  function perform(act: ActBody): boolean {
    const signedAhead = ahead?.take(log(), act) ?? null;
    const signed = signedAhead ?? signNext(log(), act, deps.identity);
    const result = append(log(), signed, { signedHere: true });
    trace(`log: ${act.type} at ${signed.n} ${result.ok ? 'made' : `refused (${result.reason})`}${signedAhead ? ' (signed ahead)' : ''}`);
    if (!result.ok) return false;
    // Shared before it takes effect here: an act that ends our session (ending the room) must still go out.
    // To those the room lets in before or after it: the one removed learns it, the one admitted too.
    const audience = [...deps.members()].filter((peer) => deps.letsIn(peer) || deps.letsIn(peer, result.log.state));
    share(deps.send, [signed], audience);
    adopt(result.log, lengthOf(log()));
    return true;
  }

  const takes = (from: string, theirs: SignedAct, length: number): boolean =>
    takesFork(log(), theirs, length, { senderKey: deps.keyOf(from), selfKey, age: deps.timers.now() - copy.joinedAt(theirs.n), fromSnapshot: copy.joinedAt(log().base) === -Infinity });

  /** The fork rule keeps our history against theirs: shown to them, for the same rule to settle it on their side. */
  function keepOurs(from: string, at: number, unchecked?: SignedAct): false {
    serving.showFork(from, at);
    heads.keptOurs(from, () => unchecked === undefined || verifyAct(unchecked, deps.roomId));
    return false;
  }

  /** Takes their history if the fork rule says so; true when it did. */
  function onFork(from: string, theirs: RoomLog, at: number): boolean {
    const first = entryAt(theirs, at);
    const adopted = first !== undefined && takes(from, first, lengthOf(theirs));
    trace(`log: fork at ${at} from ${from} (ours ${lengthOf(log())}, theirs ${lengthOf(theirs)}): ${adopted ? 'taking theirs' : 'keeping ours'}`);
    if (!adopted) return keepOurs(from, at);
    // What ours held from there is kept as lost until its authors make it again on top (lost-acts.ts).
    lost.dropped(entriesFrom(log(), at), at, theirs);
    adopt(theirs, at);
    return true;
  }

  /** Merges a batch; true when it brought us acts. */
  function take(from: string, entries: readonly SignedAct[]): boolean {
    // A fork we would not take anyway is set aside before any of its signatures is checked.
    const parting = partingOf(log(), entries);
    const last = entries[entries.length - 1];
    if (parting && last && !takes(from, parting, last.n + 1)) return keepOurs(from, parting.n, parting);
    const result = merge(log(), entries, deps.signatures?.passed);
    trace(`log: ${entries.map((e) => e.act.type).join(',')} from ${from} at ${entries[0]?.n} → ${result.kind}${result.kind === 'extended' ? ` +${result.added}${result.reason ? ` (${result.reason})` : ''}` : ''}`);
    switch (result.kind) {
      case 'extended':
        if (result.added > 0) adopt(result.log, lengthOf(log()));
        if (result.reason === 'no-right' || result.reason === 'bad-signature' || result.reason === 'quota') deps.onRefused(from);
        // A stretch that fits nowhere in our history: theirs parted from ours earlier; fetch it whole,
        // or, where it parted before the checkpoint we start from, show them that checkpoint.
        if (result.reason === 'not-next') {
          if ((entries[0]?.n ?? 0) < log().base) serving.showFork(from, 0);
          else catchUp.ask(from, 0);
        }
        return result.added > 0;
      case 'gap':
        catchUp.ask(from);
        return false;
      case 'fork':
        if (result.refused > 0) deps.onRefused(from);
        return onFork(from, result.theirs, result.at);
      default:
        return assertNever(result);
    }
  }

  return {
    log,
    perform,
    signAhead: (act) => ahead?.prepare(log(), act),
    onLength: catchUp.claim,
    onIntroduced(peerId) {
      departed.delete(peerId);
      // Acts we made before this member was introduced could not be sent to it: send our recent ones now.
      if (deps.letsIn(peerId)) share(deps.send, recentOwn(log(), selfKey, copy.joinedAt, deps.timers.now()), [peerId]);
      lost.introduced(peerId);
    },
    onHead: heads.received,
    split: heads.split,
    onActs: (from, entries) => void arrive(from, worthChecking(log(), entries, (parting, length) => takes(from, parting, length)), () => received(from, (entries[entries.length - 1]?.n ?? -1) + 1, () => take(from, entries))),
    onCheckpoint: (from, checkpoint) => void arrive(from, [], () => received(from, checkpoint.act.n + 1, () => takeCheckpoint(from, checkpoint))),
    adoptSnapshot: (snapshot) => void (lengthOf(log()) === 0 && adopt(snapshot, 0, { settled: true })),
    onLostActs: (from, entries) =>
      void arrive(from, [], () => {
        lost.reported(from, entries);
        lost.remake();
        deps.onChange(log());
      }),
    lostActs: lost.list,
    onRequest(from, index) {
      // One act they should already hold comes along, so a history that parted there shows as a fork;
      // from before our start, the checkpoint we start from speaks for what they lack.
      serving.serve(from, index > log().base ? index - 1 : index);
    },
    onGone(peerId) {
      departed.add(peerId);
      serving.gone(peerId);
      catchUp.gone(peerId);
      heads.gone(peerId);
    },
    caughtUp: catchUp.caughtUp,
    behind: catchUp.behind,
    heardOfLog: catchUp.heardOfLog,
  };
}
