import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from '../../shared/crypto.ts';
import type { PeerMessage } from '../../shared/peer-message.ts';
import { CLOSE_CODES, PROTOCOL_VERSION } from '../../shared/protocol.ts';
import { safetyNumberOf } from '../../shared/safety-number.ts';
import { ANSWER, ICE, HIGH, LATE, LIMITS, LOW, LOW_STRANGER, OFFER, remoteClock, remotePeer, ROOM, SELF, setup, STRANGER } from '../../test/helpers/room-harness.ts';

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

test('on welcome the session announces its keys to all, sealed and signed, and its name only once it holds the log', async (t) => {
  const { session, links, joinRoom, introduce, peerMessages, participant } = setup(t, { title: 'Friday jam' });
  await joinRoom([LOW, HIGH]);
  const state = session.state.get();
  assert.equal(state.phase, 'joined');
  assert.equal(state.selfId, SELF);
  assert.deepEqual(state.signaling, { kind: 'connected' });

  // Every listed peer opens the broadcast with its own codec. Until we hold the log, we cannot tell whom the room shuts out.
  assert.deepEqual(peerMessages(), [{ to: '*', message: { kind: 'looking-in' } }]);
  assert.equal(links.length, 0, 'no link before a peer has introduced itself');
  assert.equal(participant(LOW), undefined);
  assert.equal(participant(HIGH), undefined);
  introduce(LOW, 'Lin');
  introduce(HIGH, 'Grace');
  // Everyone here is as new as we are: we take a seat, then tell our name.
  assert.deepEqual(peerMessages().filter(({ to }) => to === '*'), [
    { to: '*', message: { kind: 'looking-in' } },
    { to: '*', message: { kind: 'presence', name: 'Ada', muted: false, title: 'Friday jam', log: 1 } },
  ]);
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

test('a peer who joins later gets our keys at once, our presence once it proves who it is, and a link once its presence arrives', async (t) => {
  const { links, socket, joinRoom, introduce, peerMessages, participant } = setup(t);
  await joinRoom([]);
  socket().serverSends({ type: 'joined', peer: LATE });
  assert.deepEqual(peerMessages().at(-1), { to: LATE, message: { kind: 'looking-in', log: 0 } }, 'no name for someone the room may shut out, only how long the log is');
  assert.equal(links.length, 0);
  introduce(LATE, 'Lou');
  assert.deepEqual(peerMessages().at(-1), { to: LATE, message: { kind: 'presence', name: 'Ada', muted: false, log: 0 } });
  assert.equal(participant(LATE)?.connection, 'connecting');
  assert.equal(participant(LATE)?.name, 'Lou');
  assert.equal(links.length, 1);
  assert.equal(links[0]?.options.initiator, true);
});

test('someone who arrives while we are here is shown with the time they came; those here before us are not', async (t) => {
  const { socket, joinRoom, introduce, participant } = setup(t);
  await joinRoom([LOW]);
  introduce(LOW, 'Lin');
  const before = Date.now();
  socket().serverSends({ type: 'joined', peer: LATE });
  introduce(LATE, 'Lou');
  assert.equal(participant(LOW)?.arrivedAt, null);
  assert.ok((participant(LATE)?.arrivedAt ?? 0) >= before, 'the newcomer carries when it arrived');
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

test('a box that does not open changes nothing but the count of what the server tampered with', async (t) => {
  const { session, joinRoom, receiveBox, introduce } = setup(t);
  await joinRoom([HIGH]);
  introduce(HIGH, 'Grace');
  const before = session.state.get();
  receiveBox(HIGH, '{"kind":"presence","name":"Mallory","muted":false}');
  receiveBox(HIGH, 'not json');
  assert.deepEqual(session.state.get(), { ...before, tampered: 2 });
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
  const { session, microphone, socket, joinRoom, introduce, peerMessages } = setup(t);
  await joinRoom([HIGH]);
  introduce(HIGH);
  assert.deepEqual(microphone.mutedCalls, [false], 'the captured microphone starts as the person left it: unmuted');
  session.setMuted(true);
  assert.deepEqual(microphone.mutedCalls, [false, true]);
  assert.equal(session.state.get().muted, true);
  assert.deepEqual(peerMessages().at(-1), { to: '*', message: { kind: 'presence', name: 'Ada', muted: true, log: 0 } });

  const sent = socket().sent.length;
  session.setMuted(true);
  assert.equal(socket().sent.length, sent, 'muting again changes nothing and sends nothing');
  assert.deepEqual(microphone.mutedCalls, [false, true]);
});

test('muting before joining is remembered and announced once we hold the log', async (t) => {
  const { session, joinRoom, introduce, peerMessages } = setup(t);
  session.setMuted(true);
  await joinRoom([HIGH]);
  introduce(HIGH);
  assert.deepEqual(
    peerMessages().filter(({ to }) => to === '*'),
    [
      { to: '*', message: { kind: 'looking-in' } },
      { to: '*', message: { kind: 'presence', name: 'Ada', muted: true, log: 0 } },
    ],
  );
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

test('a signaling outage keeps a live link even when the new welcome does not list its member yet', async (t) => {
  const { session, socket, joinRoom, introduce, links, participant } = setup(t);
  await joinRoom([HIGH]);
  introduce(HIGH, 'Grace');
  const [link] = links;
  assert.ok(link);
  link.emitState('connected');
  socket().closes(1006);
  t.mock.timers.tick(10_000);
  socket().serverOpens();
  socket().serverSends({ type: 'welcome', peer: SELF, peers: [], ice: ICE, limits: LIMITS });
  assert.equal(link.destroyed, false, 'audio with Grace goes on while the server catches up');
  assert.equal(participant(HIGH)?.name, 'Grace');
  assert.equal(session.state.get().phase, 'joined');
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

/** Sealed under the sender's own keys, but no message a Porch client sends: a modified client's. */
const NONSENSE = { kind: 'nonsense' } as unknown as PeerMessage;

test('a member whose own sealed messages fail three times is marked unsecured', async (t) => {
  const { session, joinRoom, introduce, receive, participant } = setup(t);
  await joinRoom([HIGH]);
  introduce(HIGH, 'Grace');
  receive(HIGH, NONSENSE);
  receive(HIGH, NONSENSE);
  assert.equal(participant(HIGH)?.security, 'ok', 'two failures are not yet a warning');
  receive(HIGH, NONSENSE);
  assert.equal(participant(HIGH)?.security, 'unsecured');
  assert.equal(participant(HIGH)?.name, 'Grace');
  assert.equal(session.state.get().tampered, 0, 'nothing here is the server\'s doing');
});

test('replayed and stale boxes are dropped without counting toward unsecured', async (t) => {
  const { session, joinRoom, introduce, receive, receiveBox, participant, peer } = setup(t);
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
  assert.equal(session.state.get().tampered, 0);
  // Two real failures after all that are still not three.
  receive(HIGH, NONSENSE);
  receive(HIGH, NONSENSE);
  assert.equal(participant(HIGH)?.security, 'ok');
  receive(HIGH, NONSENSE);
  assert.equal(participant(HIGH)?.security, 'unsecured');
});

test('another identity introducing itself under a known peer id is the server tampering, and changes nothing else', async (t) => {
  const { session, joinRoom, introduce, receive, receiveBox, participant, peer, roomKey, links, sealedBy } = setup(t);
  await joinRoom([LOW]);
  introduce(LOW, 'Lin');
  const impostor = remotePeer(LOW, roomKey);
  // Past Lin's sequence numbers, so the only thing wrong is the key.
  for (let i = 0; i < 5; i++) impostor.codec.seal('*', { kind: 'presence', name: 'x', muted: false });
  receiveBox(LOW, impostor.codec.seal('*', { kind: 'presence', name: 'Not Lin', muted: true }));
  assert.equal(session.state.get().tampered, 1);
  assert.equal(participant(LOW)?.security, 'ok');
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

test("Lin's own identity with a new session key under her peer id is refused as the server's doing as well", async (t) => {
  const { session, joinRoom, introduce, receiveBox, participant, peer, roomKey } = setup(t);
  await joinRoom([LOW]);
  introduce(LOW, 'Lin');
  const second = remotePeer(LOW, roomKey, peer(LOW).identity);
  for (let i = 0; i < 5; i++) second.codec.seal('*', { kind: 'presence', name: 'x', muted: false });
  receiveBox(LOW, second.codec.seal('*', { kind: 'presence', name: 'Lin 2', muted: true }));
  assert.equal(session.state.get().tampered, 1);
  assert.equal(participant(LOW)?.name, 'Lin');
});

test('forged, re-routed, unintroduced or garbage boxes never create a link', async (t) => {
  const { session, links, joinRoom, receive, receiveBox, participant, peer, roomKey, sealedBy } = setup(t);
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
  assert.equal(participant(LOW), undefined, 'failing checks makes nobody appear');
  assert.equal(session.state.get().tampered, 5);
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

test('envelopes only the server can forge warn about the server and never mark the member they claim to come from', async (t) => {
  const { session, joinRoom, introduce, receiveBox, participant, peer, roomKey } = setup(t);
  await joinRoom([LOW, HIGH]);
  introduce(LOW, 'Lin');
  introduce(HIGH, 'Grace');
  // A box the server cannot open made up, then bit-flipped under LOW's id.
  receiveBox(LOW, 'garbage');
  receiveBox(LOW, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  // HIGH's genuine introduction re-stamped as LOW's: the signature covers the sender's id.
  receiveBox(LOW, peer(HIGH).codec.seal('*', { kind: 'presence', name: 'Grace', muted: false }));
  // Another member's client given LOW's peer id by the server: a second key under one id.
  const second = remotePeer(LOW, roomKey);
  for (let i = 0; i < 5; i++) second.codec.seal('*', { kind: 'presence', name: 'x', muted: false });
  receiveBox(LOW, second.codec.seal('*', { kind: 'presence', name: 'Not Lin', muted: true }));
  assert.equal(participant(LOW)?.security, 'ok');
  assert.equal(participant(LOW)?.name, 'Lin');
  assert.equal(participant(HIGH)?.security, 'ok');
  assert.equal(session.state.get().tampered, 4);
});

test('a peer the server lists whose envelopes all fail checks never shows up as a person', async (t) => {
  const { session, joinRoom, introduce, receiveBox, participant, peer } = setup(t);
  await joinRoom([HIGH, STRANGER]);
  introduce(HIGH, 'Grace');
  receiveBox(STRANGER, 'garbage');
  receiveBox(STRANGER, peer(HIGH).codec.seal('*', { kind: 'presence', name: 'Mallory', muted: false }));
  receiveBox(STRANGER, remotePeer(STRANGER, randomBytes(32)).codec.seal('*', { kind: 'presence', name: 'Mallory', muted: false }));
  assert.equal(participant(STRANGER), undefined);
  assert.deepEqual(session.state.get().participants.map((p) => p.name), ['Grace']);
});

test("a departed member's introduction replayed to a newcomer never shows them, whether broadcast or sent to the newcomer's peer id", async (t) => {
  const { session, joinRoom, receiveBox, participant, peer } = setup(t, { hostPeer: HIGH });
  // Captured by the server minutes ago, before we came and after which both left: the host's
  // broadcast, and LOW's greeting to whoever the server had given our peer id then.
  const broadcast = peer(HIGH).codec.seal('*', { kind: 'presence', name: 'Host', muted: false });
  const greeting = peer(LOW).codec.seal(SELF, { kind: 'presence', name: 'Lin', muted: false });
  await joinRoom([HIGH, LOW]);
  receiveBox(HIGH, broadcast);
  receiveBox(LOW, greeting);
  assert.equal(participant(HIGH), undefined);
  assert.equal(participant(LOW), undefined);
  assert.deepEqual(session.state.get().participants, []);
  assert.equal(session.state.get().tampered, 0, 'genuine envelopes, merely old: nobody is blamed');
});

test('a member shows up once something sealed for this visit of ours arrives from it', async (t) => {
  const { joinRoom, receive, participant, peerMessages } = setup(t);
  await joinRoom([HIGH]);
  // Its broadcast (or greeting) could be a replay from before we came: not yet.
  receive(HIGH, { kind: 'presence', name: 'Grace', muted: false }, '*');
  assert.equal(participant(HIGH), undefined);
  // We answer it, sealed for its visit: only the member holding that session's key can read it.
  assert.ok(peerMessages().some(({ to, message }) => to === HIGH && (message.kind === 'presence' || message.kind === 'looking-in')));
  receive(HIGH, { kind: 'presence', name: 'Grace', muted: false });
  assert.equal(participant(HIGH)?.name, 'Grace');
});

test('a server announcing endless arrivals gets a greeting for a room of fifty, then only as many as a bounded budget', async (t) => {
  const { joinRoom, socket } = setup(t);
  await joinRoom([HIGH]);
  const greeted = (): number => socket().frames().filter((f) => f.type === 'send' && f.to?.startsWith('fake')).length;
  const fake = (i: number): string => `fake_${String(i).padStart(16, '0')}`;
  for (let i = 0; i < 48; i++) socket().serverSends({ type: 'joined', peer: fake(i) });
  assert.equal(greeted(), 48, 'everyone arriving in an honest room of fifty is greeted at once');
  // Arrivals with departures in between, so no cap on who is listed holds them back.
  for (let i = 48; i < 2_000; i++) {
    socket().serverSends({ type: 'joined', peer: fake(i) });
    socket().serverSends({ type: 'left', peer: fake(i) });
  }
  assert.ok(greeted() <= 64, `${greeted()} introductions signed for made-up arrivals`);
});

test('a member marked verified is remembered by key and name, and the shell is told to keep the list', async (t) => {
  const kept: unknown[] = [];
  const earlier = { key: 'E'.repeat(43), name: 'Eve' };
  const { session, joinRoom, introduce, participant } = setup(t, { verified: [earlier], onVerified: (list) => kept.push(list) });
  await joinRoom([LOW, HIGH]);
  introduce(HIGH, 'Grace');
  session.markVerified(HIGH);
  const grace = { key: participant(HIGH)?.key, name: 'Grace' };
  assert.deepEqual(session.state.get().verified, [earlier, grace]);
  assert.deepEqual(kept, [[earlier, grace]]);
  session.markVerified(LOW);
  assert.equal(kept.length, 1, 'someone not introduced yet has no key to verify');
});
