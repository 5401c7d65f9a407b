import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RoomView } from '../engine/room-types.ts';
import { participant, roomView as view } from '../../test/helpers/room-view.ts';
import { eventsBetween } from './widget-events.ts';

const person = (id: string, name: string, speaking = false) => participant({ id, name, speaking });

const types = (previous: RoomView, next: RoomView): string[] => eventsBetween(previous, next).map((e) => e.type);

test('joining is told once, with the name joined under', () => {
  assert.deepEqual(eventsBetween(view({ phase: 'ready' }), view({ phase: 'joining' })), []);
  assert.deepEqual(eventsBetween(view({ phase: 'joining' }), view()), [{ type: 'porch-join', detail: { name: 'Sam' } }]);
  assert.deepEqual(eventsBetween(view(), view()), []);
});

test('leaving is told with why: by choice, taken out, the room ended, opened elsewhere, or moved to a new link', () => {
  for (const reason of ['left', 'removed', 'ended', 'replaced', 'moved'] as const) {
    assert.deepEqual(eventsBetween(view(), view({ phase: reason })), [{ type: 'porch-leave', detail: { reason } }]);
  }
  assert.deepEqual(eventsBetween(view({ phase: 'joining' }), view({ phase: 'left' })), [], 'a join given up half way');
  assert.deepEqual(eventsBetween(view({ phase: 'ready' }), view({ phase: 'left' })), [], 'never joined, never left');
});

test('a full room and a blocked microphone are errors', () => {
  const codes = (previous: RoomView, next: RoomView) => eventsBetween(previous, next).map((e) => [e.type, 'code' in e.detail ? e.detail.code : '']);
  assert.deepEqual(codes(view({ phase: 'joining' }), view({ phase: 'room-full' })), [['porch-error', 'room-full']]);
  assert.deepEqual(codes(view(), view({ microphone: 'denied' })), [['porch-error', 'microphone-denied']]);
  assert.deepEqual(eventsBetween(view({ microphone: 'denied' }), view({ microphone: 'denied' })), [], 'told once');
});

test('speaking starts and stops are told for ourselves and for each other person', () => {
  assert.deepEqual(eventsBetween(view(), view({ selfSpeaking: true })), [
    { type: 'porch-speaking', detail: { id: 'peer_self_00000000', name: 'Sam', self: true, speaking: true } },
  ]);
  const ben = person('peer_ben', 'Ben');
  const benSpeaking = person('peer_ben', 'Ben', true);
  assert.deepEqual(eventsBetween(view({ participants: [ben] }), view({ participants: [benSpeaking] })), [
    { type: 'porch-speaking', detail: { id: 'peer_ben', name: 'Ben', self: false, speaking: true } },
  ]);
  assert.deepEqual(types(view({ participants: [benSpeaking] }), view({ participants: [ben] })), ['porch-speaking']);
  assert.deepEqual(eventsBetween(view({ participants: [] }), view({ participants: [ben] })), [], 'arriving silent says nothing');
});

test('someone who goes while speaking has stopped, and that comes before our own leave', () => {
  const speaking = view({ participants: [person('peer_ben', 'Ben', true)] });
  assert.deepEqual(eventsBetween(speaking, view({ phase: 'left', participants: [] })), [
    { type: 'porch-speaking', detail: { id: 'peer_ben', name: 'Ben', self: false, speaking: false } },
    { type: 'porch-leave', detail: { reason: 'left' } },
  ]);
});
