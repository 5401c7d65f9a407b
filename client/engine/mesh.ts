import type { SignalData } from '../../shared/peer-message.ts';
import type { IceServer } from '../../shared/protocol.ts';
import type { FrameRouter } from './audio/encoded-pipes.ts';
import type { LinkState, PeerLink, PeerLinkFactory } from './peer-adapter.ts';
import type { Cancel, Timers } from './timers.ts';
import type { SendSample } from './upload-capacity.ts';

/**
 * One WebRTC link per remote member it is asked to connect to (which ones, and what each
 * sends, the room's topology decides: shared/topology.ts).
 *
 * Who initiates is decided by id alone: the member with the lower peer id sends the offer,
 * the other waits for it. Both sides agree without talking, so offers never collide (no glare),
 * and after a failure only the initiator retries. Every attempt carries a fresh `conn` id;
 * signals for any other attempt are stale and ignored.
 */
export type PeerConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'failed';

export interface MeshOptions {
  selfId: string;
  createLink: PeerLinkFactory;
  iceServers: () => readonly IceServer[];
  sendSignal: (to: string, conn: string, data: SignalData) => void;
  /** Whether a member whose link closed is still one to link with, and worth reconnecting to. */
  isMember: (peerId: string) => boolean;
  /** The audio arriving on one slot of a member's link; null for every slot once the link closes. */
  onRemoteTrack: (peerId: string, track: RemoteTrack | null) => void;
  /** Given: links shaped for relaying pipe their frames through it (audio/encoded-pipes.ts). */
  frames?: FrameRouter;
  onMessage: (peerId: string, text: string) => void;
  onState: (peerId: string, state: PeerConnectionState) => void;
  onGone: (peerId: string) => void;
  newConnId: () => string;
  timers: Timers;
}

/**
 * slots: audio transceivers (peer-adapter.ts); relay: opened for relaying, its frames piped
 * through the frame worker. Only links that may carry what we forward are.
 */
export interface LinkShape {
  slots: number;
  relay: boolean;
}

export const PLAIN_LINK: LinkShape = { slots: 1, relay: false };
const sameShape = (a: LinkShape, b: LinkShape): boolean => a.slots === b.slots && a.relay === b.relay;

export interface RemoteTrack {
  slot: number;
  stream: MediaStream;
}

interface LinkEntry {
  /** The link we make, or want the other side to make. */
  shape: LinkShape;
  /** The link we hold now (the offer decides its slots). */
  held: LinkShape;
  conn: string | null;
  link: PeerLink | null;
  connected: boolean;
  failures: number;
  retryTimer: Cancel | null;
  connectTimer: Cancel | null;
  /** We waited for their offer and it never came: shown as failed until one does. */
  gaveUp: boolean;
}

const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 8000;
/** After this many failed attempts in a row the member is shown as unreachable (attempts continue). */
const FAILURES_BEFORE_FAILED = 3;
/** An attempt that has not connected by then is abandoned; simple-peer itself never gives up. */
const CONNECT_TIMEOUT_MS = 15_000;

export interface Mesh {
  /**
   * Ensures a live link to a member of this shape; a no-op when one exists or is being made. A
   * link of another shape is made again (by whichever side offers).
   */
  connect(peerId: string, shape?: LinkShape): void;
  handleSignal(from: string, conn: string, data: SignalData): void;
  drop(peerId: string): void;
  /** Forgets members that are neither in the room nor connected (e.g. left while signaling was down). */
  prune(isMember: (peerId: string) => boolean): void;
  /**
   * What the link to a member sends (null: no RTP at all), now and on any link made to it later;
   * changed without renegotiating.
   */
  send(peerId: string, track: MediaStreamTrack | null): void;
  /** Sends a text on a member's link (dropped while it is not up). */
  message(peerId: string, text: string): void;
  /** Whether the link to a member is up right now. */
  isConnected(peerId: string): boolean;
  /** Whether a link with them exists at all (made, answered or up), not just awaited. */
  holdsLink(peerId: string): boolean;
  /** Members we hold a link with, or are making or awaiting one with. */
  peers(): string[];
  /** Levels on each slot of each link, 0..1. */
  audioLevels(): Map<string, number[]>;
  /** What the link to a member has sent and lost (peer-adapter.ts); null without a link. */
  sendStats(peerId: string): Promise<SendSample | null>;
  destroy(): void;
}

const newEntry = (): LinkEntry => ({ shape: PLAIN_LINK, held: PLAIN_LINK, conn: null, link: null, connected: false, failures: 0, retryTimer: null, connectTimer: null, gaveUp: false });

function clearConnectTimer(entry: LinkEntry): void {
  entry.connectTimer?.();
  entry.connectTimer = null;
}

/** The entry holds no link any more (it closed, or is being made again). */
function detach(entry: LinkEntry): void {
  entry.link = null;
  entry.conn = null;
  entry.connected = false;
  clearConnectTimer(entry);
}

/** Opens one attempt's link; its events count only while it is the entry's current link. */
function openLink(
  options: MeshOptions,
  attempt: { peerId: string; entry: LinkEntry; conn: string; initiator: boolean; track: MediaStreamTrack | null },
  onLinkState: (state: LinkState) => void,
): PeerLink {
  const { peerId, entry, conn } = attempt;
  const { frames } = options;
  const current = (): boolean => entry.link === link;
  const link: PeerLink = options.createLink({
    initiator: attempt.initiator,
    slots: entry.shape.slots,
    track: attempt.track,
    iceServers: options.iceServers(),
    onSignal: (data) => current() && options.sendSignal(peerId, conn, data),
    onRemoteTrack: (slot, stream) => current() && options.onRemoteTrack(peerId, { slot, stream }),
    onMessage: (text) => current() && options.onMessage(peerId, text),
    onState: (state) => current() && onLinkState(state),
    ...(frames && entry.shape.relay ? { pipes: frames.link(peerId) } : {}),
  });
  return link;
}

