import { toBase64Url } from '../../shared/encoding.ts';
import { safetyNumberOf } from '../../shared/safety-number.ts';
import type { PeerMessage } from '../../shared/peer-message.ts';
import { MAX_ADMITTED_AT_LOCK } from '../../shared/room-acts.ts';
import { initialRoomState, isOnStage, mayBeHeard, mayEnter, type RoomRules, type RoomState } from '../../shared/room-state.ts';
import { mayLink, type LinkCandidate } from '../../shared/topology.ts';
import { createSignalingClient, type SignalingClient, type SignalingClientOptions, type SignalingStatus } from './signaling-client.ts';
import { createSealedCodec, type EnvelopeCodec } from './sealed-codec.ts';
import { createStore, type WritableStore } from './store.ts';
import { createSpeakingDetector, type SpeakingDetector } from './speaking-detector.ts';
import { createLogSync } from './log-sync.ts';
import { createMembership, type Membership } from './membership.ts';
import type { CreatedAs } from './first-acts.ts';
import { createOwnActs } from './own-acts.ts';
import { createParticipantList, type ParticipantList } from './participant-list.ts';
import { createInbox } from './room-inbox.ts';
import { createRoomMedia, type RoomMedia } from './room-media.ts';
import type { Participant, Room, RoomDeps, RoomPhase, RoomView } from './room-types.ts';
import { actingHostOf, overviewOf, standingOf, type RoomOverview, type StandingView } from './room-overview.ts';
import type { RelayStatus } from './relay.ts';
import { createTimers, systemClock, type Clock, type Timers } from './timers.ts';
import { createTreePart, type RouteView, type TreePart } from './tree-part.ts';
import { withVerified } from './verification.ts';

export type { JoinOptions, Participant, RoomPhase, Room, RoomDeps, RoomView } from './room-types.ts';

