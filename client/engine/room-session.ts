import type { Identity } from '../../shared/crypto.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import { safetyNumberOf } from '../../shared/safety-number.ts';
import type { PeerMessage } from '../../shared/peer-message.ts';
import type { IceServer, ServerFrame } from '../../shared/protocol.ts';
import { assertNever } from '../../shared/result.ts';
import type { RoomKind } from '../../shared/room-state.ts';
import type { Microphone, MicrophoneStatus, AudioInput } from './audio/microphone.ts';
import type { RemotePlayer } from './audio/remote-player.ts';
import { createMesh, type Mesh, type PeerConnectionState } from './mesh.ts';
import type { PeerLinkFactory } from './peer-adapter.ts';
import { createSignalingClient, type SignalingClient, type SignalingStatus, type SocketLike } from './signaling-client.ts';
import { createSealedCodec, type Rejection } from './sealed-codec.ts';
import { createStore, type Store } from './store.ts';
import { createSpeakingDetector } from './speaking-detector.ts';

export interface Participant {
  id: string;
  name: string;
  muted: boolean;
  connection: PeerConnectionState;
  speaking: boolean;
  /** From the identity key the person proved they hold; null until they introduced themselves. */
  safetyNumber: string | null;
  /** 'unsecured': their envelopes keep failing checks; 'key-changed': a different identity tried to speak for them. */
  security: 'ok' | 'unsecured' | 'key-changed';
}

export type RoomPhase = 'ready' | 'joining' | 'joined' | 'left' | 'room-full' | 'replaced';

export interface RoomState {
  phase: RoomPhase;
  signaling: SignalingStatus;
  microphone: MicrophoneStatus;
  muted: boolean;
  name: string;
  /** Known to the creator and learned from members; the server never sees it. */
  title: string;
  selfId: string | null;
  safetyNumber: string;
  selfSpeaking: boolean;
  /** Everyone else, in the order they became known. */
  participants: readonly Participant[];
  inputs: readonly AudioInput[];
  inputId: string | null;
}

export interface RoomSessionDeps {
  signalingUrl: string;
  roomId: string;
  microphone: Microphone;
  player: RemotePlayer;
  roomKey: Uint8Array;
  identity: Identity;
  createLink: PeerLinkFactory;
  randomBytes: (n: number) => Uint8Array;
  title?: string;
  /** What the creator chose on the landing page; the host's client declares it to the room. */
  createdKind?: RoomKind;
  createSocket?: (url: string) => SocketLike;
}

export interface RoomSession {
  readonly state: Store<RoomState>;
  join(name: string): Promise<void>;
  setMuted(muted: boolean): void;
  selectInput(deviceId: string): Promise<void>;
  leave(): void;
}

type PresenceMessage = Extract<PeerMessage, { kind: 'presence' }>;

const UNKNOWN_NAME = 'Someone';
/** Rejected envelopes from one peer before the person is told the connection is not secure. */
const REJECTIONS_BEFORE_WARNING = 3;
const MAX_UNLISTED = 16;

