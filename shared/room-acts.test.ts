import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createIdentity } from './crypto.ts';
import { toBase64Url } from './encoding.ts';
import { MAX_DESCRIPTION_LENGTH, MAX_TITLE_LENGTH, parseSignedAct, signAct, type ActBody, type LogPosition, type SignedAct } from './room-acts.ts';
import type { Result } from './result.ts';

const ROOM_ID = 'roomid_0123456789abcd';
const ann = createIdentity();
const ben = createIdentity();
const mallory = createIdentity();
const ANN = toBase64Url(ann.publicKey);
const BEN = toBase64Url(ben.publicKey);

/** What arrives from another member: JSON text, parsed without trusting its shape. */
const overTheWire = (signed: unknown): unknown => JSON.parse(JSON.stringify(signed));

function accepted(r: Result<SignedAct>): SignedAct {
  if (!r.ok) assert.fail(`refused (${r.error.code}): ${r.error.message}`);
  return r.value;
}
function refusal(r: Result<SignedAct>): string {
  if (r.ok) assert.fail('an act that should have been refused was accepted');
  return r.error.code;
}

const keys = fc.constantFrom(ANN, BEN, toBase64Url(mallory.publicKey));
/** Every act shape the schema knows, with valid fields. */
const actBodies: fc.Arbitrary<ActBody> = fc.oneof(
  fc.constantFrom<ActBody>(
    { type: 'take-seat' },
    { type: 'raise-hand' },
    { type: 'lower-hand' },
    { type: 'accept-invite' },
    { type: 'decline-invite' },
    { type: 'leave-stage' },
    { type: 'lock' },
    { type: 'unlock' },
    { type: 'end' },
    { type: 'stand-in' },
    { type: 'host-returns' },
  ),
  fc.constantFrom('hangout' as const, 'stage' as const).map((kind): ActBody => ({ type: 'set-kind', kind })),
  fc
    .record({ title: fc.string({ maxLength: MAX_TITLE_LENGTH }), description: fc.string({ maxLength: MAX_DESCRIPTION_LENGTH }) })
    .filter(({ title, description }) => title.length <= MAX_TITLE_LENGTH && description.length <= MAX_DESCRIPTION_LENGTH)
    .map(({ title, description }): ActBody => ({ type: 'set-info', title, description })),
  fc
    .tuple(fc.constantFrom('invite', 'move-to-audience', 'mute', 'allow-unmute', 'make-moderator', 'remove', 'admit'), keys)
    .map(([type, target]) => ({ type, target }) as ActBody),
);
const clocks = fc.integer({ min: 0, max: 2 ** 31 });
const PREV = 'P'.repeat(43);
const OTHER_PREV = 'Q'.repeat(43);
const at = (n: number): LogPosition => ({ n, prev: PREV });

// --- signing and verifying -------------------------------------------------------------------

test('an act signed by a member parses back to the same act in the same room', () => {
  fc.assert(
    fc.property(actBodies, clocks, (act, n) => {
      const signed = signAct(act, at(n), ann, ROOM_ID);
      assert.equal(signed.by, ANN);
      assert.deepEqual(accepted(parseSignedAct(overTheWire(signed), ROOM_ID)), signed);
    }),
    { numRuns: 60 },
  );
});

test('the largest index and the longest title and description are accepted', () => {
  const act: ActBody = { type: 'set-info', title: 't'.repeat(MAX_TITLE_LENGTH), description: 'd'.repeat(MAX_DESCRIPTION_LENGTH) };
  accepted(parseSignedAct(overTheWire(signAct(act, at(2 ** 31), ann, ROOM_ID)), ROOM_ID));
});

test('changing who signed, the place in the log or the signature of a signed act breaks its signature', () => {
  const signed = signAct({ type: 'invite', target: BEN }, at(7), ann, ROOM_ID);
  const other = signAct({ type: 'invite', target: BEN }, at(8), ann, ROOM_ID);
  const flippedSig = (signed.sig[0] === 'A' ? 'B' : 'A') + signed.sig.slice(1);
  for (const forged of [
    { ...signed, by: BEN },
    { ...signed, n: 8 },
    { ...signed, n: 6 },
    { ...signed, prev: OTHER_PREV },
    { ...signed, sig: other.sig },
    { ...signed, sig: flippedSig },
  ]) {
    assert.equal(refusal(parseSignedAct(overTheWire(forged), ROOM_ID)), 'bad-signature', JSON.stringify(forged));
  }
});