const UNKNOWN_NAME = 'Someone';
/** The stage's default size, host included (DESIGN: a small full-mesh stage). */
export const STAGE_MAX = 8;
/** How long a relay that leaves keeps forwarding while those it feeds switch to their backups. */
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
  const membership = createMembership();
  const resume = toBase64Url(deps.randomBytes(32));
  let signaling: SignalingClient | null = null;
  /** What the person asked for on joining (see JoinOptions). */
  let takesSeat = true;
  let hideAddress = false;
  let refusedActs = 0;

  const participants = createParticipantList(state, (id) => blankParticipant(id, standingOf(room(), rules, null, selfKey)), timers);
  const codec = sealedCodecFor(deps, {
    timers,
    state,
    membership,
    participants,
    standing: (key) => standingOf(room(), rules, key, selfKey),
    // Whoever introduces itself gets our presence back, sealed for its visit: what confirms us to it.
    answer: (peerId) => {
      if (phase() === 'joined' && membership.isListed(peerId)) sendTo(peerId, presence());
    },
  });
  const logSync = createLogSync({
    roomId: deps.roomId,
    rules,
    identity: deps.identity,
    send: (to, message) => sendTo(to, message),
    members: () => membership.reachable(),
    keyOf: membership.keyOf,
    timers,
    onChange: () => refresh(),
    onRefused: () => {
      refusedActs += 1;
      refresh();
    },
    ...(deps.trace ? { trace: deps.trace } : {}),
  });
  const room = () => logSync.log().state;
  const ownActs = createOwnActs({
    selfKey,
    rules,
    created: createdAs(deps),
    logSync,
    membership,
    timers,
    joined: () => phase() === 'joined',
    takesSeat: () => takesSeat,
    onSettled: () => refresh(),
    ...(deps.trace ? { trace: deps.trace } : {}),
  });
  const tree = createTreePart({ send: (frame) => signaling?.send(frame), timers, onExpired: () => refresh() });
  const media = wireMedia(deps, {
    ...logGates(membership, room, rules, selfKey),
    timers, state, membership, participants, sendTo, active: inRoom, relayOnly: () => hideAddress,
    onRelay: (relay) => patch({ route: tree.route(relay) }),
  });
  void askForRelay(deps, (relay) => patch({ relay }));
  const speaking = showSpeaking(state, timers, () => ({ self: deps.microphone.level(), remote: media.audioLevels() }));

  function sendTo(to: string, message: PeerMessage): void {
    signaling?.send({ type: 'send', to, box: codec.seal(to, message) });
  }

  // Only a member that has learned the log says how long it is: a newcomer's empty log tells nobody anything.
  const presence = (): PeerMessage => presenceOf(state.get(), ownActs.settled() ? logSync.log().entries.length : null);

  /** Everything that follows from the room log and who is here: the view, the media, our own acts. */
  function refresh(): void {
    if (!inRoom()) return;
    const current = room();
    if (current.banned.includes(selfKey)) return teardown('removed');
    if (current.ended) return teardown('ended');
    const present = membership.presentedKeys(selfKey);
    const overview = overviewOf(current, rules, selfKey, { settled: ownActs.settled(), refusedActs, lostActs: logSync.lostActs(), actingHost: actingHostOf(current, rules, present) });
    state.update((s) => viewOfLog(s, current, rules, overview));
    if (overview.hostMuted && !state.get().muted) applyMuted(true);
    const route = followTopology({ tree, media, rules, selfKey, joined: phase() === 'joined', hideAddress }, current, membership.candidates());
    patch({ route });
    ownActs.update();
  }

  function applyMuted(muted: boolean): void {
    deps.microphone.setMuted(muted);
    patch({ muted });
    if (phase() === 'joined') sendTo('*', presence());
  }

  const onFrame = createInbox({ rules, selfKey, state, membership, codec, logSync, media, tree, ownActs, participants, room, presence, sendTo, refresh, now: timers.now });

  function teardown(next: RoomPhase): void {
    timers.stop();
    speaking.stop();
    signaling?.close();
    stopMedia(media, next, deps.clock ?? systemClock);
    membership.clear();
    patch({ phase: next, participants: [], selfSpeaking: false, microphone: 'off', reaction: null });
  }

  return {
    state,
    async join(name, options = {}) {
      if (phase() !== 'ready') return;
      takesSeat = options.seat ?? true;
      hideAddress = options.hideAddress ?? false;
      patch({ phase: 'joining', name, hideAddress });
      deps.onJoin?.(name, { hideAddress });
      signaling = connectSignaling(deps, { resume, onFrame, timers }, (status) => {
        patch({ signaling: status });
        if (status.kind === 'room-full' || status.kind === 'replaced') teardown(status.kind);
      });
      speaking.start();
      // The host is on stage from the start; everyone else is asked for the microphone on going up.
      refresh();
      await media.captured();
    },
    setMuted(muted) {
      if (state.get().muted === muted) return;
      // Muted by the host or a moderator: only they can allow unmuting.
      if (!muted && state.get().overview.hostMuted) return;
      applyMuted(muted);
    },
    perform(act) {
      if (phase() !== 'joined') return false;
      // Locking keeps everyone already here in: only newcomers wait in the lobby.
      const admit = [...membership.presentedKeys(selfKey)].filter((key) => key !== selfKey).slice(0, MAX_ADMITTED_AT_LOCK);
      return logSync.perform(act.type === 'lock' ? { ...act, admit } : act);
    },
    markVerified: (peerId) => markVerified(state, peerId, deps.onVerified),
    react(emoji) {
      if (phase() !== 'joined') return;
      for (const peer of membership.reachable()) sendTo(peer, { kind: 'react', emoji });
      participants.react(null, emoji);
    },
    async selectInput(deviceId) {
      await media.selectInput(deviceId);
      if (inRoom()) patch({ inputId: deps.microphone.deviceId });
    },
    leave() {
      if (inRoom()) teardown('left');
    },
  };
}

/** Leaving on purpose, a relay keeps forwarding a moment while those it feeds switch to their backups. */
function stopMedia(media: RoomMedia, next: RoomPhase, clock: Clock): void {
  if (next === 'left' && media.handOver()) clock.setTimeout(() => media.stop(), HANDOVER_MS);
  else media.stop();
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
  hideAddress: boolean;
}

