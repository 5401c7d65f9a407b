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
