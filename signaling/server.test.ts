import { test } from 'node:test';
import assert from 'node:assert/strict';
import { peerIdOf } from '../shared/peer-id.ts';
import { CLOSE_CODES, PROTOCOL_VERSION } from '../shared/protocol.ts';
import { connect, join, randomId, randomResume, startTestServer } from '../test/helpers/signaling-kit.ts';

test('a newcomer is welcomed with its derived id, the peers present, the ICE servers and what it may send, and the others hear it joined', async (t) => {
  const ice = [{ urls: 'stun:stun.example.org:3478' }];
  const { wsUrl } = await startTestServer(t, { iceServers: ice, rateLimitPerS: 30, rateBurst: 60, fanoutPerS: 100, fanoutBurst: 200 });
  const room = randomId();
  const alice = await join(t, wsUrl, room);
  assert.equal(alice.peer, peerIdOf(alice.resume));
  assert.deepEqual(alice.peers, []);

  const bob = await join(t, wsUrl, room);
  assert.deepEqual(bob.peers, [alice.peer]);
  // The limits are the ones it enforces, so an honest client can pace itself within them.
  const limits = { framesPerS: 30, framesBurst: 60, copiesPerS: 100, copiesBurst: 200 };
  assert.deepEqual(bob.received[0], { type: 'welcome', peer: bob.peer, peers: [alice.peer], ice, limits });
  assert.deepEqual(await alice.next('joined'), { type: 'joined', peer: bob.peer });
});

test('with TURN settings every welcome offers ICE_SERVERS and then TURN credentials minted for that connection', async (t) => {
  const stun = { urls: 'stun:stun.example.org:3478' };
  const turn = { urls: ['turn:turn.example.org:3478'], secret: 'a-secret-of-at-least-16-characters', ttlS: 600 };
  const { wsUrl } = await startTestServer(t, { iceServers: [stun], turn });
  const room = randomId();
  const before = Math.floor(Date.now() / 1000);
  const alice = await join(t, wsUrl, room);
  const bob = await join(t, wsUrl, room);
  const iceOf = (client: typeof alice) => {
    const welcome = client.received.find((f) => f.type === 'welcome');
    assert.ok(welcome?.type === 'welcome');
    return welcome.ice;
  };
  const [aliceStun, aliceTurn] = iceOf(alice);
  const [, bobTurn] = iceOf(bob);
  assert.deepEqual(aliceStun, stun);
  assert.deepEqual(aliceTurn?.urls, turn.urls);
  const [expiry, id] = aliceTurn?.username?.split(':') ?? [];
  assert.ok(Number(expiry) >= before + 600 && Number(expiry) <= Math.ceil(Date.now() / 1000) + 600, `expiry ${expiry}`);
  assert.equal(aliceTurn?.username?.includes(alice.peer), false, 'the username does not carry the peer id');
  assert.equal(aliceTurn?.username?.includes(room), false, 'nor the room');
  assert.ok(id);
  assert.notEqual(bobTurn?.username, aliceTurn?.username, 'each connection gets its own credentials');
  assert.notEqual(bobTurn?.credential, aliceTurn?.credential);
});

test('a message to one peer reaches only that peer, stamped with the sender id', async (t) => {
  const { wsUrl } = await startTestServer(t);
  const room = randomId();
  const alice = await join(t, wsUrl, room);
  const bob = await join(t, wsUrl, room);
  const carol = await join(t, wsUrl, room);

  alice.send({ type: 'send', to: bob.peer, box: 'for-bob' });
  assert.deepEqual(await bob.next('msg'), { type: 'msg', from: alice.peer, box: 'for-bob' });
  // Frames from one sender arrive in order, so had carol been sent the first box she would see it first.
  alice.send({ type: 'send', to: carol.peer, box: 'for-carol' });
  assert.deepEqual(await carol.next('msg'), { type: 'msg', from: alice.peer, box: 'for-carol' });
  assert.equal(alice.received.some((f) => f.type === 'msg'), false, 'the sender gets no echo');
});

