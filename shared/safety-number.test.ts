import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { createIdentity } from './crypto.ts';
import { safetyNumberOf } from './safety-number.ts';

const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** The documented rendering, computed with Node's SHA-512: derive(label, key, 20) → four 40-bit groups mod 10^5. */
function safetyNumberWithNode(publicKey: Uint8Array): string {
  const label = Buffer.from('porch safety number');
  const digest = createHash('sha512').update(Buffer.concat([Buffer.of(label.length), label, publicKey])).digest();
  return [0, 1, 2, 3].map((g) => String(digest.readUIntBE(g * 5, 5) % 100_000).padStart(5, '0')).join(' ');
}

test('a safety number is four groups of five digits', () => {
  fc.assert(
    fc.property(key32, (key) => {
      assert.match(safetyNumberOf(key), /^\d{5} \d{5} \d{5} \d{5}$/);
    }),
  );
});

test('a safety number is the same every time for the same key', () => {
  const { publicKey } = createIdentity();
  assert.equal(safetyNumberOf(publicKey), safetyNumberOf(publicKey.slice()));
});

test('safety numbers match their fixed vectors and the documented derivation', () => {
  assert.equal(safetyNumberOf(new Uint8Array(32)), '73578 20032 16904 70095');
  assert.equal(safetyNumberOf(new Uint8Array(32).fill(0xff)), '38838 77961 62846 16432');
  fc.assert(
    fc.property(key32, (key) => {
      assert.equal(safetyNumberOf(key), safetyNumberWithNode(key));
    }),
  );
});

test('a few hundred different keys give a few hundred different safety numbers', () => {
  fc.assert(
    fc.property(fc.uniqueArray(key32, { minLength: 300, maxLength: 300, selector: (k) => Buffer.from(k).toString('hex') }), (keys) => {
      assert.equal(new Set(keys.map(safetyNumberOf)).size, keys.length);
    }),
    { numRuns: 5 },
  );
});

test('changing one bit of a key changes its safety number', () => {
  const { publicKey } = createIdentity();
  fc.assert(
    fc.property(fc.nat(255), (bit) => {
      const other = publicKey.slice();
      other[bit >> 3] = other[bit >> 3]! ^ (1 << (bit & 7));
      assert.notEqual(safetyNumberOf(other), safetyNumberOf(publicKey));
    }),
  );
});
