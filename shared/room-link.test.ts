import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { BASE64URL_PATTERN, toBase64Url } from './encoding.ts';
import { parseClientFrame } from './protocol.ts';
import { createRoomSecret, parseRoomFragment, ROOM_SECRET_BYTES, roomIdOf, roomKeyOf, roomLink, type RoomSecret } from './room-link.ts';
import { accepted, refusal } from '../test/helpers/results.ts';

const fixedRandom = (fill: number) => (n: number) => new Uint8Array(n).fill(fill);
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const secretBytes = fc.uint8Array({ minLength: ROOM_SECRET_BYTES, maxLength: ROOM_SECRET_BYTES });
/** Built by hand, independently of createRoomSecret: `<secret>.<host key>`. */
const secretOf = (bytes: Uint8Array, hostKey: Uint8Array): RoomSecret => ({
  bytes,
  hostKey,
  text: `${Buffer.from(bytes).toString('base64url')}.${Buffer.from(hostKey).toString('base64url')}`,
});
const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const differ = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) !== 0;

const HOST_KEY = new Uint8Array(32).fill(0x11);
/** A valid 87-character link text to damage, and its two 43-character halves. */
const VALID = createRoomSecret(HOST_KEY, fixedRandom(0x5a)).text;
const SECRET_HALF = VALID.slice(0, 43);
const KEY_HALF = VALID.slice(44);

/** Computed with node:crypto over 32 zero bytes of secret and 32 zero bytes of host key. */
const ZERO_ROOM_KEY = 'e2bc9e68a34341a6b16b986afc8193b3788f10019a0acd125ed49e790171fe55';
const ZERO_ROOM_ID = '23q-JFB3GVqjqoDFoT0u-w';

/** SHA-512(len(label) as 1 byte ‖ label ‖ secret ‖ hostKey), truncated: the layout documented in crypto.ts. */
function expectedDerive(label: string, secret: Uint8Array, hostKey: Uint8Array, n: number): Buffer {
  const labelBytes = Buffer.from(label, 'utf8');
  return createHash('sha512')
    .update(Buffer.concat([Buffer.of(labelBytes.length), labelBytes, secret, hostKey]))
    .digest()
    .subarray(0, n);
}

test('the link text to damage has the shape the tests assume', () => {
  assert.equal(VALID.length, 87);
  assert.equal(VALID[43], '.');
  assert.equal(SECRET_HALF, Buffer.alloc(32, 0x5a).toString('base64url'));
  assert.equal(KEY_HALF, Buffer.alloc(32, 0x11).toString('base64url'));
});

test('a new room secret asks for 32 random bytes and is written as <43 base64url>.<43 base64url host key>', () => {
  const requested: number[] = [];
  const hostKey = new Uint8Array(32).map((_, i) => i);
  const secret = createRoomSecret(hostKey, (n) => {
    requested.push(n);
    return new Uint8Array(n).fill(0xab);
  });
  assert.deepEqual(requested, [32]);
  assert.deepEqual(secret.bytes, new Uint8Array(32).fill(0xab));
  assert.deepEqual(secret.hostKey, hostKey);
  assert.equal(secret.text.length, 87);
  assert.equal(secret.text, `${Buffer.alloc(32, 0xab).toString('base64url')}.${Buffer.from(hostKey).toString('base64url')}`);
  const [left, right, ...rest] = secret.text.split('.');
  assert.deepEqual(rest, []);
  assert.match(left!, BASE64URL_PATTERN);
  assert.match(right!, BASE64URL_PATTERN);
});

test('a new room secret without an injected random source is 87 characters, differs each time, and keeps the host key', () => {
  const a = createRoomSecret(HOST_KEY);
  const b = createRoomSecret(HOST_KEY);
  assert.equal(a.text.length, 87);
  assert.equal(b.text.length, 87);
  assert.notEqual(a.text.slice(0, 43), b.text.slice(0, 43));
  assert.equal(a.text.slice(43), `.${KEY_HALF}`);
  assert.equal(b.text.slice(43), `.${KEY_HALF}`);
});

