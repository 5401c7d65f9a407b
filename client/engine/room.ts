import { toBase64Url } from '../../shared/encoding.ts';
import { safetyNumberOf } from '../../shared/safety-number.ts';
import type { Introduction, PeerMessage } from '../../shared/peer-message.ts';
import { initialRoomState, isOnStage, mayBeHeard, mayEnter, roleOf, type RoomRules, type RoomState } from '../../shared/room-state.ts';
import { mayLink, type LinkCandidate } from '../../shared/topology.ts';
import { lengthOf } from '../../shared/room-log.ts';
import type { SignalingClient } from './signaling-client.ts';
import { createStore, type WritableStore } from './store.ts';
import { createSpeakingDetector, type SpeakingDetector } from './speaking-detector.ts';
import { createMembership, type Membership } from './membership.ts';
import { createParticipantList } from './participant-list.ts';
import { createInbox, type Inbox } from './room-inbox.ts';
import { performWithKeys, requestOf } from './keyed-acts.ts';
import type { RoomMedia } from './room-media.ts';
import type { ActRequest, Participant, Room, RoomDeps, RoomPhase, RoomView } from './room-types.ts';
import type { NewLinks } from './new-links.ts';
import { actingHostOf, overviewOf, standingOf, type RoomOverview, type StandingView } from './room-overview.ts';
import { askForRelay, connectSignaling, epochsFor, framesFor, letsInBy, logSyncFor, newLinksFor, ownActsFor, presenceFor, sealedCodecFor, snapshotsFor, wireMedia, type MediaContext } from './room-wiring.ts';
import { sealedSender } from './outbox.ts';
import { createTimers, systemClock, type Clock, type Timers } from './timers.ts';
import { createTreePart, type RouteView, type TreePart } from './tree-part.ts';
import { withVerified } from './verification.ts';

export type { JoinOptions, Participant, RoomPhase, Room, RoomDeps, RoomView } from './room-types.ts';

const UNKNOWN_NAME = 'Someone';
/** The stage's default size, host included (DESIGN: a small full-mesh stage). */
export const STAGE_MAX = 8;
/** How long a relay that leaves keeps forwarding, still listed, while those it feeds switch to their backups. */
const HANDOVER_MS = 800;

/**
 * A room as one member lives it. It composes the parts that each keep one thing: who is here
 * (membership.ts), the signed room log (log-sync.ts), the acts we make ourselves (own-acts.ts),
 * and the media that follows the topology (room-media.ts, shared/topology.ts); this file routes
 * what arrives to them and keeps the view the shells render.
 */
