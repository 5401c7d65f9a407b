import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  createIdentity,
  createSessionKeys,
  derive,
  identityFromSecretKey,
  randomBytes,
  seal,
  SECRETBOX_MAC_BYTES,
  SECRETBOX_NONCE_BYTES,
  SESSION_PUBLIC_KEY_BYTES,
  sharedSecret,
  sign,
  SIGNATURE_BYTES,
  unseal,
  verify,
} from './crypto.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The documented layout, computed with Node's own SHA-512 rather than tweetnacl's. */
function deriveWithNode(label: string, input: Uint8Array, lengthBytes: number): string {
  const labelBytes = Buffer.from(label, 'utf8');
  const digest = createHash('sha512').update(Buffer.concat([Buffer.of(labelBytes.length), labelBytes, input])).digest();
  return digest.subarray(0, lengthBytes).toString('hex');
}

const VECTORS: { label: string; input: Uint8Array; lengthBytes: number; expected: string }[] = [
  {
    label: 'porch room id',
    input: new Uint8Array(32),
    lengthBytes: 16,
    expected: '8ee11bfb91e0a55325d278b124ec352b',
  },
  {
    label: 'porch peer id',
    input: new Uint8Array(Buffer.from('abc')),
    lengthBytes: 12,
    expected: '0ec73cde81776e9397e693a6',
  },
  {
    // An empty label leaves one zero byte: this is the well-known SHA-512 of 0x00.
    label: '',
    input: new Uint8Array(0),
    lengthBytes: 64,
    expected:
      'b8244d028981d693af7b456af8efa4cad63d282e19ff14942c246e50d9351d22' +
      '704a802a71c3580b6370de4ceb293c324a8423342557d4e5c38438f0e36910ee',
  },
  { label: 'x', input: Uint8Array.of(1, 2, 3), lengthBytes: 1, expected: 'b4' },
];

for (const { label, input, lengthBytes, expected } of VECTORS) {
  test(`derive(${JSON.stringify(label)}, ${input.length} bytes, ${lengthBytes}) matches its fixed vector and Node's SHA-512`, () => {
    assert.equal(deriveWithNode(label, input, lengthBytes), expected);
    assert.equal(hex(derive(label, input, lengthBytes)), expected);
  });
}

test("derive follows the documented layout for any label, input and length, checked against Node's SHA-512", () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary', maxLength: 60 }).filter((s) => Buffer.byteLength(s) <= 255),
      fc.uint8Array({ maxLength: 200 }),
      fc.integer({ min: 1, max: 64 }),
      (label, input, lengthBytes) => {
        const out = derive(label, input, lengthBytes);
        assert.equal(out.length, lengthBytes);
        assert.equal(hex(out), deriveWithNode(label, input, lengthBytes));
      },
    ),
  );
});

test('the same input under different labels gives different outputs', () => {
  const input = new Uint8Array(32).fill(7);
  assert.notEqual(hex(derive('porch room id', input, 16)), hex(derive('porch peer id', input, 16)));
  fc.assert(
    fc.property(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), fc.uint8Array({ maxLength: 64 }), (a, b, bytes) => {
      fc.pre(a !== b);
      assert.notEqual(hex(derive(a, bytes, 32)), hex(derive(b, bytes, 32)));
    }),
  );
});

test('the length prefix keeps label "ab" with input "c" apart from label "a" with input "bc"', () => {
  const c = new Uint8Array(Buffer.from('c'));
  const bc = new Uint8Array(Buffer.from('bc'));
  assert.notEqual(hex(derive('ab', c, 32)), hex(derive('a', bc, 32)));
});

test('a shorter derivation is a prefix of a longer one', () => {
  const input = Uint8Array.of(9, 9, 9);
  assert.equal(hex(derive('porch', input, 64)).slice(0, 32), hex(derive('porch', input, 16)));
});

for (const lengthBytes of [0, -1, 65, 1000]) {
  test(`asking derive for ${lengthBytes} bytes throws`, () => {
    assert.throws(() => derive('porch', new Uint8Array(0), lengthBytes), /length out of range/);
  });
}

