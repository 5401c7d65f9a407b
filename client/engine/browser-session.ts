import { randomBytes } from '../../shared/crypto.ts';
import { createMicrophone } from './audio/microphone.ts';
import { createRemotePlayer } from './audio/remote-player.ts';
import { createPlainCodec } from './envelope-codec.ts';
import { createSimplePeerLink } from './peer-adapter.ts';
import { createRoomSession, type RoomSession } from './room-session.ts';

/** Wires a room session to the real browser: WebSocket, WebRTC, microphone and speakers. */
export function createBrowserSession(options: { roomId: string; title?: string; origin: URL }): RoomSession {
  const wsUrl = new URL('/ws', options.origin);
  wsUrl.protocol = options.origin.protocol === 'https:' ? 'wss:' : 'ws:';
  return createRoomSession({
    signalingUrl: wsUrl.href,
    roomId: options.roomId,
    microphone: createMicrophone({
      mediaDevices: navigator.mediaDevices,
      createAudioContext: () => new AudioContext(),
    }),
    player: createRemotePlayer(),
    codec: createPlainCodec(),
    createLink: createSimplePeerLink,
    randomBytes,
    ...(options.title ? { title: options.title } : {}),
  });
}
