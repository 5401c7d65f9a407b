import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentity, randomBytes, sign, verify } from '../shared/crypto.ts';
import { utf8 } from '../shared/encoding.ts';
import { judgeSave, signSave, writerFor } from '../shared/room-snapshot.ts';
import { verifyNatively } from './native-verify.ts';

const ROOM = 'room-0123456789abcdef';

/** Each byte of `bytes` but one, flipped. */
const flipped = (bytes: Uint8Array, at: number): Uint8Array => bytes.map((byte, i) => (i === at ? byte ^ 0x01 : byte));

test('the native check agrees with tweetnacl on good signatures and on bad ones of every kind', () => {
  const cases: [string, Uint8Array, Uint8Array, Uint8Array][] = [];
  for (let n = 0; n < 20; n += 1) {
    const signer = createIdentity();
    const other = createIdentity();
    const message = randomBytes(1 + n * 13);
    const signature = sign(message, signer);
    cases.push(
      ['good', message, signature, signer.publicKey],
      ['message altered', flipped(message, n % message.length), signature, signer.publicKey],
      ['signature altered in R', message, flipped(signature, n), signer.publicKey],
      ['signature altered in S', message, flipped(signature, 32 + n), signer.publicKey],
      ['another key', message, signature, other.publicKey],
      ['random bytes as key', message, signature, randomBytes(32)],
      ['random bytes as signature', message, randomBytes(64), signer.publicKey],
      ['short signature', message, signature.subarray(0, 63), signer.publicKey],
      ['short key', message, signature, signer.publicKey.subarray(0, 31)],
    );
  }
  for (const [what, message, signature, key] of cases) {
    assert.equal(verifyNatively(message, signature, key), verify(message, signature, key), what);
  }
  assert.equal(cases.filter(([, message, signature, key]) => verifyNatively(message, signature, key)).length, 20, 'exactly the good ones hold');
});

test('the native check judges saves as tweetnacl does', () => {
  const writer = writerFor(createIdentity(), ROOM);
  const save = signSave(writer, ROOM, 4, 'sealed');
  const saves = [save, { ...save, box: 'altered' }, { ...save, version: 5 }, signSave(writer, 'other-room-0123456789', 4, 'sealed')];
  assert.deepEqual(
    saves.map((s) => judgeSave(ROOM, null, s, verifyNatively)),
    saves.map((s) => judgeSave(ROOM, null, s)),
  );
  assert.deepEqual(saves.map((s) => judgeSave(ROOM, null, s, verifyNatively)), ['saved', 'forged', 'forged', 'forged']);
});

/** The group order L, little-endian, as Ed25519 signatures carry S. */
const ORDER = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

test('a signature whose S is not reduced, which no client makes, is refused natively though tweetnacl takes it', () => {
  const signer = createIdentity();
  const message = utf8('porch');
  const signature = sign(message, signer);
  // S + L: the same point equation holds, so only a check that S < L tells it apart.
  const malleated = Uint8Array.from(signature);
  let carry = 0;
  for (let i = 0; i < 32; i += 1) {
    const sum = (malleated[32 + i] ?? 0) + (ORDER[i] ?? 0) + carry;
    malleated[32 + i] = sum & 0xff;
    carry = sum >> 8;
  }
  assert.equal(carry, 0, 'S + L still fits in 32 bytes');
  assert.equal(verify(message, malleated, signer.publicKey), true);
  assert.equal(verifyNatively(message, malleated, signer.publicKey), false);
});