test('derive accepts the bounds 1 and 64 bytes', () => {
  assert.equal(derive('porch', new Uint8Array(0), 1).length, 1);
  assert.equal(derive('porch', new Uint8Array(0), 64).length, 64);
});

test('a label of 255 UTF-8 bytes is accepted and one of 256 throws', () => {
  assert.equal(derive('a'.repeat(255), new Uint8Array(0), 8).length, 8);
  assert.throws(() => derive('a'.repeat(256), new Uint8Array(0), 8), /label too long/);
});

test('the label limit counts UTF-8 bytes, not characters: 128 × "é" (256 bytes) throws', () => {
  assert.throws(() => derive('é'.repeat(128), new Uint8Array(0), 8), /label too long/);
});

test('randomBytes returns the requested number of bytes and two draws differ', () => {
  const a = randomBytes(32);
  const b = randomBytes(32);
  assert.equal(a.length, 32);
  assert.notEqual(hex(a), hex(b));
});

test('derive refuses lengths that are not whole numbers of bytes', () => {
  assert.throws(() => derive('x', new Uint8Array(), Number.NaN));
  assert.throws(() => derive('x', new Uint8Array(), 1.5));
});

const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

test('sealed bytes unseal with the same key to the same plaintext, with a nonce and MAC added', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 500 }), key32, (plaintext, key) => {
      const sealed = seal(plaintext, key);
      assert.equal(sealed.length, plaintext.length + SECRETBOX_NONCE_BYTES + SECRETBOX_MAC_BYTES);
      assert.deepEqual(unseal(sealed, key), plaintext);
    }),
  );
});

test('sealing the same plaintext twice uses a fresh nonce and gives different bytes', () => {
  const key = randomBytes(32);
  const plaintext = new Uint8Array(16);
  const a = seal(plaintext, key);
  const b = seal(plaintext, key);
  assert.notEqual(hex(a.subarray(0, SECRETBOX_NONCE_BYTES)), hex(b.subarray(0, SECRETBOX_NONCE_BYTES)));
  assert.notEqual(hex(a), hex(b));
});

test('unsealing with a different key returns null', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), key32, key32, (plaintext, key, other) => {
      fc.pre(hex(key) !== hex(other));
      assert.equal(unseal(seal(plaintext, key), other), null);
    }),
    { numRuns: 50 },
  );
});

test('unsealing anything shorter than nonce plus MAC returns null', () => {
  const key = randomBytes(32);
  for (let n = 0; n < SECRETBOX_NONCE_BYTES + SECRETBOX_MAC_BYTES; n++) assert.equal(unseal(new Uint8Array(n), key), null);
  assert.equal(unseal(seal(new Uint8Array(0), key).subarray(0, SECRETBOX_NONCE_BYTES + SECRETBOX_MAC_BYTES - 1), key), null);
});

test('a sealed empty plaintext is exactly nonce plus MAC and unseals to empty', () => {
  const key = randomBytes(32);
  const sealed = seal(new Uint8Array(0), key);
  assert.equal(sealed.length, SECRETBOX_NONCE_BYTES + SECRETBOX_MAC_BYTES);
  assert.deepEqual(unseal(sealed, key), new Uint8Array(0));
});

test('a signature verifies for its message and key, and not for another message, key or signature', () => {
  const ann = createIdentity();
  const ben = createIdentity();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (message, at) => {
      const signature = sign(message, ann);
      assert.equal(signature.length, SIGNATURE_BYTES);
      assert.equal(verify(message, signature, ann.publicKey), true);
      assert.equal(verify(message, signature, ben.publicKey), false);
      const tampered = signature.slice();
      const i = at % tampered.length;
      tampered[i] = tampered[i]! ^ 1;
      assert.equal(verify(message, tampered, ann.publicKey), false);
      const other = Uint8Array.of(...message, 0);
      assert.equal(verify(other, signature, ann.publicKey), false);
    }),
    { numRuns: 30 },
  );
});