export function createRoomSession(deps: RoomSessionDeps): RoomSession {
  const state = createStore<RoomState>({
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
  });
  const patch = (changes: Partial<RoomState>): void => state.update((s) => ({ ...s, ...changes }));
  const patchParticipant = (id: string, changes: Partial<Participant>): void =>
    state.update((s) => {
      const known = s.participants.some((p) => p.id === id);
      const base: Participant = {
        id,
        name: UNKNOWN_NAME,
        muted: false,
        connection: 'connecting',
        speaking: false,
        safetyNumber: null,
        security: 'ok',
      };
      const participants = known
        ? s.participants.map((p) => (p.id === id ? { ...p, ...changes } : p))
        : [...s.participants, { ...base, ...changes }];
      return { ...s, participants };
    });
  const removeParticipant = (id: string): void =>
    state.update((s) => ({ ...s, participants: s.participants.filter((p) => p.id !== id) }));

  /** Who the server currently says is in the room; established links outlive signaling outages. */
  const roster = new Set<string>();
  let iceServers: readonly IceServer[] = [];
  let signaling: SignalingClient | null = null;
  let mesh: Mesh | null = null;
  const resume = toBase64Url(deps.randomBytes(32));
  const rejections = new Map<string, number>();
  /**
   * The latest presence from peers the server has not listed (yet): relayed paths can deliver a
   * member's introduction before the server's `joined`, and a replay of it would then be refused.
   */
  const unlisted = new Map<string, PresenceMessage>();
  const codec = createSealedCodec({
    roomId: deps.roomId,
    roomKey: deps.roomKey,
    identity: deps.identity,
    selfId: () => state.get().selfId,
    onIntroduced: (peerId, publicKey) => {
      if (roster.has(peerId)) patchParticipant(peerId, { safetyNumber: safetyNumberOf(publicKey) });
    },
    onRejected,
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
        participants: s.participants.map((p) => (p.speaking === remote.has(p.id) ? p : { ...p, speaking: remote.has(p.id) })),
      })),
  });

  function sendTo(to: string, message: PeerMessage): void {
    signaling?.send({ type: 'send', to, box: codec.seal(to, message) });
  }

  function presence(): PeerMessage {
    const { name, muted, title } = state.get();
    return { kind: 'presence', name, muted, ...(title ? { title } : {}) };
  }

  function ensureMesh(selfId: string): Mesh {
    mesh ??= createMesh({
      selfId,
      createLink: deps.createLink,
      iceServers: () => iceServers,
      localTrack: () => deps.microphone.stream?.getAudioTracks()[0] ?? null,
      sendSignal: (to, conn, data) => sendTo(to, { kind: 'signal', conn, data }),
      isMember: (peerId) => roster.has(peerId),
      onRemoteStream: (peerId, stream) => deps.player.play(peerId, stream),
      onState: (peerId, connection) => patchParticipant(peerId, { connection }),
      onGone: removeParticipant,
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
        for (const peer of frame.peers) applyUnlisted(peer);
        return;
      }
      case 'joined':
        roster.add(frame.peer);
        sendTo(frame.peer, presence());
        applyUnlisted(frame.peer);
        return;
      case 'left':
        roster.delete(frame.peer);
        rejections.delete(frame.peer);
        unlisted.delete(frame.peer);
        mesh?.drop(frame.peer);
        removeParticipant(frame.peer);
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
        else rememberUnlisted(from, message);
        return;
      case 'signal':
        // Only members the server listed may negotiate, even with a valid room key and identity.
        if (roster.has(from)) mesh?.handleSignal(from, message.conn, message.data);
        return;
      default:
        assertNever(message);
    }
  }

  function onPresence(from: string, message: PresenceMessage): void {
    patchParticipant(from, { name: message.name, muted: message.muted });
    if (message.title && !state.get().title) patch({ title: message.title });
    mesh?.connect(from);
  }

  function rememberUnlisted(from: string, message: PresenceMessage): void {
    unlisted.delete(from);
    unlisted.set(from, message);
    // Bounded, oldest first out: a server inventing peers cannot grow it.
    for (const oldest of unlisted.keys()) {
      if (unlisted.size <= MAX_UNLISTED) break;
      unlisted.delete(oldest);
    }
  }

  function applyUnlisted(peerId: string): void {
    const message = unlisted.get(peerId);
    if (!message) return;
    unlisted.delete(peerId);
    onPresence(peerId, message);
  }

  function teardown(phase: RoomPhase): void {
    speaking.stop();
    signaling?.close();
    mesh?.destroy();
    deps.player.destroy();
    deps.microphone.stop();
    roster.clear();
    unlisted.clear();
    patch({ phase, participants: [], selfSpeaking: false });
  }

  return {
    state,
    async join(name) {
      if (state.get().phase !== 'ready') return;
      patch({ phase: 'joining', name });
      const microphone = await deps.microphone.start();
      // Leaving while the browser asked for the microphone must not leave it capturing.
      if (state.get().phase !== 'joining') return deps.microphone.stop();
      const inputs = microphone === 'live' ? await deps.microphone.inputs() : [];
      patch({ microphone, inputs, inputId: deps.microphone.deviceId });
      if (state.get().phase !== 'joining') return;
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
    },
    setMuted(muted) {
      if (state.get().muted === muted) return;
      deps.microphone.setMuted(muted);
      patch({ muted });
      if (state.get().phase === 'joined') sendTo('*', presence());
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
