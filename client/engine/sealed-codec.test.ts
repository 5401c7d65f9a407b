import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentity, createSessionKeys, randomBytes, type Identity, type SessionKeys } from '../../shared/crypto.ts';
import { fromBase64Url, toBase64Url, utf8 } from '../../shared/encoding.ts';
import { MAX_CLOCK_SKEW_MS, openEnvelope, pairKey, sealIntroduction, sealPairMessage } from '../../shared/envelope.ts';
import type { PeerMessage } from '../../shared/peer-message.ts';
import { webCryptoSigner } from './background-signer.ts';
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
  /** Peers that sent something made for this visit of ours, in order. */
  confirmed: string[];
  /** The member's clock; tests move it. */
  clock: { now: number };
}

/** What a member holds of the room's epoch keys (room-epochs.ts); tests change it as keys come. */
interface Epochs {
  current: Uint8Array | null;
  held: Uint8Array[];
  lacking: boolean;
}

function member(id: string | null, roomKey: Uint8Array, identity: Identity = createIdentity(), epochs?: Epochs): Member {
  const introduced: [string, Uint8Array][] = [];
  const rejected: [string, Rejection][] = [];
  const confirmed: string[] = [];
  const clock = { now: NOW };
  const codec = createSealedCodec({
    roomId: ROOM_ID,
    roomKey,
    identity,
    selfId: () => id,
    now: () => clock.now,
    onIntroduced: (peerId, key) => introduced.push([peerId, key]),
    onConfirmed: (peerId) => confirmed.push(peerId),
    onRejected: (peerId, reason) => rejected.push([peerId, reason]),
    ...(epochs ? { epochs: { current: () => epochs.current, held: () => epochs.held, lacking: () => epochs.lacking } } : {}),
  });
  return { id: id ?? '', identity, codec, introduced, rejected, confirmed, clock };
}

/** The session key a codec introduced itself with, read from one of its introductions. */
function sessionKeyIn(box: string, roomKey: Uint8Array, from: string): Uint8Array {
  const opened = openEnvelope(box, { roomId: ROOM_ID, roomKeys: [roomKey], from, self: ANN, session: createSessionKeys(), pairKey: null, lastSeq: 0, now: NOW });
  assert.ok(opened.ok && opened.value.introduction, 'not an introduction');
  return opened.value.introduction.sessionKey;
}

function room() {
  const roomKey = randomBytes(32);
  const ann = member(ANN, roomKey);
  const ben = member(BEN, roomKey);
  /** Ann introduces herself to Ben (broadcast presence). */
  const introduceAnn = (): void => {
    assert.deepEqual(ben.codec.open(ANN, ann.codec.seal('*', PRESENCE)), PRESENCE);
  };
  /** Ben introduces himself to Ann; his session key is what a hand-built Ann needs. */
  const benPresenceBox = ben.codec.seal('*', { kind: 'presence', name: 'Ben', muted: false });
  const introduceBen = (): void => {
    assert.deepEqual(ann.codec.open(BEN, benPresenceBox), { kind: 'presence', name: 'Ben', muted: false });
  };
  const introduceBoth = (): void => {
    introduceBen();
    introduceAnn();
  };
  const benSession = sessionKeyIn(benPresenceBox, roomKey, BEN);
  /**
   * A hand-built Ann holding the room key, her own identity and session keys: seals any body,
   * as an introduction or as a pair message to Ben.
   */
  const rawAnn = (identity: Identity = createIdentity(), session: SessionKeys = createSessionKeys()) => ({
    introduction: (body: Uint8Array, seq: number, to = '*'): string =>
      sealIntroduction(ANN, to, { seq, ts: NOW }, body, { roomId: ROOM_ID, roomKey, identity, session }),
    pair: (body: Uint8Array, seq: number): string =>
      sealPairMessage(BEN, { seq, ts: NOW }, body, pairKey(session, benSession, ROOM_ID, ANN, BEN)),
  });
  return { roomKey, ann, ben, introduceAnn, introduceBen, introduceBoth, rawAnn };
}

