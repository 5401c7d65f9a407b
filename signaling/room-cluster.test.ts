import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { CLOSE_CODES } from '../shared/protocol.ts';
import { recordingSocket, type RecordingSocket } from '../test/helpers/hub-socket.ts';
import { pollUntil } from '../test/helpers/poll.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { createHub, type Hub } from './hub.ts';
import { silentLog } from './log.ts';
import { createRedisBus } from './redis-bus.ts';
import { LEASE_MS } from './planner-leases.ts';

const ROOM = 'room-0123456789abcdef';
const ALICE = 'alice-0123456789ab';
const BOB = 'bob-0123456789abcd';
const CAROL = 'carol-0123456789ab';
const GRACE_MS = 1_500;
const LIMITS = { framesPerS: 40, framesBurst: 80, copiesPerS: 200, copiesBurst: 400 };

type Context = { after(fn: () => Promise<void> | void): void };

/** Two signaling nodes' hubs on one real Redis, as two server processes would have them. */
async function twoNodes(t: Context): Promise<[Hub, Hub]> {
  const [one, two] = await twoNodesWithRedis(t);
  return [one, two];
}

async function twoNodesWithRedis(t: Context): Promise<[Hub, Hub, string]> {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const node = async (): Promise<Hub> => {
    const bus = await createRedisBus({ url: redis.url, log: silentLog });
    const hub = createHub({ roomCapacity: 10, leaveGraceMs: GRACE_MS, iceServers: () => [], log: silentLog, tree: { fanout: 2, directMax: 1 }, limits: LIMITS, bus });
    t.after(async () => {
      await hub.stop();
      await bus.quit();
    });
    return hub;
  };
  return [await node(), await node(), redis.url];
}

/** What a connection does on hello: get the room ready, then join. */
async function join(hub: Hub, peer: string): Promise<RecordingSocket> {
  const socket = recordingSocket();
  const release = await hub.prepare(ROOM);
  assert.ok(hub.join(socket, ROOM, peer).ok);
  release();
  return socket;
}

const heard = (socket: RecordingSocket, what: string, check: (frames: RecordingSocket['frames']) => boolean) =>
  pollUntil(what, () => socket.frames, check, { timeoutMs: 5_000 });

test('members connected to different nodes are in one room: listed, announced, and reached one by one and all at once', async (t) => {
  const [one, two] = await twoNodes(t);
  const alice = await join(one, ALICE);
  const bob = await join(two, BOB);
  assert.deepEqual(bob.frames[0], { type: 'welcome', peer: BOB, peers: [ALICE], ice: [], limits: LIMITS }, 'Bob is told Alice is there');
  await heard(alice, 'Alice hears Bob joined', (f) => f.some((x) => x.type === 'joined' && x.peer === BOB));
  assert.equal(one.copies(ROOM, ALICE, '*'), 1);

  assert.equal(one.route(ROOM, ALICE, BOB, 'to-bob'), 'routed');
  assert.equal(two.route(ROOM, BOB, '*', 'to-all'), 'routed');
  await heard(bob, 'Bob gets the box meant for him', (f) => f.some((x) => x.type === 'msg' && x.box === 'to-bob' && x.from === ALICE));
  await heard(alice, 'Alice gets the broadcast', (f) => f.some((x) => x.type === 'msg' && x.box === 'to-all' && x.from === BOB));
  assert.equal(bob.frames.filter((x) => x.type === 'msg').length, 1, 'Bob does not get his own broadcast back');
  assert.equal(alice.senders.at(-1), BOB, 'the receiving socket still knows who sent it, for its per-sender share');

  one.leave(alice, ROOM, ALICE);
  await heard(bob, 'Bob hears Alice left', (f) => f.some((x) => x.type === 'left' && x.peer === ALICE));
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(['joined', 'left'].map((type) => alice.frames.concat(bob.frames).filter((x) => x.type === type).length), [1, 1], 'each told once');
  assert.equal(two.route(ROOM, BOB, ALICE, 'late'), 'unknown-peer');
  assert.deepEqual(one.counts(), { rooms: 0, members: 0, away: 0, leading: 0 }, 'node one has nothing left of the room');
});

test('a member whose node goes down is away on the others, and comes back through another node without a departure', async (t) => {
  const [one, two] = await twoNodes(t);
  const alice = await join(one, ALICE);
  const bob = await join(two, BOB);
  await heard(alice, 'Alice hears Bob', (f) => f.some((x) => x.type === 'joined'));
  await one.stop();
  await pollUntil('Alice is away for node two', () => two.copies(ROOM, BOB, '*'), (n) => n === 0, { timeoutMs: 5_000 });
  assert.equal(two.copies(ROOM, BOB, ALICE), 1, 'still in the room, within her grace period');
  const again = await join(two, ALICE);
  assert.deepEqual(again.frames[0], { type: 'welcome', peer: ALICE, peers: [BOB], ice: [], limits: LIMITS });
  assert.ok(bob.frames.some((x) => x.type === 'joined' && x.peer === ALICE));
  await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 200));
  assert.equal(bob.frames.some((x) => x.type === 'left'), false, 'Bob never heard that Alice left');
});

