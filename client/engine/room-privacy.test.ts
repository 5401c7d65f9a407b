/** "Hide my IP address": what the engine does with the choice, and what the join form is told. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HIGH, LOW, OFFER, setup } from '../../test/helpers/room-harness.ts';

/** Lets promise callbacks run (setImmediate is not among the timers the harness mocks). */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a person who hides their IP address gets relayed-only links, offered and answered', async (t) => {
  const { links, joinRoom, introduce, receive } = setup(t);
  await joinRoom([LOW, HIGH], { hideAddress: true });
  introduce(HIGH);
  introduce(LOW);
  receive(LOW, { kind: 'signal', conn: 'conn_from_low', data: OFFER });
  assert.equal(links.length, 2);
  assert.deepEqual(
    links.map((l) => [l.options.initiator, l.options.relayOnly]),
    [
      [true, true],
      [false, true],
    ],
  );
});

test('by default links may take any path, the direct ones included', async (t) => {
  const { links, joinRoom, introduce } = setup(t, { hideAddress: true });
  // Remembered from last time, but this time the person joined without it.
  await joinRoom([HIGH], { hideAddress: false });
  introduce(HIGH);
  assert.equal(links[0]?.options.relayOnly, false);
});

test('links made again after a failure keep to relayed paths', async (t) => {
  const { links, joinRoom, introduce } = setup(t);
  await joinRoom([HIGH], { hideAddress: true });
  introduce(HIGH);
  links[0]?.emitState('closed');
  t.mock.timers.tick(1_000);
  assert.equal(links.length, 2, 'the initiator retried');
  assert.equal(links[1]?.options.relayOnly, true);
});

test('the join form offers what this browser remembers, and the choice made is handed back to be remembered', async (t) => {
  const { session, joinRoom, remembered } = setup(t, { hideAddress: true });
  assert.equal(session.state.get().hideAddress, true);
  await joinRoom([HIGH], { hideAddress: false });
  assert.equal(session.state.get().hideAddress, false);
  assert.deepEqual(remembered, [{ name: 'Ada', hideAddress: false }]);
});

test('the join form learns whether the server offers a relay: checking until it answers', async (t) => {
  let answer: (offered: boolean) => void = () => {};
  const { session } = setup(t, { relayOffered: () => new Promise((resolve) => (answer = resolve)) });
  assert.equal(session.state.get().relay, 'checking');
  await settled();
  assert.equal(session.state.get().relay, 'checking');
  answer(true);
  await settled();
  assert.equal(session.state.get().relay, 'offered');
});

test('no relay is offered where the server says there is none', async (t) => {
  const { session } = setup(t, { relayOffered: async () => false });
  await settled();
  assert.equal(session.state.get().relay, 'absent');
});

test('a check that fails counts as no relay, rather than leave the form checking', async (t) => {
  const { session } = setup(t, { relayOffered: async () => Promise.reject(new Error('network down')) });
  await settled();
  assert.equal(session.state.get().relay, 'absent');
});

test('a room that is never told of a relay offers none', (t) => {
  assert.equal(setup(t).session.state.get().relay, 'absent');
});