test("Ann's presence introduces her identity to Ben exactly once, and her later signals open", () => {
  const { ann, ben, introduceBoth } = room();
  introduceBoth();
  assert.equal(ben.introduced.length, 1);
  assert.equal(ben.introduced[0]?.[0], ANN);
  assert.deepEqual(ben.introduced[0]?.[1], ann.identity.publicKey);

  assert.deepEqual(ben.codec.open(ANN, ann.codec.seal(BEN, OFFER)), OFFER);
  // A second presence (e.g. after muting) reuses the binding and introduces nothing new.
  const muted: PeerMessage = { ...PRESENCE, muted: true };
  assert.deepEqual(ben.codec.open(ANN, ann.codec.seal('*', muted)), muted);
  assert.deepEqual(ben.codec.open(ANN, ann.codec.seal(BEN, OFFER)), OFFER);
  assert.equal(ben.introduced.length, 1);
  assert.deepEqual(ben.rejected, []);
});

test('messages work both ways once each side has introduced itself', () => {
  const { ann, ben, introduceAnn } = room();
  introduceAnn();
  const benPresence: PeerMessage = { kind: 'presence', name: 'Ben', muted: true, title: 'Friday jam' };
  assert.deepEqual(ann.codec.open(BEN, ben.codec.seal(ANN, benPresence)), benPresence);
  assert.deepEqual(ann.codec.open(BEN, ben.codec.seal(ANN, OFFER)), OFFER);
  assert.deepEqual(ben.codec.open(ANN, ann.codec.seal(BEN, OFFER)), OFFER);
  assert.deepEqual(ann.introduced.map(([id]) => id), [BEN]);
  assert.deepEqual(ann.rejected, []);
  assert.deepEqual(ben.rejected, []);
});

test('only presence travels as an introduction: a signal is a pair message, 128 bytes shorter than the same body introduced', () => {
  const { ann, introduceBen, rawAnn } = room();
  introduceBen();
  const signalBox = fromBase64Url(ann.codec.seal(BEN, OFFER));
  assert.ok(signalBox);
  assert.equal(signalBox.length, utf8(JSON.stringify(OFFER)).length + 52);
  const presenceBox = fromBase64Url(ann.codec.seal('*', PRESENCE));
  assert.ok(presenceBox);
  assert.equal(presenceBox.length, utf8(JSON.stringify(PRESENCE)).length + 180);
  assert.equal(fromBase64Url(rawAnn().introduction(utf8('x'), 1))?.length, 181);
});

test('sealing a signal to a member that never introduced itself throws', () => {
  const { ann, introduceAnn } = room();
  introduceAnn();
  assert.throws(() => ann.codec.seal(BEN, OFFER), /introduced/);
  assert.throws(() => ann.codec.seal(CAL, OFFER), /introduced/);
  // Presence needs no introduction from the other side.
  assert.doesNotThrow(() => ann.codec.seal(CAL, PRESENCE));
});

test('a signal from a peer that has not introduced itself is unreadable and never returned', () => {
  const { ann, ben, introduceBen } = room();
  introduceBen();
  assert.equal(ben.codec.open(ANN, ann.codec.seal(BEN, OFFER)), null);
  assert.deepEqual(ben.rejected, [[ANN, 'unreadable']]);
  assert.deepEqual(ben.introduced, []);
});

for (const kind of ['signal', 'presence'] as const) {
  const message = kind === 'signal' ? OFFER : PRESENCE;
  test(`a replayed ${kind} box is rejected as replayed`, () => {
    const { ann, ben, introduceBoth } = room();
    introduceBoth();
    const box = ann.codec.seal(kind === 'signal' ? BEN : '*', message);
    assert.deepEqual(ben.codec.open(ANN, box), message);
    assert.equal(ben.codec.open(ANN, box), null);
    assert.deepEqual(ben.rejected, [[ANN, 'replayed']]);
  });

  test(`${kind} boxes delivered out of order: the older one is a replay`, () => {
    const { ann, ben, introduceBoth } = room();
    introduceBoth();
    const to = kind === 'signal' ? BEN : '*';
    const first = ann.codec.seal(to, message);
    const second = ann.codec.seal(to, message);
    assert.deepEqual(ben.codec.open(ANN, second), message);
    assert.equal(ben.codec.open(ANN, first), null);
    assert.deepEqual(ben.rejected, [[ANN, 'replayed']]);
  });

  test(`a ${kind} box whose sender's clock is off by more than the allowed skew is stale`, () => {
    const { ann, ben, introduceBoth } = room();
    introduceBoth();
    ann.clock.now = NOW - MAX_CLOCK_SKEW_MS - 1;
    assert.equal(ben.codec.open(ANN, ann.codec.seal(kind === 'signal' ? BEN : '*', message)), null);
    assert.deepEqual(ben.rejected, [[ANN, 'stale']]);
    ann.clock.now = NOW;
    assert.deepEqual(ben.codec.open(ANN, ann.codec.seal(BEN, OFFER)), OFFER, 'a stale box binds and advances nothing');
  });
}

