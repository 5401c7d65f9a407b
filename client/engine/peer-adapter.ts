import SimplePeer from 'simple-peer';
import type { SignalData } from '../../shared/peer-message.ts';
import type { IceServer } from '../../shared/protocol.ts';

/** The only module that knows simple-peer; the engine sees this interface. */
export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface PeerLink {
  signal(data: SignalData): void;
  /**
   * What this link sends: a microphone track, or null to send no RTP at all. Never renegotiates:
   * every link is negotiated able to send, so going on or off stage is a track swap.
   */
  setAudioTrack(track: MediaStreamTrack | null): Promise<void>;
  /** Current level of the remote speaker, 0..1, from RTP audio-level headers (no decoding needed). */
  remoteAudioLevel(): number;
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
  onSignal: (data: SignalData) => void;
  /** The remote member's audio, once per link (it may stay silent until they send). */
  onRemoteStream: (stream: MediaStream) => void;
  onState: (state: LinkState, error?: string) => void;
}

export type PeerLinkFactory = (options: PeerLinkOptions) => PeerLink;

/**
 * Invariant: a link has exactly one audio transceiver, negotiated 'sendrecv' whether or not a
 * track exists yet, so a track can start or stop flowing later with `replaceTrack` alone — no
 * offer, no answer. A sender without a track sends no RTP.
 *
 * simple-peer is given no stream: `addStream` would make the transceiver recvonly when there is
 * no microphone, and its 'stream' event only fires for tracks sent with a stream id, which a
 * bare transceiver has none of. So the transceiver and the remote audio are handled on the
 * RTCPeerConnection here.
 */
export const createSimplePeerLink: PeerLinkFactory = (options) => {
  const peer = new SimplePeer({
    initiator: options.initiator,
    trickle: true,
    config: { iceServers: [...options.iceServers], iceTransportPolicy: options.relayOnly ? 'relay' : 'all' },
  });
  const pc = (peer as unknown as { _pc: RTCPeerConnection })._pc;
  let closed = false;
  let wanted = options.track;
  let transceiver: RTCRtpTransceiver | null = null;
  let remote: MediaStream | null = null;

  const close = (error?: string): void => {
    if (closed) return;
    closed = true;
    options.onState('closed', error);
  };

  // Reads `wanted` when called; replaceTrack calls run in order on the connection's operation
  // chain, so the last one called wins.
  const applyTrack = async (): Promise<void> => {
    if (!transceiver || closed) return;
    try {
      await transceiver.sender.replaceTrack(wanted);
    } catch (error) {
      if (!closed) throw error;
    }
  };

  const adopt = (found: RTCRtpTransceiver): void => {
    if (transceiver) return;
    transceiver = found;
    // Synchronous on purpose: simple-peer creates its answer right after setRemoteDescription
    // resolves, which is after this runs, so the answer says sendrecv.
    found.direction = 'sendrecv';
    applyTrack().catch(() => {});
  };

  if (options.initiator) {
    // simple-peer negotiates from a microtask and then a setTimeout(0), so a transceiver added
    // now is in the first offer.
    adopt(pc.addTransceiver('audio', { direction: 'sendrecv' }));
  } else {
    // The answerer's transceiver is created by setRemoteDescription(offer). 'signalingstatechange'
    // to have-remote-offer and 'track' both fire before that resolves; the former also covers an
    // offer that does not send to us (a peer on an older build offering recvonly).
    pc.addEventListener('signalingstatechange', () => {
      if (closed || pc.signalingState !== 'have-remote-offer') return;
      const audio = pc.getTransceivers().find((t) => t.receiver.track.kind === 'audio');
      if (audio) adopt(audio);
    });
  }
  pc.addEventListener('track', (event) => {
    if (closed || event.track.kind !== 'audio') return;
    adopt(event.transceiver);
    if (remote) return;
    remote = event.streams[0] ?? new MediaStream([event.track]);
    options.onRemoteStream(remote);
  });

  peer.on('signal', (data) => options.onSignal(data as SignalData));
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
    remoteAudioLevel() {
      if (closed) return 0;
      let level = 0;
      for (const receiver of pc.getReceivers()) {
        for (const source of receiver.getSynchronizationSources()) level = Math.max(level, source.audioLevel ?? 0);
      }
      return level;
    },
    destroy() {
      closed = true;
      peer.destroy();
    },
  };
};
