import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMembership, MAX_LISTED } from './membership.ts';

const presence = (name: string) => ({ kind: 'presence' as const, name, muted: false });

test('only members the server lists and who proved their key can be sent to', () => {
  const m = createMembership();
  m.welcome(['ann', 'ben']);
  m.introduce('ann', 'KEY-ANN');
  m.introduce('cat', 'KEY-CAT');
  assert.deepEqual(m.reachable(), ['ann'], 'ben has not introduced itself; cat is not listed');
  assert.equal(m.keyOf('cat'), 'KEY-CAT');
});

test('links start with members that presented themselves; their keys count as present once they are confirmed', () => {
  const m = createMembership();
  m.welcome(['ann', 'ben']);
  m.introduce('ann', 'KEY-ANN');
  m.introduce('ben', 'KEY-BEN');
  assert.equal(m.markPresented('ann'), true);
  assert.equal(m.markPresented('ann'), false, 'only the first presence counts as new');
  assert.deepEqual(m.candidates(), [
    { peer: 'ann', key: 'KEY-ANN', presented: true },
    { peer: 'ben', key: 'KEY-BEN', presented: false },
  ]);
  assert.deepEqual([...m.presentedKeys('KEY-SELF')], ['KEY-SELF'], 'ann may be an old introduction replayed');
  m.confirm('ann');
  assert.deepEqual([...m.presentedKeys('KEY-SELF')].sort(), ['KEY-ANN', 'KEY-SELF']);
  m.markPresented('ben');
  assert.equal(m.allPresented(), false);
  m.confirm('ben');
  assert.equal(m.allPresented(), true);
});

test('someone looking in is linked with but not counted as here, until they join; leaving forgets it', () => {
  const m = createMembership();
  m.welcome(['ann']);
  m.introduce('ann', 'KEY-ANN');
  m.markPresented('ann');
  m.confirm('ann');
  m.setLooking('ann', true);
  assert.deepEqual(m.candidates(), [{ peer: 'ann', key: 'KEY-ANN', presented: true }], 'links may start');
  assert.deepEqual([...m.presentedKeys('KEY-SELF')], ['KEY-SELF'], 'not here: they cannot stand in for the host, say');
  m.setLooking('ann', false);
  assert.deepEqual([...m.presentedKeys('KEY-SELF')].sort(), ['KEY-ANN', 'KEY-SELF']);
  m.setLooking('ann', true);
  m.depart('ann');
  assert.equal(m.isLooking('ann'), false);
});

test("a presence waits for its sender's confirmation, the latest one kept", () => {
  const m = createMembership();
  m.welcome(['ann']);
  m.keepUnconfirmed('ann', presence('Ann'));
  m.keepUnconfirmed('ann', presence('Ann B.'));
  assert.equal(m.takeConfirmed('ann'), null);
  m.confirm('ann');
  assert.deepEqual(m.takeConfirmed('ann'), presence('Ann B.'));
  assert.equal(m.takeConfirmed('ann'), null, 'handed over once');
  m.keepUnconfirmed('ben', presence('Ben'));
  m.depart('ben');
  m.confirm('ben');
  assert.equal(m.takeConfirmed('ben'), null, 'someone who left takes it along');
});

test('a reconnect replaces who is listed but keeps the keys members proved', () => {
  const m = createMembership();
  m.welcome(['ann']);
  m.introduce('ann', 'KEY-ANN');
  m.welcome(['ben']);
  assert.equal(m.isListed('ann'), false);
  assert.equal(m.keyOf('ann'), 'KEY-ANN');
  m.arrive('ann');
  assert.deepEqual(m.reachable(), ['ann']);
});

test('a presence from someone not listed yet waits for the server to list them, once', () => {
  const m = createMembership();
  m.keepEarly('ann', presence('Ann'));
  assert.deepEqual(m.takeEarly('ann'), presence('Ann'));
  assert.equal(m.takeEarly('ann'), null);
  m.keepEarly('ben', presence('Ben'));
  m.depart('ben');
  assert.equal(m.takeEarly('ben'), null, 'someone who left takes their early presence along');
});

test('what only the server can forge blames the server at once, what only a key holder can seal flags the member after three, repeats nobody', () => {
  const m = createMembership();
  assert.equal(m.reject('ann', 'stale'), null);
  assert.equal(m.reject('ann', 'replayed'), null);
  assert.equal(m.reject('ann', 'unreadable'), 'server');
  assert.equal(m.reject('ann', 'bad-signature'), 'server');
  assert.equal(m.reject('ann', 'key-changed'), 'server');
  assert.equal(m.reject('ann', 'malformed'), null);
  assert.equal(m.reject('ann', 'bad-message'), null);
  assert.equal(m.reject('ann', 'bad-message'), 'unsecured');
});

test('leaving forgets presence and rejections, so someone coming back starts afresh', () => {
  const m = createMembership();
  m.welcome(['ann']);
  m.introduce('ann', 'KEY-ANN');
  m.markPresented('ann');
  m.reject('ann', 'bad-message');
  m.reject('ann', 'bad-message');
  m.depart('ann');
  m.arrive('ann');
  assert.equal(m.isPresented('ann'), false);
  assert.equal(m.reject('ann', 'bad-message'), null, 'the count started again');
});

test('however many peers the server lists, a member keeps no more than a room can hold', () => {
  const m = createMembership();
  const ids = Array.from({ length: 1_000 }, (_, i) => `peer${i}`);
  m.welcome(ids.slice(0, 600));
  for (const id of ids.slice(600)) m.arrive(id);
  for (const id of ids) m.introduce(id, `KEY-${id}`);
  assert.equal(m.reachable().length, MAX_LISTED);
  assert.equal(m.isListed('peer999'), false);
  m.depart('peer0');
  m.arrive('peer999');
  assert.equal(m.isListed('peer999'), true, 'a place freed is a place taken');
});
