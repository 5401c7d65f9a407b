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
  /** The server lists them in the room now. */
  isListed(peerId: string): boolean;
  /** Whether the room log lets us hold a link with them at all (shared/topology.ts mayLink). */
  mayLink(peerId: string): boolean;
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
  prune(isListed: (peerId: string) => boolean): void;
  /**
   * Brings links, sends, playback and capture in line with the topology. Two kinds of link
   * outside it are kept, silent:
   * - one that is up with someone the server does not list (it, or we, just reconnected) lasts
   *   until it closes or they leave: established links outlive signaling outages;
   * - one they offered while the log allows it is theirs to end. Their view of the log may be
   *   ahead of ours (an act, or the whole log while we join, not here yet); were we to close it,
   *   they would wait out a link that never comes up before offering again.
   */
  apply(topology: Topology, onStage: boolean): void;
  /** Settles once the microphone is captured (or released) as the latest change of stage asked. */
  captured(): Promise<void>;
  /** A member's link negotiation; taken only where the topology has a link or the log allows one. */
  signal(from: string, conn: string, data: SignalData): void;
  drop(peerId: string): void;
  /** Whether we hold, make or await a link with them. */
  linked(peerId: string): boolean;
  selectInput(deviceId: string): Promise<void>;
  audioLevels(): Map<string, number>;
  stop(): void;
}

/** A link kept outside the topology: it carries nothing either way until the topology has it. */
const SILENT = { make: false, send: false, play: false } as const;

export function createRoomMedia(deps: RoomMediaDeps): RoomMedia {
  let topology: Topology = new Map();
  let iceServers: readonly IceServer[] = [];
  let mesh: Mesh | null = null;
  let capture: Promise<void> = Promise.resolve();
  let wantsMicrophone = false;
  let selfId: string | null = null;
  /** The lower id offers (mesh.ts): a link with a lower id is one they made. */
  const theirsToEnd = (peer: string): boolean => selfId !== null && peer < selfId && deps.mayLink(peer);

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
    start(id, ice) {
      iceServers = ice;
      selfId = id;
      mesh ??= createMesh({
        selfId: id,
        createLink: deps.createLink,
        iceServers: () => iceServers,
        sendSignal: deps.sendSignal,
        isMember: (peer) => topology.has(peer),
        onRemoteStream: (peer, stream) => {
          // Nothing plays unless the topology says so: a link taken on the log's say-so alone plays nothing yet.
          deps.player.setAudible(peer, topology.get(peer)?.play ?? false);
          deps.player.play(peer, stream);
        },
        onState: deps.onConnection,
        onGone: deps.onUnlinked,
        newConnId: deps.newConnId,
        timers: deps.timers,
      });
    },
    prune: (isListed) => mesh?.prune(isListed),
    apply(next, onStage) {
      const kept = new Map(next);
      for (const peer of mesh?.peers() ?? []) {
        if (next.has(peer)) continue;
        const survivor = !deps.isListed(peer) && mesh?.isConnected(peer) === true;
        const plan = topology.get(peer);
        if (survivor && plan) kept.set(peer, plan);
        else if (theirsToEnd(peer)) kept.set(peer, SILENT);
        else if (!survivor) mesh?.drop(peer);
      }
      for (const peer of [...topology.keys(), ...(mesh?.peers() ?? [])]) if (!kept.has(peer)) deps.player.setAudible(peer, false);
      topology = kept;
      applySends();
      for (const [peer, link] of topology) {
        deps.player.setAudible(peer, link.play);
        if (link.make) mesh?.connect(peer);
      }
      if (onStage !== wantsMicrophone) capture = microphone.set(onStage);
      wantsMicrophone = onStage;
    },
    captured: () => capture,
    signal(from, conn, data) {
      if (topology.has(from) || deps.mayLink(from)) mesh?.handleSignal(from, conn, data);
    },
    drop: (peerId) => mesh?.drop(peerId),
    linked: (peerId) => mesh?.peers().includes(peerId) ?? false,
    async selectInput(deviceId) {
      await deps.microphone.switchTo(deviceId);
      applySends();
    },
    audioLevels: () => mesh?.audioLevels() ?? new Map(),
    stop() {
      topology = new Map();
      mesh?.destroy();
      deps.player.destroy();
      wantsMicrophone = false;
      void microphone.set(false);
    },
  };
}
