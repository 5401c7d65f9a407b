import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createIdentity, randomBytes, seal, unseal, type Identity } from './crypto.ts';
import { fromBase64Url, toBase64Url, utf8 } from './encoding.ts';
import { MAX_CLOCK_SKEW_MS, openEnvelope, sealEnvelope, type EnvelopeContent, type OpenedEnvelope, type OpenOptions } from './envelope.ts';
import type { Result } from './result.ts';

const ROOM_ID = 'roomid_0123456789abcd';
const ROOM_KEY = randomBytes(32);
const ANN = 'aaaa_0123456789abcdef';
const BEN = 'bbbb_0123456789abcdef';
const CAL = 'cccc_0123456789abcdef';
const NOW = 1_750_000_000_000;
const ann = createIdentity();
const mallory = createIdentity();
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** nonce + MAC + header (version, flags, seq, ts) + signature: every envelope pays this. */
const FIXED_OVERHEAD_BYTES = 24 + 16 + 12 + 64;

function sealFromAnn(
  content: Partial<EnvelopeContent> = {},
  options: { introduce?: boolean; identity?: Identity; roomKey?: Uint8Array } = {},
): string {
  return sealEnvelope(
    { from: ANN, to: BEN, seq: 1, ts: NOW, body: utf8('hello Ben'), ...content },
    { roomId: ROOM_ID, roomKey: options.roomKey ?? ROOM_KEY, identity: options.identity ?? ann, introduce: options.introduce ?? false },
  );
}

/** Opens as Ben, who already knows Ann's key, unless told otherwise. */
const openAsBen = (box: string, options: Partial<OpenOptions> = {}): Result<OpenedEnvelope, string> =>
  openEnvelope(box, { roomId: ROOM_ID, roomKey: ROOM_KEY, from: ANN, self: BEN, knownKey: ann.publicKey, lastSeq: 0, now: NOW, ...options });

function opened(r: Result<OpenedEnvelope, string>): OpenedEnvelope {
  if (!r.ok) assert.fail(`refused: ${r.error}`);
  return r.value;
}
function refusal(r: Result<unknown, string>): string {
  if (r.ok) assert.fail('an envelope that should have been refused opened');
  return r.error;
}

/** What a room member (who holds the room key but not Ann's identity) can do: decrypt, edit the signed inner bytes, re-encrypt. */
function resealed(box: string, edit: (inner: Uint8Array) => Uint8Array): string {
  const sealed = fromBase64Url(box);
  assert.ok(sealed);
  const inner = unseal(sealed, ROOM_KEY);
  assert.ok(inner);
  return toBase64Url(seal(edit(inner.slice()), ROOM_KEY));
}

function decodedBox(box: string): Uint8Array {
  const bytes = fromBase64Url(box);
  assert.ok(bytes, 'a sealed box is canonical base64url');
  return bytes;
}

const bodies = fc.uint8Array({ maxLength: 300 });
/**
 * Boxes sealed once and damaged many times (signing is the slow part). Body lengths 0, 1 and 2 give
 * every remainder mod 3, so the base64 text ends in each of its possible shapes.
 */
const POOL = [0, 1, 2, 3, 40, 301].flatMap((n) => [false, true].map((introduce) => sealFromAnn({ body: randomBytes(n) }, { introduce })));
const pooledBox = fc.constantFrom(...POOL);

test('an envelope sealed to one peer opens for that peer with its seq, ts, body and the signer key', () => {
  const body = utf8('{"kind":"signal"}');
  const result = opened(openAsBen(sealFromAnn({ seq: 7, ts: NOW - 5, body })));
  assert.equal(result.seq, 7);
  assert.equal(result.ts, NOW - 5);
  assert.deepEqual(result.body, body);
  assert.deepEqual(result.signerKey, ann.publicKey);
  assert.equal(result.introduced, false);
});

test('an envelope sealed to everyone opens for any member', () => {
  const box = sealFromAnn({ to: '*', body: utf8('to all') });
  for (const self of [BEN, CAL]) {
    const result = opened(openAsBen(box, { self }));
    assert.deepEqual(result.body, utf8('to all'));
    assert.deepEqual(result.signerKey, ann.publicKey);
  }
});

