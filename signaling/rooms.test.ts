import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRoomRegistry, type JoinOutcome } from './rooms.ts';
import type { Result } from '../shared/result.ts';

/** Handles are opaque to the registry; strings make the tests easy to read. */
const registry = (capacity = 50) => createRoomRegistry<string>({ capacity });

function outcome<T>(result: Result<JoinOutcome<T>, { code: string }>): JoinOutcome<T> {
  if (!result.ok) assert.fail(`refused: ${result.error.code}`);
  return result.value;
}

test('a newcomer joins, and is listed to others but not to itself', () => {
  const rooms = registry();
  assert.deepEqual(outcome(rooms.join('r1', 'alice', 'sock-a')), { kind: 'joined' });
  assert.deepEqual(outcome(rooms.join('r1', 'bob', 'sock-b')), { kind: 'joined' });
  assert.deepEqual(rooms.presentPeers('r1', 'bob'), ['alice']);
  assert.deepEqual(rooms.presentPeers('r1'), ['alice', 'bob']);
  assert.equal(rooms.handleOf('r1', 'alice'), 'sock-a');
});

test('rooms are independent: the same peer id may sit in two rooms', () => {
  const rooms = registry();
  outcome(rooms.join('r1', 'alice', 'a1'));
  outcome(rooms.join('r2', 'alice', 'a2'));
  assert.equal(rooms.handleOf('r1', 'alice'), 'a1');
  assert.equal(rooms.handleOf('r2', 'alice'), 'a2');
});

test('an away peer keeps its place but is not listed as present', () => {
  const rooms = registry();
  outcome(rooms.join('r1', 'alice', 'a1'));
  outcome(rooms.join('r1', 'bob', 'b1'));
  assert.equal(rooms.setAway('r1', 'alice', 'a1'), true);
  assert.equal(rooms.handleOf('r1', 'alice'), null);
  assert.deepEqual(rooms.presentPeers('r1'), ['bob']);
  assert.deepEqual([...rooms.present('r1')].map((m) => m.peer), ['bob']);
});

test('an away peer that joins again is resumed with its new handle', () => {
  const rooms = registry();
  outcome(rooms.join('r1', 'alice', 'a1'));
  rooms.setAway('r1', 'alice', 'a1');
  assert.deepEqual(outcome(rooms.join('r1', 'alice', 'a2')), { kind: 'resumed' });
  assert.equal(rooms.handleOf('r1', 'alice'), 'a2');
});

test('a peer that joins again while connected replaces its previous handle', () => {
  const rooms = registry();
  outcome(rooms.join('r1', 'alice', 'a1'));
  assert.deepEqual(outcome(rooms.join('r1', 'alice', 'a2')), { kind: 'replaced', previous: 'a1' });
  assert.equal(rooms.handleOf('r1', 'alice'), 'a2');
});

test('a replaced handle can neither set its peer away nor remove it', () => {
  const rooms = registry();
  outcome(rooms.join('r1', 'alice', 'a1'));
  outcome(rooms.join('r1', 'alice', 'a2'));
  assert.equal(rooms.setAway('r1', 'alice', 'a1'), false);
  assert.equal(rooms.leave('r1', 'alice', 'a1'), false);
  assert.equal(rooms.handleOf('r1', 'alice'), 'a2');
});

test('leaving with null removes a peer only while it is away', () => {
  const rooms = registry();
  outcome(rooms.join('r1', 'alice', 'a1'));
  assert.equal(rooms.leave('r1', 'alice', null), false);
  rooms.setAway('r1', 'alice', 'a1');
  outcome(rooms.join('r1', 'bob', 'b1'));
  assert.equal(rooms.leave('r1', 'alice', null), true);
  assert.equal(rooms.handleOf('r1', 'alice'), undefined);
});

test('the last member leaving removes the room', () => {
  const rooms = registry();
  outcome(rooms.join('r1', 'alice', 'a1'));
  assert.equal(rooms.leave('r1', 'alice', 'a1'), true);
  assert.equal(rooms.handleOf('r1', 'alice'), undefined);
  assert.deepEqual(rooms.presentPeers('r1'), []);
  assert.equal(rooms.leave('r1', 'alice', 'a1'), false);
});

test('a full room refuses a newcomer with room-full', () => {
  const rooms = registry(2);
  outcome(rooms.join('r1', 'alice', 'a1'));
  outcome(rooms.join('r1', 'bob', 'b1'));
  const refused = rooms.join('r1', 'carol', 'c1');
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.error.code, 'room-full');
  assert.equal(rooms.handleOf('r1', 'carol'), undefined);
});

test('a newcomer another node admitted is taken over capacity, so the room does not split', () => {
  const rooms = registry(1);
  outcome(rooms.join('r1', 'alice', 'a1'));
  assert.deepEqual(outcome(rooms.join('r1', 'bob', 'b1', { overCapacity: true })), { kind: 'joined' });
  assert.deepEqual(rooms.presentPeers('r1'), ['alice', 'bob']);
});

test('a full room still takes back its own away and reconnecting members', () => {
  const rooms = registry(2);
  outcome(rooms.join('r1', 'alice', 'a1'));
  outcome(rooms.join('r1', 'bob', 'b1'));
  rooms.setAway('r1', 'alice', 'a1');
  assert.equal(rooms.join('r1', 'carol', 'c1').ok, false, 'an away member still holds its place');
  assert.deepEqual(outcome(rooms.join('r1', 'alice', 'a2')), { kind: 'resumed' });
  assert.deepEqual(outcome(rooms.join('r1', 'bob', 'b2')), { kind: 'replaced', previous: 'b1' });
});

test('a place freed by leaving can be taken', () => {
  const rooms = registry(1);
  outcome(rooms.join('r1', 'alice', 'a1'));
  rooms.leave('r1', 'alice', 'a1');
  assert.deepEqual(outcome(rooms.join('r1', 'bob', 'b1')), { kind: 'joined' });
});
