import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createIdentity, createSessionKeys, randomBytes, seal, sign, unseal, type Identity, type SessionKeys } from './crypto.ts';
import type { SignatureClaim } from './visit-key.ts';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './encoding.ts';
import {
  introductionClaims,
  MAX_CLOCK_SKEW_MS,
  openEnvelope,
  pairKey,
  sealIntroduction,
  sealPairMessage,
  type EnvelopeHeader,
  type OpenedEnvelope,
  type OpenOptions,
} from './envelope.ts';
import type { Result } from './result.ts';

const ROOM_ID = 'roomid_0123456789abcd';
const ROOM_KEY = randomBytes(32);
const ANN = 'aaaa_0123456789abcdef';
const BEN = 'bbbb_0123456789abcdef';
const CAL = 'cccc_0123456789abcdef';
const NOW = 1_750_000_000_000;
const ann = createIdentity();
const mallory = createIdentity();
const annSession = createSessionKeys();
const benSession = createSessionKeys();
const calSession = createSessionKeys();
const mallorySession = createSessionKeys();
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** nonce + MAC + header (version, flags, seq, ts): what a pair message adds to its body. */
const PAIR_OVERHEAD_BYTES = 24 + 16 + 12;
/** A pair message's overhead plus signature, identity key and session key. */
const INTRODUCTION_OVERHEAD_BYTES = PAIR_OVERHEAD_BYTES + 64 + 32 + 32;

/** Ann's key for what she sends Ben, derived on her side. */
const ANN_TO_BEN = pairKey(annSession, benSession.publicKey, ROOM_ID, ANN, BEN);
/** The same direction derived on Ben's side: the key Ben opens Ann's pair messages with. */
const BEN_FROM_ANN = pairKey(benSession, annSession.publicKey, ROOM_ID, ANN, BEN);

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

interface Seal {
  to?: string;
  seq?: number;
  ts?: number;
  body?: Uint8Array;
}

function introFromAnn(
  { to = BEN, seq = 1, ts = NOW, body = utf8('hello Ben') }: Seal = {},
  options: { identity?: Identity; session?: SessionKeys; roomKey?: Uint8Array; roomId?: string } = {},
): string {
  return sealIntroduction(ANN, to, { seq, ts }, body, {
    roomId: options.roomId ?? ROOM_ID,
    roomKey: options.roomKey ?? ROOM_KEY,
    identity: options.identity ?? ann,
    session: options.session ?? annSession,
  });
}

function pairFromAnn({ to = BEN, seq = 1, ts = NOW, body = utf8('hello Ben') }: Seal = {}, key = ANN_TO_BEN): string {
  return sealPairMessage(to, { seq, ts }, body, key);
}

/** Opens as Ben, who already shares a pair key with Ann, unless told otherwise. */
const asBen: OpenOptions = { roomId: ROOM_ID, roomKeys: [ROOM_KEY], from: ANN, self: BEN, session: benSession, pairKey: BEN_FROM_ANN, lastSeq: 0, now: NOW };
const openAsBen = (box: string, options: Partial<OpenOptions> = {}): Result<OpenedEnvelope, string> => openEnvelope(box, { ...asBen, ...options });

function opened(r: Result<OpenedEnvelope, string>): OpenedEnvelope {
  if (!r.ok) assert.fail(`refused: ${r.error}`);
  return r.value;
}
function refusal(r: Result<unknown, string>): string {
  if (r.ok) assert.fail('an envelope that should have been refused opened');
  return r.error;
}

/** Decrypts with `key`, edits the inner bytes, re-encrypts: what a holder of that key can do. */
function resealed(box: string, edit: (inner: Uint8Array) => Uint8Array, key: Uint8Array = ROOM_KEY): string {
  const sealed = fromBase64Url(box);
  assert.ok(sealed);
  const inner = unseal(sealed, key);
  assert.ok(inner, 'the box opens under the key given to resealed');
  return toBase64Url(seal(edit(inner.slice()), key));
}

