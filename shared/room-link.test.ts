import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { BASE64URL_PATTERN, toBase64Url } from './encoding.ts';
import { parseClientFrame } from './protocol.ts';
import type { Result } from './result.ts';
import { createRoomSecret, parseRoomFragment, ROOM_SECRET_BYTES, roomIdOf, roomKeyOf, roomLink, type RoomSecret } from './room-link.ts';

function accepted<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`refused: ${r.error.code}: ${r.error.message}`);
  return r.value;
}
function refusal(r: Result<unknown>): string {
  if (r.ok) assert.fail(`accepted: ${JSON.stringify(r.value)}`);
  return r.error.code;
}

const fixedRandom = (fill: number) => (n: number) => new Uint8Array(n).fill(fill);
const secretBytes = fc.uint8Array({ minLength: ROOM_SECRET_BYTES, maxLength: ROOM_SECRET_BYTES });
const secretOf = (bytes: Uint8Array): RoomSecret => ({ bytes, text: toBase64Url(bytes) });
/** A valid 43-character secret text to damage. */
const VALID = createRoomSecret(fixedRandom(0x5a)).text;

test('a new room secret asks for 32 random bytes and is written as 43 base64url characters', () => {
  const requested: number[] = [];
  const secret = createRoomSecret((n) => {
    requested.push(n);
    return new Uint8Array(n).fill(0xab);
  });
  assert.deepEqual(requested, [32]);
  assert.deepEqual(secret.bytes, new Uint8Array(32).fill(0xab));
  assert.equal(secret.text.length, 43);
  assert.match(secret.text, BASE64URL_PATTERN);
  assert.equal(secret.text, Buffer.alloc(32, 0xab).toString('base64url'));
});

test('a new room secret without an injected random source is 43 characters and differs each time', () => {
  const a = createRoomSecret();
  const b = createRoomSecret();
  assert.equal(a.text.length, 43);
  assert.notEqual(a.text, b.text);
});

test('any created secret parses back to the same bytes, with or without a leading #', () => {
  fc.assert(
    fc.property(secretBytes, (bytes) => {
      const secret = createRoomSecret(() => bytes);
      assert.deepEqual(accepted(parseRoomFragment(secret.text)), secret);
      assert.deepEqual(accepted(parseRoomFragment(`#${secret.text}`)), secret);
    }),
  );
});

const BAD_FRAGMENTS: [string, string][] = [
  ['an empty fragment', ''],
  ['a lone #', '#'],
  ['a link with 42 characters', VALID.slice(0, 42)],
  ['a link with 44 characters', `${VALID}A`],
  ['a link with 42 characters after #', `#${VALID.slice(0, 42)}`],
  ['a link with 44 characters after #', `#${VALID}A`],
  ['a link with two leading #', `##${VALID}`],
  ['a link with a +', `+${VALID.slice(1)}`],
  ['a link with a /', `/${VALID.slice(1)}`],
  ['a link with a .', `${VALID.slice(0, 20)}.${VALID.slice(21)}`],
  ['a link with a space', `${VALID.slice(0, 20)} ${VALID.slice(21)}`],
  ['a link with a trailing newline', `${VALID.slice(0, 42)}\n`],
  ['a link with a non-ASCII letter', `${VALID.slice(0, 42)}é`],
  ['a link with = padding in place of its last character', `${VALID.slice(0, 42)}=`],
  ['a link with = padding appended', `${VALID}=`],
  ['a link whose last character carries non-zero trailing bits', `${'A'.repeat(42)}B`],
  ['a link whose last character carries the other trailing bit', `${'A'.repeat(42)}C`],
  ['a link with its query string attached', `${VALID}?x=1`],
];

for (const [what, fragment] of BAD_FRAGMENTS) {
  test(`${what} is refused as bad-link`, () => {
    assert.equal(refusal(parseRoomFragment(fragment)), 'bad-link');
  });
}

test('43 characters whose trailing bits are zero are accepted', () => {
  assert.deepEqual(accepted(parseRoomFragment('A'.repeat(42) + 'E')).bytes.at(-1), 1);
});

test('any 43-character text is accepted exactly when it is the canonical encoding of 32 bytes', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), (text) => {
      const canonical = Buffer.from(text, 'base64url').toString('base64url') === text;
      assert.equal(parseRoomFragment(text).ok, canonical);
    }),
  );
});

test('any fragment that is not 43 characters after an optional # is refused', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), (fragment) => {
      const text = fragment.startsWith('#') ? fragment.slice(1) : fragment;
      fc.pre(text.length !== 43);
      assert.equal(refusal(parseRoomFragment(fragment)), 'bad-link');
    }),
  );
});

