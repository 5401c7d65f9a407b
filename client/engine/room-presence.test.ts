import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Introduction, PeerMessage } from '../../shared/peer-message.ts';
import { createRoomPresence } from './room-presence.ts';

const PRESENCE: Introduction = { kind: 'presence', name: 'Ada', muted: false };
const KEYS_ONLY: Introduction = { kind: 'looking-in' };

/** Our presence in a room of Ann (staff), Ben and Rex; `letIn` says whom the room lets in. */
function member(presence: Introduction = PRESENCE) {
  const sent: { to: string; message: PeerMessage }[] = [];
  const world = { joined: true, holdsLog: true, inside: true, holdsKey: true, letIn: new Set(['ann', 'ben']), listed: ['ann', 'ben', 'rex'] };
  const told = createRoomPresence({
    sendTo: (to, message) => sent.push({ to, message }),
    presence: () => presence,
    joined: () => world.joined,
    holdsLog: () => world.holdsLog,
    inside: () => world.inside,
    holdsKey: () => world.holdsKey,
    hears: (peer) => (world.inside ? world.letIn.has(peer) : peer === 'ann'),
    letsIn: (peer) => world.letIn.has(peer),
    listed: () => world.listed,
  });
  const drain = () => sent.splice(0);
  return { told, world, drain };
}

test('our presence goes to everyone at once, and one member at a time only to those the room lets in', () => {
  const { told, drain } = member();
  told.announce();
  assert.deepEqual(drain(), [{ to: '*', message: PRESENCE }]);
  assert.deepEqual(told.introductionFor('ben'), PRESENCE);
  assert.deepEqual(told.introductionFor('rex'), KEYS_ONLY, 'the removed get our keys and nothing else');
});

test('until we hold the log, everyone gets our keys only: we cannot tell whom the room shuts out', () => {
  const { told, world, drain } = member();
  world.holdsLog = false;
  told.arrive();
  told.announce();
  assert.deepEqual(drain(), [{ to: '*', message: KEYS_ONLY }]);
  assert.deepEqual(told.introductionFor('ben'), KEYS_ONLY);
  world.holdsLog = true;
  told.update();
  assert.deepEqual(drain(), [{ to: '*', message: PRESENCE }], 'once we hold it, what was held back goes out');
});

test('inside, but lacking the epoch’s key, we broadcast nothing: the previous key may be the removed one’s', () => {
  const { told, world, drain } = member();
  world.holdsKey = false;
  told.announce();
  assert.deepEqual(drain(), []);
  assert.deepEqual(told.introductionFor('ben'), PRESENCE, 'pairwise needs no epoch key');
  world.holdsKey = true;
  told.update();
  assert.deepEqual(drain(), [{ to: '*', message: PRESENCE }]);
});

test('in the lobby our presence goes pairwise to staff only, and to everyone once we are let in and hold the key', () => {
  const { told, world, drain } = member();
  world.inside = false;
  world.holdsKey = false;
  told.update();
  told.announce();
  assert.deepEqual(drain(), [{ to: 'ann', message: PRESENCE }]);
  assert.deepEqual(told.introductionFor('ben'), KEYS_ONLY);
  world.inside = true;
  told.update();
  assert.deepEqual(drain(), [], 'let in, but not yet holding the key');
  world.holdsKey = true;
  told.update();
  assert.deepEqual(drain(), [{ to: '*', message: PRESENCE }]);
});

test('one we gave only our keys gets our presence pairwise once the room lets them in, and one who left is forgotten', () => {
  const { told, world, drain } = member();
  assert.deepEqual(told.introductionFor('rex'), KEYS_ONLY);
  told.update();
  assert.deepEqual(drain(), []);
  world.letIn.add('rex');
  told.update();
  assert.deepEqual(drain(), [{ to: 'rex', message: PRESENCE }]);
  told.update();
  assert.deepEqual(drain(), [], 'once');
  world.letIn.delete('rex');
  assert.deepEqual(told.introductionFor('rex'), KEYS_ONLY);
  world.listed = ['ann', 'ben'];
  told.update();
  world.letIn.add('rex');
  world.listed = ['ann', 'ben', 'rex'];
  told.update();
  assert.deepEqual(drain(), []);
});

test('before joining, our name goes nowhere: looking in, we send our keys only', () => {
  const { told, world, drain } = member();
  world.joined = false;
  told.arrive();
  told.announce();
  told.update();
  assert.deepEqual(drain(), [{ to: '*', message: KEYS_ONLY }]);
  assert.deepEqual(told.introductionFor('ann'), KEYS_ONLY);
});

test('those we greeted with our keys only before we held the log hear our first broadcast, and get no copy of their own', () => {
  const { told, world, drain } = member();
  world.holdsLog = false;
  for (const peer of ['ann', 'ben']) assert.deepEqual(told.introductionFor(peer), KEYS_ONLY);
  world.holdsLog = true;
  told.arrive();
  told.update();
  assert.deepEqual(drain(), [{ to: '*', message: PRESENCE }], 'one broadcast, whatever the size of the room');
});

test('one the room keeps out, whom we greeted before we held the log, learns its length from us pairwise once we do', () => {
  const { told, world, drain } = member({ ...PRESENCE, log: 5 });
  world.holdsLog = false;
  told.introductionFor('rex');
  told.introductionFor('ben');
  world.holdsLog = true;
  told.update();
  assert.deepEqual(drain(), [{ to: 'rex', message: { kind: 'looking-in', log: 5 } }], 'Ben, let in, hears our broadcast instead');
  told.update();
  assert.deepEqual(drain(), [], 'once');
});
