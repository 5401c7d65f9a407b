/**
 * A room session wired to fakes (socket, links, microphone, player) and to remote members that
 * hold real identities and codecs, so engine tests exchange exactly what browsers would.
 */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentity, randomBytes, type Identity } from '../../shared/crypto.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import type { PeerMessage, SignalData } from '../../shared/peer-message.ts';
import type { AudioInput, Microphone, MicrophoneStatus } from '../../client/engine/audio/microphone.ts';
import type { RemotePlayer } from '../../client/engine/audio/remote-player.ts';
import type { LinkState, PeerLink, PeerLinkOptions } from '../../client/engine/peer-adapter.ts';
import { createRoom, type JoinOptions, type Participant, type RoomDeps } from '../../client/engine/room.ts';
import { createSealedCodec, type EnvelopeCodec } from '../../client/engine/sealed-codec.ts';
import { FakeSocket } from './fake-socket.ts';
import type { RoomKind } from '../../shared/room-state.ts';
import type { SendSample } from '../../client/engine/upload-capacity.ts';

export const ROOM = 'room_0123456789abcdef';
export const URL = 'wss://porch.example/ws';
// Ids compare as strings: LOW < SELF < HIGH < LATE. SELF offers to HIGH and LATE and waits for LOW.
export const LOW = 'aaaa_0123456789abcdef';
export const SELF = 'bbbb_0123456789abcdef';
export const HIGH = 'cccc_0123456789abcdef';
export const LATE = 'dddd_0123456789abcdef';
export const STRANGER = 'eeee_0123456789abcdef';
/** Not in the room either, and lower than SELF, so its offers would be answered. */
export const LOW_STRANGER = 'a000_0123456789abcdef';
const REMOTE_IDS = [LOW, HIGH, LATE, STRANGER, LOW_STRANGER];
export const ICE = [{ urls: 'stun:stun.example.org' }];
/** A budget no unit test runs into (pacing has its own tests). */
export const LIMITS = { framesPerS: 1e6, framesBurst: 1e6, copiesPerS: 1e6, copiesBurst: 1e6 };
export const OFFER: SignalData = { type: 'offer', sdp: 'v=0 offer' };
export const ANSWER: SignalData = { type: 'answer', sdp: 'v=0 answer' };

/** The session's socket, plus which of its envelopes the fake remote peers have opened. */
export class SessionSocket extends FakeSocket {
  frames(): { type: string; to?: string; box?: string }[] {
    return this.sentFrames() as { type: string }[];
  }
  /** Peer messages already opened by their recipients, and how many `sent` entries that covers. */
  readonly delivered: { to: string; message: PeerMessage }[] = [];
  deliveredUpTo = 0;
}

/** A remote member: its own identity and codec, sharing only the room key with the session. */
export interface RemotePeer {
  id: string;
  identity: Identity;
  codec: EnvelopeCodec;
}

/** How far the remote peers' clocks are ahead of ours (negative: behind). */
export const remoteClock = { skewMs: 0 };

export function remotePeer(id: string, roomKey: Uint8Array, identity: Identity = createIdentity()): RemotePeer {
  const codec = createSealedCodec({
    roomId: ROOM,
    roomKey,
    identity,
    selfId: () => id,
    now: () => Date.now() + remoteClock.skewMs,
    onIntroduced: () => {},
    onConfirmed: () => {},
    onRejected: (from, reason) => assert.fail(`${id} rejected a box from ${from}: ${reason}`),
  });
  return { id, identity, codec };
}

export class FakeLink implements PeerLink {
  readonly received: SignalData[] = [];
  destroyed = false;
  constructor(readonly options: PeerLinkOptions) {}
  signal(data: SignalData): void {
    this.received.push(data);
  }
  /** Every track the session handed this link after creating it. */
  readonly tracks: (MediaStreamTrack | null)[] = [];
  async setAudioTrack(track: MediaStreamTrack | null): Promise<void> {
    this.tracks.push(track);
  }
  remoteAudioLevels(): number[] {
    return [0];
  }
  /** Text sent on the link's data channel. */
  readonly messages: string[] = [];
  message(text: string): void {
    this.messages.push(text);
  }
  sendStats(): Promise<SendSample | null> {
    return Promise.resolve(null);
  }
  destroy(): void {
    this.destroyed = true;
  }
  emitState(state: LinkState): void {
    this.options.onState(state);
  }
}