for (const length of [0, 1, 16, 31, 33, 64]) {
  test(`a new room secret refuses a host key of ${length} bytes`, () => {
    assert.throws(() => createRoomSecret(new Uint8Array(length), fixedRandom(1)), /host key must be 32 bytes/);
  });
}

test('a new room secret refuses a host key of any length but 32', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (hostKey) => {
      fc.pre(hostKey.length !== 32);
      assert.throws(() => createRoomSecret(hostKey, fixedRandom(1)), /host key must be 32 bytes/);
    }),
  );
});

test('any created secret parses back to the same secret and host key, with or without a leading #', () => {
  fc.assert(
    fc.property(secretBytes, bytes32, (bytes, hostKey) => {
      const secret = createRoomSecret(hostKey, () => bytes);
      assert.deepEqual(secret, secretOf(bytes, hostKey));
      assert.deepEqual(accepted(parseRoomFragment(secret.text)), secret);
      assert.deepEqual(accepted(parseRoomFragment(`#${secret.text}`)), secret);
    }),
  );
});

const swap = (text: string, at: number, c: string): string => `${text.slice(0, at)}${c}${text.slice(at + 1)}`;

const BAD_FRAGMENTS: [string, string][] = [
  ['an empty fragment', ''],
  ['a lone #', '#'],
  ['an old-style link of only the 43-character secret', SECRET_HALF],
  ['an old-style link of only the 43-character secret after #', `#${SECRET_HALF}`],
  ['a link of only the host key', KEY_HALF],
  ['a link missing its host key', `${SECRET_HALF}.`],
  ['a link missing its secret', `.${KEY_HALF}`],
  ['a link missing its host key, padded to full length', `${SECRET_HALF}.${'.'.repeat(43)}`],
  ['a link missing its secret, padded to full length', `${'.'.repeat(43)}.${KEY_HALF}`],
  ['a lone separator', '.'],
  ['a link with 86 characters', VALID.slice(0, 86)],
  ['a link with 88 characters', `${VALID}A`],
  ['a link with 86 characters after #', `#${VALID.slice(0, 86)}`],
  ['a link with 88 characters after #', `#${VALID}A`],
  ['a link with two leading #', `##${VALID}`],
  ['a link with its halves joined without a separator', `${SECRET_HALF}${KEY_HALF}`],
  ['a link whose separator is a letter', swap(VALID, 43, 'A')],
  ['a link whose separator is -', swap(VALID, 43, '-')],
  ['a link whose separator is _', swap(VALID, 43, '_')],
  ['a link whose separator is :', swap(VALID, 43, ':')],
  ['a link whose separator is ,', swap(VALID, 43, ',')],
  ['a link whose separator is /', swap(VALID, 43, '/')],
  ['a link whose separator is #', swap(VALID, 43, '#')],
  ['a link whose separator is a space', swap(VALID, 43, ' ')],
  ['a link whose separator is one place early', `${SECRET_HALF.slice(0, 42)}.${SECRET_HALF.slice(42)}${KEY_HALF}`],
  ['a link whose separator is one place late', `${SECRET_HALF}${KEY_HALF.slice(0, 1)}.${KEY_HALF.slice(1)}`],
  ['a link with a second separator in the host key', swap(VALID, 60, '.')],
  ['a link with a second separator in the secret', swap(VALID, 20, '.')],
  ['a link with a separator appended', `${VALID}.`],
  ['a link with a + in the secret', swap(VALID, 0, '+')],
  ['a link with a / in the host key', swap(VALID, 44, '/')],
  ['a link with a space in the secret', swap(VALID, 20, ' ')],
  ['a link with a space in the host key', swap(VALID, 70, ' ')],
  ['a link with a trailing newline', `${VALID.slice(0, 86)}\n`],
  ['a link with a newline appended', `${VALID}\n`],
  ['a link with a leading space', ` ${VALID}`],
  ['a link with a non-ASCII letter', `${VALID.slice(0, 86)}é`],
  ['a link with = padding in place of the last character of the secret', swap(VALID, 42, '=')],
  ['a link with = padding in place of the last character of the host key', swap(VALID, 86, '=')],
  ['a link with = padding after the secret', `${SECRET_HALF}=.${KEY_HALF}`],
  ['a link with = padding appended', `${VALID}=`],
  ['a link whose secret ends in non-zero trailing bits', `${'A'.repeat(42)}B.${KEY_HALF}`],
  ['a link whose secret ends in the other trailing bit', `${'A'.repeat(42)}C.${KEY_HALF}`],
  ['a link whose host key ends in non-zero trailing bits', `${SECRET_HALF}.${'A'.repeat(42)}B`],
  ['a link whose host key ends in the other trailing bit', `${SECRET_HALF}.${'A'.repeat(42)}D`],
  ['a link with its query string attached', `${VALID}?x=1`],
  ['a link with a second fragment attached', `${VALID}#${VALID}`],
];

