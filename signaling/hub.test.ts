import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSE_CODES } from '../shared/protocol.ts';
import { recordingSocket } from '../test/helpers/hub-socket.ts';
import { createHub, type Timers } from './hub.ts';
import { silentLog } from './log.ts';

/** Timers the test fires by hand, so grace periods take no time. */
function fakeTimers(): Timers & { fireAll(): void; pending(): number } {
  const due = new Map<number, () => void>();
  let next = 0;
  return {
    set(fn) {
      next += 1;
      due.set(next, fn);
      return next;
    },
    clear(handle) {
      due.delete(handle as number);
    },
    fireAll() {
      const fns = [...due.values()];
      due.clear();
      for (const fn of fns) fn();
    },
    pending: () => due.size,
  };
}

const ROOM = 'room-0123456789abcdef';
const ALICE = 'alice-0123456789ab';
const BOB = 'bob-0123456789abcd';
const LIMITS = { framesPerS: 40, framesBurst: 80, copiesPerS: 200, copiesBurst: 400 };

function setup(leaveGraceMs = 10_000) {
  const timers = fakeTimers();
  const hub = createHub({ roomCapacity: 10, leaveGraceMs, iceServers: () => [], log: silentLog, tree: { fanout: 4, directMax: 12 }, limits: LIMITS, timers });
  const alice = recordingSocket();
  const bob = recordingSocket();
  assert.ok(hub.join(alice, ROOM, ALICE).ok);
  assert.ok(hub.join(bob, ROOM, BOB).ok);
  return { hub, timers, alice, bob };
}

test('a dropped peer is announced as left only when its grace timer fires', () => {
  const { hub, timers, alice, bob } = setup();
  hub.drop(alice, ROOM, ALICE);
  assert.equal(bob.frames.some((f) => f.type === 'left'), false);
  assert.deepEqual(hub.counts(), { rooms: 1, members: 2, away: 1, leading: 1 });
  timers.fireAll();
  assert.deepEqual(bob.frames.at(-1), { type: 'left', peer: ALICE });
  assert.deepEqual(hub.counts(), { rooms: 1, members: 1, away: 0, leading: 1 });
});

test('resuming within the grace period cancels the departure and re-announces the peer', () => {
  const { hub, timers, alice, bob } = setup();
  hub.drop(alice, ROOM, ALICE);
  const again = recordingSocket();
  assert.deepEqual(hub.join(again, ROOM, ALICE), { ok: true, value: 'resumed' });
  assert.equal(timers.pending(), 0);
  assert.deepEqual(again.frames[0], { type: 'welcome', peer: ALICE, peers: [BOB], ice: [], limits: LIMITS });
  assert.deepEqual(bob.frames.at(-1), { type: 'joined', peer: ALICE });
});

test('a replaced connection is closed with the replaced code, and its later drop changes nothing', () => {
  const { hub, timers, alice, bob } = setup();
  const newer = recordingSocket();
  assert.deepEqual(hub.join(newer, ROOM, ALICE), { ok: true, value: 'replaced' });
  assert.equal(alice.closedWith, CLOSE_CODES.replaced);
  hub.drop(alice, ROOM, ALICE);
  assert.equal(timers.pending(), 0);
  assert.equal(bob.frames.some((f) => f.type === 'left'), false, 'the old socket leaving told Bob that Alice left');
  assert.equal(hub.route(ROOM, BOB, ALICE, 'box'), 'routed');
  assert.deepEqual(newer.frames.at(-1), { type: 'msg', from: BOB, box: 'box' });
  assert.equal(alice.frames.some((f) => f.type === 'msg'), false);
});

test('with no grace period a drop is a departure at once', () => {
  const { hub, timers, alice, bob } = setup(0);
  hub.drop(alice, ROOM, ALICE);
  assert.equal(timers.pending(), 0);
  assert.deepEqual(bob.frames.at(-1), { type: 'left', peer: ALICE });
});

test('after stop, pending departures are forgotten and drops announce nothing', () => {
  const { hub, timers, alice, bob } = setup();
  hub.drop(alice, ROOM, ALICE);
  hub.stop();
  assert.equal(timers.pending(), 0);
  hub.drop(bob, ROOM, BOB);
  hub.leave(bob, ROOM, BOB);
  assert.equal(bob.frames.some((f) => f.type === 'left'), false);
});

test('a peer cannot send to itself', () => {
  const { hub } = setup();
  assert.equal(hub.route(ROOM, ALICE, ALICE, 'box'), 'unknown-peer');
});

test('a broadcast costs one copy per other present member, a message to one peer one copy, and nothing unknown', () => {
  const { hub, alice } = setup();
  const carol = recordingSocket();
  assert.ok(hub.join(carol, ROOM, 'carol-0123456789ab').ok);
  assert.equal(hub.copies(ROOM, ALICE, '*'), 2);
  assert.equal(hub.copies(ROOM, ALICE, BOB), 1);
  assert.equal(hub.copies(ROOM, ALICE, ALICE), 0);
  assert.equal(hub.copies(ROOM, ALICE, 'nobody-0123456789'), 0);
  hub.drop(carol, ROOM, 'carol-0123456789ab');
  assert.equal(hub.copies(ROOM, ALICE, '*'), 1, 'an away member gets no broadcast');
  assert.equal(hub.copies(ROOM, ALICE, 'carol-0123456789ab'), 1, 'a message to an away member costs as if it were there');
  assert.equal(alice.frames.some((f) => f.type === 'msg'), false, 'counting sends nothing');
});

test('routed messages name their sender to the receiving socket; server frames do not', () => {
  const { hub, bob } = setup();
  const watched = recordingSocket();
  assert.ok(hub.join(watched, ROOM, 'dave-0123456789abc').ok);
  hub.route(ROOM, ALICE, '*', 'box');
  hub.route(ROOM, BOB, 'dave-0123456789abc', 'box');
  assert.deepEqual(watched.senders, [undefined, ALICE, BOB], 'welcome, then the two messages');
  assert.ok(bob.frames.some((f) => f.type === 'joined'));
});

test('a room\'s snapshot goes whole to the member admitted, just before its welcome, and to no one else', () => {
  const timers = fakeTimers();
  const hub = createHub({ roomCapacity: 2, leaveGraceMs: 0, iceServers: () => [], log: silentLog, tree: { fanout: 4, directMax: 12 }, limits: LIMITS, timers });
  const alice = recordingSocket();
  const bob = recordingSocket();
  const carol = recordingSocket();
  const save = { version: 3, writer: 'w'.repeat(43), box: 'sealed-state', sig: 's'.repeat(86) };
  assert.ok(hub.join(alice, ROOM, ALICE).ok);
  // As a store hands it: when it was saved stays on the server.
  const stored = { ...save, savedAt: 1_700_000_000_000 };
  assert.ok(hub.join(bob, ROOM, BOB, stored).ok);
  assert.deepEqual(bob.frames.map((f) => f.type), ['snapshot', 'welcome']);
  assert.deepEqual(bob.frames[0], { type: 'snapshot', ...save });
  assert.equal(alice.frames.some((f) => f.type === 'snapshot'), false, 'the others hear only that bob joined');
  assert.equal(hub.join(carol, ROOM, 'carol-0123456789ab', save).ok, false);
  assert.deepEqual(carol.frames, [], 'a member the room cannot take is sent nothing');
});
