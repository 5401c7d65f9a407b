import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RoomView } from '../engine/room-types.ts';
import { initialRoomState, type RoomState } from '../../shared/room-state.ts';
import { standingOf, overviewOf } from '../engine/room-overview.ts';
import { participant, roomView } from '../../test/helpers/room-view.ts';
import { announcements } from './announcements.ts';

const HOST = 'H'.repeat(43);
const SELF = 'S'.repeat(43);
const ANN = 'A'.repeat(43);
const RULES = { hostKey: HOST, stageMax: 8 };

/** The room as we see it with the given log state, everyone known. */
function seen(room: Partial<RoomState>, { self = SELF, settled = true, annKey = ANN as string | null, actingHost = null as string | null } = {}): RoomView {
  const state = { ...initialRoomState, kind: 'stage' as const, ...room };
  const ann = participant({ id: 'peer_ann_000000000', name: 'Ann', key: annKey, standing: standingOf(state, RULES, annKey, self) });
  const overview = overviewOf(state, RULES, self, { settled, refusedActs: 0, actingHost });
  return roomView({ participants: [ann], selfKey: self, overview }, RULES);
}

test('someone going up and coming down is announced by name', () => {
  assert.deepEqual(announcements(seen({}), seen({ speakers: [ANN] })), ['Ann joined the stage']);
  assert.deepEqual(announcements(seen({ speakers: [ANN] }), seen({})), ['Ann left the stage']);
});

test('a raised hand is announced, a lowered one is not', () => {
  assert.deepEqual(announcements(seen({}), seen({ hands: [ANN] })), ['Ann raised a hand']);
  assert.deepEqual(announcements(seen({ hands: [ANN] }), seen({})), []);
});

test('a new moderator is announced once, not also as joining the stage', () => {
  assert.deepEqual(announcements(seen({}), seen({ moderators: [ANN] })), ['Ann is now a moderator']);
  assert.deepEqual(announcements(seen({ speakers: [ANN] }), seen({ moderators: [ANN] })), ['Ann is now a moderator']);
});

test('what happens to us is said in the second person', () => {
  assert.deepEqual(announcements(seen({}), seen({ invited: [SELF] })), ["You're invited to speak"]);
  assert.deepEqual(announcements(seen({ invited: [SELF] }), seen({ speakers: [SELF] })), ["You're on stage"]);
  assert.deepEqual(announcements(seen({ speakers: [SELF] }), seen({})), ['You were moved to the audience']);
  assert.deepEqual(announcements(seen({ speakers: [SELF] }), seen({ speakers: [SELF], hostMuted: [SELF] })), ['A host muted you']);
  assert.deepEqual(announcements(seen({ speakers: [SELF], hostMuted: [SELF] }), seen({ speakers: [SELF] })), ['You may unmute']);
});

test('leaving the stage ourselves is not called being moved', () => {
  assert.deepEqual(announcements(seen({ speakers: [SELF] }), seen({}), { leftStage: true }), ['You left the stage']);
});

test('locking and unlocking the room is announced', () => {
  assert.deepEqual(announcements(seen({}), seen({ locked: true, admitted: [SELF, ANN] })), ['The room is locked']);
  assert.deepEqual(announcements(seen({ locked: true, admitted: [SELF, ANN] }), seen({})), ['The room is unlocked']);
});

test('staff hear who is waiting in the lobby; others do not', () => {
  const locked = { locked: true, admitted: [SELF] };
  assert.deepEqual(announcements(seen(locked, { self: HOST }), seen({ ...locked, hands: [] }, { self: HOST })), []);
  assert.deepEqual(announcements(seen(locked, { self: HOST, annKey: null }), seen(locked, { self: HOST })), ['Ann is waiting in the lobby']);
  assert.deepEqual(announcements(seen(locked, { annKey: null }), seen(locked)), []);
  const moderating = { ...locked, moderators: [SELF] };
  assert.deepEqual(announcements(seen(moderating, { annKey: null }), seen(moderating)), ['Ann is waiting in the lobby']);
});

test('nothing is announced while the room log is still being learned', () => {
  assert.deepEqual(announcements(seen({}, { settled: false }), seen({ speakers: [ANN, SELF], locked: true })), []);
  assert.deepEqual(announcements(null, seen({ speakers: [ANN] })), []);
});

test('someone whose identity we just learned is not announced as joining the stage', () => {
  assert.deepEqual(announcements(seen({ speakers: [ANN] }, { annKey: null }), seen({ speakers: [ANN] })), []);
});

test('a speaker standing in for the absent host is announced as such, not as a new moderator', () => {
  const acting = { actingHost: ANN };
  assert.deepEqual(announcements(seen({ speakers: [ANN] }, acting), seen({ speakers: [ANN], standIn: ANN }, acting)), ['Ann is standing in for the host']);
  const self = { actingHost: SELF };
  assert.deepEqual(announcements(seen({ speakers: [SELF] }, self), seen({ speakers: [SELF], standIn: SELF }, self)), ["You're standing in for the host"]);
});

test('a speaker the host made a moderator is announced as a moderator, even if it now keeps order while the host is away', () => {
  const acting = { actingHost: ANN };
  assert.deepEqual(announcements(seen({ speakers: [ANN] }, acting), seen({ moderators: [ANN] }, acting)), ['Ann is now a moderator']);
});