for (const [what, fragment] of BAD_FRAGMENTS) {
  test(`${what} is refused as bad-link`, () => {
    assert.equal(refusal(parseRoomFragment(fragment)), 'bad-link');
  });
}

test('two halves whose trailing bits are zero are accepted', () => {
  const secret = accepted(parseRoomFragment(`${'A'.repeat(42)}E.${'A'.repeat(42)}I`));
  assert.equal(secret.bytes.length, 32);
  assert.equal(secret.hostKey.length, 32);
  assert.equal(secret.bytes.at(-1), 1);
  assert.equal(secret.hostKey.at(-1), 2);
});

/** A 43-character half: either the canonical encoding of 32 bytes, or any 43 base64url characters. */
const half = fc.oneof(
  bytes32.map((b) => Buffer.from(b).toString('base64url')),
  fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
);
const canonical32 = (text: string): boolean => {
  const decoded = Buffer.from(text, 'base64url');
  return decoded.length === 32 && decoded.toString('base64url') === text;
};

test('any <43>.<43> text is accepted exactly when both halves are the canonical encoding of 32 bytes', () => {
  fc.assert(
    fc.property(half, half, fc.boolean(), (left, right, hash) => {
      const text = `${left}.${right}`;
      const result = parseRoomFragment(hash ? `#${text}` : text);
      assert.equal(result.ok, canonical32(left) && canonical32(right));
      if (result.ok) {
        assert.equal(result.value.text, text);
        assert.equal(hexOf(result.value.bytes), Buffer.from(left, 'base64url').toString('hex'));
        assert.equal(hexOf(result.value.hostKey), Buffer.from(right, 'base64url').toString('hex'));
      }
    }),
  );
});

test('any 87-character text whose separator is not . is refused', () => {
  fc.assert(
    fc.property(
      secretBytes,
      bytes32,
      fc.integer({ min: 0, max: 0xffff }).filter((c) => c !== 0x2e).map((c) => String.fromCharCode(c)),
      (bytes, hostKey, separator) => {
        const text = `${toBase64Url(bytes)}${separator}${toBase64Url(hostKey)}`;
        assert.equal(text.length, 87);
        assert.equal(refusal(parseRoomFragment(text)), 'bad-link');
      },
    ),
  );
});

test('any fragment that is not 87 characters after an optional # is refused', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 120 }), (fragment) => {
      const text = fragment.startsWith('#') ? fragment.slice(1) : fragment;
      fc.pre(text.length !== 87);
      assert.equal(refusal(parseRoomFragment(fragment)), 'bad-link');
    }),
  );
});

test('a valid link with any character inserted or removed is refused', () => {
  fc.assert(
    fc.property(secretBytes, bytes32, fc.nat(87), fc.string({ minLength: 1, maxLength: 1 }), fc.boolean(), (bytes, hostKey, at, c, insert) => {
      // A '#' in front is the fragment marker itself, which the parser allows.
      fc.pre(!(insert && at === 0 && c === '#'));
      const text = secretOf(bytes, hostKey).text;
      const damaged = insert ? `${text.slice(0, at)}${c}${text.slice(at)}` : `${text.slice(0, Math.min(at, 86))}${text.slice(Math.min(at, 86) + 1)}`;
      assert.equal(refusal(parseRoomFragment(damaged)), 'bad-link');
    }),
  );
});