test('a second introduction for the same peer id with another identity is key-changed, dropped, and the first binding holds', () => {
  const { roomKey, ann, ben, introduceBoth } = room();
  introduceBoth();
  const impostor = member(ANN, roomKey);
  const forged: PeerMessage = { kind: 'presence', name: 'Ann (really)', muted: false };
  // The impostor's seq must beat Ann's so the rejection is about the key, not a replay.
  for (let i = 0; i < 5; i++) impostor.codec.seal('*', PRESENCE);
  assert.equal(ben.codec.open(ANN, impostor.codec.seal('*', forged)), null);
  assert.deepEqual(ben.rejected, [[ANN, 'key-changed']]);
  assert.equal(ben.introduced.length, 1);

  // The impostor learns Ben's session key, but its pair messages are not under Ann's pair key.
  impostor.codec.open(BEN, ben.codec.seal('*', { kind: 'presence', name: 'Ben', muted: false }));
  assert.equal(ben.codec.open(ANN, impostor.codec.seal(BEN, OFFER)), null, "the impostor's signals do not open either");
  assert.deepEqual(ben.rejected.at(-1), [ANN, 'unreadable']);
  assert.deepEqual(ben.codec.open(ANN, ann.codec.seal(BEN, OFFER)), OFFER, "Ann's binding still works");
});

test('the same identity introducing a different session key is key-changed too', () => {
  const { roomKey, ann, ben, introduceBoth } = room();
  introduceBoth();
  // Ann's identity in a second codec (another tab, or a stolen identity key): a new session key.
  const second = member(ANN, roomKey, ann.identity);
  for (let i = 0; i < 5; i++) second.codec.seal('*', PRESENCE);
  assert.equal(ben.codec.open(ANN, second.codec.seal('*', PRESENCE)), null);
  assert.deepEqual(ben.rejected, [[ANN, 'key-changed']]);
  assert.equal(ben.introduced.length, 1);
  assert.deepEqual(ben.codec.open(ANN, ann.codec.seal(BEN, OFFER)), OFFER);
});

test('a key-changed introduction does not advance the sequence: the genuine next box still opens', () => {
  const { roomKey, ann, ben, introduceBoth } = room();
  introduceBoth();
  const impostor = member(ANN, roomKey);
  for (let i = 0; i < 50; i++) impostor.codec.seal('*', PRESENCE);
  assert.equal(ben.codec.open(ANN, impostor.codec.seal('*', PRESENCE)), null);
  assert.deepEqual(ben.codec.open(ANN, ann.codec.seal(BEN, OFFER)), OFFER);
});

test('a box the server re-routes under another sender id does not open', () => {
  const { roomKey, ann, ben, introduceBoth } = room();
  introduceBoth();
  const cal = member(CAL, roomKey);
  assert.deepEqual(ben.codec.open(CAL, cal.codec.seal('*', { ...PRESENCE, name: 'Cal' })), { ...PRESENCE, name: 'Cal' });
  // Ann's introduction and signal, stamped as coming from Cal.
  assert.equal(ben.codec.open(CAL, ann.codec.seal('*', PRESENCE)), null);
  assert.equal(ben.codec.open(CAL, ann.codec.seal(BEN, OFFER)), null);
  assert.deepEqual(
    ben.rejected.map(([, reason]) => reason),
    ['bad-signature', 'unreadable'],
  );
});