test('a message to everyone reaches every other peer in the room and not the sender', async (t) => {
  const { wsUrl } = await startTestServer(t);
  const room = randomId();
  const alice = await join(t, wsUrl, room);
  const bob = await join(t, wsUrl, room);
  const carol = await join(t, wsUrl, room);
  const elsewhere = await join(t, wsUrl, randomId());

  alice.send({ type: 'send', to: '*', box: 'hello-all' });
  // Marked as sent to all: perhaps under a key a recipient is not to hold, so its failing to open blames nobody.
  assert.deepEqual(await bob.next('msg'), { type: 'msg', from: alice.peer, box: 'hello-all', all: true });
  assert.deepEqual(await carol.next('msg'), { type: 'msg', from: alice.peer, box: 'hello-all', all: true });
  // Bob answers alice directly; she must see that and no echo of her own broadcast before it.
  bob.send({ type: 'send', to: alice.peer, box: 'reply' });
  assert.deepEqual(await alice.next('msg'), { type: 'msg', from: bob.peer, box: 'reply' });
  elsewhere.send({ type: 'send', to: elsewhere.peer, box: 'self' });
  await elsewhere.next('error', (e) => e.code === 'unknown-peer');
  assert.equal(elsewhere.received.some((f) => f.type === 'msg'), false, 'other rooms hear nothing');
});

test('the server stamps from; a client cannot claim another id', async (t) => {
  const { wsUrl } = await startTestServer(t);
  const room = randomId();
  const alice = await join(t, wsUrl, room);
  const bob = await join(t, wsUrl, room);

  alice.send({ type: 'send', to: bob.peer, box: 'forged', from: bob.peer });
  assert.equal((await alice.next('error')).code, 'bad-frame');
  alice.send({ type: 'send', to: bob.peer, box: 'honest' });
  assert.deepEqual(await bob.next('msg'), { type: 'msg', from: alice.peer, box: 'honest' });
});

test('a message to a peer not in the room is answered with unknown-peer and the connection stays usable', async (t) => {
  const { wsUrl } = await startTestServer(t);
  const room = randomId();
  const alice = await join(t, wsUrl, room);
  const bob = await join(t, wsUrl, room);
  const stranger = await join(t, wsUrl, randomId());

  alice.send({ type: 'send', to: stranger.peer, box: 'lost' });
  assert.equal((await alice.next('error')).code, 'unknown-peer');
  alice.send({ type: 'send', to: bob.peer, box: 'found' });
  assert.equal((await bob.next('msg')).box, 'found');
  assert.equal(stranger.received.some((f) => f.type === 'msg'), false);
});

test('bye makes the others see the peer leave at once, and the socket closes normally', async (t) => {
  const { wsUrl } = await startTestServer(t, { leaveGraceMs: 60_000 });
  const room = randomId();
  const alice = await join(t, wsUrl, room);
  const bob = await join(t, wsUrl, room);

  alice.send({ type: 'bye' });
  assert.deepEqual(await bob.next('left'), { type: 'left', peer: alice.peer });
  assert.equal((await alice.closed).code, 1000);
  bob.send({ type: 'send', to: alice.peer, box: 'too-late' });
  assert.equal((await bob.next('error')).code, 'unknown-peer');
});

test('a ping is answered with a pong, to the pinger only', async (t) => {
  const { wsUrl } = await startTestServer(t);
  const room = randomId();
  const alice = await join(t, wsUrl, room);
  const bob = await join(t, wsUrl, room);
  alice.send({ type: 'ping' });
  assert.deepEqual(await alice.next('pong'), { type: 'pong' });
  alice.send({ type: 'send', to: bob.peer, box: 'after-ping' });
  assert.equal((await bob.next('msg')).box, 'after-ping');
  assert.equal(bob.received.some((f) => f.type === 'pong'), false);
});