export function createRoom(deps: RoomDeps): Room {
  const timers = createTimers(deps.clock);
  const selfKey = toBase64Url(deps.identity.publicKey);
  const rules: RoomRules = { hostKey: deps.hostKey, stageMax: deps.stageMax ?? STAGE_MAX };
  const state = createStore<RoomView>(initialView(deps, selfKey, rules));
  const patch = (changes: Partial<RoomView>): void => state.update((s) => ({ ...s, ...changes }));
  const phase = (): RoomPhase => state.get().phase;
  const inRoom = (): boolean => phase() === 'joining' || phase() === 'joined';
  let signaling: SignalingClient | null = null;
  /** At the join form with the room already coming in (lookIn). */
  const lookingIn = (): boolean => phase() === 'ready' && signaling !== null;
  const membership = createMembership();
  const resume = toBase64Url(deps.randomBytes(32));
  /** What the person asked for on joining (see JoinOptions); before that, what this browser remembers. */
  let takesSeat = true;
  let hideAddress = deps.hideAddress ?? false;
  let refusedActs = 0;
  let finishLeaving = (): void => {};

  const participants = createParticipantList(state, (id) => blankParticipant(id, standingOf(room(), rules, null, selfKey)), timers);
  const gate = { room: () => room(), rules, selfKey, membership };
  const letsIn = letsInBy(gate);
  const sender = sealedSender(() => codec, () => signaling, () => state.get().selfId);
  const sendTo = sender.send;
  // Holding the epoch's key at last, we open what came under it meanwhile.
  const epochs = epochsFor(deps, gate, { send: sendTo, timers, onHeld: () => deliverAll(codec.reopen(), inbox, refresh) });
  const links = newLinksFor(gate, sendTo);
  const signInBackground = deps.signerFor?.(deps.identity) ?? null;
  const codec = sealedCodecFor(deps, gate, {
    timers, state, participants, epochs, signInBackground,
    // Whoever introduces itself gets our introduction back, sealed for its visit: what confirms us to it.
    answer: (peerId) => state.get().selfId !== null && membership.isListed(peerId) && sendTo(peerId, told.introductionFor(peerId)),
  });
  const logSync = logSyncFor(deps, { rules, membership, timers, sendTo, refresh, letsIn, onRefused: () => void (refusedActs += 1), mayAct: () => phase() === 'joined', remake: (act) => performKeyed(requestOf(act)), signInBackground });
  const room = () => logSync.log().state;
  const ownActs = ownActsFor(deps, { selfKey, rules, logSync, membership, timers, joined: () => phase() === 'joined', takesSeat: () => takesSeat, sealedOut: () => state.get().sealedOut, onSettled: refresh });
  const snapshots = snapshotsFor(deps, { rules, logSync, epochs, timers, holdsLog: () => phase() === 'joined' && ownActs.settled(), save: (save) => signaling?.send({ type: 'save', ...save }) ?? false });
  const tree = createTreePart({ send: (frame) => signaling?.send(frame), timers, onExpired: () => refresh(), feedStats: () => media.feedStats(), relayPath: () => media.relayPath() });
  const media = wireMedia(deps, {
    ...logGates(membership, room, rules, selfKey),
    timers, state, membership, participants, sendTo, active: inRoom, relayOnly: () => hideAddress, listening: () => phase() === 'joined',
    tree,
  });
  void askForRelay(deps, state);
  const speaking = showSpeaking(state, timers, () => ({ self: deps.microphone.level(), remote: media.audioLevels() }));

  /** Our acts, with the keys only we hold: locking keeps everyone already here in, only newcomers wait in the lobby. */
  const performKeyed = (act: ActRequest): boolean =>
    performWithKeys(act, { admit: [...membership.presentedKeys(selfKey)].filter((key) => key !== selfKey), logSync, epochs, links, rules, selfKey });

  /** Nobody learns our name before the person joins, nor anyone the room does not let in (room-presence.ts). */
  const told = presenceFor(gate, { sendTo, presence: () => presenceOf(state.get(), ownActs.settled() ? lengthOf(logSync.log()) : null), joined: () => phase() === 'joined', holdsLog: () => ownActs.settled(), holdsKey: () => !epochs.missing() });

  /** Everything that follows from the room log and who is here: the view, the media, our own acts. */
  function refresh(): void {
    if (!inRoom() && !lookingIn()) return;
    snapshots.update();
    const current = room();
    const ending = endingOf(current, selfKey);
    if (ending) return teardown(ending);
    const present = membership.presentedKeys(selfKey);
    const overview = overviewOf(current, rules, selfKey, { settled: ownActs.settled(), refusedActs, lostActs: logSync.lostActs(), splitWith: logSync.split(), actingHost: actingHostOf(current, rules, present), sealedOut: state.get().sealedOut });
    state.update((s) => viewOfLog(s, current, rules, overview));
    if (overview.hostMuted && !state.get().muted) applyMuted(true);
    const route = followTopology({ tree, media, rules, selfKey, joined: phase() === 'joined', looking: lookingIn(), hideAddress }, current, membership.candidates());
    patch({ route });
    ownActs.update();
    epochs.update();
    told.update();
  }

  function applyMuted(muted: boolean): void {
    deps.microphone.setMuted(muted);
    patch({ muted });
    if (phase() === 'joined') told.announce();
  }

  const inbox = createInbox({ rules, selfKey, state, membership, codec, logSync, media, tree, ownActs, participants, epochs, told, links, snapshots, room, sendTo, refresh, now: timers.now });

  const onFrame = framesFor(deps, codec, inbox, () => inRoom() || lookingIn());
  const connect = (): void => void (signaling = connectSignaling(deps, { resume, onFrame, timers }, { show: (status) => patch({ signaling: status }), end: teardown }));

  /** Links made while looking in follow the choice: hidden, they may have gone direct; shown, the relay may be absent. */
  function setHidden(hidden: boolean): void {
    const relink = hidden !== hideAddress && signaling !== null;
    hideAddress = hidden;
    if (relink) media.relink();
  }

  function teardown(next: RoomPhase): void {
    timers.stop();
    speaking.stop();
    finishLeaving = stopMedia(media, next, deps.clock ?? systemClock, () => sender.close(snapshots.lastSave()));
    membership.clear();
    patch({ phase: next, participants: [], selfSpeaking: false, microphone: 'off', reaction: null, movedTo: next === 'moved' ? linkMovedTo(room(), links, deps) : null });
  }

  return {
    state,
    lookIn: () => phase() === 'ready' && !signaling && connect(),
    setHideAddress(hidden) {
      if (phase() !== 'ready') return;
      patch({ hideAddress: hidden });
      setHidden(hidden);
      refresh();
      deps.onHideAddress?.(hidden);
    },
    async join(name, options = {}) {
      if (phase() !== 'ready') return;
      takesSeat = options.seat ?? true;
      const welcomed = signaling !== null && state.get().selfId !== null;
      const hidden = options.hideAddress ?? hideAddress;
      patch({ phase: welcomed ? 'joined' : 'joining', name, hideAddress: hidden });
      setHidden(hidden);
      if (!signaling) connect();
      // Looked in already: the seat and the microphone come first (in a stage, only the host's), then our name;
      // settling draws the view with the seat taken, so the microphone is asked for in one pass.
      ownActs.update();
      if (!ownActs.settled()) refresh();
      if (welcomed) told.announce();
      deps.onJoin?.(name, { hideAddress });
      speaking.start();
      await media.captured();
    },
    setMuted(muted) {
      if (state.get().muted === muted) return;
      // Muted by the host or a moderator: only they can allow unmuting.
      if (!muted && state.get().overview.hostMuted) return;
      applyMuted(muted);
    },
    perform: (act) => phase() === 'joined' && performKeyed(act),
    markVerified: (peerId) => markVerified(state, peerId, deps.onVerified),
    react(emoji) {
      if (phase() !== 'joined') return;
      for (const peer of membership.reachable()) if (letsIn(peer)) sendTo(peer, { kind: 'react', emoji });
      participants.react(null, emoji);
    },
    async selectInput(deviceId) {
      await media.selectInput(deviceId);
      if (inRoom()) patch({ inputId: deps.microphone.deviceId });
    },
    leave(options = {}) {
      // A hangout's seat is for whoever is here: ours goes with us, and comes back when we do.
      if (ownActs.settled() && phase() === 'joined' && room().kind === 'hangout' && roleOf(room(), rules, selfKey) === 'speaker') logSync.perform({ type: 'leave-stage' });
      if (inRoom() || lookingIn()) teardown('left');
      if (options.unloading) finishLeaving();
    },
  };
}

