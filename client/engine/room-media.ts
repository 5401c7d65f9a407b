import type { SignalData } from '../../shared/peer-message.ts';
import type { IceServer } from '../../shared/protocol.ts';
import { FEED_SLOTS, STAGE_MIX } from '../../shared/link-message.ts';
import type { PlannedLink, Topology } from '../../shared/topology.ts';
import { createFrameRouter, type FrameRouter, type RelayPath } from './audio/encoded-pipes.ts';
import type { SilentTrack } from './audio/silent-track.ts';
import type { StageMix } from './audio/stage-mix.ts';
import type { AudioInput, Microphone, MicrophoneStatus } from './audio/microphone.ts';
import type { RemotePlayer } from './audio/remote-player.ts';
import { createMesh, type LinkShape, type Mesh, type PeerConnectionState, type RemoteTrack } from './mesh.ts';
import { createMicrophoneGate } from './microphone-gate.ts';
import type { PeerLinkFactory } from './peer-adapter.ts';
import { createRelay, type Relay, type RelayStatus } from './relay.ts';
import { createStageMixing } from './stage-mixing.ts';
import type { Timers } from './timers.ts';
import type { FeedReading } from './upload-capacity.ts';

/**
 * Makes the room's media follow its topology (shared/topology.ts): which links exist, what
 * each sends, whose audio plays, and whether the microphone is captured at all.
 */
export interface RoomMediaDeps {
  timers: Timers;
  createLink: PeerLinkFactory;
  player: RemotePlayer;
  microphone: Microphone;
  /** The frame worker, or null where the page cannot load it (audio/encoded-pipes.ts). */
  frameWorker(): Worker | null;
  /** A silent track of our own for forwarded frames to ride in, where the browser needs one (Firefox); absent: no such forwarding. */
  carrierTrack?: () => SilentTrack;
  /** A mix of the stage to feed others, where the page can make one (audio/stage-mix.ts); absent: we forward each speaker even where the plan asks for a mix. */
  stageMix?: () => StageMix;
  /** The plan has us feed the stage mixed into one stream (shared/tree-plan.ts). */
  mixes(): boolean;
  muted(): boolean;
  /** Still in the room: a room that is over must not start capturing. */
  active(): boolean;
  /** The person joined: until then nothing plays, whatever the topology says. */
  listening(): boolean;
  /** The server lists them in the room now. */
  isListed(peerId: string): boolean;
  /** Whether the room log lets us hold a link with them at all (shared/topology.ts mayLink). */
  mayLink(peerId: string): boolean;
  /** Whether the room log lets us hear them (a relay's slot may carry anyone). */
  mayHear(peerId: string): boolean;
  /** Where the stage's audio reaches us from, whether mixed, how many we forward it to, or whether we mix for them, changed. */
  onRelay(status: RelayStatus): void;
  trace?: (line: string) => void;
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
  /** Drops every link, to be made again as the topology next says (under new link options). */
  relink(): void;
  /** Whether we hold, make or await a link with them. */
  linked(peerId: string): boolean;
  selectInput(deviceId: string): Promise<void>;
  /** Levels by whose audio it is, 0..1. */
  audioLevels(): Map<string, number>;
  relayStatus(): RelayStatus;
  /** What those we forward to report lost, by member, and how many speakers we forward (upload-capacity.ts). */
  feedStats(): Promise<FeedReading>;
  /** How this page forwards frames, if at all (audio/encoded-pipes.ts). */
  relayPath(): RelayPath;
  /** Leaving on purpose: we fall silent, and those we feed switch to their backups. True if anyone was told. */
  handOver(): boolean;
  stop(): void;
}

/** A member's own microphone is its link's slot 0 and keyed by its id alone, as before relaying. */
const playerKey = (peer: string, slot: number): string => (slot === 0 ? peer : `${peer}#${slot}`);

/** Feeds carry a slot per stage seat; what may be forwarded is piped through the frame worker where the browser can. */
const shapeOf = (link: PlannedLink, canRelay: boolean): LinkShape => ({ slots: link.feed ? FEED_SLOTS : 1, relay: link.relays === true && canRelay });

/** A link kept outside the topology: it carries nothing either way until the topology has it. */
const SILENT = { make: false, send: false, play: false } as const;

