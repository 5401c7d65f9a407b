import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlanFrame } from '../shared/protocol.ts';
import { createFakeTimers } from '../test/helpers/fake-timers.ts';
import { recordingSocket, type RecordingSocket } from '../test/helpers/hub-socket.ts';
import { createHub } from './hub.ts';
import { silentLog } from './log.ts';
import { PLAN_DELAY_MS, type TreeClaim } from './tree-planning.ts';

const ROOM = 'room-0123456789abcdef';
const OTHER_ROOM = 'room-fedcba9876543210';
const STAGE = 'stage-0123456789abcd';
const LISTENERS = Array.from({ length: 6 }, (_, i) => `listener-${i}-0123456789`);
const GRACE_MS = 10_000;

const onStage: TreeClaim = { tier: 'stage', uploadKbps: 1000, turnOnly: false };
const inAudience: TreeClaim = { tier: 'audience', uploadKbps: 1000, turnOnly: false };

/** A stage member and six listeners joined and claimed; with two listeners fed directly at most, some relay. */
function setup(claimOf: (peer: string) => TreeClaim = (peer) => (peer === STAGE ? onStage : inAudience)) {
  const clock = createFakeTimers();
  const hub = createHub({
    roomCapacity: 10,
    leaveGraceMs: GRACE_MS,
    iceServers: () => [],
    log: silentLog,
    tree: { fanout: 2, directMax: 2 },
    limits: { framesPerS: 40, framesBurst: 80, copiesPerS: 200, copiesBurst: 400 },
    timers: { set: clock.setTimeout, clear: clock.clearTimeout },
  });
  const sockets = new Map<string, RecordingSocket>();
  for (const peer of [STAGE, ...LISTENERS]) {
    const socket = recordingSocket();
    sockets.set(peer, socket);
    assert.ok(hub.join(socket, ROOM, peer).ok);
    hub.claim(ROOM, peer, claimOf(peer));
  }
  clock.advance(PLAN_DELAY_MS);
  const socketOf = (peer: string): RecordingSocket => {
    const socket = sockets.get(peer);
    assert.ok(socket, `no socket for ${peer}`);
    return socket;
  };
  const planOf = (peer: string): PlanFrame | undefined => socketOf(peer).plans().at(-1);
  /** A listener that feeds others, with the listeners it feeds. */
  const aRelay = (): [string, readonly string[]] => {
    const relay = LISTENERS.find((peer) => (planOf(peer)?.children.length ?? 0) > 0);
    assert.ok(relay, 'no listener relays');
    return [relay, planOf(relay)!.children];
  };
  return { hub, clock, socketOf, planOf, aRelay };
}

test('tree claims lead to one plan on each member\'s own socket, each with its own part', () => {
  const { socketOf, planOf } = setup();
  for (const peer of [STAGE, ...LISTENERS]) assert.equal(socketOf(peer).plans().length, 1, `${peer} got no plan, or more than one`);
  const roots = LISTENERS.filter((peer) => planOf(peer)?.parent === null);
  assert.deepEqual(planOf(STAGE), { type: 'plan', mode: 'tree', parent: null, backup: null, children: roots.sort(), standby: [], depth: 0, mixes: false, streamKbps: 40 });
  for (const peer of LISTENERS) {
    const parent = planOf(peer)?.parent;
    if (parent) assert.ok(planOf(parent)?.children.includes(peer), `${peer}'s parent does not list it`);
  }
});

test('a listener whose browser repacks what it forwards is planned below those that forward unchanged, though it came first', () => {
  const firefox = LISTENERS[0]!;
  const { planOf } = setup((peer) => (peer === STAGE ? onStage : peer === firefox ? { ...inAudience, repacks: true } : inAudience));
  const roots = LISTENERS.filter((peer) => planOf(peer)?.parent === null);
  assert.equal(roots.length, 2);
  assert.ok(!roots.includes(firefox), `the stage feeds ${roots}, the repacking listener among them`);
  const { planOf: unchanged } = setup();
  assert.ok(LISTENERS.filter((peer) => unchanged(peer)?.parent === null).includes(firefox), 'claiming like the others, the first to come is a root');
});

