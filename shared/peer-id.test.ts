import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { BASE64URL_PATTERN } from './encoding.ts';
import { peerIdOf } from './peer-id.ts';
import { parseServerFrame } from './protocol.ts';
import { roomIdOf } from './room-link.ts';

const resumeSecret = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/);

test('a resume token always gives the same peer id', () => {
  fc.assert(
    fc.property(resumeSecret, (token) => {
      assert.equal(peerIdOf(token), peerIdOf(token));
    }),
  );
});

test('a peer id is 16 base64url characters', () => {
  fc.assert(
    fc.property(fc.oneof(resumeSecret, fc.string({ unit: 'binary' })), (token) => {
      const id = peerIdOf(token);
      assert.equal(id.length, 16);
      assert.match(id, BASE64URL_PATTERN);
    }),
  );
});

test('a peer id is accepted wherever the protocol carries a peer id', () => {
  fc.assert(
    fc.property(resumeSecret, (token) => {
      assert.equal(parseServerFrame(JSON.stringify({ type: 'joined', peer: peerIdOf(token) })).ok, true);
    }),
  );
});

test('different resume tokens give different peer ids', () => {
  fc.assert(
    fc.property(resumeSecret, resumeSecret, (a, b) => {
      fc.pre(a !== b);
      assert.notEqual(peerIdOf(a), peerIdOf(b));
    }),
  );
  assert.notEqual(peerIdOf('A'.repeat(43)), peerIdOf(`${'A'.repeat(42)}B`));
});

test('a peer id does not reveal the resume token it came from', () => {
  fc.assert(
    fc.property(resumeSecret, (token) => {
      assert.ok(!token.includes(peerIdOf(token)));
    }),
  );
});

test('a peer id is the first 12 bytes of SHA-512 over the "porch peer id" label and the UTF-8 token', () => {
  const token = 'A'.repeat(43);
  const label = Buffer.from('porch peer id');
  const expected = createHash('sha512')
    .update(Buffer.concat([Buffer.of(label.length), label, Buffer.from(token)]))
    .digest()
    .subarray(0, 12)
    .toString('base64url');
  assert.equal(peerIdOf(token), expected);
});

test('a peer id and a room id from the same bytes differ, because their labels differ', () => {
  // 64 bytes, so the room's secret ‖ host key is byte for byte what the peer id hashes.
  const token = 'A'.repeat(64);
  const bytes = new Uint8Array(Buffer.from(token));
  const room = { bytes: bytes.subarray(0, 32), hostKey: bytes.subarray(32), text: `${token.slice(0, 32)}.${token.slice(32)}` };
  assert.notEqual(peerIdOf(token), roomIdOf(room).slice(0, 16));
});
