import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentity, randomBytes, type Identity } from '../../shared/crypto.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import type { PeerMessage, SignalData } from '../../shared/peer-message.ts';
import { CLOSE_CODES, PROTOCOL_VERSION } from '../../shared/protocol.ts';
import { safetyNumberOf } from '../../shared/safety-number.ts';
import type { AudioInput, Microphone, MicrophoneStatus } from './audio/microphone.ts';
import type { RemotePlayer } from './audio/remote-player.ts';
import type { LinkState, PeerLink, PeerLinkOptions } from './peer-adapter.ts';
import { createRoomSession, type Participant } from './room-session.ts';
import { createSealedCodec, type EnvelopeCodec } from './sealed-codec.ts';
import { FakeSocket } from '../../test/helpers/fake-socket.ts';

const ROOM = 'room_0123456789abcdef';
const URL = 'wss://porch.example/ws';
// Ids compare as strings: LOW < SELF < HIGH < LATE. SELF offers to HIGH and LATE and waits for LOW.
const LOW = 'aaaa_0123456789abcdef';
const SELF = 'bbbb_0123456789abcdef';
const HIGH = 'cccc_0123456789abcdef';
const LATE = 'dddd_0123456789abcdef';
const STRANGER = 'eeee_0123456789abcdef';
/** Not in the room either, and lower than SELF, so its offers would be answered. */
const LOW_STRANGER = 'a000_0123456789abcdef';
const REMOTE_IDS = [LOW, HIGH, LATE, STRANGER, LOW_STRANGER];
const ICE = [{ urls: 'stun:stun.example.org' }];
const OFFER: SignalData = { type: 'offer', sdp: 'v=0 offer' };
const ANSWER: SignalData = { type: 'answer', sdp: 'v=0 answer' };

/** The session's socket, plus which of its envelopes the fake remote peers have opened. */
class SessionSocket extends FakeSocket {
  frames(): { type: string; to?: string; box?: string }[] {
    return this.sentFrames() as { type: string }[];
  }
  /** Peer messages already opened by their recipients, and how many `sent` entries that covers. */
  readonly delivered: { to: string; message: PeerMessage }[] = [];
  deliveredUpTo = 0;
}

/** A remote member: its own identity and codec, sharing only the room key with the session. */
interface RemotePeer {
  id: string;
  identity: Identity;
  codec: EnvelopeCodec;
}

/** How far the remote peers' clocks are ahead of ours (negative: behind). */
const remoteClock = { skewMs: 0 };

function remotePeer(id: string, roomKey: Uint8Array, identity: Identity = createIdentity()): RemotePeer {
  const codec = createSealedCodec({
    roomId: ROOM,
    roomKey,
    identity,
    selfId: () => id,
    now: () => Date.now() + remoteClock.skewMs,
    onIntroduced: () => {},
    onRejected: (from, reason) => assert.fail(`${id} rejected a box from ${from}: ${reason}`),
  });
  return { id, identity, codec };
}

class FakeLink implements PeerLink {
  readonly received: SignalData[] = [];
  destroyed = false;
  constructor(readonly options: PeerLinkOptions) {}
  signal(data: SignalData): void {
    this.received.push(data);
  }
  async setAudioTrack(): Promise<void> {}
  remoteAudioLevel(): number {
    return 0;
  }
  destroy(): void {
    this.destroyed = true;
  }
  emitState(state: LinkState): void {
    this.options.onState(state);
  }
}