test('a claim for a peer not in the room, or for a room the peer is not in, is ignored', () => {
  const { hub, clock, socketOf } = setup();
  hub.claim(ROOM, 'stranger-0123456789ab', inAudience);
  hub.claim(OTHER_ROOM, LISTENERS[0]!, onStage);
  assert.equal(clock.pendingCount(), 0, 'a plan was scheduled');
  clock.advance(PLAN_DELAY_MS);
  for (const peer of [STAGE, ...LISTENERS]) assert.equal(socketOf(peer).plans().length, 1);
});

test('a relay that goes away is planned around at once, and announced as left only when its grace ends', () => {
  const { hub, clock, socketOf, planOf, aRelay } = setup();
  const [relay, children] = aRelay();
  hub.drop(socketOf(relay), ROOM, relay);
  clock.advance(PLAN_DELAY_MS);
  for (const child of children) assert.notEqual(planOf(child)?.parent, relay, `${child} still hangs from the away relay`);
  assert.equal(socketOf(relay).plans().length, 1, 'the away relay was sent a plan');
  assert.equal(socketOf(STAGE).frames.some((f) => f.type === 'left'), false);
  clock.advance(GRACE_MS);
  assert.deepEqual(socketOf(STAGE).frames.at(-1), { type: 'left', peer: relay });
});

test('a relay that leaves is planned around, and no part names it', () => {
  const { hub, clock, socketOf, planOf, aRelay } = setup();
  const [relay, children] = aRelay();
  hub.leave(socketOf(relay), ROOM, relay);
  clock.advance(PLAN_DELAY_MS);
  for (const child of children) assert.notEqual(planOf(child)?.parent, relay, `${child} still hangs from the relay that left`);
  for (const peer of [STAGE, ...LISTENERS.filter((p) => p !== relay)]) {
    const plan = planOf(peer)!;
    assert.equal([plan.parent, plan.backup, ...plan.children, ...plan.standby].includes(relay), false, `${peer}'s part names the relay`);
  }
});

test('an away member\'s claims are ignored; once it resumes and claims again it is sent its part', () => {
  const { hub, clock, socketOf, planOf } = setup();
  const peer = LISTENERS[5]!;
  hub.drop(socketOf(peer), ROOM, peer);
  clock.advance(PLAN_DELAY_MS);
  hub.claim(ROOM, peer, inAudience);
  assert.equal(clock.pendingCount(), 1, 'only the grace timer');
  const again = recordingSocket();
  assert.deepEqual(hub.join(again, ROOM, peer), { ok: true, value: 'resumed' });
  hub.claim(ROOM, peer, inAudience);
  clock.advance(PLAN_DELAY_MS);
  assert.equal(again.plans().length, 1);
  const parent = again.plans()[0]!.parent;
  assert.ok(parent === null ? planOf(STAGE)?.children.includes(peer) : planOf(parent)?.children.includes(peer));
});

test('a newer connection for a peer is sent its part when it claims, though the part did not change', () => {
  // A client resets its plan on every welcome and claims again; had it to wait for a change, it
  // would stay out of the tree while the others count on it.
  const { hub, clock, socketOf } = setup();
  const peer = LISTENERS[0]!;
  const before = socketOf(peer).plans().at(-1);
  const newer = recordingSocket();
  assert.deepEqual(hub.join(newer, ROOM, peer), { ok: true, value: 'replaced' });
  hub.claim(ROOM, peer, inAudience);
  clock.advance(PLAN_DELAY_MS);
  assert.deepEqual(newer.plans(), [before]);
  for (const other of [STAGE, ...LISTENERS.slice(1)]) assert.equal(socketOf(other).plans().length, 1, `${other} was sent a plan`);
});

test('after stop, claims schedule no plan', () => {
  const { hub, clock } = setup();
  hub.stop();
  hub.claim(ROOM, LISTENERS[0]!, onStage);
  assert.equal(clock.pendingCount(), 0);
});
