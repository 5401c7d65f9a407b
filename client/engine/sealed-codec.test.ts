import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentity, randomBytes, seal, unseal, type Identity } from '../../shared/crypto.ts';
import { fromBase64Url, toBase64Url, utf8 } from '../../shared/encoding.ts';
import { sealEnvelope } from '../../shared/envelope.ts';
import type { PeerMessage } from '../../shared/peer-message.ts';
import { createSealedCodec, type EnvelopeCodec, type Rejection } from './sealed-codec.ts';

const ROOM_ID = 'roomid_0123456789abcd';
const ANN = 'aaaa_0123456789abcdef';
const BEN = 'bbbb_0123456789abcdef';
const CAL = 'cccc_0123456789abcdef';
const NOW = 1_750_000_000_000;

const PRESENCE: PeerMessage = { kind: 'presence', name: 'Ann', muted: false };
const OFFER: PeerMessage = { kind: 'signal', conn: 'conn_0001', data: { type: 'offer', sdp: 'v=0 offer' } };

interface Member {
  id: string;
  identity: Identity;
  codec: EnvelopeCodec;
  introduced: [string, Uint8Array][];
  rejected: [string, Rejection][];
}

function member(id: string | null, roomKey: Uint8Array, identity: Identity = createIdentity()): Member {
  const introduced: [string, Uint8Array][] = [];
  const rejected: [string, Rejection][] = [];
  const codec = createSealedCodec({
    roomId: ROOM_ID,
    roomKey,
    identity,
    selfId: () => id,
    now: () => NOW,
    onIntroduced: (peerId, key) => introduced.push([peerId, key]),
    onRejected: (peerId, reason) => rejected.push([peerId, reason]),
  });
  return { id: id ?? '', identity, codec, introduced, rejected };
}

function room() {
  const roomKey = randomBytes(32);
  const ann = member(ANN, roomKey);
  const ben = member(BEN, roomKey);
  /** Ann introduces herself to Ben (broadcast presence). */
  const introduceAnn = (): void => {
    assert.deepEqual(ben.codec.open(ANN, ann.codec.seal('*', PRESENCE)), PRESENCE);
  };
  /** A box sealed by someone holding the room key and `identity`, with any body. */
  const raw = (identity: Identity, body: Uint8Array, introduce: boolean, seq = 1_000, from = ANN, to = BEN): string =>
    sealEnvelope({ from, to, seq, ts: NOW, body }, { roomId: ROOM_ID, roomKey, identity, introduce });
  return { roomKey, ann, ben, introduceAnn, raw };
}

test("Ann's presence introduces her key to Ben exactly once, and her later signals open", () => {
  const { ann, ben, introduceAnn } = room();
  introduceAnn();
  assert.equal(ben.introduced.length, 1);
  assert.equal(ben.introduced[0]?.[0], ANN);
  assert.deepEqual(ben.introduced[0]?.[1], ann.identity.publicKey);

  assert.deepEqual(ben.codec.open(ANN, ann.codec.seal(BEN, OFFER)), OFFER);
  // A second presence (e.g. after muting) reuses the binding and introduces nothing new.
  const muted: PeerMessage = { ...PRESENCE, muted: true };
  assert.deepEqual(ben.codec.open(ANN, ann.codec.seal('*', muted)), muted);
  assert.equal(ben.introduced.length, 1);
  assert.deepEqual(ben.rejected, []);
});

test('messages work both ways once each side has introduced itself', () => {
  const { ann, ben, introduceAnn } = room();
  introduceAnn();
  const benPresence: PeerMessage = { kind: 'presence', name: 'Ben', muted: true, title: 'Friday jam' };
  assert.deepEqual(ann.codec.open(BEN, ben.codec.seal(ANN, benPresence)), benPresence);
  assert.deepEqual(ann.codec.open(BEN, ben.codec.seal(ANN, OFFER)), OFFER);
  assert.deepEqual(ann.introduced.map(([id]) => id), [BEN]);
});