/** Tells the tree planner where we stand, and brings the media in line with the links that follow; returns the route. */
function followTopology({ tree, media, rules, selfKey, joined, hideAddress }: TopologyContext, room: RoomState, members: readonly LinkCandidate[]): RouteView {
  const onStage = isOnStage(room, rules, selfKey);
  tree.claim(joined && mayEnter(room, rules, selfKey) ? (onStage ? 'stage' : 'audience') : null, hideAddress);
  media.apply(tree.topology({ room, rules, selfKey, members }), onStage);
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

const createdAs = (deps: RoomDeps): CreatedAs => ({ ...(deps.createdKind ? { kind: deps.createdKind } : {}), ...(deps.title ? { title: deps.title } : {}) });

function connectSignaling(
  deps: RoomDeps,
  options: Pick<SignalingClientOptions, 'resume' | 'onFrame' | 'timers'>,
  onStatus: (status: SignalingStatus) => void,
): SignalingClient {
  const client = createSignalingClient({ url: deps.signalingUrl, room: deps.roomId, ...options, ...(deps.createSocket ? { createSocket: deps.createSocket } : {}) });
  client.status.subscribe(onStatus);
  client.connect();
  return client;
}

/** The person compared safety numbers with this member: remembered by key and name, and kept by the shell. */
function markVerified(state: WritableStore<RoomView>, peerId: string, onVerified: RoomDeps['onVerified']): void {
  const person = state.get().participants.find((p) => p.id === peerId);
  if (!person?.key) return;
  const verified = withVerified(state.get().verified, { key: person.key, name: person.name });
  state.update((s) => ({ ...s, verified }));
  onVerified?.(verified);
}

function presenceOf({ name, muted, title }: RoomView, logLength: number | null): PeerMessage {
  return { kind: 'presence', name, muted, ...(title ? { title } : {}), ...(logLength !== null ? { log: logLength } : {}) };
}

interface CodecContext {
  timers: Timers;
  state: WritableStore<RoomView>;
  membership: Membership;
  participants: ParticipantList;
  standing(key: string): StandingView;
  answer(peerId: string): void;
}

/** Seals what we send and opens what members send; who proved which key, and who fails checks, shows on the view. */
function sealedCodecFor(deps: RoomDeps, { timers, state, membership, participants, standing, answer }: CodecContext): EnvelopeCodec {
  return createSealedCodec({
    roomId: deps.roomId,
    roomKey: deps.roomKey,
    identity: deps.identity,
    selfId: () => state.get().selfId,
    now: timers.now,
    onIntroduced: (peerId, publicKey) => {
      const key = toBase64Url(publicKey);
      membership.introduce(peerId, key);
      if (membership.isListed(peerId)) participants.patch(peerId, { safetyNumber: safetyNumberOf(publicKey), key, standing: standing(key) });
      answer(peerId);
    },
    onConfirmed: (peerId) => membership.confirm(peerId),
    onRejected: (peerId, reason) => {
      const blame = membership.reject(peerId, reason);
      if (blame === 'server') state.update((s) => ({ ...s, tampered: s.tampered + 1 }));
      else if (blame === 'unsecured' && membership.isListed(peerId)) participants.patch(peerId, { security: blame });
    },
  });
}

interface MediaContext {
  timers: Timers;
  mayHear(peerId: string): boolean;
  onRelay(status: RelayStatus): void;
  state: WritableStore<RoomView>;
  membership: Membership;
  participants: ParticipantList;
  sendTo(to: string, message: PeerMessage): void;
  active(): boolean;
  mayLink(peerId: string): boolean;
  /** Hide my IP address: every link this room makes is relayed only. */
  relayOnly(): boolean;
}

/** The room's media, wired to the real (or fake) devices and to the view. */
function wireMedia(deps: RoomDeps, { timers, state, membership, participants, sendTo, active, mayLink, mayHear, onRelay, relayOnly }: MediaContext): RoomMedia {
  return createRoomMedia({
    timers,
    // Read per link: the choice is made on joining, after the media is wired.
    createLink: (options) => deps.createLink({ ...options, relayOnly: relayOnly() }),
    player: deps.player,
    microphone: deps.microphone,
    muted: () => state.get().muted,
    active,
    isListed: membership.isListed,
    mayLink,
    mayHear,
    onRelay,
    ...(deps.trace ? { trace: deps.trace } : {}),
    sendSignal: (to, conn, data) => sendTo(to, { kind: 'signal', conn, data }),
    newConnId: () => toBase64Url(deps.randomBytes(12)),
    onMicrophone: (change) => state.update((s) => ({ ...s, microphone: change.status, inputs: change.inputs, inputId: change.inputId })),
    onConnection: (peerId, connection) => participants.patch(peerId, { connection }),
    // A member we unlinked (lobby, removal, a speaker back in the audience) stays shown while it is in the room.
    onUnlinked: (peerId) => {
      if (!membership.isListed(peerId)) participants.remove(peerId);
      else participants.patch(peerId, { connection: 'unlinked' });
    },
  });
}

/** Whether the join form can offer to hide the address; a failed check counts as no relay. */
async function askForRelay(deps: RoomDeps, show: (relay: RoomView['relay']) => void): Promise<void> {
  if (!deps.relayOffered) return;
  const offered = await deps.relayOffered().catch(() => false);
  show(offered ? 'offered' : 'absent');
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
    route: { mode: 'mesh', via: 0, serving: 0 },
  };
}