test('verify returns false, not an exception, for a signature or key of the wrong length', () => {
  const ann = createIdentity();
  const message = Uint8Array.of(1, 2, 3);
  const signature = sign(message, ann);
  assert.equal(verify(message, signature.subarray(0, 63), ann.publicKey), false);
  assert.equal(verify(message, Uint8Array.of(...signature, 0), ann.publicKey), false);
  assert.equal(verify(message, signature, ann.publicKey.subarray(0, 31)), false);
  assert.equal(verify(message, signature, new Uint8Array(0)), false);
});

test('an identity rebuilt from its stored secret key has the same keys and signs the same', () => {
  const identity = createIdentity();
  assert.equal(identity.publicKey.length, 32);
  assert.equal(identity.secretKey.length, 64);
  const rebuilt = identityFromSecretKey(identity.secretKey.slice());
  assert.ok(rebuilt);
  assert.deepEqual(rebuilt.publicKey, identity.publicKey);
  assert.deepEqual(rebuilt.secretKey, identity.secretKey);
  const message = Uint8Array.of(4, 5, 6);
  assert.equal(verify(message, sign(message, rebuilt), identity.publicKey), true);
});

test('two new identities differ', () => {
  assert.notEqual(hex(createIdentity().publicKey), hex(createIdentity().publicKey));
});

test('a stored secret key of the wrong length is refused', () => {
  const { secretKey } = createIdentity();
  for (const bytes of [new Uint8Array(0), secretKey.subarray(0, 32), secretKey.subarray(0, 63), Uint8Array.of(...secretKey, 0)]) {
    assert.equal(identityFromSecretKey(bytes), null, `${bytes.length} bytes`);
  }
});

test('a stored secret key whose public half does not match its seed is refused', () => {
  const { secretKey } = createIdentity();
  fc.assert(
    fc.property(fc.integer({ min: 32, max: 63 }), fc.integer({ min: 1, max: 255 }), (at, delta) => {
      const corrupted = secretKey.slice();
      corrupted[at] = corrupted[at]! ^ delta;
      assert.equal(identityFromSecretKey(corrupted), null);
    }),
    { numRuns: 40 },
  );
  // Another identity's public half glued to this seed.
  const glued = Uint8Array.of(...secretKey.subarray(0, 32), ...createIdentity().publicKey);
  assert.equal(identityFromSecretKey(glued), null);
});

test('new session keys are 32-byte X25519 pairs, and two of them differ', () => {
  const a = createSessionKeys();
  const b = createSessionKeys();
  assert.equal(SESSION_PUBLIC_KEY_BYTES, 32);
  assert.equal(a.publicKey.length, 32);
  assert.equal(a.secretKey.length, 32);
  assert.notEqual(hex(a.publicKey), hex(b.publicKey));
  assert.notEqual(hex(a.secretKey), hex(b.secretKey));
});

test('both sides of a pair compute the same shared secret', () => {
  for (let i = 0; i < 20; i++) {
    const a = createSessionKeys();
    const b = createSessionKeys();
    const ab = sharedSecret(a, b.publicKey);
    assert.equal(ab.length, 32);
    assert.equal(hex(ab), hex(sharedSecret(b, a.publicKey)));
  }
});

test('a third session key shares a different secret with each side, and no two pairs share one', () => {
  const a = createSessionKeys();
  const b = createSessionKeys();
  const c = createSessionKeys();
  const secrets = [sharedSecret(a, b.publicKey), sharedSecret(a, c.publicKey), sharedSecret(b, c.publicKey)].map(hex);
  assert.equal(new Set(secrets).size, 3);
  // Knowing both public keys is not enough: c's secret with either side is not theirs.
  assert.notEqual(hex(sharedSecret(c, a.publicKey)), hex(sharedSecret(a, b.publicKey)));
  assert.notEqual(hex(sharedSecret(c, b.publicKey)), hex(sharedSecret(a, b.publicKey)));
});

test('the shared secret is deterministic: the same two keys give the same secret every time', () => {
  const a = createSessionKeys();
  const b = createSessionKeys();
  assert.equal(hex(sharedSecret(a, b.publicKey)), hex(sharedSecret({ ...a }, b.publicKey.slice())));
});
