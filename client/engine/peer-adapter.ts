import SimplePeer from 'simple-peer';
import type { SignalData } from '../../shared/peer-message.ts';
import type { IceServer } from '../../shared/protocol.ts';

/** The only module that knows simple-peer; the engine sees this interface. */
export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface PeerLink {
  signal(data: SignalData): void;
  /** Swaps the microphone track without renegotiating. */
  setAudioTrack(track: MediaStreamTrack | null): Promise<void>;
  /** Current level of the remote speaker, 0..1, from RTP audio-level headers (no decoding needed). */
  remoteAudioLevel(): number;
  destroy(): void;
}

export interface PeerLinkOptions {
  initiator: boolean;
  stream: MediaStream | null;
  iceServers: readonly IceServer[];
  onSignal: (data: SignalData) => void;
  onRemoteStream: (stream: MediaStream) => void;
  onState: (state: LinkState, error?: string) => void;
}

export type PeerLinkFactory = (options: PeerLinkOptions) => PeerLink;

export const createSimplePeerLink: PeerLinkFactory = (options) => {
  const peer = new SimplePeer({
    initiator: options.initiator,
    trickle: true,
    config: { iceServers: [...options.iceServers] },
    ...(options.stream ? { stream: options.stream } : {}),
    // A listen-only initiator still needs an audio m-line so the other side can send to it.
    offerOptions: { offerToReceiveAudio: true },
  });
  const pc = (peer as unknown as { _pc: RTCPeerConnection })._pc;
  let closed = false;
  const close = (error?: string): void => {
    if (closed) return;
    closed = true;
    options.onState('closed', error);
  };

  peer.on('signal', (data) => options.onSignal(data as SignalData));
  peer.on('stream', (stream: MediaStream) => options.onRemoteStream(stream));
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
      const sender = pc.getSenders().find((s) => s.track?.kind === 'audio' || s.track === null);
      if (sender && !closed) await sender.replaceTrack(track);
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