test('a signal Ann sealed for Ben does not open for Cal, even once both know Ann', () => {
  const { roomKey, ann, introduceBoth } = room();
  introduceBoth();
  const cal = member(CAL, roomKey);
  ann.codec.open(CAL, cal.codec.seal('*', { ...PRESENCE, name: 'Cal' }));
  assert.deepEqual(cal.codec.open(ANN, ann.codec.seal('*', PRESENCE)), PRESENCE);
  assert.equal(cal.codec.open(ANN, ann.codec.seal(BEN, OFFER)), null);
  assert.deepEqual(cal.rejected, [[ANN, 'unreadable']]);
  assert.deepEqual(cal.codec.open(ANN, ann.codec.seal(CAL, OFFER)), OFFER);
});

test('a signal reflected back to its sender does not open', () => {
  const { ann, ben, introduceBoth } = room();
  introduceBoth();
  assert.equal(ann.codec.open(BEN, ann.codec.seal(BEN, OFFER)), null);
  assert.deepEqual(ann.rejected, [[BEN, 'unreadable']]);
  assert.deepEqual(ann.codec.open(BEN, ben.codec.seal(ANN, OFFER)), OFFER);
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

test('a signal sent as an introduction is a bad message and binds nothing', () => {
  const { ben, rawAnn } = room();
  const raw = rawAnn();
  assert.equal(ben.codec.open(ANN, raw.introduction(utf8(JSON.stringify(OFFER)), 1, BEN)), null);
  assert.deepEqual(ben.rejected, [[ANN, 'bad-message']]);
  assert.deepEqual(ben.introduced, []);
  // Nothing was bound: a pair message under the session key it carried is still unreadable.
  assert.equal(ben.codec.open(ANN, raw.pair(utf8(JSON.stringify(OFFER)), 2)), null);
  assert.deepEqual(ben.rejected.at(-1), [ANN, 'unreadable']);
});

test('a presence sent as a pair message updates the sender and proves it is here now', () => {
  const { ann, ben, rawAnn } = room();
  const raw = rawAnn(ann.identity);
  assert.deepEqual(ben.codec.open(ANN, raw.introduction(utf8(JSON.stringify(PRESENCE)), 1)), PRESENCE);
  assert.deepEqual(ben.confirmed, [], 'an unbound introduction may be a replay');
  const renamed = { ...PRESENCE, name: 'Renamed' };
  assert.deepEqual(ben.codec.open(ANN, raw.pair(utf8(JSON.stringify(renamed)), 2)), renamed);
  assert.deepEqual(ben.confirmed, [ANN]);
  assert.deepEqual(ben.rejected, []);
});

test('presence goes as an introduction until the recipient holds our keys, bound once we know theirs, then pair-encrypted', () => {
  const { ann, ben } = room();
  // Ann knows nothing of Ben: an unbound introduction, which Ben cannot tell from a replay.
  assert.deepEqual(ben.codec.open(ANN, ann.codec.seal(BEN, PRESENCE)), PRESENCE);
  assert.deepEqual(ben.confirmed, []);
  // Ben knows Ann's session key and has sent her nothing: bound to her visit, so fresh for her.
  const benPresence = { kind: 'presence', name: 'Ben', muted: false } as const;
  assert.deepEqual(ann.codec.open(BEN, ben.codec.seal(ANN, benPresence)), benPresence);
  assert.deepEqual(ann.confirmed, [BEN]);
  // Ann now holds Ben's keys and Ben holds hers: a pair message, fresh for Ben.
  assert.deepEqual(ben.codec.open(ANN, ann.codec.seal(BEN, PRESENCE)), PRESENCE);
  assert.deepEqual(ben.confirmed, [ANN]);
  assert.deepEqual([...ann.rejected, ...ben.rejected], []);
});

test('an introduction Ann sent to an earlier visit under the same peer id never confirms her to a later one', () => {
  const { roomKey, ann, ben } = room();
  // Ann greeted the member the server had called BEN before; then both left.
  const benPresence = { kind: 'presence', name: 'Ben', muted: false } as const;
  assert.deepEqual(ann.codec.open(BEN, ben.codec.seal('*', benPresence)), benPresence);
  const bound = ann.codec.seal(BEN, PRESENCE);
  const unbound = member(ANN, roomKey).codec.seal(BEN, PRESENCE);
  const later = member(BEN, roomKey);
  assert.equal(later.codec.open(ANN, bound), null, 'sealed for the earlier visit');
  assert.deepEqual(later.rejected, [[ANN, 'unreadable']]);
  assert.deepEqual(later.codec.open(ANN, unbound), PRESENCE);
  assert.deepEqual(later.confirmed, [], 'unbound: taken, but never as proof of being here');
});

test('a broadcast introduction announced to the members listed goes pair-encrypted to them from then on', () => {
  const { ann, ben } = room();
  const benPresence = { kind: 'presence', name: 'Ben', muted: false } as const;
  assert.deepEqual(ann.codec.open(BEN, ben.codec.seal('*', benPresence)), benPresence);
  ben.codec.announced([ANN]);
  assert.deepEqual(ben.codec.open(ANN, ann.codec.seal(BEN, PRESENCE)), PRESENCE);
  assert.deepEqual(ann.codec.open(BEN, ben.codec.seal(ANN, benPresence)), benPresence);
  assert.deepEqual(ann.confirmed, [BEN], 'a pair message, sealed for her visit');
});

for (const [label, body] of [
  ['invalid JSON', utf8('{"kind":"presence",')],
  ['invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d)],
  ['an unknown message kind', utf8(JSON.stringify({ kind: 'kick', peer: BEN }))],
  ['a presence with an empty name', utf8(JSON.stringify({ kind: 'presence', name: '', muted: false }))],
  ['JSON null', utf8('null')],
  ['an empty body', new Uint8Array(0)],
] as const) {
  test(`${label} inside a valid introduction or pair message is a bad message`, () => {
    const { ben, rawAnn } = room();
    const raw = rawAnn();
    assert.deepEqual(ben.codec.open(ANN, raw.introduction(utf8(JSON.stringify(PRESENCE)), 1)), PRESENCE);
    assert.equal(ben.codec.open(ANN, raw.pair(body, 2)), null);
    assert.equal(ben.codec.open(ANN, raw.introduction(body, 3)), null);
    assert.deepEqual(ben.rejected, [
      [ANN, 'bad-message'],
      [ANN, 'bad-message'],
    ]);
  });
}

test('a bad first introduction binds nothing: a later valid one still introduces', () => {
  const { ben, rawAnn } = room();
  const raw = rawAnn();
  assert.equal(ben.codec.open(ANN, raw.introduction(utf8('nonsense'), 1)), null);
  assert.deepEqual(ben.introduced, []);
  assert.deepEqual(ben.codec.open(ANN, raw.introduction(utf8(JSON.stringify(PRESENCE)), 2)), PRESENCE);
  assert.equal(ben.introduced.length, 1);
});

test('a rejected box does not advance the sequence: the genuine next box still opens', () => {
  const { ben, rawAnn } = room();
  const raw = rawAnn();
  assert.deepEqual(ben.codec.open(ANN, raw.introduction(utf8(JSON.stringify(PRESENCE)), 1)), PRESENCE);
  assert.equal(ben.codec.open(ANN, raw.pair(utf8('nonsense'), 50)), null);
  assert.equal(ben.codec.open(ANN, raw.introduction(utf8('nonsense'), 60)), null);
  assert.deepEqual(ben.rejected, [
    [ANN, 'bad-message'],
    [ANN, 'bad-message'],
  ]);
  assert.deepEqual(ben.codec.open(ANN, raw.pair(utf8(JSON.stringify(OFFER)), 2)), OFFER);
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

/** Ann and Ben, introduced under the link's key, each holding epoch keys the test hands them. */
function epochRoom() {
  const roomKey = randomBytes(32);
  const annEpochs: Epochs = { current: null, held: [], lacking: false };
  const benEpochs: Epochs = { current: null, held: [], lacking: false };
  const ann = member(ANN, roomKey, createIdentity(), annEpochs);
  const ben = member(BEN, roomKey, createIdentity(), benEpochs);
  assert.ok(ben.codec.open(ANN, ann.codec.seal('*', PRESENCE), true));
  assert.ok(ann.codec.open(BEN, ben.codec.seal('*', { kind: 'presence', name: 'Ben', muted: false }), true));
  return { ann, ben, annEpochs, benEpochs };
}

test('a broadcast under a key we lack is kept without blame and opens once the key comes; one under a key we never get is dropped, still without blame', () => {
  const { ann, ben, annEpochs, benEpochs } = epochRoom();
  const epoch = randomBytes(32);
  annEpochs.current = epoch;
  annEpochs.held = [epoch];
  benEpochs.lacking = true;
  const muted: PeerMessage = { kind: 'presence', name: 'Ann', muted: true };
  assert.equal(ben.codec.open(ANN, ann.codec.seal('*', muted), true), null);
  assert.deepEqual(ben.rejected, [[ANN, 'other-epoch']]);
  benEpochs.held = [epoch];
  benEpochs.lacking = false;
  assert.deepEqual(ben.codec.reopen(), [{ from: ANN, message: muted }]);

  annEpochs.current = randomBytes(32);
  assert.equal(ben.codec.open(ANN, ann.codec.seal('*', PRESENCE), true), null);
  assert.deepEqual(ben.codec.reopen(), []);
  assert.deepEqual(ben.rejected, [[ANN, 'other-epoch'], [ANN, 'other-epoch']], 'nothing more is blamed on reopening');
});

test('a member whose broadcasts stay unreadable for ten seconds while we hold the key the log names: the server is blamed', () => {
  const { ann, ben, annEpochs } = epochRoom();
  // The server marks a box it spoiled as a broadcast: at first that looks like a key on its way.
  annEpochs.current = randomBytes(32);
  assert.equal(ben.codec.open(ANN, ann.codec.seal('*', PRESENCE), true), null);
  ben.clock.now += 5_000;
  assert.equal(ben.codec.open(ANN, ann.codec.seal('*', PRESENCE), true), null);
  assert.deepEqual(ben.rejected.map(([, reason]) => reason), ['other-epoch', 'other-epoch']);
  ben.clock.now += 6_000;
  assert.equal(ben.codec.open(ANN, ann.codec.seal('*', PRESENCE), true), null);
  assert.deepEqual(ben.rejected.at(-1), [ANN, 'unreadable']);
});

test('with a background signer, an introduction comes once signed and opens like one signed at once; pair messages are sealed at once', async () => {
  const roomKey = randomBytes(32);
  const ben = member(BEN, roomKey);
  const identity = createIdentity();
  const signed: Uint8Array[] = [];
  const ann = createSealedCodec({
    roomId: ROOM_ID,
    roomKey,
    identity,
    selfId: () => ANN,
    now: () => NOW,
    onIntroduced: () => {},
    onConfirmed: () => {},
    onRejected: () => {},
    signInBackground: async (message) => {
      signed.push(message);
      return webCryptoSigner()(identity)(message);
    },
  });
  const introduction = ann.sealInBackground('*', PRESENCE);
  assert.ok(typeof introduction !== 'string', 'an introduction is signed in the background');
  assert.deepEqual(ben.codec.open(ANN, await introduction.signed), PRESENCE);
  // The same box signed here instead, as when the connection closes first: opened by another visit of Ben's (to Ben it is a replay).
  assert.deepEqual(member(BEN, roomKey).codec.open(ANN, introduction.sealNow()), PRESENCE);
  assert.deepEqual(ben.introduced, [[ANN, identity.publicKey]]);
  assert.equal(signed.length, 1);
  ann.open(BEN, ben.codec.seal(ANN, { kind: 'presence', name: 'Ben', muted: false }));
  const offer = ann.sealInBackground(BEN, OFFER);
  assert.equal(typeof offer, 'string', 'a pair message needs no signature');
  assert.deepEqual(ben.codec.open(ANN, offer as string), OFFER);
  assert.equal(signed.length, 1);
  assert.deepEqual(ben.rejected, []);
});