test('a room id is the same every time for the same secret and host key', () => {
  const secret = createRoomSecret(HOST_KEY, fixedRandom(1));
  assert.equal(roomIdOf(secret), roomIdOf(secret));
  assert.equal(roomIdOf(secret), roomIdOf(accepted(parseRoomFragment(secret.text))));
  assert.equal(roomIdOf(secret), roomIdOf(secretOf(new Uint8Array(32).fill(1), new Uint8Array(32).fill(0x11))));
});

test('a room id is 22 base64url characters and contains neither half of the link', () => {
  fc.assert(
    fc.property(secretBytes, bytes32, (bytes, hostKey) => {
      const secret = secretOf(bytes, hostKey);
      const id = roomIdOf(secret);
      assert.equal(id.length, 22);
      assert.match(id, BASE64URL_PATTERN);
      assert.ok(!secret.text.includes(id));
      assert.notEqual(id, secret.text.slice(0, 22));
      assert.notEqual(id, secret.text.slice(44, 66));
    }),
  );
});

test('a room id is the first 16 bytes of SHA-512 over the "porch room id" label, the secret and the host key', () => {
  const bytes = new Uint8Array(32).fill(3);
  const hostKey = new Uint8Array(32).fill(7);
  const expected = expectedDerive('porch room id', bytes, hostKey, 16).toString('base64url');
  assert.equal(roomIdOf(secretOf(bytes, hostKey)), expected);
  // Order matters: secret first, host key second.
  assert.notEqual(roomIdOf(secretOf(hostKey, bytes)), expected);
  // Neither the secret alone (the old layout) nor the host key alone.
  assert.notEqual(expected, createHash('sha512').update(Buffer.concat([Buffer.of(13), Buffer.from('porch room id'), bytes])).digest().subarray(0, 16).toString('base64url'));
  fc.assert(
    fc.property(secretBytes, bytes32, (b, k) => {
      assert.equal(roomIdOf(secretOf(b, k)), expectedDerive('porch room id', b, k, 16).toString('base64url'));
    }),
    { numRuns: 50 },
  );
});

test('different secrets with the same host key give different room ids', () => {
  fc.assert(
    fc.property(secretBytes, secretBytes, bytes32, (a, b, hostKey) => {
      fc.pre(differ(a, b));
      assert.notEqual(roomIdOf(secretOf(a, hostKey)), roomIdOf(secretOf(b, hostKey)));
    }),
  );
  assert.notEqual(roomIdOf(createRoomSecret(HOST_KEY, fixedRandom(0))), roomIdOf(createRoomSecret(HOST_KEY, fixedRandom(1))));
});

test('the same secret with a different host key gives a different room id', () => {
  fc.assert(
    fc.property(secretBytes, bytes32, bytes32, (bytes, a, b) => {
      fc.pre(differ(a, b));
      assert.notEqual(roomIdOf(secretOf(bytes, a)), roomIdOf(secretOf(bytes, b)));
    }),
  );
});

test('swapping the host key in a link gives another room: another room id and another room key', () => {
  const original = accepted(parseRoomFragment(VALID));
  const attacker = Buffer.alloc(32, 0xee).toString('base64url');
  const swapped = accepted(parseRoomFragment(`${SECRET_HALF}.${attacker}`));
  assert.deepEqual(swapped.bytes, original.bytes);
  assert.notEqual(roomIdOf(swapped), roomIdOf(original));
  assert.notEqual(hexOf(roomKeyOf(swapped)), hexOf(roomKeyOf(original)));
  fc.assert(
    fc.property(secretBytes, bytes32, bytes32, (bytes, host, other) => {
      fc.pre(differ(host, other));
      const link = accepted(parseRoomFragment(secretOf(bytes, host).text));
      const forged = accepted(parseRoomFragment(`${link.text.slice(0, 44)}${toBase64Url(other)}`));
      assert.notEqual(roomIdOf(forged), roomIdOf(link));
      assert.notEqual(hexOf(roomKeyOf(forged)), hexOf(roomKeyOf(link)));
    }),
    { numRuns: 50 },
  );
});

test('a room id is accepted as the room of a hello frame', () => {
  const room = roomIdOf(createRoomSecret(HOST_KEY, fixedRandom(9)));
  const frame = accepted(parseClientFrame(JSON.stringify({ type: 'hello', v: 1, room, resume: 'A'.repeat(43) })));
  assert.equal(frame.type === 'hello' && frame.room, room);
});