/**
 * Leaving on purpose, a relay hands over before it closes: those it feeds switch to their backups
 * while it forwards a moment longer, and only then does the server learn that it left, whose next
 * plan would otherwise drop it from theirs before their backups fed them. Then `close`, come what may.
 * Returns what ends it all at once (idempotent).
 */
function stopMedia(media: RoomMedia, next: RoomPhase, clock: Clock, close: () => void): () => void {
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      media.stop();
    } finally {
      close();
    }
  };
  let handing = false;
  try {
    handing = next === 'left' && media.handOver();
  } finally {
    if (handing) clock.setTimeout(stop, HANDOVER_MS);
    else stop();
  }
  return stop;
}

/** What came under a key we lacked, opened now that we hold it, goes where it would have gone. */
function deliverAll(messages: readonly { from: string; message: PeerMessage }[], inbox: Inbox, refresh: () => void): void {
  for (const { from, message } of messages) inbox.deliver(from, message);
  refresh();
}

/** How our time in the room ends, as its log now says, if it does. */
function endingOf(room: RoomState, selfKey: string): RoomPhase | null {
  if (room.banned.includes(selfKey)) return 'removed';
  if (room.movedTo !== null) return 'moved';
  return room.ended ? 'ended' : null;
}

/** The link everyone moved to, if we were handed it. */
function linkMovedTo(room: RoomState, links: NewLinks, deps: RoomDeps): string | null {
  const handed = room.movedTo === null ? null : links.find(room.movedTo);
  return handed ? deps.linkOf(handed) : null;
}

/** Whether the room log lets us link with a member, or hear it, by the id the server gave it. */
function logGates(membership: Membership, room: () => RoomState, rules: RoomRules, selfKey: string): Pick<MediaContext, 'mayLink' | 'mayHear'> {
  return {
    mayLink(peerId) {
      const key = membership.keyOf(peerId);
      return key !== null && membership.isListed(peerId) && mayLink(room(), rules, selfKey, key);
    },
    mayHear(peerId) {
      const key = membership.keyOf(peerId);
      return key !== null && mayBeHeard(room(), rules, key);
    },
  };
}