test('a peer that drops without bye is away (silently) during the grace period and resumes within it', async (t) => {
  const { wsUrl, log } = await startTestServer(t, { leaveGraceMs: 60_000 });
  const room = randomId();
  const alice = await join(t, wsUrl, room);
  const bob = await join(t, wsUrl, room);

  alice.ws.terminate();
  await log.next('peer-away');
  // Away: messages to alice vanish without an error, and a newcomer is not told about her.
  bob.send({ type: 'send', to: alice.peer, box: 'while-away' });
  bob.send('not json');
  assert.equal((await bob.next('error')).code, 'bad-json', 'no unknown-peer came before it');
  const carol = await join(t, wsUrl, room);
  assert.deepEqual(carol.peers, [bob.peer]);

  const back = await join(t, wsUrl, room, alice.resume);
  assert.equal(back.peer, alice.peer);
  assert.deepEqual(new Set(back.peers), new Set([bob.peer, carol.peer]));
  assert.deepEqual(await bob.next('joined', (f) => f.peer === alice.peer), { type: 'joined', peer: alice.peer });
  assert.deepEqual(await carol.next('joined', (f) => f.peer === alice.peer), { type: 'joined', peer: alice.peer });
  bob.send({ type: 'send', to: alice.peer, box: 'welcome-back' });
  assert.equal((await back.next('msg')).box, 'welcome-back');
  assert.equal(back.received.some((f) => f.type === 'msg' && f.box === 'while-away'), false);
  assert.equal(bob.received.some((f) => f.type === 'left'), false, 'nobody saw alice leave');
});

test('a peer that drops without bye is listed as left once the grace period is over', async (t) => {
  const { wsUrl, log } = await startTestServer(t, { leaveGraceMs: 50 });
  const room = randomId();
  const alice = await join(t, wsUrl, room);
  const bob = await join(t, wsUrl, room);

  alice.ws.terminate();
  await log.next('peer-away');
  assert.deepEqual(await bob.next('left'), { type: 'left', peer: alice.peer });
  // Gone for good: the same token now joins as a newcomer.
  const again = await join(t, wsUrl, room, alice.resume);
  assert.deepEqual(again.peers, [bob.peer]);
});

test('a newer connection with the same resume token replaces the old one, without a left', async (t) => {
  const { wsUrl } = await startTestServer(t);
  const room = randomId();
  const bob = await join(t, wsUrl, room);
  const first = await join(t, wsUrl, room);
  await bob.next('joined');

  const second = await join(t, wsUrl, room, first.resume);
  assert.equal(second.peer, first.peer);
  assert.deepEqual(second.peers, [bob.peer]);
  assert.equal((await first.closed).code, CLOSE_CODES.replaced);
  await bob.next('joined', (f) => f.peer === first.peer);
  bob.send({ type: 'send', to: second.peer, box: 'to-the-new-one' });
  assert.equal((await second.next('msg')).box, 'to-the-new-one');
  assert.equal(bob.received.some((f) => f.type === 'left'), false);
});

test('room full is refused with room-full and closed with the room-full code', async (t) => {
  const { wsUrl } = await startTestServer(t, { roomCapacity: 2 });
  const room = randomId();
  await join(t, wsUrl, room);
  await join(t, wsUrl, room);

  const third = await connect(t, wsUrl);
  third.send({ type: 'hello', v: PROTOCOL_VERSION, room, resume: randomResume() });
  assert.equal((await third.next('error')).code, 'room-full');
  assert.equal((await third.closed).code, CLOSE_CODES.roomFull);
  await join(t, wsUrl, randomId()); // other rooms still have space
});

test('a full server refuses the next connection with server-full', async (t) => {
  const { wsUrl } = await startTestServer(t, { maxConnections: 2 });
  await join(t, wsUrl, randomId());
  await connect(t, wsUrl);

  const extra = await connect(t, wsUrl);
  assert.equal((await extra.next('error')).code, 'server-full');
  assert.equal((await extra.closed).code, CLOSE_CODES.serverFull);
});

test('shutdown tells clients closing and closes with 1012 (restart)', async (t) => {
  const { wsUrl, server } = await startTestServer(t);
  const room = randomId();
  const alice = await join(t, wsUrl, room);
  const bob = await join(t, wsUrl, room);
  const idle = await connect(t, wsUrl);

  await server.shutdown('restart');
  for (const client of [alice, bob, idle]) {
    assert.deepEqual(await client.next('closing'), { type: 'closing', reason: 'restart' });
    assert.equal((await client.closed).code, CLOSE_CODES.restart);
  }
  assert.equal(alice.received.some((f) => f.type === 'left'), false, 'no left storm on the way down');
  assert.equal(server.stats().connections, 0);
});
