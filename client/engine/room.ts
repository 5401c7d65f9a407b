import { toBase64Url } from '../../shared/encoding.ts';
import { safetyNumberOf } from '../../shared/safety-number.ts';
import type { PeerMessage } from '../../shared/peer-message.ts';
import type { IceServer, ServerFrame } from '../../shared/protocol.ts';
import { assertNever } from '../../shared/result.ts';
import { MAX_ADMITTED_AT_LOCK } from '../../shared/room-acts.ts';
import { initialRoomState, isOnStage, mayEnter, type RoomRules, type RoomState } from '../../shared/room-state.ts';
import { createMesh, type Mesh } from './mesh.ts';
import { createSignalingClient, type SignalingClient } from './signaling-client.ts';
import { createSealedCodec, type Rejection } from './sealed-codec.ts';
import { createStore } from './store.ts';
import { createSpeakingDetector } from './speaking-detector.ts';
import { firstActs } from './first-acts.ts';
import { createMicrophoneGate } from './microphone-gate.ts';
import { createLogSync } from './log-sync.ts';
import { createParticipantList } from './participant-list.ts';
import { EarlyPresence, type PresenceMessage } from './early-presence.ts';
import type { RoomPhase, Room, RoomDeps, RoomView } from './room-types.ts';
import { actingHostOf, shouldStandIn, standingOf, overviewOf } from './room-overview.ts';

export type { Participant, RoomPhase, Room, RoomDeps, RoomView } from './room-types.ts';

const UNKNOWN_NAME = 'Someone';
/** Rejected envelopes from one peer before the person is told the connection is not secure. */
const REJECTIONS_BEFORE_WARNING = 3;
/** The stage's default size, host included (DESIGN: a small full-mesh stage). */
export const STAGE_MAX = 8;
/** How long a newcomer waits for members to tell it of the room's log before acting on what it has. */
const SETTLE_WAIT_MS = 15_000;