/** A local track that records being stopped, as a browser's does through readyState. */
function fakeTrack(id: string): MediaStreamTrack {
  const track = { kind: 'audio', id, readyState: 'live', stop: () => void (track.readyState = 'ended') };
  return track as unknown as MediaStreamTrack;
}

export class FakeMicrophone implements Microphone {
  status: MicrophoneStatus = 'off';
  track = fakeTrack('local-track');
  readonly stream = { id: 'local', getAudioTracks: () => [this.track] } as unknown as MediaStream;
  deviceId: string | null = null;
  readonly mutedCalls: boolean[] = [];
  stopped = 0;
  constructor(private readonly outcome: MicrophoneStatus) {}
  async start(): Promise<MicrophoneStatus> {
    this.status = this.outcome;
    if (this.outcome === 'live') this.deviceId = 'mic-1';
    return this.status;
  }
  /** Like the real one: a new track in the same stream, the old one stopped. */
  async switchTo(deviceId: string): Promise<MediaStreamTrack | null> {
    if (this.status !== 'live') return null;
    this.track.stop();
    this.track = fakeTrack(`local-track-${deviceId}`);
    this.deviceId = deviceId;
    return this.track;
  }
  setMuted(muted: boolean): void {
    this.mutedCalls.push(muted);
  }
  level(): number {
    return 0;
  }
  async inputs(): Promise<AudioInput[]> {
    return [{ id: 'mic-1', label: 'Built-in microphone' }];
  }
  stop(): void {
    this.stopped += 1;
    this.status = 'off';
  }
}

export class FakePlayer implements RemotePlayer {
  readonly played: [string, MediaStream | null][] = [];
  destroyed = false;
  play(peerId: string, stream: MediaStream | null): void {
    this.played.push([peerId, stream]);
  }
  /** Who may be heard, as last set per peer (unset: audible). */
  readonly audible = new Map<string, boolean>();
  setAudible(peerId: string, audible: boolean): void {
    this.audible.set(peerId, audible);
  }
  destroy(): void {
    this.destroyed = true;
  }
}

export interface SetupOptions {
  microphone?: MicrophoneStatus;
  title?: string;
  /** Which remote member created the room (default: the session itself is the host). */
  hostPeer?: string;
  createdKind?: RoomKind;
  verified?: RoomDeps['verified'];
  onVerified?: RoomDeps['onVerified'];
  /** What this browser remembers choosing for "Hide my IP address". */
  hideAddress?: boolean;
  /** The server's answer to whether it offers a relay; absent: the room is not told of one. */
  relayOffered?: () => Promise<boolean>;
  /** Signatures checked ahead, as the browser's WebCrypto does; absent: everything is checked where it is handled, at once. */
  signatures?: RoomDeps['signatures'];
}

