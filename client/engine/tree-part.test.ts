import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlanFrame } from '../../shared/protocol.ts';
import { initialRoomState, type RoomRules, type RoomState } from '../../shared/room-state.ts';
import type { LinkCandidate } from '../../shared/topology.ts';
import { createFakeTimers } from '../../test/helpers/fake-timers.ts';
import { createTimers } from './timers.ts';
import type { RelayPath } from './audio/encoded-pipes.ts';
import { createTreePart, LINGER_MS, SAMPLE_MS, type Claim } from './tree-part.ts';
import { ASSUMED_UPLOAD_KBPS, RETRY_AFTER_MS, type SendSample } from './upload-capacity.ts';

const HOST = 'H'.repeat(43);
const SELF = 'S'.repeat(43);
const RULES: RoomRules = { hostKey: HOST, stageMax: 8 };
const room: RoomState = { ...initialRoomState, kind: 'stage' };
const [P, Q, R] = ['p', 'q', 'r'].map((c) => `${c.repeat(16)}`) as [string, string, string];
const members: LinkCandidate[] = [
  { peer: 'h'.repeat(16), key: HOST, presented: true },
  ...[P, Q, R].map((peer) => ({ peer, key: peer[0]!.toUpperCase().repeat(43), presented: true })),
];
const input = { room, rules: RULES, selfKey: SELF, members };
const plan = (parent: string, backup: string | null = null): PlanFrame => ({ type: 'plan', mode: 'tree', parent, backup, children: [], standby: [], depth: 2, mixes: false, streamKbps: 40 });

function setup({ path = null as RelayPath } = {}) {
  const clock = createFakeTimers();
  const claims: Claim[] = [];
  let expired = 0;
  /** What those we feed report, as a test sets it. */
  const feeds = new Map<string, SendSample>();
  const tree = createTreePart({ send: (frame) => claims.push(frame), timers: createTimers(clock), onExpired: () => void (expired += 1), feedStats: async () => ({ links: new Map(feeds), streams: 1 }), relayPath: () => path });
  return { clock, tree, claims, feeds, expired: () => expired };
}

test('until a plan says otherwise the room is a mesh: a listener links with the stage', () => {
  const { tree } = setup();
  assert.deepEqual([...tree.topology(input).keys()], [members[0]!.peer]);
  assert.deepEqual(tree.route({ upstream: 'stage', serving: 0, mixed: false, mixing: false }), { mode: 'mesh', via: 0, serving: 0, mixed: false, mixing: false });
});

test('a new parent does not cut the old one off: it lingers until the new link has had time to come up', () => {
  const { clock, tree, expired } = setup();
  tree.planned(plan(P));
  assert.deepEqual([...tree.topology(input).keys()], [P]);
  tree.planned(plan(Q));
  assert.deepEqual([...tree.topology(input)].map(([peer, link]) => [peer, link.feed]), [[Q, 'parent'], [P, 'parent']]);
  clock.advance(LINGER_MS);
  assert.equal(expired(), 1, 'the room is told to look again');
  assert.deepEqual([...tree.topology(input).keys()], [Q]);
});

test('a lingering feed goes at once if the log no longer allows the link', () => {
  const { tree } = setup();
  tree.planned(plan(P));
  tree.topology(input);
  tree.planned(plan(Q));
  const banned = { ...input, room: { ...room, banned: ['P'.repeat(43)] } };
  assert.deepEqual([...tree.topology(banned).keys()], [Q]);
});

test('the planner hears whether our browser repacks each frame it forwards (Firefox) or forwards it unchanged', () => {
  for (const [path, repacks] of [['streams', false], ['transforms', true], [null, false]] as const) {
    const { tree, claims } = setup({ path });
    tree.claim('audience', { turnOnly: false, forwards: true });
    assert.deepEqual([claims.at(-1)?.repacks === true, claims.at(-1)?.uploadKbps], [repacks, path === null ? 0 : ASSUMED_UPLOAD_KBPS], `relaying by ${path}`);
  }
});

test('a page that can no longer relay (its frame worker failed) tells the planner at its next reading, unasked', async () => {
  let path: RelayPath = 'transforms';
  const clock = createFakeTimers();
  const claims: Claim[] = [];
  const tree = createTreePart({ send: (frame) => claims.push(frame), timers: createTimers(clock), onExpired: () => {}, feedStats: async () => ({ links: new Map(), streams: 1 }), relayPath: () => path });
  tree.claim('audience', { turnOnly: false, forwards: true });
  assert.deepEqual([claims.at(-1)?.uploadKbps, claims.at(-1)?.repacks], [ASSUMED_UPLOAD_KBPS, true]);
  path = null;
  clock.advance(SAMPLE_MS);
  await Promise.resolve();
  assert.deepEqual([claims.length, claims.at(-1)?.uploadKbps, claims.at(-1)?.repacks], [2, 0, undefined]);
});

