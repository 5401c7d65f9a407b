import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServerFrame, type PlanFrame } from '../shared/protocol.ts';
import { createFakeTimers } from '../test/helpers/fake-timers.ts';
import { createTreePlanning, PLAN_DELAY_MS, TIER_COOLDOWN_MS, type TreeClaim } from './tree-planning.ts';

const ROOM = 'room-0123456789abcdef';
const OTHER_ROOM = 'room-fedcba9876543210';
const STAGE = 'stage-0123456789abcd';
/** Listener ids sort in the order they are numbered. */
const listener = (n: number): string => `listener-${String(n).padStart(2, '0')}-0123456789`;
const LISTENERS = Array.from({ length: 8 }, (_, i) => listener(i));

const onStage: TreeClaim = { tier: 'stage', uploadKbps: 1000, turnOnly: false };
const inAudience: TreeClaim = { tier: 'audience', uploadKbps: 1000, turnOnly: false };

/**
 * The planner with a manual clock; `sent` holds every plan in order. Small settings put a room of a
 * stage member and a few listeners in tree mode: more than two listeners, two children per relay.
 */
function setup(settings = { fanout: 2, directMax: 2 }) {
  const clock = createFakeTimers();
  const sent: { room: string; peer: string; frame: PlanFrame }[] = [];
  const planning = createTreePlanning({
    settings,
    timers: { set: clock.setTimeout, clear: clock.clearTimeout },
    now: clock.now,
    leads: () => true,
    send(room, peer, frame) {
      // Every plan must pass the browser's own parser.
      assert.ok(parseServerFrame(JSON.stringify(frame)).ok, `an invalid plan for ${peer}`);
      sent.push({ room, peer, frame });
    },
  });
  /** Peers sent a plan since the last call, each with its latest plan. */
  let seen = 0;
  const newPlans = (): Map<string, PlanFrame> => {
    const plans = new Map(sent.slice(seen).map(({ peer, frame }) => [peer, frame]));
    seen = sent.length;
    return plans;
  };
  /** Each peer's latest plan in ROOM. */
  const latest = (): Map<string, PlanFrame> => new Map(sent.filter((s) => s.room === ROOM).map(({ peer, frame }) => [peer, frame]));
  return { planning, clock, sent, newPlans, latest };
}

/** A stage member and `count` listeners claim at once; the test then lets the plan go out. */
function room(count: number, settings?: { fanout: number; directMax: number }) {
  const kit = setup(settings);
  kit.planning.claim(ROOM, STAGE, onStage);
  for (const peer of LISTENERS.slice(0, count)) kit.planning.claim(ROOM, peer, inAudience);
  kit.clock.advance(PLAN_DELAY_MS);
  kit.newPlans();
  return kit;
}

/** A listener that feeds others in the latest plan. */
function aRelay(plans: ReadonlyMap<string, PlanFrame>): [string, PlanFrame] {
  const relay = [...plans].find(([peer, plan]) => peer !== STAGE && plan.children.length > 0);
  assert.ok(relay, 'no listener relays: the room is too small for the test');
  return relay;
}

test('a burst of claims is planned once, PLAN_DELAY_MS after the first of them', () => {
  const { planning, clock, sent } = setup();
  planning.claim(ROOM, STAGE, onStage);
  for (const peer of LISTENERS.slice(0, 5)) {
    clock.advance(5);
    planning.claim(ROOM, peer, inAudience);
  }
  clock.advance(PLAN_DELAY_MS - 5 * 5 - 1);
  assert.equal(sent.length, 0, 'planned before the window closed');
  clock.advance(1);
  assert.deepEqual(sent.map((s) => s.peer).sort(), [STAGE, ...LISTENERS.slice(0, 5)].sort(), 'one plan per member');
  assert.equal(clock.pendingCount(), 0);
  clock.advance(10 * PLAN_DELAY_MS);
  assert.equal(sent.length, 6, 'planned again with nothing new');
});

test('each member is sent its own part, and parts agree: a listener\'s parent lists it among its children', () => {
  const { latest } = room(6);
  const plans = latest();
  assert.equal(plans.size, 7);
  for (const [peer, plan] of plans) {
    assert.equal(plan.mode, 'tree');
    if (peer === STAGE) continue;
    const feeder = plans.get(plan.parent ?? STAGE);
    assert.ok(feeder?.children.includes(peer), `${peer}'s parent does not list it`);
    for (const child of plan.children) assert.equal(plans.get(child)?.parent, peer, `${peer} lists ${child}, which has another parent`);
  }
});

