import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialRoomState, type RoomRules, type RoomState } from '../../shared/room-state.ts';
import { overviewOf, standingOf } from './room-overview.ts';

const HOST = 'H'.repeat(43);
const SPEAKER = 'S'.repeat(43);
const LISTENER = 'L'.repeat(43);
const RULES: RoomRules = { hostKey: HOST, stageMax: 3 };
const HANGOUT: RoomState = { ...initialRoomState, speakers: [SPEAKER] };
const own = (state: RoomState, key: string, rules = RULES) => overviewOf(state, rules, key, { settled: true, refusedActs: 0 }).permitted;

test('what we may do to someone depends on who we are', () => {
  // Admitting ahead of a lock changes the room too, so the reducer permits it; the UI offers it only in the lobby.
  assert.deepEqual(standingOf(HANGOUT, RULES, SPEAKER, HOST).permitted, ['move-to-audience', 'mute', 'make-moderator', 'remove', 'admit']);
  assert.deepEqual(standingOf(HANGOUT, RULES, SPEAKER, LISTENER).permitted, []);
});

test('someone not yet introduced can be done nothing to', () => {
  assert.deepEqual(standingOf(HANGOUT, RULES, null, HOST).permitted, []);
});

test('a listener may take a free seat in a hangout, but not once the stage is full nor in a stage room', () => {
  assert.ok(own(HANGOUT, LISTENER).includes('take-seat'));
  assert.ok(!own(HANGOUT, LISTENER, { ...RULES, stageMax: 2 }).includes('take-seat'));
  assert.ok(!own({ ...HANGOUT, kind: 'stage' }, LISTENER).includes('take-seat'));
});

test('only the host may change the room type and details or end the room; the host never leaves the stage', () => {
  const room = ['set-kind', 'set-info', 'end'] as const;
  for (const type of room) assert.ok(own(HANGOUT, HOST).includes(type), type);
  for (const type of room) assert.ok(!own(HANGOUT, SPEAKER).includes(type), type);
  assert.ok(!own(HANGOUT, HOST).includes('leave-stage'));
  assert.ok(own(HANGOUT, SPEAKER).includes('leave-stage'));
});
