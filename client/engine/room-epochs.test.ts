import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromBase64Url, toBase64Url } from '../../shared/encoding.ts';
import { createEpochKey, epochIdOf } from '../../shared/epoch-key.ts';
import type { PeerMessage } from '../../shared/peer-message.ts';
import { initialRoomState, type RoomState } from '../../shared/room-state.ts';
import { createFakeTimers } from '../../test/helpers/fake-timers.ts';
import { createRoomEpochs } from './room-epochs.ts';
import { createTimers } from './timers.ts';

/** One member's epochs in a room where `inside` are let in and `outside` (removed, or in the lobby) are not. */
function member({ inside = ['ann', 'ben'], outside = ['rex'], kept = [] }: { inside?: string[]; outside?: string[]; kept?: Uint8Array[] } = {}) {
  const clock = createFakeTimers();
  let room: RoomState = initialRoomState;
  let letIn = new Set(inside);
  let selfInside = true;
  const sent: { to: string; message: PeerMessage }[] = [];
  let held = 0;
  const keptNow: (readonly Uint8Array[])[] = [];
  const epochs = createRoomEpochs({
    room: () => room,
    send: (to, message) => sent.push({ to, message }),
    letIn: () => [...inside, ...outside].filter((peer) => letIn.has(peer)),
    mayHold: (peer) => letIn.has(peer),
    inside: () => selfInside,
    timers: createTimers(clock),
    onHeld: () => void (held += 1),
    kept,
    onKept: (keys) => void keptNow.push(keys),
  });
  return {
    epochs,
    /** What the shell was last asked to keep for the next visit. */
    kept: () => keptNow.at(-1) ?? [],
    clock,
    sent,
    held: () => held,
    /** The log now names this epoch. */
    enter(id: string | null) {
      room = { ...room, epoch: id };
      epochs.update();
    },
    letOnly(peers: string[]) {
      letIn = new Set(peers);
    },
    keepOut(out: boolean) {
      selfInside = !out;
    },
    keysSentTo: (peer: string) => sent.filter((s) => s.to === peer && s.message.kind === 'epoch-key'),
    asked: () => sent.filter((s) => s.message.kind === 'epoch-request').map((s) => s.to),
  };
}

test('with no removal or lock yet, broadcasts go under the link’s key and nothing is missing', () => {
  const m = member();
  assert.equal(m.epochs.current(), null);
  assert.equal(m.epochs.missing(), false);
  assert.deepEqual(m.epochs.held(), []);
});

test('whoever removes makes the new key, names it in the act, and hands it to everyone let in after the act, never to the removed', () => {
  const m = member();
  const id = m.epochs.start();
  m.letOnly(['ann', 'ben']);
  m.enter(id);
  m.epochs.handOut();
  const key = m.epochs.current();
  assert.ok(key);
  assert.equal(epochIdOf(key), id, 'the act names the key by its id');
  for (const peer of ['ann', 'ben']) assert.deepEqual(m.keysSentTo(peer), [{ to: peer, message: { kind: 'epoch-key', key: toBase64Url(key) } }]);
  assert.deepEqual(m.keysSentTo('rex'), []);
});

test('an act that did not take effect hands out nothing', () => {
  const m = member();
  m.epochs.start();
  m.epochs.handOut();
  assert.equal(m.sent.length, 0);
  assert.equal(m.epochs.current(), null);
});

test('a member that lacks the key the log names asks one member after another until handed it, then stops', () => {
  const m = member();
  const key = createEpochKey();
  m.enter(epochIdOf(key));
  assert.equal(m.epochs.missing(), true);
  m.clock.advance(1500);
  assert.deepEqual(m.asked(), ['ann', 'ben'], 'never the one the room keeps out');
  m.epochs.onKey('ben', toBase64Url(key));
  assert.equal(m.epochs.missing(), false);
  assert.equal(m.held(), 1, 'the room is told: held-back presence and kept broadcasts can go now');
  m.clock.advance(10_000);
  assert.equal(m.asked().length, 2);
});

test('a key whose id the log does not name is never used, however it came; one handed before its act is used once the act lands', () => {
  const m = member();
  const named = createEpochKey();
  m.enter(epochIdOf(named));
  m.epochs.onKey('ann', toBase64Url(createEpochKey()));
  assert.equal(m.epochs.missing(), true, 'a made-up key changes nothing');
  assert.equal(m.epochs.current(), null);
  const next = createEpochKey();
  m.epochs.onKey('ann', toBase64Url(next));
  m.enter(epochIdOf(next));
  assert.deepEqual(m.epochs.current(), next);
});

test('keys from someone the room keeps out, and malformed ones, are ignored', () => {
  const m = member();
  const key = createEpochKey();
  m.enter(epochIdOf(key));
  m.epochs.onKey('rex', toBase64Url(key));
  m.epochs.onKey('ann', 'AAAA');
  assert.equal(m.epochs.missing(), true);
});

test('a request is answered with the current key only, only for someone let in, and at most once a second each', () => {
  const m = member();
  const id = m.epochs.start();
  m.enter(id);
  m.epochs.handOut();
  const before = m.sent.length;
  m.epochs.onRequest('rex', id);
  m.epochs.onRequest('ann', 'x'.repeat(43));
  assert.equal(m.sent.length, before, 'nothing for the removed, nothing for an epoch that is not the room’s');
  m.epochs.onRequest('ann', id);
  m.epochs.onRequest('ann', id);
  assert.equal(m.sent.length, before + 1);
  m.clock.advance(1000);
  m.epochs.onRequest('ann', id);
  assert.equal(m.sent.length, before + 2);
  const answer = m.sent.at(-1)!.message;
  assert.ok(answer.kind === 'epoch-key');
  assert.deepEqual(fromBase64Url(answer.key), m.epochs.current());
});

test('while the room keeps us out, we ask nobody: nobody may hand us the key', () => {
  const m = member();
  m.keepOut(true);
  m.enter(epochIdOf(createEpochKey()));
  m.clock.advance(5000);
  assert.deepEqual(m.asked(), []);
});

test('past epochs’ keys are kept a while for broadcasts on their way, newest first, and the oldest go', () => {
  const m = member();
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const id = m.epochs.start();
    m.enter(id);
    m.epochs.handOut();
    ids.push(id);
  }
  const held = m.epochs.held().map(epochIdOf);
  assert.deepEqual(held, ids.slice(-4).reverse());
});

test('a member handing one junk key after another crowds out nobody else’s key that came before its act', () => {
  const m = member();
  const key = createEpochKey();
  m.epochs.onKey('ann', toBase64Url(key));
  for (let i = 0; i < 20; i++) m.epochs.onKey('ben', toBase64Url(createEpochKey()));
  m.enter(epochIdOf(key));
  assert.equal(m.epochs.missing(), false);
  assert.deepEqual(m.epochs.current(), key);
});

test('keys kept from an earlier visit serve at once, and every key held from now on is handed to the shell to keep', () => {
  const earlier = createEpochKey();
  const m = member({ kept: [createEpochKey(), earlier] });
  m.enter(epochIdOf(earlier));
  assert.equal(m.epochs.missing(), false);
  assert.deepEqual(m.asked(), [], 'nobody asked for a key we kept');
  assert.deepEqual(m.epochs.current(), earlier);
  const id = m.epochs.start();
  m.enter(id);
  m.epochs.handOut();
  assert.equal(m.kept().length, 3);
  assert.equal(epochIdOf(m.kept().at(-1)!), id, 'the newest last');
});
