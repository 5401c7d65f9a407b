import type { SignalData } from '../../shared/peer-message.ts';
import type { IceServer } from '../../shared/protocol.ts';
import type { Topology } from '../../shared/topology.ts';
import type { AudioInput, Microphone, MicrophoneStatus } from './audio/microphone.ts';
import type { RemotePlayer } from './audio/remote-player.ts';
import { createMesh, type Mesh, type PeerConnectionState } from './mesh.ts';
import { createMicrophoneGate } from './microphone-gate.ts';
import type { PeerLinkFactory } from './peer-adapter.ts';
import type { Timers } from './timers.ts';

/**
 * Makes the room's media follow its topology (shared/topology.ts): which links exist, what
 * each sends, whose audio plays, and whether the microphone is captured at all.
 */
export interface RoomMediaDeps {
  timers: Timers;
  createLink: PeerLinkFactory;
  player: RemotePlayer;
  microphone: Microphone;
  muted(): boolean;
  /** Still in the room: a room that is over must not start capturing. */
  active(): boolean;
  sendSignal(to: string, conn: string, data: SignalData): void;
  newConnId(): string;
  onMicrophone(change: { status: MicrophoneStatus; inputs: readonly AudioInput[]; inputId: string | null }): void;
  onConnection(peerId: string, state: PeerConnectionState): void;
  /** A link is gone for good (closed, and not one to make again). */
  onUnlinked(peerId: string): void;
}

export interface RoomMedia {
  /** Links may start once the server has given us our id. */
  start(selfId: string, iceServers: readonly IceServer[]): void;
  /** Forgets members no longer present whose links are not up. */
  prune(isPresent: (peerId: string) => boolean): void;
  /** Brings links, sends, playback and capture in line with the topology. */
  apply(topology: Topology, onStage: boolean): void;
  /** Settles once the microphone is captured or released as last applied. */
  captured(): Promise<void>;
  /** A member's link negotiation; taken only where the topology allows a link. */
  signal(from: string, conn: string, data: SignalData): void;
  drop(peerId: string): void;
  selectInput(deviceId: string): Promise<void>;
  audioLevels(): Map<string, number>;
  stop(): void;
}

export function createRoomMedia(deps: RoomMediaDeps): RoomMedia {
  let topology: Topology = new Map();
  let iceServers: readonly IceServer[] = [];
  let mesh: Mesh | null = null;
  let capture: Promise<void> = Promise.resolve();

  const microphone = createMicrophoneGate({
    microphone: deps.microphone,
    muted: deps.muted,
    active: deps.active,
    onChange: ({ status, inputs, inputId }) => {
      deps.onMicrophone({ status, inputs, inputId });
      applySends();
    },
  });

  function applySends(): void {
    for (const [peer, link] of topology) mesh?.send(peer, link.send ? microphone.track() : null);
  }

  return {
    start(selfId, ice) {
      iceServers = ice;
      mesh ??= createMesh({
        selfId,
        createLink: deps.createLink,
        iceServers: () => iceServers,
        sendSignal: deps.sendSignal,
        isMember: (peer) => topology.has(peer),
        onRemoteStream: (peer, stream) => deps.player.play(peer, stream),
        onState: deps.onConnection,
        onGone: deps.onUnlinked,
        newConnId: deps.newConnId,
        timers: deps.timers,
      });
    },
    prune: (isPresent) => mesh?.prune(isPresent),
    apply(next, onStage) {
      for (const peer of topology.keys()) {
        if (next.has(peer)) continue;
        mesh?.drop(peer);
        deps.player.setAudible(peer, false);
      }
      topology = next;
      applySends();
      for (const [peer, link] of topology) {
        deps.player.setAudible(peer, link.play);
        if (link.make) mesh?.connect(peer);
      }
      capture = microphone.set(onStage);
    },
    captured: () => capture,
    signal(from, conn, data) {
      if (topology.has(from)) mesh?.handleSignal(from, conn, data);
    },
    drop: (peerId) => mesh?.drop(peerId),
    async selectInput(deviceId) {
      await deps.microphone.switchTo(deviceId);
      applySends();
    },
    audioLevels: () => mesh?.audioLevels() ?? new Map(),
    stop() {
      topology = new Map();
      mesh?.destroy();
      deps.player.destroy();
      void microphone.set(false);
    },
  };
}