test('a signal from a peer that has not introduced itself is rejected as unknown-signer and never returned', () => {
  const { ann, ben } = room();
  assert.equal(ben.codec.open(ANN, ann.codec.seal(BEN, OFFER)), null);
  assert.deepEqual(ben.rejected, [[ANN, 'unknown-signer']]);
  assert.deepEqual(ben.introduced, []);
});

test('a replayed box is rejected as replayed', () => {
  const { ann, ben, introduceAnn } = room();
  introduceAnn();
  const box = ann.codec.seal(BEN, OFFER);
  assert.deepEqual(ben.codec.open(ANN, box), OFFER);
  assert.equal(ben.codec.open(ANN, box), null);
  assert.deepEqual(ben.rejected, [[ANN, 'replayed']]);
});

test('boxes delivered out of order: the older one is a replay', () => {
  const { ann, ben, introduceAnn } = room();
  introduceAnn();
  const first = ann.codec.seal(BEN, OFFER);
  const second = ann.codec.seal(BEN, OFFER);
  assert.deepEqual(ben.codec.open(ANN, second), OFFER);
  assert.equal(ben.codec.open(ANN, first), null);
  assert.deepEqual(ben.rejected, [[ANN, 'replayed']]);
});

test('a second introduction for the same peer id with another identity is key-changed, dropped, and the first binding holds', () => {
  const { roomKey, ann, ben, introduceAnn } = room();
  introduceAnn();
  const impostor = member(ANN, roomKey);
  const forged: PeerMessage = { kind: 'presence', name: 'Ann (really)', muted: false };
  // The impostor's seq must beat Ann's so the rejection is about the key, not a replay.
  for (let i = 0; i < 5; i++) impostor.codec.seal('*', PRESENCE);
  assert.equal(ben.codec.open(ANN, impostor.codec.seal('*', forged)), null);
  assert.deepEqual(ben.rejected, [[ANN, 'key-changed']]);
  assert.equal(ben.introduced.length, 1);

  assert.equal(ben.codec.open(ANN, impostor.codec.seal(BEN, OFFER)), null, "the impostor's signals do not verify either");
  assert.deepEqual(ben.rejected.at(-1), [ANN, 'bad-signature']);
  assert.deepEqual(ben.codec.open(ANN, ann.codec.seal(BEN, OFFER)), OFFER, "Ann's binding still works");
});

test('an envelope the server re-routes under another sender id does not open', () => {
  const { roomKey, ann, ben, introduceAnn } = room();
  introduceAnn();
  const cal = member(CAL, roomKey);
  assert.deepEqual(ben.codec.open(CAL, cal.codec.seal('*', { ...PRESENCE, name: 'Cal' })), { ...PRESENCE, name: 'Cal' });
  // Ann's introduction and signal, stamped as coming from Cal.
  assert.equal(ben.codec.open(CAL, ann.codec.seal('*', PRESENCE)), null);
  assert.equal(ben.codec.open(CAL, ann.codec.seal(BEN, OFFER)), null);
  assert.deepEqual(
    ben.rejected.map(([, reason]) => reason),
    ['bad-signature', 'bad-signature'],
  );
});

test('a box Ann sealed for Ben does not open for Cal', () => {
  const { roomKey, ann, introduceAnn } = room();
  introduceAnn();
  const cal = member(CAL, roomKey);
  assert.deepEqual(cal.codec.open(ANN, ann.codec.seal('*', PRESENCE)), PRESENCE);
  assert.equal(cal.codec.open(ANN, ann.codec.seal(BEN, OFFER)), null);
  assert.deepEqual(cal.rejected, [[ANN, 'bad-signature']]);
});

test('a box sealed with another room key is unreadable', () => {
  const { ben } = room();
  const outsider = member(ANN, randomBytes(32));
  assert.equal(ben.codec.open(ANN, outsider.codec.seal('*', PRESENCE)), null);
  assert.deepEqual(ben.rejected, [[ANN, 'unreadable']]);
  assert.deepEqual(ben.introduced, []);
});