export function createRoomMedia(deps: RoomMediaDeps): RoomMedia {
  let topology: Topology = new Map();
  let iceServers: readonly IceServer[] = [];
  let mesh: Mesh | null = null;
  let capture: Promise<void> = Promise.resolve();
  let wantsMicrophone = false;
  let selfId: string | null = null;
  /** Left on purpose, still forwarding a moment: we hear nothing and send nothing of our own. */
  let handingOver = false;
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

  /** The stage mixed for those we feed, where the plan asks for it and the page can make it: what plays, mixed. */
  const mixer = deps.stageMix ? createStageMixing(deps.player, deps.stageMix) : null;
  const player: RemotePlayer = mixer ?? deps.player;

  /** Our microphone where the link carries it; the mix we make to those we feed while we mix. */
  function applySends(): void {
    const mix = mixer?.track() ?? null;
    const fed = mix ? new Set(relay.feeds()) : null;
    for (const [peer, link] of topology) mesh?.send(peer, link.send ? microphone.track() : fed?.has(peer) ? mix : null);
  }

  /** Where relayed frames are piped (a worker, started with the first link that relays); null where we cannot relay. */
  const frames: FrameRouter | null = createFrameRouter({ onArrivals: (from) => relay.arrived(from), spawn: deps.frameWorker, ...(deps.carrierTrack ? { carrier: deps.carrierTrack } : {}) });
  const relay = createRelay({
    timers: deps.timers,
    route: (routes, targets) => frames?.route(routes, targets),
    message: (peer, text) => mesh?.message(peer, text),
    isUp: (peer) => mesh?.isConnected(peer) === true,
    onChange: () => {
      if (!relay.status().mixing) mixer?.stop();
      applySends();
      applyPlayback();
      deps.onRelay(relay.status());
    },
    mixReady: () => deps.mixes() && mixer?.start() === true,
    levels: () => levelsOf(mesh, relay, deps.mayHear),
    ...(deps.trace ? { trace: deps.trace } : {}),
  });
  /** The slots on which each member's link brought us audio. */
  const slotsHeard = new Map<string, Set<number>>();

  /** Nothing plays before the person joins, nor once they are leaving. */
  const audible = (peer: string, slot: number): boolean => deps.listening() && !handingOver && slotAudible(topology.get(peer), relay, { peer, slot, onStage: wantsMicrophone }, deps.mayHear);

  /** The player remembers each choice, for audio that arrives later too; `gone` are members just unlinked. */
  function applyPlayback(gone: Iterable<string> = []): void {
    for (const peer of new Set([...gone, ...topology.keys(), ...slotsHeard.keys()])) {
      for (const slot of new Set([0, ...(slotsHeard.get(peer) ?? [])])) player.setAudible(playerKey(peer, slot), audible(peer, slot));
    }
  }

  function onRemoteTrack(peer: string, track: RemoteTrack | null): void {
    if (track === null) {
      for (const slot of slotsHeard.get(peer) ?? []) player.play(playerKey(peer, slot), null);
      slotsHeard.delete(peer);
      return;
    }
    const slots = slotsHeard.get(peer) ?? new Set();
    slotsHeard.set(peer, slots.add(track.slot));
    const key = playerKey(peer, track.slot);
    player.setAudible(key, audible(peer, track.slot));
    player.play(key, track.stream);
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
        onRemoteTrack,
        onMessage: relay.message,
        ...(frames ? { frames } : {}),
        onState: (peer, state) => {
          if (state === 'connected') relay.linkUp(peer);
          deps.onConnection(peer, state);
        },
        onGone: deps.onUnlinked,
        newConnId: deps.newConnId,
        timers: deps.timers,
      });
    },
    prune: (isListed) => mesh?.prune(isListed),
    apply(next, onStage) {
      const before = topology.keys();
      // Before playback is applied: a mix is silent to us on stage.
      if (onStage !== wantsMicrophone) capture = microphone.set(onStage);
      wantsMicrophone = onStage;
      topology = mesh ? keptLinks(mesh, next, topology, deps.isListed, theirsToEnd) : new Map(next);
      relay.apply(topology);
      applySends();
      applyPlayback(before);
      for (const [peer, link] of topology) if (link.make) mesh?.connect(peer, shapeOf(link, frames?.relays() === true));
    },
    captured: () => capture,
    signal(from, conn, data) {
      if (topology.has(from) || deps.mayLink(from)) mesh?.handleSignal(from, conn, data);
    },
    drop: (peerId) => mesh?.drop(peerId),
    relink() {
      for (const peer of mesh?.peers() ?? []) mesh?.drop(peer);
    },
    linked: (peerId) => mesh?.peers().includes(peerId) ?? false,
    async selectInput(deviceId) {
      await deps.microphone.switchTo(deviceId);
      applySends();
    },
    audioLevels: () => levelsOf(mesh, relay, deps.mayHear),
    relayStatus: () => relay.status(),
    feedStats: () => readFeeds(relay, mesh),
    relayPath: () => (frames?.relays() ? frames.path : null),
    handOver() {
      handingOver = true;
      mixer?.handOver();
      applyPlayback();
      if (wantsMicrophone) capture = microphone.set(false);
      wantsMicrophone = false;
      return relay.leaving();
    },
    stop() {
      topology = new Map();
      relay.stop();
      mesh?.destroy();
      frames?.close();
      player.destroy();
      wantsMicrophone = false;
      void microphone.set(false);
    },
  };
}