test('what the planner is told changes only when we change, and a new server session hears it again', () => {
  const { tree, claims } = setup();
  const direct = { turnOnly: false, forwards: true };
  tree.claim('audience', direct);
  tree.claim('audience', direct);
  assert.equal(claims.length, 1);
  tree.claim('stage', direct);
  tree.welcomed();
  tree.claim('stage', direct);
  assert.deepEqual(claims.map((c) => c.tier), ['audience', 'stage', 'stage']);
  tree.claim('audience', { turnOnly: true, forwards: true });
  assert.deepEqual([claims.at(-1)?.uploadKbps, claims.at(-1)?.turnOnly], [0, true], 'a member that hides its address relays for nobody');
  tree.claim('audience', { turnOnly: false, forwards: false });
  assert.deepEqual([claims.at(-1)?.uploadKbps, claims.at(-1)?.turnOnly], [0, false], 'one only looking in relays for nobody either');
});

test('a listener hears how the stage reaches it, and whom it passes it on to', () => {
  const { tree } = setup();
  tree.planned({ ...plan(P), depth: 3 });
  assert.deepEqual(tree.route({ upstream: 'parent', serving: 2, mixed: false, mixing: false }), { mode: 'tree', via: 2, serving: 2, mixed: false, mixing: false });
  assert.deepEqual(tree.route({ upstream: 'backup', serving: 0, mixed: true, mixing: false }), { mode: 'tree', via: null, serving: 0, mixed: true, mixing: false });
  assert.deepEqual(tree.route({ upstream: 'parent', serving: 1, mixed: false, mixing: true }).mixing, true);
});

test('the plan says whether we mix what we feed, unless we claimed to feed nobody', () => {
  const { tree } = setup();
  assert.equal(tree.mixes(), false, 'no plan yet');
  tree.planned({ ...plan(P), children: [Q], mixes: true });
  tree.claim('audience', { turnOnly: false, forwards: true });
  assert.equal(tree.mixes(), true);
  tree.claim('audience', { turnOnly: false, forwards: false });
  assert.equal(tree.mixes(), false);
});

test('claiming to feed nobody, we take no child or standby a plan names; claiming to forward, we do', () => {
  const { tree } = setup();
  tree.planned({ ...plan(P), children: [Q], standby: [R] });
  tree.claim('audience', { turnOnly: false, forwards: false });
  assert.deepEqual([...tree.topology(input)].map(([peer, link]) => [peer, link.feed]), [[P, 'parent']]);
  tree.claim('audience', { turnOnly: false, forwards: true });
  assert.deepEqual([...tree.topology(input)].map(([peer, link]) => [peer, link.feed]), [[P, 'parent'], [Q, 'child'], [R, 'standby']]);
});

test('a relay whose upload cannot keep up, as those it feeds report, claims less; after a while it offers its upload again', async () => {
  const { clock, tree, claims, feeds } = setup({ path: 'streams' });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  tree.claim('audience', { turnOnly: false, forwards: true });
  assert.equal(claims.at(-1)?.uploadKbps, ASSUMED_UPLOAD_KBPS);
  for (const round of [1, 2, 3]) {
    for (const peer of [P, Q]) feeds.set(peer, { fractionLost: 0.8, reports: round });
    clock.advance(SAMPLE_MS);
    await settle();
  }
  // Four fifths lost to each of two: no member reached whole, so the planner makes it a leaf.
  assert.equal(claims.at(-1)?.uploadKbps, 0);
  feeds.clear();
  for (let t = 0; t < RETRY_AFTER_MS; t += SAMPLE_MS) {
    clock.advance(SAMPLE_MS);
    await settle();
  }
  assert.equal(claims.at(-1)?.uploadKbps, ASSUMED_UPLOAD_KBPS);
});

test('a browser that cannot forward claims no upload, and reads no stats', async () => {
  const { clock, tree, claims } = setup();
  tree.claim('audience', { turnOnly: false, forwards: true });
  clock.advance(SAMPLE_MS * 3);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(claims.map((c) => c.uploadKbps), [0]);
});