interface TopologyContext {
  tree: TreePart;
  media: RoomMedia;
  rules: RoomRules;
  selfKey: string;
  joined: boolean;
  /** Not joined yet, but the room is coming in: a leaf of the tree, whatever the log says of us. */
  looking: boolean;
  hideAddress: boolean;
}

/** Tells the tree planner where we stand, and brings the media in line with the links that follow; returns the route. */
function followTopology({ tree, media, rules, selfKey, joined, looking, hideAddress }: TopologyContext, room: RoomState, members: readonly LinkCandidate[]): RouteView {
  const onStage = isOnStage(room, rules, selfKey);
  const enters = mayEnter(room, rules, selfKey);
  if (joined && enters) tree.claim(onStage ? 'stage' : 'audience', { turnOnly: hideAddress, forwards: true });
  else if (looking && enters) tree.claim('audience', { turnOnly: hideAddress, forwards: false });
  // The microphone waits for the person to join, even the host's.
  media.apply(tree.topology({ room, rules, selfKey, members }), !looking && onStage);
  return tree.route(media.relayStatus());
}

/** The view once the log says this: its title, our standing, and everyone's; the removed are gone. */
function viewOfLog(view: RoomView, room: RoomState, rules: RoomRules, overview: RoomOverview): RoomView {
  return {
    ...view,
    title: room.title || view.title,
    overview,
    participants: view.participants
      .filter((p) => p.key === null || !room.banned.includes(p.key))
      .map((p) => ({ ...p, standing: standingOf(room, rules, p.key, view.selfKey) })),
  };
}

/** The person compared safety numbers with this member: remembered by key and name, and kept by the shell. */
function markVerified(state: WritableStore<RoomView>, peerId: string, onVerified: RoomDeps['onVerified']): void {
  const person = state.get().participants.find((p) => p.id === peerId);
  if (!person?.key) return;
  const verified = withVerified(state.get().verified, { key: person.key, name: person.name });
  state.update((s) => ({ ...s, verified }));
  onVerified?.(verified);
}

/** Only a member that has learned the log says how long it is: a newcomer's empty log tells nobody anything. */
function presenceOf({ name, muted, title }: RoomView, logLength: number | null): Introduction {
  return { kind: 'presence', name, muted, ...(title ? { title } : {}), ...(logLength !== null ? { log: logLength } : {}) };
}

const blankParticipant = (id: string, standing: StandingView): Participant => ({
  id,
  name: UNKNOWN_NAME,
  muted: false,
  connection: 'unlinked',
  speaking: false,
  safetyNumber: null,
  security: 'ok',
  key: null,
  standing,
  reaction: null,
  arrivedAt: null,
});

/** Who is speaking, shown on the view: only someone who may be heard, whatever RTP says. */
function showSpeaking(state: WritableStore<RoomView>, timers: Timers, sample: () => { self: number; remote: Map<string, number> }): SpeakingDetector {
  return createSpeakingDetector({
    timers,
    sample,
    onChange: (self, remote) =>
      state.update((s) => ({
        ...s,
        selfSpeaking: self,
        // RTP carries levels even from someone we do not play (a listener sending anyway): never show them speaking.
        participants: s.participants.map((p) => {
          const isSpeaking = remote.has(p.id) && p.standing.audible;
          return p.speaking === isSpeaking ? p : { ...p, speaking: isSpeaking };
        }),
      })),
  });
}

function initialView(deps: RoomDeps, selfKey: string, rules: RoomRules): RoomView {
  return {
    phase: 'ready',
    movedTo: null,
    signaling: { kind: 'idle' },
    microphone: 'off',
    muted: false,
    name: deps.name ?? '',
    title: deps.title ?? '',
    selfId: null,
    safetyNumber: safetyNumberOf(deps.identity.publicKey),
    selfSpeaking: false,
    participants: [],
    tampered: 0,
    inputs: [],
    inputId: null,
    hideAddress: deps.hideAddress ?? false,
    relay: deps.relayOffered ? 'checking' : 'absent',
    selfKey,
    verified: deps.verified ?? [],
    overview: overviewOf(initialRoomState, rules, selfKey, { settled: false, refusedActs: 0, actingHost: null }),
    reaction: null,
    route: { mode: 'mesh', via: 0, serving: 0, mixed: false, mixing: false },
    sealedOut: false,
    snapshotRefused: false,
  };
}
