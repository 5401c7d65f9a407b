import type { TreePart } from './tree-part.ts';
import type { Introduction, PeerMessage } from '../../shared/peer-message.ts';
import type { RoomEpochs } from './room-epochs.ts';
import type { RoomPresence } from './room-presence.ts';
import type { RoomSnapshots } from './room-snapshots.ts';
import type { NewLinks } from './new-links.ts';
import type { ServerFrame } from '../../shared/protocol.ts';
import { assertNever } from '../../shared/result.ts';
import { isStaff, roleOf, type RoomRules, type RoomState } from '../../shared/room-state.ts';
import type { LogSync } from './log-sync.ts';
import type { Membership } from './membership.ts';
import type { OwnActs } from './own-acts.ts';
import type { ParticipantList } from './participant-list.ts';
import type { RoomMedia } from './room-media.ts';
import { standingOf } from './room-overview.ts';
import type { RoomView } from './room-types.ts';
import type { EnvelopeCodec } from './sealed-codec.ts';
import { createTokenBucket } from '../../shared/token-bucket.ts';
import type { WritableStore } from './store.ts';

/**
 * Introductions we sign for arrivals the server announces: all of a room of fifty at once, then
 * one a second. Past it a newcomer still hears from us, as our answer to its own introduction.
 */
const GREETINGS_BURST = 50;
const GREETINGS_PER_S = 1;

/** The parts of a room that what arrives is routed to. */
export interface InboxDeps {
  rules: RoomRules;
  selfKey: string;
  state: WritableStore<RoomView>;
  membership: Membership;
  codec: EnvelopeCodec;
  logSync: LogSync;
  media: RoomMedia;
  tree: TreePart;
  ownActs: OwnActs;
  participants: ParticipantList;
  epochs: RoomEpochs;
  /** Links everyone may move to (new-links.ts). */
  links: NewLinks;
  /** What introduces us, to whom (room-presence.ts). */
  told: RoomPresence;
  /** The room's snapshot, which the server hands us as we arrive (room-snapshots.ts). */
  snapshots: RoomSnapshots;
  room(): RoomState;
  sendTo(to: string, message: PeerMessage): void;
  /** Brings everything that follows from the log and who is here up to date. */
  refresh(): void;
  now(): number;
}

/**
 * Routes what the server and the members send to the part of the room that handles it. Only
 * members the server lists are heard; what a member says before the server lists it waits
 * (membership.ts); links are negotiated only where the topology allows (room-media.ts). A
 * member is shown only once confirmed (sealed-codec.ts): its presence may start a link before
 * that, as the link's first message confirms it, but an old introduction the server replays
 * never names anyone.
 */
export interface Inbox {
  onFrame(frame: Exclude<ServerFrame, { type: 'pong' }>): void;
  /** A member's message that opened late (a broadcast kept until we held its key). */
  deliver(from: string, message: PeerMessage): void;
}

