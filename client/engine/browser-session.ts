import { randomBytes, type Identity } from '../../shared/crypto.ts';
import type { RoomKind } from '../../shared/room-state.ts';
import { createMicrophone } from './audio/microphone.ts';
import { createRemotePlayer } from './audio/remote-player.ts';
import { createSimplePeerLink } from './peer-adapter.ts';
import { createRoom, type Room } from './room.ts';

export interface BrowserSessionOptions {
  roomId: string;
  roomKey: Uint8Array;
  /** The host's identity key from the room link (base64url). */
  hostKey: string;
  identity: Identity;
  title?: string;
  createdKind?: RoomKind;
  origin: URL;
}

/** Wires a room session to the real browser: WebSocket, WebRTC, microphone and speakers. */
export function createBrowserSession(options: BrowserSessionOptions): Room {
  const wsUrl = new URL('/ws', options.origin);
  wsUrl.protocol = options.origin.protocol === 'https:' ? 'wss:' : 'ws:';
  return createRoom({
    signalingUrl: wsUrl.href,
    roomId: options.roomId,
    roomKey: options.roomKey,
    hostKey: options.hostKey,
    identity: options.identity,
    microphone: createMicrophone({
      mediaDevices: navigator.mediaDevices,
      createAudioContext: () => new AudioContext(),
    }),
    player: createRemotePlayer(),
    createLink: createSimplePeerLink,
    randomBytes,
    trace: (line) => console.debug(line),
    ...(options.title ? { title: options.title } : {}),
    ...(options.createdKind ? { createdKind: options.createdKind } : {}),
  });
}
