import SimplePeer from 'simple-peer';
import type { SignalData } from '../../shared/peer-message.ts';
import type { IceServer } from '../../shared/protocol.ts';
import { ENCODED_CONFIG, type EncodedPipes } from './audio/encoded-pipes.ts';
import { opusAs109 } from './opus-payload.ts';
import type { SendSample } from './upload-capacity.ts';

/** The only module that knows simple-peer; the engine sees this interface. */
export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface PeerLink {
  signal(data: SignalData): void;
  /**
   * What this link sends: a microphone track, or null to send no RTP at all. Never renegotiates:
   * every link is negotiated able to send, so going on or off stage is a track swap.
   */
  setAudioTrack(track: MediaStreamTrack | null): Promise<void>;
  /** Current level on each slot, 0..1, from RTP audio-level headers (no decoding needed). */
  remoteAudioLevels(): number[];
  /** Sends a text on the link's data channel; dropped while it is not open. */
  message(text: string): void;
  /** What the other end reports lost of what the link sends, and how many reports came (upload-capacity.ts); null once closed. */
  sendStats(): Promise<SendSample | null>;
  destroy(): void;
}

export interface PeerLinkOptions {
  initiator: boolean;
  /** The track to send from the start; null sends nothing until setAudioTrack gives one. */
  track: MediaStreamTrack | null;
  iceServers: readonly IceServer[];
  /**
   * Relayed paths only ("Hide my IP address"): the browser gathers and signals no candidate but
   * its TURN allocations, so the other side never learns our addresses. With no TURN server among
   * `iceServers` the link cannot connect, which is the point: it fails rather than go direct.
   */
  relayOnly?: boolean;
  /**
   * Audio transceivers the offering side opens: 1 for a member's own microphone, FEED_SLOTS for a
   * relay feed (shared/link-message.ts). The answering side takes however many are offered.
   */
  slots?: number;
  /** Opens the link for relaying (audio/encoded-pipes.ts): every frame, both ways, goes through these pipes. */
  pipes?: EncodedPipes;
  onMessage?: (text: string) => void;
  /** A TURN server refused the credentials the room server gave us, so relayed paths cannot work. */
  onRelayRefused?: () => void;
  onSignal: (data: SignalData) => void;
  /** The audio arriving on one slot, once per slot (it may stay silent until they send). */
  onRemoteTrack: (slot: number, stream: MediaStream) => void;
  onState: (state: LinkState, error?: string) => void;
}

export type PeerLinkFactory = (options: PeerLinkOptions) => PeerLink;

/**
 * Invariant: a link has its audio transceivers (slots) from the first offer, each negotiated
 * 'sendrecv' whether or not a track exists yet, so a track can start or stop flowing later with `replaceTrack` alone — no
 * offer, no answer. A sender without a track sends no RTP.
 *
 * simple-peer is given no stream: `addStream` would make the transceiver recvonly when there is
 * no microphone, and its 'stream' event only fires for tracks sent with a stream id, which a
 * bare transceiver has none of. So the transceiver and the remote audio are handled on the
 * RTCPeerConnection here.
 */