test('a join in direct mode sends a plan to the newcomer only, as no one else\'s part changed', () => {
  const { planning, clock, newPlans } = room(2, { fanout: 2, directMax: 4 });
  planning.claim(ROOM, listener(7), inAudience);
  clock.advance(PLAN_DELAY_MS);
  assert.deepEqual([...newPlans().keys()], [listener(7)]);
});

test('the same claim again re-plans, and sends nothing to anyone but the claimant', () => {
  const { planning, clock, newPlans } = room(6);
  planning.claim(ROOM, listener(3), inAudience);
  clock.advance(PLAN_DELAY_MS);
  assert.deepEqual([...newPlans().keys()], [listener(3)]);
});

test('a claim is answered with the claimant\'s part even when it did not change (a newer connection has none yet)', () => {
  const { planning, clock, latest, newPlans } = room(6);
  const before = latest().get(listener(2));
  planning.claim(ROOM, listener(2), inAudience);
  clock.advance(PLAN_DELAY_MS);
  assert.deepEqual(newPlans().get(listener(2)), before);
});

test('in tree mode the stage is sent the roots as its children; in direct mode, no one', () => {
  const tree = room(6).latest();
  const roots = [...tree].filter(([peer, plan]) => peer !== STAGE && plan.parent === null).map(([peer]) => peer).sort();
  assert.ok(roots.length > 0);
  assert.deepEqual(tree.get(STAGE), { type: 'plan', mode: 'tree', parent: null, backup: null, children: roots, standby: [], depth: 0, mixes: false, streamKbps: 40 });

  const direct = room(2).latest();
  assert.deepEqual(direct.get(STAGE), { type: 'plan', mode: 'direct', parent: null, backup: null, children: [], standby: [], depth: 0, mixes: false, streamKbps: 40 });
  assert.deepEqual(direct.get(listener(0)), { type: 'plan', mode: 'direct', parent: null, backup: null, children: [], standby: [], depth: 1, mixes: false, streamKbps: 40 });
});

test('a member\'s standby list names exactly the members that have it as their backup', () => {
  const plans = room(8).latest();
  const backups = [...plans].filter(([, plan]) => plan.backup !== null);
  assert.ok(backups.length > 0, 'no member has a backup: the room is too small for the test');
  for (const [peer, plan] of backups) assert.ok(plans.get(plan.backup!)?.standby.includes(peer), `${plan.backup} does not list ${peer} on standby`);
  for (const [peer, plan] of plans) {
    for (const waiting of plan.standby) assert.equal(plans.get(waiting)?.backup, peer, `${peer} lists ${waiting}, whose backup is another`);
  }
});

test('removing a relay re-plans once, its former children get new parents, and no part names it any more', () => {
  const { planning, clock, newPlans, latest } = room(8);
  const before = latest();
  const [relay, { children }] = aRelay(before);
  planning.remove(ROOM, relay);
  assert.equal(clock.pendingCount(), 1);
  clock.advance(PLAN_DELAY_MS);
  const changed = newPlans();
  assert.equal(changed.has(relay), false, 'the removed relay was sent a plan');
  for (const child of children) assert.notEqual(changed.get(child)?.parent ?? relay, relay, `${child} still has the removed relay as parent`);
  const plans = latest();
  plans.delete(relay);
  for (const [peer, plan] of plans) {
    const named = [plan.parent, plan.backup, ...plan.children, ...plan.standby];
    assert.equal(named.includes(relay), false, `${peer}'s part still names the removed relay`);
  }
  for (const [peer, plan] of changed) assert.notDeepEqual(plan, before.get(peer), `${peer} was sent its part unchanged`);
});

test('a member that was removed and claims again is sent its part, even if it is what it was sent before', () => {
  const { planning, clock, latest, newPlans } = room(2);
  const before = latest().get(listener(1));
  planning.remove(ROOM, listener(1));
  clock.advance(PLAN_DELAY_MS);
  planning.claim(ROOM, listener(1), inAudience);
  clock.advance(PLAN_DELAY_MS);
  assert.deepEqual(newPlans().get(listener(1)), before);
});

test('a room whose last member is removed is forgotten, with no plan pending', () => {
  const { planning, clock, sent } = setup();
  planning.claim(ROOM, STAGE, onStage);
  planning.claim(ROOM, listener(0), inAudience);
  planning.remove(ROOM, STAGE);
  planning.remove(ROOM, listener(0));
  assert.equal(clock.pendingCount(), 0);
  clock.advance(PLAN_DELAY_MS);
  assert.equal(sent.length, 0);
});

test('removing a member that never claimed, or from a room never planned, schedules nothing', () => {
  const { planning, clock, sent } = room(2);
  planning.remove(ROOM, listener(7));
  planning.remove(OTHER_ROOM, listener(0));
  assert.equal(clock.pendingCount(), 0);
  clock.advance(PLAN_DELAY_MS);
  assert.equal(sent.length, 3, 'the first plan only');
});