export function createInbox(deps: InboxDeps): Inbox {
  const { membership, media, logSync, participants, state } = deps;
  const greetings = createTokenBucket({ burst: GREETINGS_BURST, ratePerS: GREETINGS_PER_S, nowMs: deps.now });

  function onPeerMessage(from: string, box: string, broadcast: boolean): void {
    const message = deps.codec.open(from, box, broadcast);
    if (message) deliver(from, message);
  }

  function deliver(from: string, message: PeerMessage): void {
    const present = membership.isListed(from);
    if (present) showConfirmed(from);
    switch (message.kind) {
      case 'presence':
      case 'looking-in':
        if (present) onPresence(from, message);
        else membership.keepEarly(from, message);
        return;
      case 'signal':
        media.signal(from, message.conn, message.data);
        return;
      case 'acts':
        if (present) logSync.onActs(from, message.entries);
        return;
      case 'checkpoint':
        if (present) logSync.onCheckpoint(from, message.checkpoint);
        return;
      case 'acts-request':
        if (present) logSync.onRequest(from, message.from);
        return;
      case 'lost-acts':
        if (present) logSync.onLostActs(from, message.entries);
        return;
      case 'head':
        if (present) logSync.onHead(from, message.length, message.hash, message.ask === true);
        return;
      case 'new-link':
        // Only staff move the room: a link from anyone else could only crowd out the genuine one.
        if (present && isStaff(roleOf(deps.room(), deps.rules, membership.keyOf(from) ?? ''))) deps.links.onLink(message);
        return;
      case 'epoch-key':
        if (present) deps.epochs.onKey(from, message.key);
        return;
      case 'epoch-request':
        if (present) deps.epochs.onRequest(from, message.epoch);
        return;
      case 'react':
        if (present && membership.isPresented(from) && !membership.isLooking(from)) participants.react(from, message.emoji);
        return;
      default:
        assertNever(message);
    }
  }

  function onPresence(from: string, message: Introduction): void {
    const key = membership.keyOf(from);
    if (key !== null && deps.room().banned.includes(key)) return;
    if (!membership.isConfirmed(from)) {
      membership.keepUnconfirmed(from, message);
      if (membership.markPresented(from)) deps.refresh();
      return;
    }
    show(from, message, key);
  }

  function showConfirmed(from: string): void {
    const message = membership.takeConfirmed(from);
    if (message) show(from, message, membership.keyOf(from));
  }

  function show(from: string, message: Introduction, key: string | null): void {
    const wasLooking = membership.isLooking(from);
    if (!participants.has(from) && !wasLooking) logSync.onIntroduced(from);
    membership.markPresented(from);
    membership.setLooking(from, message.kind === 'looking-in');
    if (message.log !== undefined) logSync.onLength(from, message.log);
    if (message.kind === 'looking-in') {
      // Someone deciding whether to join, or keeping their name from us: linked as a listener, shown to nobody.
      if (participants.has(from)) participants.remove(from);
      return deps.refresh();
    }
    // One who looked in arrives now, when they join.
    const arrived = wasLooking ? { arrivedAt: deps.now() } : {};
    participants.show(from, { name: message.name, muted: message.muted, key, standing: standingOf(deps.room(), deps.rules, key, deps.selfKey), ...arrived });
    if (message.title && !state.get().title) state.update((s) => ({ ...s, title: message.title ?? '' }));
    deps.refresh();
  }

  function applyEarly(peerId: string): void {
    const message = membership.takeEarly(peerId);
    if (message) onPresence(peerId, message);
  }

  const onFrame = (frame: Exclude<ServerFrame, { type: 'pong' }>): void => {
    switch (frame.type) {
      case 'plan':
        deps.tree.planned(frame);
        deps.refresh();
        return;
      case 'welcome':
        deps.tree.welcomed();
        membership.welcome(frame.peers);
        // Looking in, we stay at the join form until the person joins.
        state.update((s) => ({ ...s, phase: s.phase === 'joining' ? 'joined' : s.phase, selfId: frame.peer }));
        media.start(frame.peer, frame.ice);
        media.prune(membership.isListed);
        // Links start only once a member has introduced itself with a valid, signed presence.
        deps.told.arrive();
        deps.codec.announced(frame.peers);
        deps.ownActs.welcomed(frame.peers.length);
        // Before anyone's presence can settle us on an empty log.
        onWelcomeSnapshot(deps);
        for (const peer of frame.peers) applyEarly(peer);
        deps.refresh();
        // Whoever left while we were away, and held no link with us, is gone.
        for (const p of state.get().participants) if (!membership.isListed(p.id) && !media.linked(p.id)) participants.remove(p.id);
        return;
      case 'joined':
        if (!membership.arrive(frame.peer)) return;
        // Kept until they are shown, if they are not yet: newcomers are among those worth seeing (audience-shown.ts).
        participants.patch(frame.peer, { arrivedAt: deps.now() });
        // One that introduced itself before the server listed it is answered whatever the budget.
        if (membership.keyOf(frame.peer) !== null || greetings.take()) deps.sendTo(frame.peer, deps.told.introductionFor(frame.peer));
        applyEarly(frame.peer);
        return;
      case 'left':
        membership.depart(frame.peer);
        media.drop(frame.peer);
        participants.remove(frame.peer);
        logSync.onGone(frame.peer);
        deps.refresh();
        return;
      case 'msg':
        onPeerMessage(frame.from, frame.box, frame.all === true);
        return;
      case 'snapshot':
        return deps.snapshots.arrived(frame);
      case 'saved':
      case 'error':
        return onSaveReply(deps, frame);
      case 'closing':
        // The signaling client sees the close that follows, and reconnects.
        return;
      default:
        assertNever(frame);
    }
  };
  return { onFrame, deliver };
}

/**
 * The room's snapshot that came just before the welcome is our log while we hold none. One sealed
 * under a key we lack keeps us waiting for a member who holds the log; the host never waits, as
 * its next save replaces it.
 */
function onWelcomeSnapshot({ snapshots, selfKey, rules, state }: InboxDeps): void {
  const { sealed } = snapshots.welcomed();
  state.update((s) => ({ ...s, sealedOut: sealed && selfKey !== rules.hostKey }));
}

/** The server's answer to our save, as host. Other errors concern a single frame and need no action; terminal ones arrive as close codes the signaling client shows. */
function onSaveReply({ snapshots, state }: InboxDeps, frame: Extract<ServerFrame, { type: 'saved' | 'error' }>): void {
  if (frame.type === 'saved' ? !snapshots.saved(frame.version) : frame.code !== 'save-refused') return;
  if (frame.type === 'error') snapshots.refused();
  state.update((s) => ({ ...s, snapshotRefused: frame.type === 'error' }));
}