export const createSimplePeerLink: PeerLinkFactory = (options) => {
  const config: RTCConfiguration = {
    iceServers: [...options.iceServers],
    iceTransportPolicy: options.relayOnly ? 'relay' : 'all',
    // Every browser we link with bundles; without this an offer gathers candidates for each of a feed's nine m-lines.
    bundlePolicy: 'max-bundle',
  };
  const peer = new SimplePeer({
    initiator: options.initiator,
    trickle: true,
    config: options.pipes ? { ...config, ...ENCODED_CONFIG } : config,
    sdpTransform: opusAs109,
  });
  const pc = (peer as unknown as { _pc: RTCPeerConnection })._pc;
  const { pipes } = options;
  let closed = false;
  let wanted = options.track;
  /** What we put on slot 0 last (undefined: unknown): a slot we never gave a track of ours is left to whoever else sends on it (a relay's carrier, transform-pipes.ts). */
  let applied: MediaStreamTrack | null | undefined = null;
  /** Slot 0: the one that carries our microphone. */
  let transceiver: RTCRtpTransceiver | null = null;
  const remote = new Map<number, MediaStream>();

  const close = (error?: string): void => {
    if (closed) return;
    closed = true;
    pipes?.close();
    options.onState('closed', error);
  };

  // Reads `wanted` when called; replaceTrack calls run in order on the connection's operation
  // chain, so the last one called wins.
  const applyTrack = async (): Promise<void> => {
    if (!transceiver || closed || wanted === applied) return;
    applied = wanted;
    try {
      const replaced = transceiver.sender.replaceTrack(wanted);
      // Told after asking, so that a carrier the pipes ask for in turn comes after it (transform-pipes.ts).
      pipes?.sending(wanted);
      await replaced;
    } catch (error) {
      // What the slot holds now is not known: the next call puts what it wants, whatever it is.
      applied = undefined;
      if (!closed) throw error;
    }
  };

  const audioTransceivers = (): RTCRtpTransceiver[] => pc.getTransceivers().filter((t) => t.receiver.track.kind === 'audio');

  // Synchronous on purpose: simple-peer creates its answer right after setRemoteDescription
  // resolves, which is after this runs, so the answer says sendrecv; and frames must be piped
  // before the first one flows.
  const adopt = (): void => {
    const all = audioTransceivers();
    for (const found of all) found.direction = 'sendrecv';
    pipes?.adopt(all);
    if (transceiver || !all[0]) return;
    transceiver = all[0];
    applyTrack().catch(() => {});
  };

  if (options.initiator) {
    // simple-peer negotiates from a microtask and then a setTimeout(0), so transceivers added
    // now are in the first offer.
    for (let slot = 0; slot < (options.slots ?? 1); slot += 1) pc.addTransceiver('audio', { direction: 'sendrecv' });
    adopt();
  } else {
    // The answerer's transceivers are created by setRemoteDescription(offer). 'signalingstatechange'
    // to have-remote-offer and 'track' both fire before that resolves; the former also covers an
    // offer that does not send to us (a peer on an older build offering recvonly).
    pc.addEventListener('signalingstatechange', () => {
      if (!closed && pc.signalingState === 'have-remote-offer') adopt();
    });
  }
  pc.addEventListener('track', (event) => {
    if (closed || event.track.kind !== 'audio') return;
    adopt();
    const slot = audioTransceivers().indexOf(event.transceiver);
    if (slot < 0 || remote.has(slot)) return;
    const stream = new MediaStream([event.track]);
    remote.set(slot, stream);
    options.onRemoteTrack(slot, stream);
  });

  pc.addEventListener('icecandidateerror', (event) => {
    const { url, errorCode } = event as RTCPeerConnectionIceErrorEvent;
    // 401: the credentials do not check out (the room server's TURN secret is not the relay's); 403: refused outright.
    if (!closed && /^turns?:/.test(url) && (errorCode === 401 || errorCode === 403)) options.onRelayRefused?.();
  });

  peer.on('signal', (data) => options.onSignal(data as SignalData));
  peer.on('data', (data: Uint8Array | string) => {
    if (!closed) options.onMessage?.(typeof data === 'string' ? data : new TextDecoder().decode(data));
  });
  peer.on('connect', () => options.onState('connected'));
  peer.on('iceStateChange', (ice: RTCIceConnectionState) => {
    if (closed) return;
    if (ice === 'disconnected') options.onState('reconnecting');
    else if ((ice === 'connected' || ice === 'completed') && peer.connected) options.onState('connected');
  });
  peer.on('close', () => close());
  peer.on('error', (error: Error & { code?: string }) => close(error.code ?? error.message));

  return {
    signal(data) {
      if (!closed) peer.signal(data as SimplePeer.SignalData);
    },
    async setAudioTrack(track) {
      wanted = track;
      await applyTrack();
    },
    remoteAudioLevels() {
      if (closed) return [];
      return audioTransceivers().map(({ receiver }) =>
        receiver.getSynchronizationSources().reduce((level, source) => Math.max(level, source.audioLevel ?? 0), 0),
      );
    },
    message(text) {
      if (closed || !peer.connected) return;
      try {
        peer.send(text);
      } catch {
        // The channel closed between the check and the send; the link's close follows.
      }
    },
    async sendStats() {
      // A link closing meanwhile has nothing more to say.
      const report = closed ? null : await pc.getStats().catch(() => null);
      if (!report) return null;
      let fractionLost: number | null = null;
      let reports: number | null = null;
      // The worst loss any slot's receiver reports, and how many reports have come on all of them.
      report.forEach((stat: { type: string; kind?: string; fractionLost?: number; roundTripTimeMeasurements?: number }) => {
        if (stat.type !== 'remote-inbound-rtp' || stat.kind !== 'audio' || typeof stat.fractionLost !== 'number') return;
        fractionLost = Math.max(fractionLost ?? 0, stat.fractionLost);
        if (typeof stat.roundTripTimeMeasurements === 'number') reports = (reports ?? 0) + stat.roundTripTimeMeasurements;
      });
      return closed ? null : { fractionLost, reports };
    },
    destroy() {
      closed = true;
      pipes?.close();
      peer.destroy();
    },
  };
};