test('a room link is the origin, /r/, and the secret and host key in the fragment', () => {
  const secret = createRoomSecret(HOST_KEY, fixedRandom(0x5a));
  const link = roomLink('https://porch.example', secret);
  assert.equal(link, `https://porch.example/r/#${SECRET_HALF}.${KEY_HALF}`);
  assert.match(link, /^https:\/\/porch\.example\/r\/#[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
});

test('the fragment of a room link parses back to the same secret and host key and never reaches the path or query', () => {
  fc.assert(
    fc.property(secretBytes, bytes32, (bytes, hostKey) => {
      const secret = secretOf(bytes, hostKey);
      const url = new URL(roomLink('https://porch.example:8443', secret));
      assert.equal(url.pathname, '/r/');
      assert.equal(url.search, '');
      assert.equal(url.hash.length, 88);
      assert.deepEqual(accepted(parseRoomFragment(url.hash)), secret);
    }),
  );
});

test('a room key is 32 bytes and the same every time for the same secret and host key', () => {
  fc.assert(
    fc.property(secretBytes, bytes32, (bytes, hostKey) => {
      const key = roomKeyOf(secretOf(bytes, hostKey));
      assert.equal(key.length, 32);
      assert.equal(hexOf(key), hexOf(roomKeyOf(secretOf(bytes.slice(), hostKey.slice()))));
    }),
    { numRuns: 50 },
  );
});

test('a room key shares no prefix with the room id the server sees, nor equals the secret or the host key', () => {
  fc.assert(
    fc.property(secretBytes, bytes32, (bytes, hostKey) => {
      const secret = secretOf(bytes, hostKey);
      const key = roomKeyOf(secret);
      const id = Buffer.from(roomIdOf(secret), 'base64url');
      assert.notEqual(hexOf(key.subarray(0, 16)), hexOf(id));
      assert.notEqual(hexOf(key), hexOf(bytes));
      assert.notEqual(hexOf(key), hexOf(hostKey));
    }),
    { numRuns: 50 },
  );
});

test('different secrets with the same host key give different room keys', () => {
  fc.assert(
    fc.property(secretBytes, secretBytes, bytes32, (a, b, hostKey) => {
      fc.pre(differ(a, b));
      assert.notEqual(hexOf(roomKeyOf(secretOf(a, hostKey))), hexOf(roomKeyOf(secretOf(b, hostKey))));
    }),
    { numRuns: 50 },
  );
});

test('the same secret with a different host key gives a different room key', () => {
  fc.assert(
    fc.property(secretBytes, bytes32, bytes32, (bytes, a, b) => {
      fc.pre(differ(a, b));
      assert.notEqual(hexOf(roomKeyOf(secretOf(bytes, a))), hexOf(roomKeyOf(secretOf(bytes, b))));
    }),
    { numRuns: 50 },
  );
});

test('a room key is the first 32 bytes of SHA-512 over the "porch room key" label, the secret and the host key', () => {
  const bytes = new Uint8Array(32).fill(3);
  const hostKey = new Uint8Array(32).fill(7);
  const expected = expectedDerive('porch room key', bytes, hostKey, 32).toString('hex');
  assert.equal(hexOf(roomKeyOf(secretOf(bytes, hostKey))), expected);
  assert.notEqual(hexOf(roomKeyOf(secretOf(hostKey, bytes))), expected);
  fc.assert(
    fc.property(secretBytes, bytes32, (b, k) => {
      assert.equal(hexOf(roomKeyOf(secretOf(b, k))), expectedDerive('porch room key', b, k, 32).toString('hex'));
    }),
    { numRuns: 50 },
  );
  // Fixed vectors for the all-zero secret and host key, so a change of label or layout cannot go unnoticed.
  const zero = secretOf(new Uint8Array(32), new Uint8Array(32));
  assert.equal(hexOf(roomKeyOf(zero)), ZERO_ROOM_KEY);
  assert.equal(roomIdOf(zero), ZERO_ROOM_ID);
});