test('a member away on its node and gone past its grace period is gone on every node', async (t) => {
  const [one, two] = await twoNodes(t);
  const alice = await join(one, ALICE);
  const bob = await join(two, BOB);
  await heard(alice, 'Alice hears Bob', (f) => f.some((x) => x.type === 'joined'));
  two.drop(bob, ROOM, BOB);
  await heard(alice, 'Alice hears Bob left once his grace ran out', (f) => f.some((x) => x.type === 'left' && x.peer === BOB));
  assert.equal(one.route(ROOM, ALICE, BOB, 'late'), 'unknown-peer');
});

test('a newer connection on another node replaces the older one, which is closed as replaced', async (t) => {
  const [one, two] = await twoNodes(t);
  const alice = await join(one, ALICE);
  const bob = await join(two, BOB);
  await heard(alice, 'Alice hears Bob', (f) => f.some((x) => x.type === 'joined'));
  const newer = await join(two, ALICE);
  await pollUntil('the older connection is closed', () => alice.closedWith, (code) => code === CLOSE_CODES.replaced, { timeoutMs: 5_000 });
  two.route(ROOM, BOB, ALICE, 'to-new');
  assert.ok(newer.frames.some((x) => x.type === 'msg' && x.box === 'to-new'));
  assert.deepEqual(one.counts().members, 0, 'node one no longer counts her');
  assert.equal(bob.frames.some((x) => x.type === 'left'), false);
});

test('exactly one node plans a room\'s tree; members on both get their parts; when it stops, the other takes over', async (t) => {
  const [one, two] = await twoNodes(t);
  const stage = await join(one, ALICE);
  one.claim(ROOM, ALICE, { tier: 'stage', uploadKbps: 1000, turnOnly: false });
  const bob = await join(two, BOB);
  const carol = await join(two, CAROL);
  two.claim(ROOM, BOB, { tier: 'audience', uploadKbps: 1000, turnOnly: false });
  two.claim(ROOM, CAROL, { tier: 'audience', uploadKbps: 1000, turnOnly: false });
  await pollUntil('one node leads the room', () => one.counts().leading + two.counts().leading, (n) => n === 1, { timeoutMs: LEASE_MS * 2 });
  for (const socket of [stage, bob, carol]) await heard(socket, 'every member gets its part', (f) => f.some((x) => x.type === 'plan' && x.mode === 'tree'));
  const oneLeads = one.counts().leading === 1;
  const [leader, follower] = oneLeads ? [one, two] : [two, one];
  assert.equal(follower.counts().leading, 0, 'the other node does not plan');

  // The leader stops; its members reconnect to the other node, which takes the lease and plans for everyone.
  const survivors = oneLeads ? [bob, carol] : [stage];
  const plansBefore = survivors.map((socket) => socket.plans().length);
  await leader.stop();
  const moved = oneLeads ? [await join(two, ALICE)] : [await join(one, BOB), await join(one, CAROL)];
  if (oneLeads) two.claim(ROOM, ALICE, { tier: 'stage', uploadKbps: 1000, turnOnly: false });
  else for (const peer of [BOB, CAROL]) one.claim(ROOM, peer, { tier: 'audience', uploadKbps: 1000, turnOnly: false });
  await pollUntil('the other node takes the lease', () => follower.counts().leading, (n) => n === 1, { timeoutMs: LEASE_MS * 3 });
  for (const [i, socket] of survivors.entries()) {
    await pollUntil('the new planner sends each member its part anew', () => socket.plans().length, (n) => n > (plansBefore[i] ?? 0), { timeoutMs: 5_000 });
  }
  for (const socket of moved) await heard(socket, 'members who moved get their part', (f) => f.some((x) => x.type === 'plan' && x.mode === 'tree'));
});

test('one peer connecting to two nodes at once ends with one connection, on the node whose announcement came last', async (t) => {
  const [one, two] = await twoNodes(t);
  const bob = await join(two, BOB);
  const [onOne, onTwo] = await Promise.all([join(one, ALICE), join(two, ALICE)]);
  await pollUntil('one of the two is closed as replaced', () => [onOne.closedWith, onTwo.closedWith].filter((c) => c === CLOSE_CODES.replaced).length, (n) => n >= 1, { timeoutMs: 5_000 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal([onOne.closedWith, onTwo.closedWith].filter((c) => c === null).length, 1, 'exactly one connection is left open');
  assert.equal(one.counts().members + two.counts().members, 2, 'Alice is held by one node, Bob by node two');
  const kept = onOne.closedWith === null ? onOne : onTwo;
  bob.frames.length = 0;
  two.route(ROOM, BOB, ALICE, 'to-alice');
  await heard(kept, 'the kept connection gets what is sent to Alice', (f) => f.some((x) => x.type === 'msg' && x.box === 'to-alice'));
});

test('a departure published while a node was cut off from Redis still reaches that node\'s members', async (t) => {
  const [one, two, redisUrl] = await twoNodesWithRedis(t);
  const alice = await join(one, ALICE);
  const bob = await join(two, BOB);
  await heard(alice, 'Alice hears Bob', (f) => f.some((x) => x.type === 'joined'));
  const admin = new Redis(redisUrl);
  t.after(() => void admin.disconnect());
  await admin.client('KILL', 'TYPE', 'pubsub');
  two.leave(bob, ROOM, BOB);
  await heard(alice, 'Alice hears Bob left, from the event or from the record read again', (f) => f.some((x) => x.type === 'left' && x.peer === BOB));
  assert.equal(alice.frames.filter((x) => x.type === 'left').length, 1, 'once');
});
