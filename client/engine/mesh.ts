import type { SignalData } from '../../shared/peer-message.ts';
import type { IceServer } from '../../shared/protocol.ts';
import type { LinkState, PeerLink, PeerLinkFactory } from './peer-adapter.ts';
import type { Cancel, Timers } from './timers.ts';

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
  onRemoteStream: (peerId: string, stream: MediaStream | null) => void;
  onState: (peerId: string, state: PeerConnectionState) => void;
  onGone: (peerId: string) => void;
  newConnId: () => string;
  timers: Timers;
}

interface LinkEntry {
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
  /** Ensures a live link to a member; a no-op when one exists or is being made. */
  connect(peerId: string): void;
  handleSignal(from: string, conn: string, data: SignalData): void;
  drop(peerId: string): void;
  /** Forgets members that are neither in the room nor connected (e.g. left while signaling was down). */
  prune(isMember: (peerId: string) => boolean): void;
  /**
   * What the link to a member sends (null: no RTP at all), now and on any link made to it later;
   * changed without renegotiating.
   */
  send(peerId: string, track: MediaStreamTrack | null): void;
  /** Whether the link to a member is up right now. */
  isConnected(peerId: string): boolean;
  /** Members we hold a link with, or are making or awaiting one with. */
  peers(): string[];
  audioLevels(): Map<string, number>;
  destroy(): void;
}

const newEntry = (): LinkEntry => ({ conn: null, link: null, connected: false, failures: 0, retryTimer: null, connectTimer: null, gaveUp: false });

function clearConnectTimer(entry: LinkEntry): void {
  entry.connectTimer?.();
  entry.connectTimer = null;
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
    clearConnectTimer(entry);
    const link = options.createLink({
      initiator,
      track: sending.get(peerId) ?? null,
      iceServers: options.iceServers(),
      onSignal: (data) => {
        if (entry.link === link) options.sendSignal(peerId, conn, data);
      },
      onRemoteStream: (stream) => {
        if (entry.link === link) options.onRemoteStream(peerId, stream);
      },
      onState: (state) => {
        if (entry.link === link) onLinkState(peerId, entry, state);
      },
    });
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
    entry.link = null;
    entry.conn = null;
    entry.connected = false;
    clearConnectTimer(entry);
    options.onRemoteStream(peerId, null);
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
    connect(peerId) {
      if (peerId === options.selfId) return;
      const entry = entryOf(peerId);
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
    isConnected: (peerId) => entries.get(peerId)?.connected === true,
    peers: () => [...entries.keys()],
    audioLevels() {
      const levels = new Map<string, number>();
      for (const [peerId, entry] of entries) levels.set(peerId, entry.link?.remoteAudioLevel() ?? 0);
      return levels;
    },
    destroy() {
      for (const peerId of [...entries.keys()]) forget(peerId);
    },
  };
}
