import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { HIGH, ICE, LATE, LIMITS, LOW, ROOM, SELF, setup, type SetupOptions } from '../../test/helpers/room-harness.ts';
import { createSignatureCheck, type SignatureCheck } from './signature-check.ts';

/** Ada opens the link of a room HIGH hosts, and the server welcomes her among `peers`; she has not joined. */
function lookingIn(t: TestContext, peers: string[] = [HIGH], options: SetupOptions = {}) {
  const harness = setup(t, { hostPeer: HIGH, ...options });
  harness.session.lookIn();
  harness.socket().serverOpens();
  harness.socket().serverSends({ type: 'welcome', peer: SELF, peers, ice: ICE, limits: LIMITS });
  return harness;
}

test('looking in connects and introduces us to everyone without a name, and leaves us at the join form', (t) => {
  const { session, sockets, peerMessages, microphone } = lookingIn(t, [LOW, HIGH]);
  assert.equal(sockets.length, 1);
  assert.equal(session.state.get().phase, 'ready');
  assert.equal(session.state.get().selfId, SELF);
  assert.deepEqual(peerMessages(), [{ to: '*', message: { kind: 'looking-in' } }]);
  assert.equal(microphone.status, 'off', 'the microphone is never asked for');
  session.lookIn();
  assert.equal(sockets.length, 1, 'looking in twice opens nothing more');
});

test('the people here show before we join, and links to those we will hear are made, silent', (t) => {
  const { session, links, player, introduce, participant } = lookingIn(t);
  introduce(HIGH, 'Grace');
  assert.equal(participant(HIGH)?.name, 'Grace');
  assert.equal(links.length, 1, 'we will hear the host: the link is made now');
  assert.equal(links[0]?.options.track, null, 'and carries nothing of ours');
  links[0]?.options.onRemoteTrack(0, { id: 'host-audio' } as unknown as MediaStream);
  assert.deepEqual(player.played.map(([peer]) => peer), [HIGH]);
  assert.equal(player.audible.get(HIGH), false, 'nothing plays before Join');
  assert.equal(session.state.get().phase, 'ready');
});

test('joining after looking in announces our name on the socket and links we have, and plays at once', async (t) => {
  const { session, sockets, links, player, introduce, peerMessages } = lookingIn(t);
  introduce(HIGH, 'Grace');
  links[0]?.options.onRemoteTrack(0, { id: 'host-audio' } as unknown as MediaStream);
  await session.join('Ada', { seat: false });
  assert.equal(session.state.get().phase, 'joined');
  assert.equal(sockets.length, 1, 'no new connection');
  assert.equal(links.length, 1, 'no new link');
  assert.equal(player.audible.get(HIGH), true);
  const sent = peerMessages().filter(({ message }) => message.kind === 'presence');
  assert.deepEqual(sent.at(-1), { to: '*', message: { kind: 'presence', name: 'Ada', muted: false, log: 0 } });
});

test('a host looking in at its own room opens no microphone until it joins', async (t) => {
  const harness = setup(t);
  harness.session.lookIn();
  harness.socket().serverOpens();
  harness.socket().serverSends({ type: 'welcome', peer: SELF, peers: [HIGH], ice: ICE, limits: LIMITS });
  harness.introduce(HIGH, 'Grace');
  assert.equal(harness.microphone.status, 'off');
  assert.deepEqual(harness.links[0]?.tracks ?? [], [], 'its links carry nothing');
  await harness.session.join('Ada');
  assert.equal(harness.microphone.status, 'live');
  assert.deepEqual(harness.links[0]?.tracks, [harness.microphone.track], 'the microphone goes on the link it already has');
});

test("a member who looks in gets our presence back and a link where we speak, but is neither shown nor counted as here", async (t) => {
  const { socket, joinRoom, receive, peerMessages, participant, links, session } = setup(t);
  await joinRoom([]);
  socket().serverSends({ type: 'joined', peer: LATE });
  receive(LATE, { kind: 'looking-in' });
  assert.equal(participant(LATE), undefined, 'not shown');
  assert.equal(links.length, 1, 'the host links with whoever will hear it');
  assert.equal(peerMessages().filter(({ to }) => to === LATE).at(-1)?.message.kind, 'presence');
  const before = Date.now();
  receive(LATE, { kind: 'presence', name: 'Lou', muted: false });
  assert.equal(participant(LATE)?.name, 'Lou', 'shown once they join');
  assert.ok((participant(LATE)?.arrivedAt ?? 0) >= before, 'arriving when they joined, not when they opened the link');
  assert.equal(links.length, 1, 'on the link they had');
  assert.equal(session.state.get().phase, 'joined');
});

test('a member looking in cannot react', async (t) => {
  const { socket, joinRoom, receive, introduce, session } = setup(t);
  await joinRoom([LOW]);
  introduce(LOW, 'Lin');
  socket().serverSends({ type: 'joined', peer: LATE });
  receive(LATE, { kind: 'looking-in' });
  receive(LATE, { kind: 'react', emoji: '👏' });
  assert.equal(session.state.get().participants.find((p) => p.id === LATE), undefined);
  receive(LOW, { kind: 'react', emoji: '👏' });
  assert.equal(session.state.get().participants.find((p) => p.id === LOW)?.reaction, '👏');
});