export function createRoom(deps: RoomDeps): Room {
  const now = deps.now ?? Date.now;
  const selfKey = toBase64Url(deps.identity.publicKey);
  const rules: RoomRules = { hostKey: deps.hostKey, stageMax: deps.stageMax ?? STAGE_MAX };
  const state = createStore<RoomView>({
    phase: 'ready',
    signaling: { kind: 'idle' },
    microphone: 'off',
    muted: false,
    name: '',
    title: deps.title ?? '',
    selfId: null,
    safetyNumber: safetyNumberOf(deps.identity.publicKey),
    selfSpeaking: false,
    participants: [],
    inputs: [],
    inputId: null,
    selfKey,
    overview: overviewOf(initialRoomState, rules, selfKey, { settled: false, refusedActs: 0, actingHost: null }),
    reaction: null,
  });
  const patch = (changes: Partial<RoomView>): void => state.update((s) => ({ ...s, ...changes }));
  const participants = createParticipantList(state, (id) => ({
    id,
    name: UNKNOWN_NAME,
    muted: false,
    connection: 'connecting',
    speaking: false,
    safetyNumber: null,
    security: 'ok',
    key: null,
    standing: standingOf(logSync.log().state, rules, null),
    reaction: null,
  }));
  const patchParticipant = participants.patch;
  const removeParticipant = participants.remove;

  /** Who the server currently says is in the room; established links outlive signaling outages. */
  const roster = new Set<string>();
  let iceServers: readonly IceServer[] = [];
  let signaling: SignalingClient | null = null;
  let mesh: Mesh | null = null;
  const resume = toBase64Url(deps.randomBytes(32));
  const rejections = new Map<string, number>();
  const early = new EarlyPresence();
  /** Identity keys members proved they hold, by peer id (kept across signaling reconnects). */
  const keys = new Map<string, string>();
  /** Members whose presence we have taken: links start only after it. */
  const presented = new Set<string>();
  let refusedActs = 0;
  /** Nobody was there to learn the room log from, so ours is the room's. */
  let alone = false;
  let settled = false;

  const codec = createSealedCodec({
    roomId: deps.roomId,
    roomKey: deps.roomKey,
    identity: deps.identity,
    selfId: () => state.get().selfId,
    onIntroduced: (peerId, publicKey) => {
      const key = toBase64Url(publicKey);
      keys.set(peerId, key);
      if (roster.has(peerId)) {
        patchParticipant(peerId, { safetyNumber: safetyNumberOf(publicKey), key, standing: standingOf(logSync.log().state, rules, key) });
      }
    },
    onRejected,
  });

  const logSync = createLogSync({
    roomId: deps.roomId,
    rules,
    identity: deps.identity,
    send: (to, message) => sendTo(to, message),
    members: () => [...roster].filter((peer) => keys.has(peer)),
    keyOf: (peerId) => keys.get(peerId) ?? null,
    now,
    later: (fn, ms) => void setTimeout(fn, ms),
    onChange: () => refresh(),
    ...(deps.trace ? { trace: deps.trace } : {}),
    onRefused: () => {
      refusedActs += 1;
      refresh();
    },
  });

  function onRejected(peerId: string, reason: Rejection): void {
    // Stale and replayed envelopes are the server repeating genuine ones: dropped, but not the peer's doing.
    if (reason === 'stale' || reason === 'replayed') return;
    const count = (rejections.get(peerId) ?? 0) + 1;
    rejections.set(peerId, count);
    if (reason === 'key-changed') patchParticipant(peerId, { security: 'key-changed' });
    else if (count >= REJECTIONS_BEFORE_WARNING) patchParticipant(peerId, { security: 'unsecured' });
  }
  const speaking = createSpeakingDetector({
    sample: () => ({ self: deps.microphone.level(), remote: mesh?.audioLevels() ?? new Map() }),
    onChange: (self, remote) =>
      state.update((s) => ({
        ...s,
        selfSpeaking: self,
        // RTP carries levels even from someone we do not play (a listener sending anyway): never show them speaking.
        participants: s.participants.map((p) => {
          const speaking = remote.has(p.id) && p.standing.audible;
          return p.speaking === speaking ? p : { ...p, speaking };
        }),
      })),
  });

  const inRoom = (): boolean => state.get().phase === 'joining' || state.get().phase === 'joined';

  function sendTo(to: string, message: PeerMessage): void {
    signaling?.send({ type: 'send', to, box: codec.seal(to, message) });
  }

  function presence(): PeerMessage {
    const { name, muted, title } = state.get();
    // Only a member that has learned the log says how long it is: a newcomer's empty log tells nobody anything.
    return { kind: 'presence', name, muted, ...(title ? { title } : {}), ...(settled ? { log: logSync.log().entries.length } : {}) };
  }

  /**
   * Whether we and this member may have a link: neither is banned and neither waits in the
   * lobby. Checked by each side on its own copy of the signed log, so a client that ignores a
   * removal still finds every honest door closed.
   */
  function mayLink(peerId: string): boolean {
    const key = keys.get(peerId);
    const room = logSync.log().state;
    return key !== undefined && roster.has(peerId) && mayEnter(room, rules, key) && mayEnter(room, rules, selfKey);
  }

  /** Everything that follows from the room log: who we hear, whom we link to, our microphone, our own acts. */
  function refresh(): void {
    if (!inRoom()) return;
    const room = logSync.log().state;
    if (room.banned.includes(selfKey)) return teardown('removed');
    if (room.ended) return teardown('ended');
    const present = presentKeys();
    const view = overviewOf(room, rules, selfKey, { settled, refusedActs, actingHost: actingHostOf(room, rules, present) });
    state.update((s) => ({
      ...s,
      title: room.title || s.title,
      overview: view,
      participants: s.participants
        .filter((p) => p.key === null || !room.banned.includes(p.key))
        .map((p) => ({ ...p, standing: standingOf(room, rules, p.key) })),
    }));
    if (view.hostMuted && !state.get().muted) applyMuted(true);
    for (const peer of roster) {
      if (!keys.has(peer)) continue;
      if (mayLink(peer)) {
        if (presented.has(peer)) mesh?.connect(peer);
      } else {
        mesh?.drop(peer);
      }
    }
    for (const p of state.get().participants) deps.player.setAudible(p.id, p.standing.audible);
    void syncMicrophone();
    settle();
    if (settled) keepOrder(room, present);
  }

  /** The identity keys in the room right now, ours included. */
  function presentKeys(): Set<string> {
    const present = new Set([selfKey]);
    for (const peer of roster) {
      const key = keys.get(peer);
      if (key !== undefined && presented.has(peer)) present.add(key);
    }
    return present;
  }

  /** Someone keeps order while the host is away; the returning host takes over again. */
  function keepOrder(room: RoomState, present: ReadonlySet<string>): void {
    if (selfKey === rules.hostKey && room.standIn !== null) logSync.perform({ type: 'host-returns' });
    else if (shouldStandIn(room, rules, present, selfKey)) logSync.perform({ type: 'stand-in' });
  }

  /** Once we hold the room's log, the acts a member makes by itself (first-acts.ts), once. */
  function settle(waitedEnough = false): void {
    if (state.get().phase !== 'joined' || settled) return;
    // Everyone here introduced themselves and none holds a log: they are as new as we are.
    const everyoneNew = [...roster].every((peer) => presented.has(peer)) && !logSync.heardOfLog();
    // Waiting ends early only where nobody has told us of acts we lack; then we keep fetching.
    settled = alone || everyoneNew || logSync.caughtUp() || (waitedEnough && !logSync.behind());
    if (!settled) return;
    deps.trace?.(`log: settled with ${logSync.log().entries.length} acts (${alone ? 'alone' : logSync.caughtUp() ? 'caught up' : 'waited'})`);
    for (const act of firstActs(logSync.log(), selfKey, { ...(deps.createdKind ? { kind: deps.createdKind } : {}), ...(deps.title ? { title: deps.title } : {}) })) {
      logSync.perform(act);
    }
    refresh();
  }

  const microphone = createMicrophoneGate({
    microphone: deps.microphone,
    muted: () => state.get().muted,
    active: inRoom,
    onChange: ({ status, inputs, inputId, track }) => {
      patch({ microphone: status, inputs, inputId });
      mesh?.setAudioTrack(track);
    },
  });
  const syncMicrophone = (): Promise<void> => microphone.set(isOnStage(logSync.log().state, rules, selfKey));

  function applyMuted(muted: boolean): void {
    deps.microphone.setMuted(muted);
    patch({ muted });
    if (state.get().phase === 'joined') sendTo('*', presence());
  }

  function ensureMesh(selfId: string): Mesh {
    mesh ??= createMesh({
      selfId,
      createLink: deps.createLink,
      iceServers: () => iceServers,
      localTrack: microphone.track,
      sendSignal: (to, conn, data) => sendTo(to, { kind: 'signal', conn, data }),
      isMember: mayLink,
      onRemoteStream: (peerId, stream) => deps.player.play(peerId, stream),
      onState: (peerId, connection) => patchParticipant(peerId, { connection }),
      // A member we unlinked (lobby, removal) stays listed for as long as it is in the room.
      onGone: (peerId) => {
        if (!roster.has(peerId)) removeParticipant(peerId);
      },
      newConnId: () => toBase64Url(deps.randomBytes(12)),
    });
    return mesh;
  }

  function onFrame(frame: Exclude<ServerFrame, { type: 'pong' }>): void {
    switch (frame.type) {
      case 'welcome': {
        iceServers = frame.ice;
        roster.clear();
        for (const peer of frame.peers) roster.add(peer);
        patch({ phase: 'joined', selfId: frame.peer });
        ensureMesh(frame.peer).prune((peer) => roster.has(peer));
        // Links start only once a member has introduced itself with a valid, signed presence.
        sendTo('*', presence());
        for (const peer of frame.peers) applyEarly(peer);
        if (!settled && frame.peers.length === 0) alone = true;
        // Members that never tell us of their log (their messages lost, say) must not keep us waiting forever.
        if (!settled) setTimeout(() => settle(true), SETTLE_WAIT_MS);
        refresh();
        return;
      }
      case 'joined':
        roster.add(frame.peer);
        sendTo(frame.peer, presence());
        applyEarly(frame.peer);
        return;
      case 'left':
        roster.delete(frame.peer);
        rejections.delete(frame.peer);
        early.forget(frame.peer);
        presented.delete(frame.peer);
        mesh?.drop(frame.peer);
        removeParticipant(frame.peer);
        logSync.onGone(frame.peer);
        refresh();
        return;
      case 'msg':
        onPeerMessage(frame.from, frame.box);
        return;
      case 'error':
      case 'closing':
        // Terminal errors arrive as close codes the signaling client turns into its status;
        // the rest concern a single frame and need no action here.
        return;
      default:
        assertNever(frame);
    }
  }

  function onPeerMessage(from: string, box: string): void {
    const message = codec.open(from, box);
    if (!message) return;
    switch (message.kind) {
      case 'presence':
        if (roster.has(from)) onPresence(from, message);
        else early.keep(from, message);
        return;
      case 'signal':
        // Only members the server listed, not banned and not waiting in the lobby, may negotiate.
        if (mayLink(from)) mesh?.handleSignal(from, message.conn, message.data);
        return;
      case 'acts':
        if (roster.has(from)) logSync.onActs(from, message.entries);
        return;
      case 'acts-request':
        if (roster.has(from)) logSync.onRequest(from, message.from);
        return;
      case 'react':
        if (roster.has(from) && presented.has(from)) participants.react(from, message.emoji);
        return;
      default:
        assertNever(message);
    }
  }

  function onPresence(from: string, message: PresenceMessage): void {
    const key = keys.get(from) ?? null;
    if (key !== null && logSync.log().state.banned.includes(key)) return;
    if (!presented.has(from)) logSync.onIntroduced(from);
    presented.add(from);
    const standing = standingOf(logSync.log().state, rules, key);
    patchParticipant(from, { name: message.name, muted: message.muted, key, standing });
    if (message.title && !state.get().title) patch({ title: message.title });
    if (mayLink(from)) mesh?.connect(from);
    deps.player.setAudible(from, standing.audible);
    if (message.log !== undefined) logSync.onLength(from, message.log);
    settle();
  }

  function applyEarly(peerId: string): void {
    const message = early.take(peerId);
    if (message) onPresence(peerId, message);
  }

  function teardown(phase: RoomPhase): void {
    participants.stop();
    speaking.stop();
    signaling?.close();
    mesh?.destroy();
    deps.player.destroy();
    void microphone.set(false);
    roster.clear();
    early.clear();
    presented.clear();
    patch({ phase, participants: [], selfSpeaking: false, microphone: 'off', reaction: null });
  }

  return {
    state,
    async join(name) {
      if (state.get().phase !== 'ready') return;
      patch({ phase: 'joining', name });
      signaling = createSignalingClient({
        url: deps.signalingUrl,
        room: deps.roomId,
        resume,
        onFrame,
        ...(deps.createSocket ? { createSocket: deps.createSocket } : {}),
      });
      signaling.status.subscribe((status) => {
        patch({ signaling: status });
        if (status.kind === 'room-full' || status.kind === 'replaced') teardown(status.kind);
      });
      signaling.connect();
      speaking.start();
      // The host is on stage from the start; everyone else is asked for the microphone on going up.
      await syncMicrophone();
    },
    setMuted(muted) {
      if (state.get().muted === muted) return;
      // Muted by the host or a moderator: only they can allow unmuting.
      if (!muted && state.get().overview.hostMuted) return;
      applyMuted(muted);
    },
    perform(act) {
      if (state.get().phase !== 'joined') return false;
      // Locking keeps everyone already here in: only newcomers wait in the lobby.
      const admit = [...presentKeys()].filter((key) => key !== selfKey).slice(0, MAX_ADMITTED_AT_LOCK);
      return logSync.perform(act.type === 'lock' ? { ...act, admit } : act);
    },
    react(emoji) {
      if (state.get().phase !== 'joined') return;
      for (const peer of roster) if (keys.has(peer)) sendTo(peer, { kind: 'react', emoji });
      participants.react(null, emoji);
    },
    async selectInput(deviceId) {
      const track = await deps.microphone.switchTo(deviceId);
      mesh?.setAudioTrack(track);
      patch({ inputId: deps.microphone.deviceId });
    },
    leave() {
      const phase = state.get().phase;
      if (phase === 'joining' || phase === 'joined') teardown('left');
    },
  };
}