/** The topology's links, and those outside it that are kept (RoomMedia.apply); the rest are dropped. */
function keptLinks(mesh: Mesh, next: Topology, current: Topology, isListed: (peer: string) => boolean, theirsToEnd: (peer: string) => boolean): Map<string, PlannedLink> {
  const kept = new Map(next);
  for (const peer of mesh.peers()) {
    if (next.has(peer)) continue;
    const survivor = !isListed(peer) && mesh.isConnected(peer);
    const plan = current.get(peer);
    if (survivor && plan) kept.set(peer, plan);
    // Only a link they made: one we merely awaited is forgotten, and shown as no link at all.
    else if (theirsToEnd(peer) && mesh.holdsLink(peer)) kept.set(peer, SILENT);
    else if (!survivor) mesh.drop(peer);
  }
  return kept;
}

/** Nothing plays unless the topology says so, and a relay's slot only as the log allows whom it carries. */
function slotAudible(link: PlannedLink | undefined, relay: Relay, { peer, slot, onStage }: { peer: string; slot: number; onStage: boolean }, mayHear: (peer: string) => boolean): boolean {
  if (!link) return false;
  // A speaker's own link is silent while the feed we still hear carries them (relay.ts sourceOf): never twice.
  if (link.feed === undefined) return slot === 0 && link.play && relay.sourceOf(peer, 0) !== null;
  const source = relay.sourceOf(peer, slot);
  // A mix carries the stage: which of it the log lets be heard, the relay that made it decided. On
  // stage ourselves (just invited, the old feed still lingering), it would carry our own voice back.
  if (source === STAGE_MIX) return !onStage;
  return source !== null && mayHear(source);
}

/**
 * How loud each speaker the log lets us hear is, 0..1. A mix carries them all, so its slot counts
 * as what the relay that made it says of each. (A relay that mixes hears no mix: it reads only the
 * speakers it hears apart, which is what its own mix carries beside it.)
 */
function levelsOf(mesh: Mesh | null, relay: Relay, mayHear: (peer: string) => boolean): Map<string, number> {
  const levels = new Map<string, number>();
  const add = (source: string, level: number): void => void (mayHear(source) && levels.set(source, Math.max(level, levels.get(source) ?? 0)));
  for (const [peer, slots] of mesh?.audioLevels() ?? []) {
    slots.forEach((level, slot) => {
      const source = relay.sourceOf(peer, slot);
      if (source === STAGE_MIX) for (const [speaker, said] of relay.mixLevels()) add(speaker, said);
      else if (source !== null) add(source, level);
    });
  }
  return levels;
}

/** What those we forward to report lost, by member, and how many speakers we forward each. */
async function readFeeds(relay: Relay, mesh: Mesh | null): Promise<FeedReading> {
  const feeds = relay.feeds();
  const stats = await Promise.all(feeds.map((peer) => mesh?.sendStats(peer) ?? Promise.resolve(null)));
  return { links: new Map(feeds.flatMap((peer, i) => (stats[i] ? [[peer, stats[i]] as const] : []))), streams: relay.streams() };
}
