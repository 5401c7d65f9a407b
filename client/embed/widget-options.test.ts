import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_NAME_LENGTH } from '../../shared/peer-message.ts';
import { nameHint, parseFrameHash, parseRole } from './widget-options.ts';

const SECRET = `${'A'.repeat(43)}.${'B'.repeat(43)}`;
const ORIGIN = 'https://porch.example';

test('a widget listens unless asked to speak', () => {
  assert.deepEqual(parseRole(null), { ok: true, value: 'listener' });
  assert.deepEqual(parseRole(''), { ok: true, value: 'listener' });
  assert.deepEqual(parseRole('listener'), { ok: true, value: 'listener' });
  assert.deepEqual(parseRole(' speaker '), { ok: true, value: 'speaker' });
});

test('any other role is a clear error, not a guess', () => {
  const parsed = parseRole('host');
  assert.equal(parsed.ok, false);
  assert.match(parsed.ok ? '' : parsed.error.message, /role must be "listener" or "speaker", not "host"/);
});

test('a name hint is trimmed and cut to the longest name a person may have', () => {
  assert.equal(nameHint('  Ann '), 'Ann');
  assert.equal(nameHint('   '), undefined);
  assert.equal(nameHint(null), undefined);
  assert.equal(nameHint('x'.repeat(500))?.length, MAX_NAME_LENGTH);
});

test("the iframe's fragment is the room secret, with options after it that never reach the server", () => {
  assert.deepEqual(parseFrameHash(ORIGIN, `#${SECRET}`), { ok: true, value: { link: `${ORIGIN}/r/#${SECRET}`, role: 'listener', compact: false } });
  assert.deepEqual(parseFrameHash(ORIGIN, `#${SECRET}&name=Ann%20Lee&role=speaker&compact`), {
    ok: true,
    value: { link: `${ORIGIN}/r/#${SECRET}`, name: 'Ann Lee', role: 'speaker', compact: true },
  });
});

test('unknown options and bad roles in the fragment are refused by name', () => {
  const unknown = parseFrameHash(ORIGIN, `#${SECRET}&autoplay=1`);
  assert.match(unknown.ok ? '' : unknown.error.message, /unknown embed option "autoplay"/);
  const role = parseFrameHash(ORIGIN, `#${SECRET}&role=moderator`);
  assert.equal(role.ok ? '' : role.error.code, 'bad-role');
});
