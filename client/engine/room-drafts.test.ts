import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoomDraft } from './room-drafts.ts';

const defaults = { title: '', kind: 'hangout' };

test('a stored draft reads back as the title and room type chosen', () => {
  assert.deepEqual(parseRoomDraft({ title: 'Friday porch', kind: 'stage' }), { title: 'Friday porch', kind: 'stage' });
  assert.deepEqual(parseRoomDraft({ title: '', kind: 'hangout' }), { title: '', kind: 'hangout' });
});

test('a draft keeps only its own fields', () => {
  assert.deepEqual(parseRoomDraft({ title: 'Porch', kind: 'stage', extra: 1 }), { title: 'Porch', kind: 'stage' });
});

test('anything not shaped like a draft reads back as a hangout without a title', () => {
  for (const stored of [null, 'Friday porch', 42, [], {}, { title: 'Porch' }, { kind: 'stage' }, { title: 7, kind: 'stage' }, { title: 'Porch', kind: 'party' }]) {
    assert.deepEqual(parseRoomDraft(stored), defaults, JSON.stringify(stored));
  }
});

test('a room moved to a new link keeps its moderators and removals in its draft; lists that are not identity keys are dropped', () => {
  const key = 'K'.repeat(43);
  assert.deepEqual(parseRoomDraft({ title: '', kind: 'stage', moderators: [key], banned: [] }), { title: '', kind: 'stage', moderators: [key], banned: [] });
  assert.deepEqual(parseRoomDraft({ title: '', kind: 'stage', moderators: ['short'], banned: [7] }), { title: '', kind: 'stage' });
  assert.deepEqual(parseRoomDraft({ title: '', kind: 'stage', moderators: 'all' }), { title: '', kind: 'stage' });
});