test('changing any field of the act itself breaks its signature', () => {
  const cases: [ActBody, ActBody][] = [
    [{ type: 'invite', target: BEN }, { type: 'invite', target: ANN }],
    // Same shape, more power: an invite must not become a removal or a promotion.
    [{ type: 'invite', target: BEN }, { type: 'remove', target: BEN }],
    [{ type: 'mute', target: BEN }, { type: 'make-moderator', target: BEN }],
    [{ type: 'raise-hand' }, { type: 'take-seat' }],
    [{ type: 'lock' }, { type: 'end' }],
    [{ type: 'set-kind', kind: 'stage' }, { type: 'set-kind', kind: 'hangout' }],
    [{ type: 'set-info', title: 'Book club', description: '' }, { type: 'set-info', title: 'Book club!', description: '' }],
    [{ type: 'set-info', title: 'Book club', description: 'Fridays' }, { type: 'set-info', title: 'Book club', description: 'Friday' }],
  ];
  for (const [original, edited] of cases) {
    const signed = signAct(original, at(3), ann, ROOM_ID);
    accepted(parseSignedAct(overTheWire(signed), ROOM_ID));
    assert.equal(refusal(parseSignedAct(overTheWire({ ...signed, act: edited }), ROOM_ID)), 'bad-signature', JSON.stringify(edited));
  }
});

test('any single-field edit of a signed act is refused as a bad signature', () => {
  fc.assert(
    fc.property(actBodies, actBodies, clocks, clocks, (act, otherAct, n, otherN) => {
      const signed = signAct(act, at(n), ann, ROOM_ID);
      const edits: SignedAct[] = [];
      if (JSON.stringify(otherAct) !== JSON.stringify(act)) edits.push({ ...signed, act: otherAct });
      if (otherN !== n) edits.push({ ...signed, n: otherN });
      edits.push({ ...signed, prev: OTHER_PREV });
      for (const edit of edits) assert.equal(refusal(parseSignedAct(overTheWire(edit), ROOM_ID)), 'bad-signature');
    }),
    { numRuns: 40 },
  );
});

test('an act signed for one room does not verify in another', () => {
  const signed = signAct({ type: 'make-moderator', target: BEN }, at(1), ann, ROOM_ID);
  for (const otherRoom of ['roomid_0123456789abce', '', ROOM_ID + '\u0000', ROOM_ID.slice(0, -1)]) {
    assert.equal(refusal(parseSignedAct(overTheWire(signed), otherRoom)), 'bad-signature', JSON.stringify(otherRoom));
  }
});

test('an act signed by another identity but claiming to be by Ann is refused', () => {
  const byMallory = signAct({ type: 'remove', target: BEN }, at(4), mallory, ROOM_ID);
  accepted(parseSignedAct(overTheWire(byMallory), ROOM_ID));
  assert.equal(refusal(parseSignedAct(overTheWire({ ...byMallory, by: ANN }), ROOM_ID)), 'bad-signature');
});

test('the signature does not depend on the order of the act fields', () => {
  const inOrder = signAct({ type: 'invite', target: BEN }, at(5), ann, ROOM_ID);
  const reversed = signAct({ target: BEN, type: 'invite' } as ActBody, at(5), ann, ROOM_ID);
  assert.equal(reversed.sig, inOrder.sig);
  const info = signAct({ type: 'set-info', title: 'Porch', description: 'evening' }, at(2), ann, ROOM_ID);
  const infoReordered = signAct({ description: 'evening', title: 'Porch', type: 'set-info' } as ActBody, at(2), ann, ROOM_ID);
  assert.equal(infoReordered.sig, info.sig);
});

test('an act whose fields arrive in another order still verifies', () => {
  const signed = signAct({ type: 'set-info', title: 'Porch', description: 'evening' }, at(2), ann, ROOM_ID);
  const text = `{"sig":"${signed.sig}","act":{"description":"evening","type":"set-info","title":"Porch"},"prev":"${PREV}","n":2,"by":"${signed.by}"}`;
  assert.deepEqual(accepted(parseSignedAct(JSON.parse(text), ROOM_ID)), signed);
});

// --- shape ----------------------------------------------------------------------------------