class FakeMicrophone implements Microphone {
  status: MicrophoneStatus = 'off';
  readonly track = { kind: 'audio', id: 'local-track' } as unknown as MediaStreamTrack;
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
  async switchTo(): Promise<MediaStreamTrack | null> {
    return null;
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

class FakePlayer implements RemotePlayer {
  readonly played: [string, MediaStream | null][] = [];
  destroyed = false;
  play(peerId: string, stream: MediaStream | null): void {
    this.played.push([peerId, stream]);
  }
  setAudible(): void {}
  destroy(): void {
    this.destroyed = true;
  }
}

function setup(t: TestContext, options: { microphone?: MicrophoneStatus; title?: string } = {}) {
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
  const peer = (id: string): RemotePeer => {
    const p = peers.get(id);
    assert.ok(p, `no remote peer ${id}`);
    return p;
  };
  const session = createRoomSession({
    signalingUrl: URL,
    roomId: ROOM,
    microphone,
    player,
    roomKey,
    identity,
    // The session under test is the room's host: on stage from the start, like the flat room before stages.
    hostKey: toBase64Url(identity.publicKey),
    createLink: (linkOptions) => {
      const link = new FakeLink(linkOptions);
      links.push(link);
      return link;
    },
    randomBytes: (n) => new Uint8Array(n).fill(++counter),
    createSocket: () => {
      const socket = new SessionSocket();
      sockets.push(socket);
      return socket;
    },
    ...(options.title !== undefined ? { title: options.title } : {}),
  });
  t.after(() => session.leave());
  const socket = (): SessionSocket => {
    const s = sockets.at(-1);
    assert.ok(s, 'no socket was opened');
    return s;
  };
  /** Joins as Ada and lets the server welcome us into a room holding `peers`. */
  const joinRoom = async (peers: string[] = [LOW, HIGH]): Promise<void> => {
    await session.join('Ada');
    socket().serverOpens();
    socket().serverSends({ type: 'welcome', peer: SELF, peers, ice: ICE });
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
  /** `from` introduces itself with a signed presence, as every member does on arrival. */
  const introduce = (from: string, name = 'Member'): void => receive(from, { kind: 'presence', name, muted: false }, '*');
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
  };
}

test('joining opens the signaling socket and says hello for the room', async (t) => {
  const { session, sockets, socket } = setup(t);
  assert.equal(session.state.get().phase, 'ready');
  await session.join('Ada');
  assert.equal(sockets.length, 1);
  assert.equal(session.state.get().phase, 'joining');
  assert.equal(session.state.get().name, 'Ada');
  assert.equal(session.state.get().microphone, 'live');
  assert.deepEqual(session.state.get().inputs, [{ id: 'mic-1', label: 'Built-in microphone' }]);
  assert.equal(session.state.get().inputId, 'mic-1');

  socket().serverOpens();
  const [hello] = socket().frames() as unknown as { type: string; v: number; room: string; resume: string }[];
  assert.ok(hello);
  assert.equal(hello.type, 'hello');
  assert.equal(hello.v, PROTOCOL_VERSION);
  assert.equal(hello.room, ROOM);
  assert.match(hello.resume, /^[A-Za-z0-9_-]{43}$/);
});

test('a second join while joining does nothing', async (t) => {
  const { session, sockets } = setup(t);
  await session.join('Ada');
  await session.join('Bob');
  assert.equal(sockets.length, 1);
  assert.equal(session.state.get().name, 'Ada');
});

test('on welcome the session announces itself to all, sealed and signed, before connecting to anyone', async (t) => {
  const { session, links, joinRoom, peerMessages, participant } = setup(t, { title: 'Friday jam' });
  await joinRoom([LOW, HIGH]);
  const state = session.state.get();
  assert.equal(state.phase, 'joined');
  assert.equal(state.selfId, SELF);
  assert.deepEqual(state.signaling, { kind: 'connected' });

  // Every listed peer opens the broadcast with its own codec.
  assert.deepEqual(peerMessages(), [
    { to: '*', message: { kind: 'presence', name: 'Ada', muted: false, title: 'Friday jam' } },
  ]);
  assert.equal(links.length, 0, 'no link before a peer has introduced itself');
  assert.equal(participant(LOW), undefined);
  assert.equal(participant(HIGH), undefined);
});

test("the session connects to a listed peer once that peer's presence arrives", async (t) => {
  const { links, joinRoom, introduce, participant } = setup(t);
  await joinRoom([LOW, HIGH]);
  introduce(HIGH, 'Grace');
  // SELF < HIGH: we offer to HIGH.
  assert.equal(participant(HIGH)?.connection, 'connecting');
  assert.equal(links.length, 1);
  assert.equal(links[0]?.options.initiator, true);
  assert.deepEqual(links[0]?.options.iceServers, ICE);

  // LOW < SELF: LOW offers to us, so its presence makes it 'connecting' without a link of ours.
  introduce(LOW, 'Lin');
  assert.equal(participant(LOW)?.connection, 'connecting');
  assert.equal(links.length, 1);

  introduce(HIGH, 'Grace');
  assert.equal(links.length, 1, 'a repeated presence does not start a second link');
});

test('a link carries our microphone track and its signals go out sealed under its conn id', async (t) => {
  const { links, microphone, joinRoom, receive, introduce, peerMessages } = setup(t);
  await joinRoom([HIGH]);
  introduce(HIGH);
  const link = links[0];
  assert.ok(link);
  assert.equal(link.options.track, microphone.track);
  link.options.onSignal(OFFER);
  const last = peerMessages().at(-1);
  assert.equal(last?.to, HIGH);
  assert.equal(last?.message.kind, 'signal');
  if (last?.message.kind !== 'signal') return;
  assert.deepEqual(last.message.data, OFFER);
  assert.match(last.message.conn, /^[A-Za-z0-9_-]{8,32}$/);

  // The answer for that conn reaches the same link.
  receive(HIGH, { kind: 'signal', conn: last.message.conn, data: ANSWER });
  assert.deepEqual(link.received, [ANSWER]);
});

test('an offer from a lower-id peer is answered through a new link', async (t) => {
  const { links, joinRoom, receive, introduce, peerMessages } = setup(t);
  await joinRoom([LOW]);
  introduce(LOW);
  assert.equal(links.length, 0);
  receive(LOW, { kind: 'signal', conn: 'conn_from_low', data: OFFER });
  const link = links[0];
  assert.ok(link);
  assert.equal(link.options.initiator, false);
  assert.deepEqual(link.received, [OFFER]);
  link.options.onSignal(ANSWER);
  assert.deepEqual(peerMessages().at(-1), {
    to: LOW,
    message: { kind: 'signal', conn: 'conn_from_low', data: ANSWER },
  });
});

test('a peer who joins later gets our presence directly, and a link once its presence arrives', async (t) => {
  const { links, socket, joinRoom, introduce, peerMessages, participant } = setup(t);
  await joinRoom([]);
  socket().serverSends({ type: 'joined', peer: LATE });
  assert.deepEqual(peerMessages().at(-1), { to: LATE, message: { kind: 'presence', name: 'Ada', muted: false, log: 0 } });
  assert.equal(links.length, 0);
  introduce(LATE, 'Lou');
  assert.equal(participant(LATE)?.connection, 'connecting');
  assert.equal(participant(LATE)?.name, 'Lou');
  assert.equal(links.length, 1);
  assert.equal(links[0]?.options.initiator, true);
});

test('presence from a member updates its name and muted flag', async (t) => {
  const { joinRoom, receive, introduce, participant } = setup(t);
  await joinRoom([LOW, HIGH]);
  introduce(LOW, 'Lin');
  receive(HIGH, { kind: 'presence', name: 'Grace', muted: true });
  assert.equal(participant(HIGH)?.name, 'Grace');
  assert.equal(participant(HIGH)?.muted, true);
  assert.equal(participant(LOW)?.name, 'Lin', 'presence must update only its sender');
  assert.equal(participant(LOW)?.muted, false);
  receive(HIGH, { kind: 'presence', name: 'Grace H.', muted: false });
  assert.equal(participant(HIGH)?.name, 'Grace H.');
  assert.equal(participant(HIGH)?.muted, false);
});

test('presence from someone the server never listed changes no title and starts no link', async (t) => {
  const { session, links, joinRoom, receive } = setup(t);
  await joinRoom([HIGH]);
  receive(STRANGER, { kind: 'presence', name: 'Mallory', muted: false, title: 'Hijacked' });
  assert.equal(session.state.get().title, '');
  assert.equal(links.length, 0);
  assert.equal(session.state.get().participants.find((p) => p.name === 'Mallory'), undefined);
});

test(
  'presence from someone the server never listed does not add a participant',
  async (t) => {
    const { joinRoom, receive, participant } = setup(t);
    await joinRoom([HIGH]);
    receive(STRANGER, { kind: 'presence', name: 'Mallory', muted: false, title: 'Hijacked' });
    assert.equal(participant(STRANGER), undefined);
  },
);

test('a presence that arrives before the server lists its sender takes effect once it does', async (t) => {
  const { links, socket, joinRoom, introduce, participant } = setup(t);
  await joinRoom([]);
  introduce(LATE, 'Lou');
  assert.equal(participant(LATE), undefined, 'not in the room yet');
  assert.equal(links.length, 0);
  socket().serverSends({ type: 'joined', peer: LATE });
  assert.equal(participant(LATE)?.name, 'Lou');
  assert.equal(links.length, 1, 'the link starts as if the presence had come after');
});

test('an early presence is forgotten when its sender is reported gone', async (t) => {
  const { links, socket, joinRoom, introduce, participant } = setup(t);
  await joinRoom([]);
  introduce(LATE, 'Lou');
  socket().serverSends({ type: 'left', peer: LATE });
  socket().serverSends({ type: 'joined', peer: LATE });
  assert.equal(participant(LATE)?.name, undefined);
  assert.equal(links.length, 0);
});

test('a title learned from a member fills in ours but never overwrites it', async (t) => {
  const { session, joinRoom, receive } = setup(t);
  await joinRoom([LOW, HIGH]);
  receive(LOW, { kind: 'presence', name: 'Lin', muted: false, title: 'Friday jam' });
  assert.equal(session.state.get().title, 'Friday jam');
  receive(HIGH, { kind: 'presence', name: 'Grace', muted: false, title: 'Other title' });
  assert.equal(session.state.get().title, 'Friday jam');
});

test('a box that does not open is ignored', async (t) => {
  const { session, joinRoom, receiveBox, introduce } = setup(t);
  await joinRoom([HIGH]);
  introduce(HIGH, 'Grace');
  const before = session.state.get();
  receiveBox(HIGH, '{"kind":"presence","name":"Mallory","muted":false}');
  receiveBox(HIGH, 'not json');
  assert.equal(session.state.get(), before);
});

test('a peer who left is removed and its link closed', async (t) => {
  const { session, links, socket, joinRoom, receive, introduce, participant } = setup(t);
  await joinRoom([LOW, HIGH]);
  introduce(LOW);
  introduce(HIGH);
  socket().serverSends({ type: 'left', peer: HIGH });
  assert.equal(participant(HIGH), undefined);
  assert.equal(links[0]?.destroyed, true);
  assert.deepEqual(
    session.state.get().participants.map((p) => p.id),
    [LOW],
  );
  receive(HIGH, { kind: 'presence', name: 'Grace', muted: false });
  assert.equal(participant(HIGH), undefined, 'a departed peer cannot reappear by presence');
});

test('link states show on the participant', async (t) => {
  const { links, joinRoom, introduce, participant } = setup(t);
  await joinRoom([HIGH]);
  introduce(HIGH);
  links[0]?.emitState('connected');
  assert.equal(participant(HIGH)?.connection, 'connected');
  links[0]?.emitState('closed');
  assert.equal(participant(HIGH)?.connection, 'reconnecting');
});

test('a denied microphone still joins, listen-only', async (t) => {
  const { session, socket, joinRoom } = setup(t, { microphone: 'denied' });
  await joinRoom([HIGH]);
  const state = session.state.get();
  assert.equal(state.microphone, 'denied');
  assert.deepEqual(state.inputs, []);
  assert.equal(state.phase, 'joined');
  assert.equal(socket().frames()[0]?.type, 'hello');
});

test('muting tells the microphone and everyone in the room', async (t) => {
  const { session, microphone, socket, joinRoom, peerMessages } = setup(t);
  await joinRoom([HIGH]);
  assert.deepEqual(microphone.mutedCalls, [false], 'the captured microphone starts as the person left it: unmuted');
  session.setMuted(true);
  assert.deepEqual(microphone.mutedCalls, [false, true]);
  assert.equal(session.state.get().muted, true);
  assert.deepEqual(peerMessages().at(-1), { to: '*', message: { kind: 'presence', name: 'Ada', muted: true } });

  const sent = socket().sent.length;
  session.setMuted(true);
  assert.equal(socket().sent.length, sent, 'muting again changes nothing and sends nothing');
  assert.deepEqual(microphone.mutedCalls, [false, true]);
});

test('muting before joining is remembered and announced on welcome', async (t) => {
  const { session, joinRoom, peerMessages } = setup(t);
  session.setMuted(true);
  await joinRoom([HIGH]);
  assert.deepEqual(peerMessages(), [{ to: '*', message: { kind: 'presence', name: 'Ada', muted: true } }]);
  assert.equal(session.state.get().muted, true);
});

test('leaving says bye and releases the microphone, player and links', async (t) => {
  const { session, links, microphone, player, socket, joinRoom, introduce } = setup(t);
  await joinRoom([HIGH]);
  introduce(HIGH);
  assert.equal(links.length, 1);
  session.leave();
  assert.equal(socket().frames().at(-1)?.type, 'bye');
  assert.deepEqual(socket().closeCalls, [1000]);
  const state = session.state.get();
  assert.equal(state.phase, 'left');
  assert.deepEqual(state.participants, []);
  assert.deepEqual(state.signaling, { kind: 'closed' });
  assert.equal(microphone.stopped, 1);
  assert.equal(player.destroyed, true);
  assert.equal(links[0]?.destroyed, true);

  session.leave();
  assert.equal(microphone.stopped, 1, 'leave is idempotent');
});

test('a full room ends the session in room-full without retrying', async (t) => {
  const { session, sockets, microphone, socket } = setup(t);
  await session.join('Ada');
  socket().serverOpens();
  socket().closes(CLOSE_CODES.roomFull);
  const state = session.state.get();
  assert.equal(state.phase, 'room-full');
  assert.deepEqual(state.signaling, { kind: 'room-full' });
  assert.equal(microphone.stopped, 1);
  t.mock.timers.tick(60_000);
  assert.equal(sockets.length, 1);
});

test('being replaced by another tab ends the session in replaced', async (t) => {
  const { session, socket, joinRoom } = setup(t);
  await joinRoom([HIGH]);
  socket().closes(CLOSE_CODES.replaced);
  assert.equal(session.state.get().phase, 'replaced');
  assert.deepEqual(session.state.get().participants, []);
});

test('a lost signaling connection keeps the room joined and reconnects', async (t) => {
  const { session, sockets, socket, joinRoom } = setup(t);
  await joinRoom([HIGH]);
  socket().closes(1006);
  assert.equal(session.state.get().phase, 'joined');
  assert.equal(session.state.get().signaling.kind, 'reconnecting');
  t.mock.timers.tick(10_000);
  assert.equal(sockets.length, 2);
});

test("a participant's safety number comes from the key it introduced, and ours from our identity", async (t) => {
  const { session, joinRoom, introduce, participant, peer, identity } = setup(t);
  assert.equal(session.state.get().safetyNumber, safetyNumberOf(identity.publicKey));
  await joinRoom([LOW, HIGH]);
  introduce(HIGH, 'Grace');
  introduce(LOW, 'Lin');
  assert.equal(participant(HIGH)?.safetyNumber, safetyNumberOf(peer(HIGH).identity.publicKey));
  assert.equal(participant(LOW)?.safetyNumber, safetyNumberOf(peer(LOW).identity.publicKey));
  assert.notEqual(participant(HIGH)?.safetyNumber, participant(LOW)?.safetyNumber);
  assert.equal(participant(HIGH)?.security, 'ok');
});

test('a peer whose envelopes fail three times is marked unsecured', async (t) => {
  const { joinRoom, introduce, receiveBox, participant, roomKey, sealedBy } = setup(t);
  await joinRoom([HIGH]);
  introduce(HIGH, 'Grace');
  const signal: PeerMessage = { kind: 'signal', conn: 'conn_0001', data: OFFER };
  receiveBox(HIGH, 'garbage');
  assert.equal(participant(HIGH)?.security, 'ok');
  receiveBox(HIGH, remotePeer(HIGH, randomBytes(32)).codec.seal(SELF, { kind: 'presence', name: 'Out', muted: false }));
  assert.equal(participant(HIGH)?.security, 'ok', 'two failures are not yet a warning');
  // Another codec under HIGH's id, pair-encrypting to us with its own session key.
  receiveBox(HIGH, sealedBy(remotePeer(HIGH, roomKey), signal));
  assert.equal(participant(HIGH)?.security, 'unsecured');
  assert.equal(participant(HIGH)?.name, 'Grace');
});

test('replayed and stale boxes are dropped without counting toward unsecured', async (t) => {
  const { joinRoom, introduce, receive, receiveBox, participant, peer } = setup(t);
  t.after(() => (remoteClock.skewMs = 0));
  await joinRoom([HIGH]);
  introduce(HIGH, 'Grace');
  receive(HIGH, { kind: 'signal', conn: 'conn_0001', data: ANSWER });
  const presence = peer(HIGH).codec.seal(SELF, { kind: 'presence', name: 'Grace H.', muted: false });
  const signal = peer(HIGH).codec.seal(SELF, { kind: 'signal', conn: 'conn_0001', data: ANSWER });
  receiveBox(HIGH, presence);
  receiveBox(HIGH, signal);
  assert.equal(participant(HIGH)?.name, 'Grace H.');
  // The server repeating both, many times.
  for (let i = 0; i < 5; i++) {
    receiveBox(HIGH, presence);
    receiveBox(HIGH, signal);
  }
  // HIGH's clock ten minutes behind ours: both kinds are stale.
  remoteClock.skewMs = -10 * 60_000;
  for (let i = 0; i < 3; i++) {
    receive(HIGH, { kind: 'presence', name: 'Old', muted: true }, '*');
    receive(HIGH, { kind: 'signal', conn: 'conn_0001', data: ANSWER });
  }
  remoteClock.skewMs = 0;
  assert.equal(participant(HIGH)?.name, 'Grace H.');
  assert.equal(participant(HIGH)?.security, 'ok');
  // Two real failures after all that are still not three.
  receiveBox(HIGH, 'garbage');
  receiveBox(HIGH, 'garbage');
  assert.equal(participant(HIGH)?.security, 'ok');
  receiveBox(HIGH, 'garbage');
  assert.equal(participant(HIGH)?.security, 'unsecured');
});

test('another identity introducing itself under a known peer id marks it key-changed and changes nothing else', async (t) => {
  const { joinRoom, introduce, receive, receiveBox, participant, peer, roomKey, links, sealedBy } = setup(t);
  await joinRoom([LOW]);
  introduce(LOW, 'Lin');
  const impostor = remotePeer(LOW, roomKey);
  // Past Lin's sequence numbers, so the only thing wrong is the key.
  for (let i = 0; i < 5; i++) impostor.codec.seal('*', { kind: 'presence', name: 'x', muted: false });
  receiveBox(LOW, impostor.codec.seal('*', { kind: 'presence', name: 'Not Lin', muted: true }));
  assert.equal(participant(LOW)?.security, 'key-changed');
  assert.equal(participant(LOW)?.name, 'Lin');
  assert.equal(participant(LOW)?.muted, false);
  assert.equal(participant(LOW)?.safetyNumber, safetyNumberOf(peer(LOW).identity.publicKey));
  // The impostor's offer goes nowhere; the real Lin's still connects.
  receiveBox(LOW, sealedBy(impostor, { kind: 'signal', conn: 'conn_impostor', data: OFFER }));
  assert.equal(links.length, 0);
  receive(LOW, { kind: 'signal', conn: 'conn_from_low', data: OFFER });
  assert.equal(links.length, 1);
  assert.deepEqual(links[0]?.received, [OFFER]);
});

test("Lin's own identity with a new session key under her peer id is key-changed as well", async (t) => {
  const { joinRoom, introduce, receiveBox, participant, peer, roomKey } = setup(t);
  await joinRoom([LOW]);
  introduce(LOW, 'Lin');
  const second = remotePeer(LOW, roomKey, peer(LOW).identity);
  for (let i = 0; i < 5; i++) second.codec.seal('*', { kind: 'presence', name: 'x', muted: false });
  receiveBox(LOW, second.codec.seal('*', { kind: 'presence', name: 'Lin 2', muted: true }));
  assert.equal(participant(LOW)?.security, 'key-changed');
  assert.equal(participant(LOW)?.name, 'Lin');
});

test('forged, re-routed, unintroduced or garbage boxes never create a link', async (t) => {
  const { links, joinRoom, receive, receiveBox, participant, peer, roomKey, sealedBy } = setup(t);
  await joinRoom([LOW, HIGH]);
  const offer: PeerMessage = { kind: 'signal', conn: 'conn_from_low', data: OFFER };
  // LOW offers before introducing itself: we hold no pair key for it.
  receive(LOW, offer);
  // HIGH's genuine presence, stamped by the server as LOW's.
  receiveBox(LOW, peer(HIGH).codec.seal('*', { kind: 'presence', name: 'Grace', muted: false }));
  // A presence sealed under another room's key, and plain garbage.
  receiveBox(LOW, remotePeer(LOW, randomBytes(32)).codec.seal('*', { kind: 'presence', name: 'Out', muted: false }));
  receiveBox(LOW, 'AAAA');
  // HIGH's offer re-routed as LOW's.
  receiveBox(LOW, peer(HIGH).codec.seal(SELF, offer));
  assert.equal(links.length, 0);
  assert.equal(participant(LOW)?.security, 'unsecured');
  assert.equal(participant(LOW)?.safetyNumber ?? null, null);
  // An offer from a different codec under LOW's id after LOW introduced itself.
  receive(LOW, { kind: 'presence', name: 'Lin', muted: false }, '*');
  receiveBox(LOW, sealedBy(remotePeer(LOW, roomKey), offer));
  assert.equal(links.length, 0);
  // Once HIGH is introduced (and we start our own link to it), its offer re-routed as LOW's still goes nowhere.
  receive(HIGH, { kind: 'presence', name: 'Grace', muted: false }, '*');
  assert.equal(links.length, 1);
  receiveBox(LOW, peer(HIGH).codec.seal(SELF, offer));
  assert.equal(links.length, 1);
  assert.deepEqual(links[0]?.received, []);
});

test(
  'a valid offer from someone the server never listed never creates a link',
  async (t) => {
    const { links, joinRoom, receive } = setup(t);
    await joinRoom([HIGH]);
    receive(LOW_STRANGER, { kind: 'presence', name: 'Mallory', muted: false }, '*');
    receive(LOW_STRANGER, { kind: 'signal', conn: 'conn_stranger', data: OFFER });
    assert.equal(links.length, 0);
  },
);