test('a room id is the same every time for the same secret', () => {
  const secret = createRoomSecret(fixedRandom(1));
  assert.equal(roomIdOf(secret), roomIdOf(secret));
  assert.equal(roomIdOf(secret), roomIdOf(accepted(parseRoomFragment(secret.text))));
});

test('a room id is 22 base64url characters, is not the secret and does not contain it', () => {
  fc.assert(
    fc.property(secretBytes, (bytes) => {
      const secret = secretOf(bytes);
      const id = roomIdOf(secret);
      assert.equal(id.length, 22);
      assert.match(id, BASE64URL_PATTERN);
      assert.notEqual(id, secret.text);
      assert.ok(!secret.text.includes(id));
      assert.notEqual(id, secret.text.slice(0, 22));
    }),
  );
});

test('a room id is the first 16 bytes of SHA-512 over the "porch room id" label and the secret', () => {
  const bytes = new Uint8Array(32).fill(3);
  const label = Buffer.from('porch room id');
  const expected = createHash('sha512')
    .update(Buffer.concat([Buffer.of(label.length), label, bytes]))
    .digest()
    .subarray(0, 16)
    .toString('base64url');
  assert.equal(roomIdOf(secretOf(bytes)), expected);
});

test('different secrets give different room ids', () => {
  fc.assert(
    fc.property(secretBytes, secretBytes, (a, b) => {
      fc.pre(Buffer.compare(a, b) !== 0);
      assert.notEqual(roomIdOf(secretOf(a)), roomIdOf(secretOf(b)));
    }),
  );
  assert.notEqual(roomIdOf(createRoomSecret(fixedRandom(0))), roomIdOf(createRoomSecret(fixedRandom(1))));
});

test('a room id is accepted as the room of a hello frame', () => {
  const room = roomIdOf(createRoomSecret(fixedRandom(9)));
  const frame = accepted(parseClientFrame(JSON.stringify({ type: 'hello', v: 1, room, resume: 'A'.repeat(43) })));
  assert.equal(frame.type === 'hello' && frame.room, room);
});

test('a room link is the origin, /r/, and the secret in the fragment', () => {
  const secret = createRoomSecret(fixedRandom(0x5a));
  assert.equal(roomLink('https://porch.example', secret), `https://porch.example/r/#${secret.text}`);
});

test('the fragment of a room link parses back to the same secret and never reaches the path or query', () => {
  fc.assert(
    fc.property(secretBytes, (bytes) => {
      const secret = secretOf(bytes);
      const url = new URL(roomLink('https://porch.example:8443', secret));
      assert.equal(url.pathname, '/r/');
      assert.equal(url.search, '');
      assert.deepEqual(accepted(parseRoomFragment(url.hash)), secret);
    }),
  );
});

const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

test('a room key is 32 bytes and the same every time for the same secret', () => {
  fc.assert(
    fc.property(secretBytes, (bytes) => {
      const key = roomKeyOf(secretOf(bytes));
      assert.equal(key.length, 32);
      assert.equal(hexOf(key), hexOf(roomKeyOf(secretOf(bytes.slice()))));
    }),
    { numRuns: 50 },
  );
});

test('a room key shares no prefix with the room id the server sees, nor with the secret', () => {
  fc.assert(
    fc.property(secretBytes, (bytes) => {
      const secret = secretOf(bytes);
      const key = roomKeyOf(secret);
      const id = Buffer.from(roomIdOf(secret), 'base64url');
      assert.notEqual(hexOf(key.subarray(0, 16)), hexOf(id));
      assert.notEqual(hexOf(key), hexOf(bytes));
    }),
    { numRuns: 50 },
  );
});

test('different secrets give different room keys', () => {
  fc.assert(
    fc.property(secretBytes, secretBytes, (a, b) => {
      fc.pre(Buffer.compare(a, b) !== 0);
      assert.notEqual(hexOf(roomKeyOf(secretOf(a))), hexOf(roomKeyOf(secretOf(b))));
    }),
    { numRuns: 50 },
  );
});

test('a room key is the first 32 bytes of SHA-512 over the "porch room key" label and the secret', () => {
  const bytes = new Uint8Array(32).fill(3);
  const label = Buffer.from('porch room key');
  const expected = createHash('sha512')
    .update(Buffer.concat([Buffer.of(label.length), label, bytes]))
    .digest()
    .subarray(0, 32)
    .toString('hex');
  assert.equal(hexOf(roomKeyOf(secretOf(bytes))), expected);
  // Fixed vector for the all-zero secret, so a change of label or layout cannot go unnoticed.
  assert.equal(
    hexOf(roomKeyOf(secretOf(new Uint8Array(32)))),
    'f226b778ec60e88fcc795172dd1feabab31743e5cbef9145cd50cf7bcf48103c',
  );
});
