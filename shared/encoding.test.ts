import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BASE64URL_PATTERN, concatBytes, fromBase64Url, fromUtf8, toBase64Url, utf8 } from './encoding.ts';

const ascii = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));

// RFC 4648 §10 vectors, written in the unpadded url-safe form Porch uses.
const RFC4648_VECTORS: [string, string][] = [
  ['', ''],
  ['f', 'Zg'],
  ['fo', 'Zm8'],
  ['foo', 'Zm9v'],
  ['foob', 'Zm9vYg'],
  ['fooba', 'Zm9vYmE'],
  ['foobar', 'Zm9vYmFy'],
];

for (const [plain, encoded] of RFC4648_VECTORS) {
  test(`the RFC 4648 vector ${JSON.stringify(plain)} encodes to ${JSON.stringify(encoded)} and back`, () => {
    assert.equal(toBase64Url(ascii(plain)), encoded);
    assert.deepEqual(fromBase64Url(encoded), ascii(plain));
  });
}

test('any bytes survive a base64url round trip', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      assert.deepEqual(fromBase64Url(toBase64Url(bytes)), bytes);
    }),
  );
});

test("encoding agrees with Node's own base64url and uses only the url-safe alphabet without padding", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const text = toBase64Url(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64url'));
      assert.match(text, BASE64URL_PATTERN);
      assert.equal(text.length, Math.ceil((bytes.length * 4) / 3));
    }),
  );
});

test('bytes 0xfb 0xff encode with - and _ rather than + and /', () => {
  assert.equal(toBase64Url(Uint8Array.of(0xfb, 0xff, 0xbf)), '-_-_');
  assert.deepEqual(fromBase64Url('-_-_'), Uint8Array.of(0xfb, 0xff, 0xbf));
});

const NON_CANONICAL: [string, string][] = [
  ['a single character (length % 4 == 1)', 'Z'],
  ['five characters (length % 4 == 1)', 'Zm9vY'],
  ['a single A (length % 4 == 1, even though its bits are all zero)', 'A'],
  ['five characters ending in A (length % 4 == 1, even though its bits are all zero)', 'Zm9vA'],
  ['non-zero trailing bits after one byte', 'Zh'],
  ['non-zero trailing bits after two bytes', 'Zm9'],
  ['a +', 'Zm9v+w'],
  ['a /', 'Zm9v/w'],
  ['padding with =', 'Zg=='],
  ['a single =', 'Zm8='],
  ['a space inside', 'Zm9v Yg'],
  ['a trailing newline', 'Zm9v\n'],
  ['a leading tab', '\tZm9v'],
  ['a non-ASCII letter', 'Zm9vé'],
  ['an astral character', 'Zm9v\u{1F600}'],
];

for (const [what, text] of NON_CANONICAL) {
  test(`a base64url text with ${what} decodes to null`, () => {
    assert.equal(fromBase64Url(text), null);
  });
}

test("a text decodes exactly when it is the canonical encoding of what Node's lenient decoder reads from it", () => {
  const text = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/), fc.string({ maxLength: 40 }));
  fc.assert(
    fc.property(text, (t) => {
      const canonical = Buffer.from(Buffer.from(t, 'base64url')).toString('base64url') === t;
      const decoded = fromBase64Url(t);
      assert.equal(decoded !== null, canonical, `text ${JSON.stringify(t)}`);
      if (decoded) assert.equal(toBase64Url(decoded), t);
    }),
  );
});

test('any text survives a UTF-8 round trip', () => {
  const text = fc.string({ unit: 'binary', maxLength: 100 });
  fc.assert(
    fc.property(text, (s) => {
      assert.deepEqual(utf8(s), new Uint8Array(Buffer.from(s, 'utf8')));
      assert.equal(fromUtf8(utf8(s)), s);
    }),
  );
});

const INVALID_UTF8: [string, number[]][] = [
  ['a lone 0xff byte', [0xff]],
  ['a lone continuation byte', [0x80]],
  ['an overlong encoding of NUL', [0xc0, 0x80]],
  ['a truncated three-byte sequence', [0xe2, 0x82]],
  ['an encoded UTF-16 surrogate', [0xed, 0xa0, 0x80]],
  ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
];

for (const [what, bytes] of INVALID_UTF8) {
  test(`UTF-8 with ${what} decodes to null`, () => {
    assert.equal(fromUtf8(Uint8Array.from(bytes)), null);
  });
}

test('invalid UTF-8 after valid text still decodes to null rather than a replacement character', () => {
  assert.equal(fromUtf8(Uint8Array.of(0x68, 0x69, 0xff)), null);
});

test('concatBytes joins parts in order', () => {
  assert.deepEqual(concatBytes(Uint8Array.of(1, 2), Uint8Array.of(), Uint8Array.of(3)), Uint8Array.of(1, 2, 3));
});

test('concatBytes of nothing is empty', () => {
  assert.deepEqual(concatBytes(), new Uint8Array(0));
});

test('concatBytes of any parts equals Buffer.concat of them and copies rather than aliases', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 6 }), (parts) => {
      const joined = concatBytes(...parts);
      assert.deepEqual(joined, new Uint8Array(Buffer.concat(parts)));
      const first = parts.find((p) => p.length > 0);
      if (first) {
        const before = joined[0];
        first[0] = (first[0]! + 1) & 0xff;
        assert.equal(joined[0], before);
      }
    }),
  );
});

test('a leading byte-order mark survives a UTF-8 round trip', () => {
  assert.equal(fromUtf8(utf8('\uFEFFx')), '\uFEFFx');
});