test('acts of the wrong shape are refused as bad acts before any signature check', () => {
  const good = signAct({ type: 'invite', target: BEN }, at(9), ann, ROOM_ID);
  const badKeys = [
    BEN.slice(1), // 42 characters
    BEN + 'A', // 44 characters
    BEN.slice(0, -1) + '=',
    BEN.slice(0, -1) + '+',
    BEN.slice(0, -1) + '/',
    '',
  ];
  const shapes: [string, unknown][] = [
    ['unknown type', { ...good, act: { type: 'promote-self' } }],
    ['unknown type with a target', { ...good, act: { type: 'make-host', target: BEN } }],
    ['extra field on the act', { ...good, act: { type: 'invite', target: BEN, role: 'host' } }],
    ['extra field on a field-less act', { ...good, act: { type: 'raise-hand', target: BEN } }],
    ['extra field on the signed act', { ...good, role: 'host' }],
    ['missing target', { ...good, act: { type: 'invite' } }],
    ['missing sig', { by: good.by, n: good.n, prev: good.prev, act: good.act }],
    ['missing by', { n: good.n, prev: good.prev, act: good.act, sig: good.sig }],
    ['missing n', { by: good.by, prev: good.prev, act: good.act, sig: good.sig }],
    ['missing prev', { by: good.by, n: good.n, act: good.act, sig: good.sig }],
    ['missing act', { by: good.by, n: good.n, prev: good.prev, sig: good.sig }],
    ...badKeys.map((k): [string, unknown] => [`target ${JSON.stringify(k)}`, { ...good, act: { type: 'invite', target: k } }]),
    ...badKeys.map((k): [string, unknown] => [`by ${JSON.stringify(k)}`, { ...good, by: k }]),
    ['sig too short', { ...good, sig: good.sig.slice(1) }],
    ['sig too long', { ...good, sig: good.sig + 'A' }],
    ['sig not base64url', { ...good, sig: good.sig.slice(0, -1) + '+' }],
    ['negative n', { ...good, n: -1 }],
    ['prev too short', { ...good, prev: good.prev.slice(1) }],
    ['prev not base64url', { ...good, prev: good.prev.slice(0, -1) + '=' }],
    ['fractional n', { ...good, n: 1.5 }],
    ['n past 2^31', { ...good, n: 2 ** 31 + 1 }],
    ['huge n', { ...good, n: Number.MAX_SAFE_INTEGER }],
    ['infinite n', { ...good, n: Infinity }],
    ['NaN n', { ...good, n: NaN }],
    ['n as a string', { ...good, n: '9' }],
    ['unknown room kind', { ...good, act: { type: 'set-kind', kind: 'party' } }],
    ['title too long', { ...good, act: { type: 'set-info', title: 't'.repeat(MAX_TITLE_LENGTH + 1), description: '' } }],
    ['description too long', { ...good, act: { type: 'set-info', title: '', description: 'd'.repeat(MAX_DESCRIPTION_LENGTH + 1) } }],
    ['title not a string', { ...good, act: { type: 'set-info', title: 5, description: '' } }],
    ['missing description', { ...good, act: { type: 'set-info', title: 'x' } }],
    ['an array', [good.by, good.n, good.prev, good.act, good.sig]],
    ['null', null],
    ['a string', JSON.stringify(good)],
  ];
  for (const [name, json] of shapes) {
    assert.equal(refusal(parseSignedAct(json, ROOM_ID)), 'bad-act', name);
  }
});

test('parsing never throws, whatever arrives', () => {
  const good = signAct({ type: 'mute', target: BEN }, at(3), ann, ROOM_ID);
  fc.assert(
    fc.property(fc.anything(), (json) => {
      assert.equal(parseSignedAct(json, ROOM_ID).ok, false);
    }),
  );
  fc.assert(
    fc.property(fc.json(), (text) => {
      assert.equal(parseSignedAct(JSON.parse(text), ROOM_ID).ok, false);
    }),
  );
  // Near misses: a valid act with one field replaced by anything.
  fc.assert(
    fc.property(fc.constantFrom('by', 'n', 'prev', 'act', 'sig', 'extra'), fc.anything(), (field, value) => {
      const result = parseSignedAct({ ...good, [field]: value }, ROOM_ID);
      if (result.ok) assert.deepEqual(value, (good as unknown as Record<string, unknown>)[field]);
    }),
  );
});
