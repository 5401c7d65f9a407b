import { randomBytes } from '../../shared/crypto.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import { createRoomSecret, parseRoomFragment, roomIdOf, roomKeyOf, roomLink } from '../../shared/room-link.ts';
import { err, ok, type ParseError, type Result } from '../../shared/result.ts';
import { createMicrophone } from './audio/microphone.ts';
import { createRemotePlayer } from './audio/remote-player.ts';
import { createSilentTrack } from './audio/silent-track.ts';
import { createStageMix } from './audio/stage-mix.ts';
import { createSimplePeerLink } from './peer-adapter.ts';
import { identityInRoom } from './identity-key.ts';
import { loadProfile, saveProfile } from './profile-store.ts';
import { fetchRelayOffer } from './relay-offer.ts';
import { loadRoomDraft, saveRoomDraft, type RoomDraft } from './room-drafts.ts';
import { createRoom } from './room.ts';
import { loadVerified, saveVerified } from './verified-store.ts';
import { loadRoomMemory, saveRoomKeys, saveSnapshotVersion } from './room-memory.ts';
import type { Room } from './room-types.ts';
import { webCryptoSigner } from './background-signer.ts';
import { createSignatureCheck } from './signature-check.ts';

/**
 * The engine's front door, the same for every shell (the app and the embed widget): a room
 * link in, a room out. It parses the link, derives the room's id and key, loads (or creates)
 * this browser's identity, and wires the room to the real browser: WebSocket, WebRTC,
 * microphone and speakers. Shells never touch keys or storage.
 */
export interface OpenedRoom {
  room: Room;
  /** The link to share: the room's secret in the fragment, on this page's origin. */
  link: string;
}

export interface OpenOptions {
  /** The name to offer in the join form, in place of the one this browser remembers (a site that knows its visitor). */
  name?: string;
}

/** Opens the room a link (`https://host/r/#secret`) leads to; a link that is not one is an error value. */
export async function openRoom(href: string, options: OpenOptions = {}): Promise<Result<OpenedRoom, ParseError>> {
  const url = URL.canParse(href) ? new URL(href) : null;
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    return err({ code: 'bad-link', message: 'That is not a Porch room link: it should start with https:// and end in #…' });
  }
  const parsed = parseRoomFragment(url.hash);
  if (!parsed.ok) return err(parsed.error);
  const secret = parsed.value;
  const roomId = roomIdOf(secret);
  const [profile, draft, verified, memory] = await Promise.all([loadProfile(), loadRoomDraft(roomId), loadVerified(), loadRoomMemory(roomId)]);
  const identity = await identityInRoom(profile.identity, roomId).catch((error: unknown) => {
    console.error(error);
    return null;
  });
  if (!identity) return err({ code: 'no-identity', message: 'This browser could not sign with its identity key. Reload the page to try again.' });
  const signalingUrl = new URL('/ws', url.origin);
  signalingUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const room = createRoom({
    signalingUrl: signalingUrl.href,
    roomId,
    roomKey: roomKeyOf(secret),
    hostKey: toBase64Url(secret.hostKey),
    identity,
    name: options.name?.trim() || profile.name,
    hideAddress: profile.hideAddress,
    relayOffered: () => fetchRelayOffer(url.origin),
    onJoin: (name, { hideAddress }) => void saveProfile({ ...profile, name, hideAddress }),
    onHideAddress: (hideAddress) => void saveProfile({ ...profile, hideAddress }),
    verified,
    onVerified: (list) => void saveVerified(list),
    keptKeys: memory.keys,
    onKeys: (keys) => void saveRoomKeys(roomId, keys),
    snapshotVersion: memory.snapshotVersion,
    onSnapshotVersion: (version) => void saveSnapshotVersion(roomId, version),
    microphone: createMicrophone({
      mediaDevices: navigator.mediaDevices,
      createAudioContext: () => new AudioContext(),
      createStream: (tracks) => new MediaStream(tracks),
    }),
    player: createRemotePlayer(),
    createLink: createSimplePeerLink,
    // Built beside the app (build.mjs); a worker must be of the page's origin, which a widget on another site is not.
    frameWorker: () => (location.origin === url.origin ? new Worker(new URL('/frame-worker.js', url.origin)) : null),
    carrierTrack: () => createSilentTrack(),
    stageMix: () => createStageMix(),
    randomBytes,
    trace: (line) => console.debug(line),
    signatures: createSignatureCheck(roomId),
    signerFor: webCryptoSigner(),
    linkOf: ({ secret, room: moved }) => {
      void saveRoomDraft(roomIdOf(secret), moved);
      return roomLink(url.origin, secret);
    },
    ...(draft ? { title: draft.title, createdKind: draft.kind } : {}),
  });
  return ok({ room, link: roomLink(url.origin, secret) });
}

/** Creates a room hosted by this browser's identity, remembering what the creator chose; returns its link. */
export async function createRoomLink(origin: string, draft: RoomDraft): Promise<string> {
  const profile = await loadProfile();
  const secret = createRoomSecret(profile.identity.publicKey);
  await saveRoomDraft(roomIdOf(secret), draft);
  return roomLink(origin, secret);
}
