import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { initialRoomState, type RoomRules, type RoomState } from './room-state.ts';
import type { LinkCandidate } from './topology.ts';
import { treeTopology, type OwnPlan } from './tree-topology.ts';

const HOST = 'H'.repeat(43);
const SPEAKER = 'S'.repeat(43);
const keys = ['A', 'B', 'C', 'D', 'E'].map((c) => c.repeat(43));
const [ANN, BEN, CAT, DAN, EVE] = keys as [string, string, string, string, string];
const RULES: RoomRules = { hostKey: HOST, stageMax: 8 };
const room: RoomState = { ...initialRoomState, kind: 'stage', speakers: [SPEAKER] };
const peerOf = (key: string): string => `peer-${key[0]}`;
const everyone: LinkCandidate[] = [HOST, SPEAKER, ...keys].map((key) => ({ peer: peerOf(key), key, presented: true }));
const noPlan: OwnPlan = { parent: null, backup: null, children: [], standby: [] };
const linksOf = (self: string, plan: OwnPlan, state: RoomState = room) =>
  treeTopology({ room: state, rules: RULES, selfKey: self, members: everyone.filter((m) => m.key !== self) }, plan);

test('on stage: the rest of the stage and the roots the plan names, all carrying our microphone', () => {
  const links = linksOf(SPEAKER, { ...noPlan, children: [peerOf(ANN), peerOf(BEN)] });
  assert.deepEqual([...links.keys()].sort(), [peerOf(ANN), peerOf(BEN), peerOf(HOST)].sort());
  assert.ok([...links.values()].every((link) => link.send && link.feed === undefined && !link.relays), 'a speaker forwards nothing');
  assert.equal(links.get(peerOf(ANN))?.play, false, 'a listener is not played');
});

test('a root hears every speaker directly and feeds its children', () => {
  const links = linksOf(ANN, { ...noPlan, children: [peerOf(CAT)], standby: [peerOf(DAN)] });
  assert.deepEqual(links.get(peerOf(HOST)), { make: true, send: false, play: true, relays: true }, 'what arrives may be forwarded');
  assert.equal(links.get(peerOf(SPEAKER))?.play, true);
  assert.equal(links.get(peerOf(CAT))?.feed, 'child');
  assert.equal(links.get(peerOf(DAN))?.feed, 'standby');
  assert.equal(links.has(peerOf(BEN)), false, 'no link with a listener the plan does not name');
});

test('deeper in the tree a member links with its parent, backup and children only, and never sends its microphone', () => {
  const links = linksOf(CAT, { parent: peerOf(ANN), backup: peerOf(BEN), children: [peerOf(EVE)], standby: [] });
  assert.deepEqual(
    [...links].map(([peer, link]) => [peer, link.feed]),
    [[peerOf(ANN), 'parent'], [peerOf(EVE), 'child'], [peerOf(BEN), 'backup']],
  );
  assert.ok([...links.values()].every((link) => !link.send && !link.play));
});

test('a plan never lets anyone in whom the log keeps out', () => {
  const banned: RoomState = { ...room, banned: [ANN], locked: true, admitted: [CAT] };
  const links = linksOf(CAT, { parent: peerOf(ANN), backup: peerOf(BEN), children: [peerOf(DAN)], standby: [] }, banned);
  assert.equal(links.has(peerOf(ANN)), false, 'the banned parent is left out');
  assert.equal(links.has(peerOf(BEN)), false, 'and so is a backup waiting in the lobby');
  assert.equal(linksOf(BEN, { ...noPlan, children: [peerOf(DAN)] }, banned).size, 0, 'and the lobby links with nobody');
});

test('whatever the plan, no listener sends its microphone and no one links with itself', () => {
  const peer = fc.constantFrom(...everyone.map((m) => m.peer));
  fc.assert(
    fc.property(fc.constantFrom(...keys), fc.option(peer), fc.option(peer), fc.array(peer), fc.array(peer), (self, parent, backup, children, standby) => {
      const links = linksOf(self, { parent, backup, children, standby });
      assert.equal(links.has(peerOf(self)), false);
      assert.ok([...links.values()].every((link) => !link.send));
    }),
  );
});

test('a backup that is also our standby is one link that does both', () => {
  const links = linksOf(CAT, { parent: peerOf(ANN), backup: peerOf(BEN), children: [], standby: [peerOf(BEN), peerOf(DAN)] });
  assert.deepEqual(links.get(peerOf(BEN)), { make: true, send: false, play: false, feed: 'backup', relays: true, standby: true });
  assert.equal(links.get(peerOf(DAN))?.feed, 'standby');
});