export function setup(t: TestContext, options: SetupOptions = {}) {
  // The session runs its speaking detector, reconnects and link retries on the global timers.
  t.mock.timers.enable({ apis: ['setInterval', 'setTimeout'] });
  const sockets: SessionSocket[] = [];
  const links: FakeLink[] = [];
  const microphone = new FakeMicrophone(options.microphone ?? 'live');
  const player = new FakePlayer();
  let counter = 0;
  const roomKey = randomBytes(32);
  const identity = createIdentity();
  const peers = new Map(REMOTE_IDS.map((id) => [id, remotePeer(id, roomKey)]));
  /** What the session asked the shell to remember on each join. */
  const remembered: { name: string; hideAddress: boolean }[] = [];
  /** What the session asked the shell to remember when the person changed "Hide my IP address" before joining. */
  const rememberedHidden: boolean[] = [];
  const peer = (id: string): RemotePeer => {
    const p = peers.get(id);
    assert.ok(p, `no remote peer ${id}`);
    return p;
  };
  const session = createRoom({
    signalingUrl: URL,
    roomId: ROOM,
    microphone,
    player,
    roomKey,
    identity,
    // The session under test is the room's host: on stage from the start, like the flat room before stages.
    hostKey: options.hostPeer ? toBase64Url(peer(options.hostPeer).identity.publicKey) : toBase64Url(identity.publicKey),
    ...(options.createdKind ? { createdKind: options.createdKind } : {}),
    ...(options.verified ? { verified: options.verified } : {}),
    ...(options.onVerified ? { onVerified: options.onVerified } : {}),
    ...(options.hideAddress !== undefined ? { hideAddress: options.hideAddress } : {}),
    ...(options.relayOffered ? { relayOffered: options.relayOffered } : {}),
    ...(options.signatures ? { signatures: options.signatures } : {}),
    onJoin: (name, { hideAddress }) => void remembered.push({ name, hideAddress }),
    onHideAddress: (hidden) => void rememberedHidden.push(hidden),
    createLink: (linkOptions) => {
      const link = new FakeLink(linkOptions);
      links.push(link);
      return link;
    },
    randomBytes: (n) => new Uint8Array(n).fill(++counter),
    linkOf: ({ secret }) => `https://porch.test/r/#${secret.text}`,
    createSocket: () => {
      const socket = new SessionSocket();
      sockets.push(socket);
      return socket;
    },
    ...(options.title !== undefined ? { title: options.title } : {}),
    ...(process.env.TRACE ? { trace: (line: string) => console.log(line) } : {}),
  });
  t.after(() => session.leave());
  const socket = (): SessionSocket => {
    const s = sockets.at(-1);
    assert.ok(s, 'no socket was opened');
    return s;
  };
  /** Joins as Ada and lets the server welcome us into a room holding `peers`. */
  const joinRoom = async (peers: string[] = [LOW, HIGH], options?: JoinOptions): Promise<void> => {
    await session.join('Ada', options);
    socket().serverOpens();
    socket().serverSends({ type: 'welcome', peer: SELF, peers, ice: ICE, limits: LIMITS });
  };
  /**
   * A peer message sealed by `from` with its own codec, routed to us by the server. What we sent
   * is delivered first, so `from` has our introduction and can pair-encrypt to us.
   */
  const receive = (from: string, message: PeerMessage, to: string = SELF): void => {
    peerMessages();
    socket().serverSends({ type: 'msg', from, box: peer(from).codec.seal(to, message) });
  };
  /** A box from someone else's codec (an impostor under a member's id): it first reads our presence. */
  const sealedBy = (sender: RemotePeer, message: PeerMessage, to: string = SELF): string => {
    const ours = socket()
      .frames()
      .find((f) => f.type === 'send' && f.to === '*');
    assert.ok(ours?.box, 'we have not broadcast our presence yet');
    sender.codec.open(SELF, ours.box);
    return sender.codec.seal(to, message);
  };
  /**
   * `from` introduces itself with a signed presence sealed for this visit of ours (bound to our
   * session key, as it has our broadcast): what makes a member show up at once.
   */
  const introduce = (from: string, name = 'Member'): void => receive(from, { kind: 'presence', name, muted: false });
  /** A raw box routed to us as coming from `from`. */
  const receiveBox = (from: string, box: string): void => socket().serverSends({ type: 'msg', from, box });
  /**
   * What the session sealed into `send` frames on the current socket, as opened by the remote peers
   * it was sent to (every remote peer for '*'); each box must open for every recipient.
   */
  const peerMessages = (): { to: string; message: PeerMessage }[] => {
    const s = socket();
    for (; s.deliveredUpTo < s.sent.length; s.deliveredUpTo++) {
      const frame = JSON.parse(s.sent[s.deliveredUpTo]!) as { type: string; to?: string; box?: string };
      if (frame.type !== 'send' || frame.to === undefined || frame.box === undefined) continue;
      const recipients = frame.to === '*' ? [...peers.values()] : [peer(frame.to)];
      const opened = recipients.map((r) => r.codec.open(SELF, frame.box ?? ''));
      const [first] = opened;
      assert.ok(first, `a box to ${frame.to} did not open`);
      for (const other of opened) assert.deepEqual(other, first);
      s.delivered.push({ to: frame.to, message: first });
    }
    return s.delivered;
  };
  const participant = (id: string): Participant | undefined => session.state.get().participants.find((p) => p.id === id);
  return {
    session,
    sockets,
    links,
    microphone,
    player,
    socket,
    joinRoom,
    receive,
    receiveBox,
    introduce,
    peerMessages,
    participant,
    peer,
    sealedBy,
    roomKey,
    identity,
    remembered,
    rememberedHidden,
  };
}