function decodedBox(box: string): Uint8Array {
  const bytes = fromBase64Url(box);
  assert.ok(bytes, 'a sealed box is canonical base64url');
  return bytes;
}

const bodies = fc.uint8Array({ maxLength: 300 });
/**
 * Boxes of both kinds sealed once and damaged many times. Body lengths 0, 1 and 2 give every
 * remainder mod 3, so the base64 text ends in each of its possible shapes.
 */
const POOL = [0, 1, 2, 3, 40, 301].flatMap((n) => [
  introFromAnn({ body: randomBytes(n) }),
  introFromAnn({ to: '*', body: randomBytes(n) }),
  pairFromAnn({ body: randomBytes(n) }),
]);
const pooledBox = fc.constantFrom(...POOL);

// ── Keys ─────────────────────────────────────────────────────────────────────────────────────

test('both sides of a pair derive the same key for each direction', () => {
  assert.equal(ANN_TO_BEN.length, 32);
  assert.equal(hex(ANN_TO_BEN), hex(BEN_FROM_ANN));
  assert.equal(
    hex(pairKey(benSession, annSession.publicKey, ROOM_ID, BEN, ANN)),
    hex(pairKey(annSession, benSession.publicKey, ROOM_ID, BEN, ANN)),
  );
});

test('the two directions of a pair have different keys', () => {
  assert.notEqual(hex(pairKey(annSession, benSession.publicKey, ROOM_ID, ANN, BEN)), hex(pairKey(annSession, benSession.publicKey, ROOM_ID, BEN, ANN)));
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 24 }), fc.string({ minLength: 1, maxLength: 24 }), (a, b) => {
      fc.pre(a !== b);
      const forward = pairKey(annSession, benSession.publicKey, ROOM_ID, a, b);
      const backward = pairKey(benSession, annSession.publicKey, ROOM_ID, b, a);
      assert.notEqual(hex(forward), hex(backward));
    }),
    { numRuns: 30 },
  );
});

test('a pair key depends on the room id, both peer ids and both session keys', () => {
  const base = hex(ANN_TO_BEN);
  assert.notEqual(hex(pairKey(annSession, benSession.publicKey, 'roomid_other_room_000', ANN, BEN)), base);
  assert.notEqual(hex(pairKey(annSession, benSession.publicKey, ROOM_ID, CAL, BEN)), base);
  assert.notEqual(hex(pairKey(annSession, benSession.publicKey, ROOM_ID, ANN, CAL)), base);
  assert.notEqual(hex(pairKey(annSession, calSession.publicKey, ROOM_ID, ANN, BEN)), base);
  assert.notEqual(hex(pairKey(calSession, benSession.publicKey, ROOM_ID, ANN, BEN)), base);
  // The 0 separators keep ("ab", "c") apart from ("a", "bc").
  assert.notEqual(hex(pairKey(annSession, benSession.publicKey, ROOM_ID, 'ab', 'c')), hex(pairKey(annSession, benSession.publicKey, ROOM_ID, 'a', 'bc')));
});

// ── Round trips and size ─────────────────────────────────────────────────────────────────────

test('a pair message opens for its recipient with its seq, ts and body, and no introduction', () => {
  const body = utf8('{"kind":"signal"}');
  const result = opened(openAsBen(pairFromAnn({ seq: 7, ts: NOW - 5, body })));
  assert.equal(result.seq, 7);
  assert.equal(result.ts, NOW - 5);
  assert.deepEqual(result.body, body);
  assert.equal(result.introduction, null);
});

test('an introduction opens without a pair key and reports the identity and session key it carries', () => {
  const result = opened(openAsBen(introFromAnn({ seq: 3, body: utf8('hi') }), { pairKey: null }));
  assert.equal(result.seq, 3);
  assert.deepEqual(result.body, utf8('hi'));
  assert.deepEqual(result.introduction?.identityKey, ann.publicKey);
  assert.deepEqual(result.introduction?.sessionKey, annSession.publicKey);
});

test('an introduction still opens for a receiver that already shares a pair key with the sender', () => {
  assert.deepEqual(opened(openAsBen(introFromAnn())).introduction?.identityKey, ann.publicKey);
});