test('the room log is asked for while looking in', (t) => {
  const { receive, peerMessages } = lookingIn(t);
  receive(HIGH, { kind: 'presence', name: 'Grace', muted: false, log: 3 });
  assert.deepEqual(peerMessages().at(-1), { to: HIGH, message: { kind: 'acts-request', from: 0 } });
});

test('leaving before joining says bye: the room keeps nothing of us', (t) => {
  const { session, socket } = lookingIn(t);
  session.leave();
  assert.equal(socket().frames().at(-1)?.type, 'bye');
  assert.equal(session.state.get().phase, 'left');
});

test('choosing to hide the address before joining makes the links again, relayed only, and is remembered at once', (t) => {
  const { session, links, introduce, rememberedHidden } = lookingIn(t);
  introduce(HIGH, 'Grace');
  assert.equal(links[0]?.options.relayOnly, false);
  session.setHideAddress(true);
  assert.equal(session.state.get().hideAddress, true);
  assert.equal(links[0]?.destroyed, true);
  assert.equal(links.at(-1)?.options.relayOnly, true);
  assert.equal(links.length, 2);
  assert.deepEqual(rememberedHidden, [true], 'links made on the next visit, before Join, are relayed only too');
});

test('a browser that chose to hide its address links relayed only while looking in', (t) => {
  const { links, introduce } = lookingIn(t, [HIGH], { hideAddress: true });
  introduce(HIGH, 'Grace');
  assert.equal(links[0]?.options.relayOnly, true);
});

test('a plan that would have someone only looking in feed others is not followed: they feed nobody before Join', (t) => {
  const { socket, links, introduce, receive } = lookingIn(t, [HIGH, LATE]);
  introduce(HIGH, 'Grace');
  receive(LATE, { kind: 'looking-in' });
  const before = links.length;
  socket().serverSends({ type: 'plan', mode: 'tree', parent: null, backup: null, children: [LATE], standby: [], depth: 1, mixes: false, streamKbps: 40 });
  assert.equal(links.length, before, 'no link to feed LATE');
});

test('joining without saying keeps the address choice this browser remembers, and the links made with it', async (t) => {
  const { session, links, introduce } = lookingIn(t, [HIGH], { hideAddress: true });
  introduce(HIGH, 'Grace');
  await session.join('Ada', { seat: false });
  assert.equal(session.state.get().hideAddress, true);
  assert.equal(links.length, 1);
  assert.equal(links[0]?.destroyed, false);
});

/** Joined, and a relay the plan has feed LATE over a link that is up. */
async function relayFeedingLate(t: TestContext) {
  const harness = lookingIn(t, [HIGH, LATE]);
  harness.introduce(HIGH, 'Grace');
  await harness.session.join('Ada', { seat: false });
  harness.receive(LATE, { kind: 'looking-in' });
  harness.socket().serverSends({ type: 'plan', mode: 'tree', parent: null, backup: null, children: [LATE], standby: [], depth: 1, mixes: false, streamKbps: 40 });
  const child = harness.links.at(-1)!;
  child.emitState('connected');
  return { ...harness, child };
}

test('a relay that leaves hands over before it says goodbye: those it feeds hear first, the server a moment later', async (t) => {
  const { session, socket, child } = await relayFeedingLate(t);
  session.leave();
  assert.equal(session.state.get().phase, 'left');
  assert.ok(child.messages.some((text) => text.includes('"leaving"')), 'those it feeds are told');
  assert.notEqual(socket().frames().at(-1)?.type, 'bye', 'while the server still lists it');
  t.mock.timers.tick(800);
  assert.equal(socket().frames().at(-1)?.type, 'bye');
  assert.equal(child.destroyed, true);
});

test('a relay whose page goes away while it hands over says goodbye at once, not after the page is gone', async (t) => {
  const { session, socket, child } = await relayFeedingLate(t);
  session.leave();
  assert.notEqual(socket().frames().at(-1)?.type, 'bye');
  session.leave({ unloading: true });
  assert.equal(socket().frames().at(-1)?.type, 'bye');
  assert.equal(child.destroyed, true);
  t.mock.timers.tick(800);
  assert.equal(socket().frames().filter((frame) => frame.type === 'bye').length, 1, 'and only once');
});

test("with WebCrypto at hand, a member's introduction is checked off the main thread before it is handled, and not checked again there", async (t) => {
  const webCrypto = createSignatureCheck(ROOM);
  const checkedAhead: number[] = [];
  let trusted = 0;
  const signatures: SignatureCheck = {
    ...webCrypto,
    claimsAhead: (claims) => (checkedAhead.push(claims.length), webCrypto.claimsAhead(claims)),
    checked: (claim) => webCrypto.checked(claim) && ++trusted > 0,
  };
  const { introduce, participant } = lookingIn(t, [HIGH], { signatures });
  introduce(HIGH, 'Grace');
  assert.equal(participant(HIGH), undefined, 'not shown before its signature is checked');
  assert.deepEqual(checkedAhead, [1], 'its one signature is being checked');
  // WebCrypto answers from another thread; the mocked timers do not hold it up.
  for (let turns = 0; participant(HIGH) === undefined && turns < 1000; turns++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(participant(HIGH)?.name, 'Grace');
  assert.equal(trusted, 1, 'opening took the checked signature as checked');
});