test('rooms are planned apart: a claim in one room sends nothing to another', () => {
  const { planning, clock, newPlans, sent } = room(6);
  planning.claim(OTHER_ROOM, listener(0), inAudience);
  clock.advance(PLAN_DELAY_MS);
  assert.deepEqual([...newPlans().keys()], [listener(0)]);
  assert.equal(sent.at(-1)?.room, OTHER_ROOM);
});

test('stop cancels pending plans in every room, and nothing is sent after', () => {
  const { planning, clock, sent } = setup();
  planning.claim(ROOM, STAGE, onStage);
  planning.claim(OTHER_ROOM, STAGE, onStage);
  planning.stop();
  assert.equal(clock.pendingCount(), 0);
  clock.advance(PLAN_DELAY_MS);
  assert.equal(sent.length, 0);
});

test('a member keeps its seniority (join time) when it claims again, e.g. changing tier', () => {
  // One child per relay: the senior of two equal listeners is the root and feeds the other.
  const { planning, clock, latest } = setup({ fanout: 1, directMax: 1 });
  const senior = listener(9); // sorts after the junior, so only seniority can put it first
  const junior = listener(1);
  planning.claim(ROOM, STAGE, onStage);
  planning.claim(ROOM, senior, onStage);
  clock.advance(10);
  planning.claim(ROOM, junior, inAudience);
  clock.advance(10);
  planning.claim(ROOM, senior, inAudience);
  clock.advance(PLAN_DELAY_MS);
  assert.equal(latest().get(senior)?.parent, null, 'the senior listener is not the root');
  assert.equal(latest().get(junior)?.parent, senior);
});

/** One member claims every millisecond for `windows` planning windows; returns how many plans each other member got. */
function flood(windows: number, tierAt: (ms: number) => TreeClaim): number[] {
  const { planning, clock, sent } = room(2);
  for (let ms = 0; ms < windows * PLAN_DELAY_MS; ms++) {
    planning.claim(ROOM, listener(7), tierAt(ms));
    clock.advance(1);
  }
  clock.advance(PLAN_DELAY_MS);
  // Not counting the plan each got before the flood.
  return [STAGE, listener(0), listener(1)].map((peer) => sent.filter((s) => s.peer === peer).length - 1);
}

// Two listeners and a stage member: the flooder in the audience makes three listeners, which
// puts the room in tree mode, and on stage two, which puts it back in direct mode. Each switch
// changes every member's part.

test('however fast one member flips between stage and audience, no member is sent more than one plan per window', () => {
  const windows = 10;
  for (const plans of flood(windows, (ms) => (ms % 2 === 0 ? inAudience : onStage))) {
    assert.ok(plans <= windows + 1, `sent ${plans} plans in ${windows} windows`);
  }
});

test('one member flipping its tier every window at the direct/tree boundary changes the room at most once per tier cooldown', () => {
  // A member may claim any tier, and the server cannot check it; it can only make flips rare.
  const windows = (3 * TIER_COOLDOWN_MS) / PLAN_DELAY_MS;
  const plans = flood(windows, (ms) => (Math.floor(ms / PLAN_DELAY_MS) % 2 === 0 ? inAudience : onStage));
  const most = (windows * PLAN_DELAY_MS) / TIER_COOLDOWN_MS + 1;
  for (const count of plans) assert.ok(count >= 2 && count <= most, `${plans.join(', ')} plans; flips should still land, at most ${most}`);
});

test('a tier change within the cooldown waits for it, and the latest claim made meanwhile is the one that counts', () => {
  const { planning, clock, latest } = room(2);
  const newcomer = listener(7);
  planning.claim(ROOM, newcomer, inAudience);
  clock.advance(PLAN_DELAY_MS);
  assert.equal(latest().get(newcomer)?.mode, 'tree', 'three listeners: fed through the tree');
  planning.claim(ROOM, newcomer, onStage);
  clock.advance(PLAN_DELAY_MS);
  assert.equal(latest().get(STAGE)?.mode, 'direct', 'a first change of tier is made at once');
  planning.claim(ROOM, newcomer, inAudience);
  clock.advance(PLAN_DELAY_MS);
  assert.equal(latest().get(STAGE)?.mode, 'direct', 'changing back waits for the cooldown');
  planning.claim(ROOM, newcomer, onStage);
  clock.advance(PLAN_DELAY_MS);
  planning.claim(ROOM, newcomer, inAudience);
  clock.advance(TIER_COOLDOWN_MS);
  assert.equal(latest().get(STAGE)?.mode, 'tree', 'after it, the latest claim made meanwhile counts: back in the audience');
});