test('an introduction sealed to everyone opens for any member', () => {
  const box = introFromAnn({ to: '*', body: utf8('to all') });
  for (const self of [BEN, CAL]) {
    const result = opened(openAsBen(box, { self, pairKey: null }));
    assert.deepEqual(result.body, utf8('to all'));
    assert.deepEqual(result.introduction?.sessionKey, annSession.publicKey);
  }
});

test('a pair message cannot be sealed to everyone', () => {
  assert.throws(() => pairFromAnn({ to: '*' }), /one member/);
});

test('any body, seq and timestamp survive the round trip, for both kinds', () => {
  fc.assert(
    fc.property(bodies, fc.integer({ min: 1, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.boolean(), (body, seq, ts, toAll) => {
      for (const box of [introFromAnn({ body, seq, ts, to: toAll ? '*' : BEN }), pairFromAnn({ body, seq, ts })]) {
        const result = opened(openAsBen(box, { now: ts }));
        assert.equal(result.seq, seq);
        assert.equal(result.ts, ts);
        assert.deepEqual(result.body, body);
      }
    }),
    { numRuns: 30 },
  );
});

test('a box is base64url text and two seals of the same content differ, for both kinds', () => {
  for (const make of [() => introFromAnn(), () => pairFromAnn()]) {
    const a = make();
    const b = make();
    assert.match(a, /^[A-Za-z0-9_-]+$/);
    assert.notEqual(a, b);
  }
});

test(`a pair message adds exactly ${PAIR_OVERHEAD_BYTES} bytes to the body, an introduction ${INTRODUCTION_OVERHEAD_BYTES}`, () => {
  assert.equal(PAIR_OVERHEAD_BYTES, 52);
  assert.equal(INTRODUCTION_OVERHEAD_BYTES, 180);
  fc.assert(
    fc.property(bodies, fc.boolean(), (body, toAll) => {
      assert.equal(decodedBox(pairFromAnn({ body })).length - body.length, PAIR_OVERHEAD_BYTES);
      assert.equal(decodedBox(introFromAnn({ body, to: toAll ? '*' : BEN })).length - body.length, INTRODUCTION_OVERHEAD_BYTES);
    }),
    { numRuns: 30 },
  );
});

// ── Damage in transit ────────────────────────────────────────────────────────────────────────

test('changing any single byte of either kind of box makes it unreadable', () => {
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

test('any truncation of either kind of box makes it unreadable', () => {
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

test('swapping two different bytes of either kind of box makes it unreadable', () => {
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

test('rotating the bytes of either kind of box makes it unreadable', () => {
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

test('non-canonical or padded base64 text of a valid box of either kind never opens', () => {
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
  for (const make of [() => introFromAnn(), () => pairFromAnn()]) {
    // Find a box whose standard encoding actually differs (contains + or /).
    for (;;) {
      const box = make();
      const standard = Buffer.from(decodedBox(box)).toString('base64').replace(/=+$/, '');
      if (standard === box) continue;
      assert.equal(refusal(openAsBen(standard)), 'unreadable');
      break;
    }
  }
});

test('an empty box and garbage text are unreadable', () => {
  for (const text of ['', 'A', 'AA', 'not a box', '{"kind":"presence"}', 'A'.repeat(200)]) {
    assert.equal(refusal(openAsBen(text)), 'unreadable', text);
  }
});

// ── Introductions: room key and signature ────────────────────────────────────────────────────

test('an introduction opened with the wrong room key, or sealed with one, is unreadable', () => {
  assert.equal(refusal(openAsBen(introFromAnn(), { roomKeys: [randomBytes(32)] })), 'unreadable');
  assert.equal(refusal(openAsBen(introFromAnn({}, { roomKey: randomBytes(32) }))), 'unreadable');
});

test('an introduction carried into another room (same key, other room id) fails its signature', () => {
  assert.equal(refusal(openAsBen(introFromAnn(), { roomId: 'roomid_other_room_000' })), 'bad-signature');
  assert.equal(refusal(openAsBen(introFromAnn({}, { roomId: 'roomid_other_room_000' }))), 'bad-signature');
});

test('an introduction the server stamps with another sender fails its signature', () => {
  assert.equal(refusal(openAsBen(introFromAnn(), { from: CAL, pairKey: null })), 'bad-signature');
  assert.equal(refusal(openAsBen(introFromAnn({ to: '*' }), { from: CAL, pairKey: null })), 'bad-signature');
});

test('an introduction re-routed to another peer, or reflected to its sender, fails its signature', () => {
  assert.equal(refusal(openAsBen(introFromAnn({ to: BEN }), { self: CAL, pairKey: null })), 'bad-signature');
  assert.equal(refusal(openAsBen(introFromAnn({ to: BEN }), { self: ANN, from: BEN, pairKey: null })), 'bad-signature');
});

test('flipping the broadcast flag of an introduction (a member re-sealing it) fails the signature, both ways', () => {
  const flipBroadcast = (inner: Uint8Array): Uint8Array => {
    inner[1] = inner[1]! ^ 1;
    return inner;
  };
  // An introduction Ann sent only to Ben, turned into a broadcast for Cal to accept.
  assert.equal(refusal(openAsBen(resealed(introFromAnn({ to: BEN }), flipBroadcast), { self: CAL, pairKey: null })), 'bad-signature');
  // A broadcast turned into a direct message.
  assert.equal(refusal(openAsBen(resealed(introFromAnn({ to: '*' }), flipBroadcast))), 'bad-signature');
});

test('a member who re-seals an introduction with an edited seq, ts, identity key, session key or body breaks the signature', () => {
  // XOR 2 keeps seq above lastSeq, and byte 10 moves ts by 512 ms, inside the skew window: only the signature can catch these.
  const offsets = { seq: [2, 5], ts: [10, 11], identityKey: [76, 107], sessionKey: [108, 139], body: [140, 147] };
  for (const [field, at] of Object.entries(offsets)) {
    for (const offset of at) {
      const box = resealed(introFromAnn({ body: utf8('original') }), (inner) => {
        inner[offset] = inner[offset]! ^ 2;
        return inner;
      });
      assert.equal(refusal(openAsBen(box, { now: NOW + 1, pairKey: null })), 'bad-signature', `${field} byte ${offset}`);
    }
  }
});

test("a member cannot swap its own session key into someone's introduction to sit between a pair", () => {
  const box = resealed(introFromAnn({ to: '*' }), (inner) => {
    inner.set(mallorySession.publicKey, 12 + 64 + 32);
    return inner;
  });
  assert.equal(refusal(openAsBen(box, { pairKey: null })), 'bad-signature');
});

test('a member cannot strip the keys from an introduction and keep the signature', () => {
  const stripped = resealed(introFromAnn({ body: utf8('x'.repeat(80)) }), (inner) =>
    new Uint8Array([...inner.subarray(0, 12 + 64), ...inner.subarray(12 + 64 + 64)]),
  );
  assert.equal(refusal(openAsBen(stripped, { pairKey: null })), 'bad-signature');
});

test('an introduction signed by another identity opens with the keys it carries (the caller decides about key changes)', () => {
  const result = opened(openAsBen(introFromAnn({}, { identity: mallory, session: mallorySession })));
  assert.deepEqual(result.introduction?.identityKey, mallory.publicKey);
  assert.deepEqual(result.introduction?.sessionKey, mallorySession.publicKey);
});

test("an introduction carrying Ann's identity key but signed by someone else fails its signature", () => {
  const box = resealed(introFromAnn({}, { identity: mallory }), (inner) => {
    inner.set(ann.publicKey, 12 + 64);
    return inner;
  });
  assert.equal(refusal(openAsBen(box, { pairKey: null })), 'bad-signature');
});

test('an introduction with an unknown version, an unknown flag or an inner that ends before its keys is malformed', () => {
  const box = introFromAnn();
  const edit = (f: (inner: Uint8Array) => Uint8Array) => openAsBen(resealed(box, f), { pairKey: null });
  assert.equal(refusal(edit((inner) => ((inner[0] = 1), inner))), 'malformed');
  assert.equal(refusal(edit((inner) => ((inner[0] = 3), inner))), 'malformed');
  assert.equal(refusal(edit((inner) => ((inner[1] = inner[1]! | 4), inner))), 'malformed');
  assert.equal(refusal(edit((inner) => ((inner[1] = 3), inner))), 'malformed', 'bound, and to everyone');
  assert.equal(refusal(edit((inner) => ((inner[1] = inner[1]! | 128), inner))), 'malformed');
  assert.equal(refusal(edit((inner) => inner.subarray(0, 11))), 'malformed');
  assert.equal(refusal(edit((inner) => inner.subarray(0, 12 + 64 + 64 - 1))), 'malformed');
  // Exactly up to the end of the keys is an introduction with an empty body, not malformed.
  assert.equal(refusal(edit((inner) => inner.subarray(0, 12 + 64 + 64))), 'bad-signature');
});

// ── Bound introductions: for one visit of the recipient only ────────────────────────────────

const boundToBen = (session = benSession): string =>
  sealIntroduction(ANN, BEN, { seq: 1, ts: NOW }, utf8('hello Ben'), {
    roomId: ROOM_ID,
    roomKey: ROOM_KEY,
    identity: ann,
    session: annSession,
    boundTo: session.publicKey,
  });

test("an introduction bound to Ben's session key opens, as fresh, for that session only", () => {
  assert.equal(opened(openAsBen(boundToBen(), { pairKey: null })).fresh, true);
  // The same peer id and room, another visit (a new session key): it does not even open.
  assert.equal(refusal(openAsBen(boundToBen(), { pairKey: null, session: calSession })), 'unreadable');
  assert.equal(refusal(openAsBen(boundToBen(calSession), { pairKey: null })), 'unreadable');
});

test('a bound introduction is sealed for its recipient: the link’s key does not open it, nor does another member', () => {
  const sealed = decodedBox(boundToBen());
  for (let offset = 0; offset <= 32; offset += 32) assert.equal(unseal(sealed.subarray(offset), ROOM_KEY), null);
  assert.equal(refusal(openAsBen(boundToBen(), { pairKey: null, self: 'peer_cal_0000000' })), 'unreadable');
  assert.equal(refusal(openAsBen(boundToBen(), { pairKey: null, from: 'peer_cal_0000000' })), 'unreadable');
});

test('a bound introduction re-wrapped under another session key than the one it carries is malformed', () => {
  const inner = unseal(decodedBox(boundToBen()).subarray(32), pairKey(annSession, benSession.publicKey, ROOM_ID, ANN, BEN));
  assert.ok(inner);
  const rewrapped = concatBytes(calSession.publicKey, seal(inner, pairKey(calSession, benSession.publicKey, ROOM_ID, ANN, BEN)));
  assert.equal(refusal(openAsBen(toBase64Url(rewrapped), { pairKey: null })), 'malformed');
});

test('an introduction under an epoch key opens for whoever holds that key, and not with the link’s key alone', () => {
  const epochKey = randomBytes(32);
  const box = introFromAnn({ to: '*' }, { roomKey: epochKey });
  assert.equal(opened(openAsBen(box, { pairKey: null, roomKeys: [epochKey, ROOM_KEY] })).fresh, false);
  assert.equal(refusal(openAsBen(box, { pairKey: null, roomKeys: [ROOM_KEY] })), 'unreadable');
});

test('an unbound introduction opens as not fresh, a pair message as fresh', () => {
  assert.equal(opened(openAsBen(introFromAnn(), { pairKey: null })).fresh, false);
  assert.equal(opened(openAsBen(introFromAnn({ to: '*' }), { pairKey: null })).fresh, false);
  assert.equal(opened(openAsBen(pairFromAnn())).fresh, true);
});

test('the bound flag cannot be added or removed in transit, and a broadcast cannot be bound', () => {
  const flip = (box: string, flags: number) => openAsBen(resealed(box, (inner) => ((inner[1] = flags), inner)), { pairKey: null });
  // Set on what the room key opens: not sealed for Ben's visit, so not what a bound one is.
  assert.equal(refusal(flip(introFromAnn(), 2)), 'malformed');
  const bound = decodedBox(boundToBen());
  const key = pairKey(annSession, benSession.publicKey, ROOM_ID, ANN, BEN);
  const inner = unseal(bound.subarray(32), key);
  assert.ok(inner);
  inner[1] = 0;
  assert.equal(refusal(openAsBen(toBase64Url(concatBytes(bound.subarray(0, 32), seal(inner, key))), { pairKey: null })), 'malformed');
  // Cleared, and moved under the room key: the signature still covers Ben's session key.
  assert.equal(refusal(openAsBen(toBase64Url(seal(inner, ROOM_KEY)), { pairKey: null })), 'bad-signature');
  assert.throws(() =>
    sealIntroduction(ANN, '*', { seq: 1, ts: NOW }, utf8('x'), { roomId: ROOM_ID, roomKey: ROOM_KEY, identity: ann, session: annSession, boundTo: benSession.publicKey }),
  );
});

// ── Pair messages: only the pair's own key opens them ────────────────────────────────────────

test('a pair message opened by a third member does not decrypt', () => {
  const box = pairFromAnn();
  // Cal with the key for Ann → Cal, and with a key built from Ben's labels but Cal's own session.
  for (const key of [pairKey(calSession, annSession.publicKey, ROOM_ID, ANN, CAL), pairKey(calSession, annSession.publicKey, ROOM_ID, ANN, BEN)]) {
    assert.equal(refusal(openAsBen(box, { self: CAL, pairKey: key })), 'unreadable');
  }
});

test('the room key does not open a pair message', () => {
  const sealed = decodedBox(pairFromAnn());
  assert.equal(unseal(sealed, ROOM_KEY), null);
  assert.equal(refusal(openAsBen(pairFromAnn(), { pairKey: null })), 'unreadable');
});

test('a pair message re-routed under another sender does not decrypt', () => {
  const benFromCal = pairKey(benSession, calSession.publicKey, ROOM_ID, CAL, BEN);
  assert.equal(refusal(openAsBen(pairFromAnn(), { from: CAL, pairKey: benFromCal })), 'unreadable');
});

test('a pair message reflected back to its sender does not decrypt', () => {
  const annFromBen = pairKey(annSession, benSession.publicKey, ROOM_ID, BEN, ANN);
  assert.equal(refusal(openAsBen(pairFromAnn(), { from: BEN, self: ANN, pairKey: annFromBen })), 'unreadable');
});

test('a pair message carried into another room does not decrypt', () => {
  const otherRoom = pairKey(benSession, annSession.publicKey, 'roomid_other_room_000', ANN, BEN);
  assert.equal(refusal(openAsBen(pairFromAnn(), { roomId: 'roomid_other_room_000', pairKey: otherRoom })), 'unreadable');
});

test('a pair message from a sender whose session key the receiver never learned is unreadable', () => {
  assert.equal(refusal(openAsBen(pairFromAnn(), { pairKey: null })), 'unreadable');
  const benFromMallory = pairKey(benSession, mallorySession.publicKey, ROOM_ID, ANN, BEN);
  assert.equal(refusal(openAsBen(pairFromAnn(), { pairKey: benFromMallory })), 'unreadable');
});

test('a pair message with an unknown version, any flag or a short inner is malformed', () => {
  const box = pairFromAnn();
  const edit = (f: (inner: Uint8Array) => Uint8Array) => openAsBen(resealed(box, f, ANN_TO_BEN));
  assert.equal(refusal(edit((inner) => ((inner[0] = 1), inner))), 'malformed');
  assert.equal(refusal(edit((inner) => ((inner[1] = 2), inner))), 'malformed');
  // Pair messages are never to everyone.
  assert.equal(refusal(edit((inner) => ((inner[1] = 1), inner))), 'malformed');
  assert.equal(refusal(edit((inner) => inner.subarray(0, 11))), 'malformed');
  assert.equal(refusal(edit((inner) => inner.subarray(0, 0))), 'malformed');
});

// ── Freshness ────────────────────────────────────────────────────────────────────────────────

for (const [kind, make] of [
  ['introduction', (s: Seal) => introFromAnn(s)],
  ['pair message', (s: Seal) => pairFromAnn(s)],
] as const) {
  test(`a ${kind} with a sequence number at or below the last accepted one is a replay`, () => {
    const box = make({ seq: 5 });
    assert.equal(opened(openAsBen(box, { lastSeq: 4 })).seq, 5);
    assert.equal(refusal(openAsBen(box, { lastSeq: 5 })), 'replayed');
    assert.equal(refusal(openAsBen(box, { lastSeq: 6 })), 'replayed');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.nat(1000), (seq, extra) => {
        assert.equal(refusal(openAsBen(make({ seq }), { lastSeq: seq + extra })), 'replayed');
      }),
      { numRuns: 20 },
    );
  });

  test(`a ${kind} timestamped more than ${MAX_CLOCK_SKEW_MS} ms from the receiver's clock, either way, is stale`, () => {
    assert.equal(MAX_CLOCK_SKEW_MS, 120_000);
    const at = (ts: number) => openAsBen(make({ ts }));
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
}

test('an introduction is checked for freshness before its signature', () => {
  const forged = (header: EnvelopeHeader): string =>
    resealed(introFromAnn(header), (inner) => {
      inner[inner.length - 1] = inner[inner.length - 1]! ^ 1;
      return inner;
    });
  // The forgery is caught by its signature when fresh ...
  assert.equal(refusal(openAsBen(forged({ seq: 9, ts: NOW }), { pairKey: null })), 'bad-signature');
  // ... but a stale or replayed one is turned away before any signature check.
  assert.equal(refusal(openAsBen(forged({ seq: 9, ts: NOW - MAX_CLOCK_SKEW_MS - 1 }), { pairKey: null })), 'stale');
  assert.equal(refusal(openAsBen(forged({ seq: 9, ts: NOW }), { pairKey: null, lastSeq: 9 })), 'replayed');
});

test("an introduction's signatures can be checked ahead: opening then trusts exactly those claims, and checks the rest itself", () => {
  const genuine = introFromAnn({ to: '*' });
  const claims = introductionClaims(genuine, { ...asBen, pairKey: null });
  assert.equal(claims.length, 1);
  assert.deepEqual(claims[0]!.signer, ann.publicKey);
  // Mallory's signature in place of Ann's (a holder of the room key can do that): a checker that vouches for Ann's claim lets nothing else through.
  const forged = resealed(genuine, (inner) => {
    const copy = inner.slice();
    copy.set(sign(utf8('anything'), mallory), 12);
    return copy;
  });
  const vouched = (claim: SignatureClaim): boolean => claims.some((c) => hex(c.signature) === hex(claim.signature) && hex(c.message) === hex(claim.message));
  assert.equal(refusal(openAsBen(forged, { pairKey: null, checked: vouched })), 'bad-signature');
  // What opening leans on: a checker that vouches for everything lets a forgery in, which is why only WebCrypto's verdicts feed it.
  assert.equal(openAsBen(forged, { pairKey: null, checked: () => true }).ok, true);
  assert.equal(opened(openAsBen(genuine, { pairKey: null, checked: vouched })).introduction?.identityKey.length, 32);
});

test('a pair message, a replay and what does not open carry no claims to check ahead', () => {
  assert.deepEqual(introductionClaims(pairFromAnn(), asBen), []);
  assert.deepEqual(introductionClaims(introFromAnn({ to: '*', seq: 3 }), { ...asBen, pairKey: null, lastSeq: 5 }), []);
  assert.deepEqual(introductionClaims('not an envelope', asBen), []);
  assert.deepEqual(introductionClaims(introFromAnn({ to: '*' }, { roomKey: randomBytes(32) }), { ...asBen, pairKey: null }), []);
});