export function createMesh(options: MeshOptions): Mesh {
  const { timers } = options;
  const entries = new Map<string, LinkEntry>();
  /** What each member's link sends; kept apart from the links, which come and go. */
  const sending = new Map<string, MediaStreamTrack | null>();
  const initiates = (peerId: string): boolean => options.selfId < peerId;

  function entryOf(peerId: string): LinkEntry {
    const entry = entries.get(peerId) ?? newEntry();
    entries.set(peerId, entry);
    return entry;
  }

  function start(peerId: string, entry: LinkEntry, conn: string, initiator: boolean): PeerLink {
    entry.link?.destroy();
    entry.conn = conn;
    entry.connected = false;
    entry.gaveUp = false;
    entry.held = entry.shape;
    clearConnectTimer(entry);
    const track = sending.get(peerId) ?? null;
    const link = openLink(options, { peerId, entry, conn, initiator, track }, (state) => onLinkState(peerId, entry, state));
    entry.link = link;
    entry.connectTimer = timers.after(CONNECT_TIMEOUT_MS, () => {
      entry.connectTimer = null;
      if (entry.link !== link) return;
      link.destroy();
      onLinkState(peerId, entry, 'closed');
    });
    return link;
  }

  function onLinkState(peerId: string, entry: LinkEntry, state: LinkState): void {
    if (state === 'connected') {
      clearConnectTimer(entry);
      entry.connected = true;
      entry.failures = 0;
      options.onState(peerId, 'connected');
      return;
    }
    if (state !== 'closed') {
      options.onState(peerId, state);
      return;
    }
    detach(entry);
    options.onRemoteTrack(peerId, null);
    if (!options.isMember(peerId)) {
      forget(peerId);
      return;
    }
    entry.failures += 1;
    options.onState(peerId, entry.failures >= FAILURES_BEFORE_FAILED ? 'failed' : 'reconnecting');
    if (initiates(peerId)) {
      const delayMs = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (entry.failures - 1));
      entry.retryTimer = timers.after(delayMs, () => {
        entry.retryTimer = null;
        if (entries.get(peerId) === entry && !entry.link) start(peerId, entry, options.newConnId(), true);
      });
    }
  }

  /** The link has the wrong shape: the offering side makes a new one; the other waits for it. */
  function reshape(peerId: string, entry: LinkEntry): void {
    const old = entry.link;
    detach(entry);
    old?.destroy();
    options.onRemoteTrack(peerId, null);
    if (initiates(peerId)) start(peerId, entry, options.newConnId(), true);
    else awaitOffer(peerId, entry);
  }

  /** Waiting for their offer: if it never comes (lost, or dropped as tampered), say so. */
  function awaitOffer(peerId: string, entry: LinkEntry): void {
    clearConnectTimer(entry);
    entry.connectTimer = timers.after(CONNECT_TIMEOUT_MS, () => {
      entry.connectTimer = null;
      if (entry.link) return;
      entry.gaveUp = true;
      options.onState(peerId, 'failed');
    });
  }

  function forget(peerId: string): void {
    const entry = entries.get(peerId);
    if (!entry) return;
    entries.delete(peerId);
    sending.delete(peerId);
    entry.retryTimer?.();
    clearConnectTimer(entry);
    entry.link?.destroy();
    options.onGone(peerId);
  }

  return {
    connect(peerId, shape = PLAIN_LINK) {
      if (peerId === options.selfId) return;
      const entry = entryOf(peerId);
      entry.shape = shape;
      if (entry.link && !sameShape(entry.held, shape)) reshape(peerId, entry);
      // Asked again while already linking, retrying or waiting: nothing changes (nor restarts).
      if (entry.link || entry.retryTimer !== null || entry.connectTimer !== null || entry.gaveUp) return;
      options.onState(peerId, 'connecting');
      if (initiates(peerId)) {
        start(peerId, entry, options.newConnId(), true);
        return;
      }
      awaitOffer(peerId, entry);
    },
    handleSignal(from, conn, data) {
      if (from === options.selfId) return;
      const entry = entries.get(from);
      if (entry && entry.conn === conn) {
        entry.link?.signal(data);
        return;
      }
      // A new attempt can only begin with an offer, and only from the member whose turn it is.
      if (data.type !== 'offer' || initiates(from)) return;
      const fresh = entry ?? entryOf(from);
      fresh.retryTimer?.();
      fresh.retryTimer = null;
      options.onState(from, 'connecting');
      start(from, fresh, conn, false).signal(data);
    },
    drop: forget,
    prune(isMember) {
      for (const [peerId, entry] of [...entries]) if (!entry.connected && !isMember(peerId)) forget(peerId);
    },
    send(peerId, track) {
      if ((sending.get(peerId) ?? null) === track && sending.has(peerId)) return;
      sending.set(peerId, track);
      void entries.get(peerId)?.link?.setAudioTrack(track);
    },
    message: (peerId, text) => entries.get(peerId)?.link?.message(text),
    isConnected: (peerId) => entries.get(peerId)?.connected === true,
    holdsLink: (peerId) => (entries.get(peerId)?.link ?? null) !== null,
    peers: () => [...entries.keys()],
    audioLevels() {
      const levels = new Map<string, number[]>();
      for (const [peerId, entry] of entries) levels.set(peerId, entry.link?.remoteAudioLevels() ?? []);
      return levels;
    },
    sendStats: (peerId) => entries.get(peerId)?.link?.sendStats() ?? Promise.resolve(null),
    destroy() {
      for (const peerId of [...entries.keys()]) forget(peerId);
    },
  };
}