test('any body, seq and timestamp survive the round trip', () => {
  fc.assert(
    fc.property(bodies, fc.integer({ min: 1, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.boolean(), (body, seq, ts, toAll) => {
      const box = sealFromAnn({ body, seq, ts, to: toAll ? '*' : BEN });
      const result = opened(openAsBen(box, { now: ts }));
      assert.equal(result.seq, seq);
      assert.equal(result.ts, ts);
      assert.deepEqual(result.body, body);
    }),
    { numRuns: 30 },
  );
});

test('a box is base64url text and two seals of the same content differ', () => {
  const a = sealFromAnn();
  const b = sealFromAnn();
  assert.match(a, /^[A-Za-z0-9_-]+$/);
  assert.notEqual(a, b);
});

test(`the sealed envelope adds exactly ${FIXED_OVERHEAD_BYTES} bytes to the body, ${FIXED_OVERHEAD_BYTES + 32} for an introduction (cap: 120)`, () => {
  assert.equal(FIXED_OVERHEAD_BYTES, 116);
  assert.ok(FIXED_OVERHEAD_BYTES <= 120);
  fc.assert(
    fc.property(bodies, fc.boolean(), (body, toAll) => {
      const to = toAll ? '*' : BEN;
      assert.equal(decodedBox(sealFromAnn({ body, to })).length - body.length, FIXED_OVERHEAD_BYTES);
      assert.equal(decodedBox(sealFromAnn({ body, to }, { introduce: true })).length - body.length, FIXED_OVERHEAD_BYTES + 32);
    }),
    { numRuns: 30 },
  );
});

test('changing any single byte of the box makes it unreadable', () => {
  fc.assert(
    fc.property(pooledBox, fc.nat(), fc.integer({ min: 1, max: 255 }), (box, at, delta) => {
      const bytes = decodedBox(box);
      const i = at % bytes.length;
      bytes[i] = bytes[i]! ^ delta;
      assert.equal(refusal(openAsBen(toBase64Url(bytes))), 'unreadable');
    }),
    { numRuns: 500 },
  );
});

test('any truncation of the box makes it unreadable', () => {
  fc.assert(
    fc.property(pooledBox, fc.nat(), fc.boolean(), (box, cut, fromFront) => {
      const bytes = decodedBox(box);
      const keep = cut % bytes.length;
      const shorter = fromFront ? bytes.subarray(bytes.length - keep) : bytes.subarray(0, keep);
      assert.equal(refusal(openAsBen(toBase64Url(shorter))), 'unreadable');
    }),
    { numRuns: 500 },
  );
});

test('swapping two different bytes of the box makes it unreadable', () => {
  fc.assert(
    fc.property(pooledBox, fc.nat(), fc.nat(), (box, a, b) => {
      const bytes = decodedBox(box);
      const i = a % bytes.length;
      const j = b % bytes.length;
      fc.pre(bytes[i] !== bytes[j]);
      [bytes[i], bytes[j]] = [bytes[j]!, bytes[i]!];
      assert.equal(refusal(openAsBen(toBase64Url(bytes))), 'unreadable');
    }),
    { numRuns: 500 },
  );
});

test('rotating the bytes of the box makes it unreadable', () => {
  fc.assert(
    fc.property(pooledBox, fc.nat(), (box, by) => {
      const bytes = decodedBox(box);
      const k = 1 + (by % (bytes.length - 1));
      const rotated = new Uint8Array([...bytes.subarray(k), ...bytes.subarray(0, k)]);
      assert.equal(refusal(openAsBen(toBase64Url(rotated))), 'unreadable');
    }),
    { numRuns: 500 },
  );
});

/** Texts that a lenient decoder would map back to the same bytes (or ignore parts of). */
const nonCanonical = (box: string, at: number, pick: number): string[] => {
  const i = at % (box.length + 1);
  const noise = [' ', '\n', '=', '+', '/', '.', '\0', 'é'][pick % 8]!;
  const variants = [
    `${box.slice(0, i)}${noise}${box.slice(i)}`,
    `${box}=`,
    `${box}==`,
    Buffer.from(decodedBox(box)).toString('base64'),
    `${box}A`,
  ];
  // A final character whose unused low bits are set decodes to the same bytes in lenient decoders.
  const unusedBits = [0, 4, 2][decodedBox(box).length % 3]!;
  if (unusedBits > 0) {
    const last = ALPHABET.indexOf(box.at(-1)!);
    const dirty = last | (1 + (pick % ((1 << unusedBits) - 1)));
    variants.push(box.slice(0, -1) + ALPHABET[dirty]);
  }
  return variants.filter((v) => v !== box);
};

test('non-canonical or padded base64 text of a valid box never opens', () => {
  fc.assert(
    fc.property(pooledBox, fc.nat(), fc.nat(), (box, at, pick) => {
      for (const text of nonCanonical(box, at, pick)) {
        assert.equal(refusal(openAsBen(text)), 'unreadable', JSON.stringify(text.slice(-6)));
      }
    }),
    { numRuns: 300 },
  );
});

test('the standard base64 alphabet is refused even when the bytes are right', () => {
  // Find a box whose standard encoding actually differs (contains + or /).
  for (;;) {
    const box = sealFromAnn();
    const standard = Buffer.from(decodedBox(box)).toString('base64').replace(/=+$/, '');
    if (standard === box) continue;
    assert.equal(refusal(openAsBen(standard)), 'unreadable');
    return;
  }
});

test('an empty box and garbage text are unreadable', () => {
  for (const text of ['', 'A', 'AA', 'not a box', '{"kind":"presence"}', 'A'.repeat(200)]) {
    assert.equal(refusal(openAsBen(text)), 'unreadable', text);
  }
});

test('an envelope opened with the wrong room key is unreadable', () => {
  assert.equal(refusal(openAsBen(sealFromAnn(), { roomKey: randomBytes(32) })), 'unreadable');
  assert.equal(refusal(openAsBen(sealFromAnn({}, { roomKey: randomBytes(32) }))), 'unreadable');
});

test('an envelope carried into another room (same key, other room id) fails its signature', () => {
  assert.equal(refusal(openAsBen(sealFromAnn(), { roomId: 'roomid_other_room_000' })), 'bad-signature');
});

test('an envelope the server stamps with another sender fails its signature', () => {
  assert.equal(refusal(openAsBen(sealFromAnn(), { from: CAL })), 'bad-signature');
  // Even when the receiver knows Ann's key under the forged sender id.
  assert.equal(refusal(openAsBen(sealFromAnn({ to: '*' }, { introduce: true }), { from: CAL, knownKey: null })), 'bad-signature');
});

test('an envelope re-routed to another peer fails its signature', () => {
  assert.equal(refusal(openAsBen(sealFromAnn({ to: BEN }), { self: CAL })), 'bad-signature');
  assert.equal(refusal(openAsBen(sealFromAnn({ to: BEN }, { introduce: true }), { self: CAL, knownKey: null })), 'bad-signature');
});

test('flipping the broadcast flag (a member re-sealing it) fails the signature, both ways', () => {
  const flipBroadcast = (inner: Uint8Array): Uint8Array => {
    inner[1] = inner[1]! ^ 1;
    return inner;
  };
  // A message Ann sent only to Ben, turned into a broadcast for Cal to accept.
  assert.equal(refusal(openAsBen(resealed(sealFromAnn({ to: BEN }), flipBroadcast), { self: CAL })), 'bad-signature');
  // A broadcast turned into a direct message.
  assert.equal(refusal(openAsBen(resealed(sealFromAnn({ to: '*' }), flipBroadcast))), 'bad-signature');
});

test('a member who re-seals with an edited seq, ts or body breaks the signature', () => {
  // XOR 2 keeps seq above lastSeq, and byte 10 moves ts by 512 ms, inside the skew window: only the signature can catch these.
  for (const offset of [2, 5, 10, 11, 12 + 64]) {
    const box = resealed(sealFromAnn({ body: utf8('original') }), (inner) => {
      inner[offset] = inner[offset]! ^ 2;
      return inner;
    });
    assert.equal(refusal(openAsBen(box, { now: NOW + 1 })), 'bad-signature', `byte ${offset}`);
  }
});

test('a member cannot strip the key from an introduction and keep the signature', () => {
  const introduction = sealFromAnn({}, { introduce: true });
  const stripped = resealed(introduction, (inner) => {
    const out = new Uint8Array([...inner.subarray(0, 12 + 64), ...inner.subarray(12 + 64 + 32)]);
    out[1] = out[1]! & ~2;
    return out;
  });
  assert.equal(refusal(openAsBen(stripped)), 'bad-signature');
});

test('an unknown version, unknown flag or short inner is malformed', () => {
  const box = sealFromAnn();
  const edit = (f: (inner: Uint8Array) => Uint8Array) => openAsBen(resealed(box, f));
  assert.equal(refusal(edit((inner) => ((inner[0] = 2), inner))), 'malformed');
  assert.equal(refusal(edit((inner) => ((inner[1] = inner[1]! | 4), inner))), 'malformed');
  assert.equal(refusal(edit((inner) => inner.subarray(0, 12 + 63))), 'malformed');
  // Claims to carry a key but ends before it.
  assert.equal(refusal(edit((inner) => ((inner[1] = inner[1]! | 2), inner.subarray(0, 12 + 64 + 31)))), 'malformed');
});

test('a non-introducing envelope from a sender with no known key is from an unknown signer', () => {
  assert.equal(refusal(openAsBen(sealFromAnn(), { knownKey: null })), 'unknown-signer');
});

test("a non-introducing envelope checked against someone else's key fails its signature", () => {
  assert.equal(refusal(openAsBen(sealFromAnn(), { knownKey: mallory.publicKey })), 'bad-signature');
  // And Mallory's envelope under Ann's routing id, checked against Ann's key.
  assert.equal(refusal(openAsBen(sealFromAnn({}, { identity: mallory }))), 'bad-signature');
});

test('an introduction verifies with the key it carries and reports it', () => {
  const result = opened(openAsBen(sealFromAnn({ to: '*' }, { introduce: true }), { knownKey: null }));
  assert.equal(result.introduced, true);
  assert.deepEqual(result.signerKey, ann.publicKey);
  assert.deepEqual(result.body, utf8('hello Ben'));
});

test('an introduction by another identity opens with its own key (the caller decides about key changes)', () => {
  const result = opened(openAsBen(sealFromAnn({}, { introduce: true, identity: mallory })));
  assert.deepEqual(result.signerKey, mallory.publicKey);
});

test('a sequence number at or below the last accepted one is a replay', () => {
  const box = sealFromAnn({ seq: 5 });
  assert.equal(opened(openAsBen(box, { lastSeq: 4 })).seq, 5);
  assert.equal(refusal(openAsBen(box, { lastSeq: 5 })), 'replayed');
  assert.equal(refusal(openAsBen(box, { lastSeq: 6 })), 'replayed');
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), fc.nat(1000), (seq, extra) => {
      assert.equal(refusal(openAsBen(sealFromAnn({ seq }), { lastSeq: seq + extra })), 'replayed');
    }),
    { numRuns: 20 },
  );
});

test(`a timestamp more than ${MAX_CLOCK_SKEW_MS} ms from the receiver's clock, either way, is stale`, () => {
  assert.equal(MAX_CLOCK_SKEW_MS, 120_000);
  const at = (ts: number) => openAsBen(sealFromAnn({ ts }));
  assert.equal(refusal(at(NOW - MAX_CLOCK_SKEW_MS - 1)), 'stale');
  assert.equal(refusal(at(NOW + MAX_CLOCK_SKEW_MS + 1)), 'stale');
  assert.equal(refusal(at(0)), 'stale');
  assert.equal(opened(at(NOW - MAX_CLOCK_SKEW_MS)).ts, NOW - MAX_CLOCK_SKEW_MS);
  assert.equal(opened(at(NOW + MAX_CLOCK_SKEW_MS)).ts, NOW + MAX_CLOCK_SKEW_MS);
  fc.assert(
    fc.property(fc.integer({ min: MAX_CLOCK_SKEW_MS + 1, max: 10 * MAX_CLOCK_SKEW_MS }), fc.boolean(), (skew, ahead) => {
      assert.equal(refusal(at(ahead ? NOW + skew : NOW - skew)), 'stale');
    }),
    { numRuns: 20 },
  );
});