test('garbage and tampered boxes are rejected and bind nothing', () => {
  const { ann, ben } = room();
  const box = ann.codec.seal('*', PRESENCE);
  const bytes = fromBase64Url(box);
  assert.ok(bytes);
  bytes[40] = bytes[40]! ^ 1;
  for (const garbage of ['', 'not a box', JSON.stringify(PRESENCE), toBase64Url(bytes)]) {
    assert.equal(ben.codec.open(ANN, garbage), null);
  }
  assert.deepEqual(
    ben.rejected.map(([, reason]) => reason),
    ['unreadable', 'unreadable', 'unreadable', 'unreadable'],
  );
  assert.deepEqual(ben.introduced, []);
});

test('a signal that carries a key is a bad message and binds nothing', () => {
  const { ann, ben, raw } = room();
  assert.equal(ben.codec.open(ANN, raw(ann.identity, utf8(JSON.stringify(OFFER)), true)), null);
  assert.deepEqual(ben.rejected, [[ANN, 'bad-message']]);
  assert.deepEqual(ben.introduced, []);
  // Nothing was bound: a plain signal is still from an unknown signer.
  assert.equal(ben.codec.open(ANN, ann.codec.seal(BEN, OFFER)), null);
  assert.deepEqual(ben.rejected.at(-1), [ANN, 'unknown-signer']);
});

test('a presence without a key is a bad message', () => {
  const { ann, ben, introduceAnn, raw } = room();
  introduceAnn();
  assert.equal(ben.codec.open(ANN, raw(ann.identity, utf8(JSON.stringify({ ...PRESENCE, name: 'Renamed' })), false)), null);
  assert.deepEqual(ben.rejected, [[ANN, 'bad-message']]);
});

for (const [label, body] of [
  ['invalid JSON', utf8('{"kind":"presence",')],
  ['invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d)],
  ['an unknown message kind', utf8(JSON.stringify({ kind: 'kick', peer: BEN }))],
  ['a presence with an empty name', utf8(JSON.stringify({ kind: 'presence', name: '', muted: false }))],
  ['JSON null', utf8('null')],
  ['an empty body', new Uint8Array(0)],
] as const) {
  test(`${label} inside a valid, signed envelope is a bad message`, () => {
    const { ann, ben, introduceAnn, raw } = room();
    introduceAnn();
    for (const introduce of [false, true]) {
      assert.equal(ben.codec.open(ANN, raw(ann.identity, body, introduce, introduce ? 2_000 : 1_000)), null);
    }
    assert.deepEqual(ben.rejected, [
      [ANN, 'bad-message'],
      [ANN, 'bad-message'],
    ]);
  });
}

test('a member re-sealing a box with a different payload breaks the signature', () => {
  const { roomKey, ann, ben, introduceAnn } = room();
  introduceAnn();
  const sealed = fromBase64Url(ann.codec.seal(BEN, OFFER));
  assert.ok(sealed);
  const inner = unseal(sealed, roomKey);
  assert.ok(inner);
  const edited = inner.slice();
  edited[edited.length - 2] = edited[edited.length - 2]! ^ 1;
  assert.equal(ben.codec.open(ANN, toBase64Url(seal(edited, roomKey))), null);
  assert.deepEqual(ben.rejected, [[ANN, 'bad-signature']]);
});

test('a rejected box does not advance the sequence: the genuine next box still opens', () => {
  const { ann, ben, introduceAnn, raw } = room();
  introduceAnn();
  assert.equal(ben.codec.open(ANN, raw(ann.identity, utf8('nonsense'), false, 50)), null);
  assert.deepEqual(ben.codec.open(ANN, ann.codec.seal(BEN, OFFER)), OFFER);
});

test('sealing before our peer id is known throws', () => {
  const early = member(null, randomBytes(32));
  assert.throws(() => early.codec.seal('*', PRESENCE), /peer id/);
});

test('opening before our peer id is known returns null without binding', () => {
  const roomKey = randomBytes(32);
  const ann = member(ANN, roomKey);
  const early = member(null, roomKey);
  assert.equal(early.codec.open(ANN, ann.codec.seal('*', PRESENCE)), null);
  assert.deepEqual(early.introduced, []);
});
