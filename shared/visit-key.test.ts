import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentity, createSessionKeys, randomBytes, sign, type Identity } from './crypto.ts';
import { toBase64Url, utf8 } from './encoding.ts';
import { openEnvelope, sealIntroduction, sealPairMessage } from './envelope.ts';
import { MAX_ACTS_PER_MESSAGE, parsePeerMessage, type PeerMessage } from './peer-message.ts';
import { MAX_BOX_CHARS } from './protocol.ts';
import { parseSignedAct, signAct, verifyAct, type SignedAct } from './room-acts.ts';
import { certifyWriter, verifyWriterCert, writerFor } from './room-snapshot.ts';
import { startVisit } from './visit-key.ts';

const ROOM_ID = 'roomid_0123456789abcd';
const OTHER_ROOM = 'roomid_zyxwvutsrqponm';
const AT = { n: 0, prev: toBase64Url(new Uint8Array(32)) };
const ann = createIdentity();
const mallory = createIdentity();

/** Ann's identity signing as her browser's WebCrypto key does: asynchronously, the secret out of reach. */
const asIdentity =
  (identity: Identity) =>
  async (message: Uint8Array): Promise<Uint8Array> =>
    sign(message, identity);

const annHere = await startVisit(ann.publicKey, asIdentity(ann), ROOM_ID);
const annElsewhere = await startVisit(ann.publicKey, asIdentity(ann), OTHER_ROOM);

test("an act signed under a visit key is the identity's act: `by` is the identity, and it checks", () => {
  const signed = signAct({ type: 'raise-hand' }, AT, annHere, ROOM_ID);
  assert.equal(signed.by, toBase64Url(ann.publicKey));
  assert.equal(signed.vk, toBase64Url(annHere.visit!.publicKey));
  assert.ok(parseSignedAct(JSON.parse(JSON.stringify(signed)), ROOM_ID).ok);
  assert.notDeepEqual(annHere.secretKey, ann.secretKey, "the visit signs with its own key, not the identity's");
});

test('an act under a visit key is refused when the certificate is not for this room, not by `by`, or not for that key', () => {
  const signed = signAct({ type: 'raise-hand' }, AT, annHere, ROOM_ID);
  const elsewhere = signAct({ type: 'raise-hand' }, AT, annElsewhere, OTHER_ROOM);
  assert.equal(verifyAct({ ...elsewhere, prev: signed.prev }, ROOM_ID), false, "another room's visit");
  // Mallory certifies her own visit key and signs as Ann.
  const mallorysVisit = signAct({ type: 'raise-hand' }, AT, { ...annHere, secretKey: mallory.secretKey }, ROOM_ID);
  assert.equal(verifyAct(mallorysVisit, ROOM_ID), false, "a key Ann's identity never certified");
  const malloryCert = toBase64Url(sign(utf8('anything'), mallory));
  assert.equal(verifyAct({ ...signed, cert: malloryCert }, ROOM_ID), false, 'a certificate by someone else');
  assert.equal(verifyAct({ ...signed, vk: elsewhere.vk!, cert: elsewhere.cert! }, ROOM_ID), false, "Ann's certificate for another room's key");
  const { cert: _cert, ...withoutCert } = signed;
  assert.equal(verifyAct(withoutCert as SignedAct, ROOM_ID), false, 'a visit key without its certificate');
  const { vk: _vk, cert: _c, ...bare } = signed;
  assert.equal(verifyAct(bare as SignedAct, ROOM_ID), false, "the visit's signature passed off as the identity's own");
});

test("an introduction sealed under a visit key opens as the identity's, and a forged certificate is refused", () => {
  const session = createSessionKeys();
  const options = { roomId: ROOM_ID, roomKey: randomBytes(32), session };
  const box = sealIntroduction('ann_0123456789abcdefgh', '*', { seq: 1, ts: 1000 }, utf8('hello'), { ...options, identity: annHere });
  const open = (sealed: string) =>
    openEnvelope(sealed, { roomId: ROOM_ID, roomKeys: [options.roomKey], from: 'ann_0123456789abcdefgh', self: 'ben_0123456789abcdefgh', session: createSessionKeys(), pairKey: null, lastSeq: 0, now: 1000 });
  const opened = open(box);
  assert.ok(opened.ok && opened.value.introduction);
  assert.deepEqual(opened.value.introduction.identityKey, ann.publicKey);
  const forged = sealIntroduction('ann_0123456789abcdefgh', '*', { seq: 1, ts: 1000 }, utf8('hello'), {
    ...options,
    identity: { ...annHere, secretKey: mallory.secretKey, visit: { ...annHere.visit!, publicKey: mallory.publicKey } },
  });
  assert.deepEqual(open(forged), { ok: false, error: 'bad-signature' });
});

test("a visit's room writer is the identity's own, so a host keeps its room's snapshots when its key moves into WebCrypto", () => {
  assert.deepEqual(writerFor(annHere, ROOM_ID).publicKey, writerFor(ann, ROOM_ID).publicKey);
  const writer = toBase64Url(writerFor(annHere, ROOM_ID).publicKey);
  assert.ok(verifyWriterCert(toBase64Url(ann.publicKey), ROOM_ID, writer, certifyWriter(annHere, ROOM_ID, writer)));
  const strangers = toBase64Url(writerFor(mallory, ROOM_ID).publicKey);
  assert.throws(() => certifyWriter(annHere, ROOM_ID, strangers), /only its own writer/);
});

test('a full batch of the largest staff acts, each signed under a visit key, fits one sealed message', () => {
  const hash = () => toBase64Url(randomBytes(32));
  const entries = Array.from({ length: MAX_ACTS_PER_MESSAGE }, (_, n) => signAct({ type: 'remove', target: hash(), epoch: hash() }, { n: 2 ** 31 - 40 + n, prev: hash() }, annHere, ROOM_ID));
  const message: PeerMessage = { kind: 'acts', entries };
  assert.equal(parsePeerMessage(message).ok, true);
  const box = sealPairMessage('bbbb_0123456789abcdef', { seq: 2 ** 31, ts: Date.now() }, utf8(JSON.stringify(message)), randomBytes(32));
  assert.ok(box.length <= MAX_BOX_CHARS, `${box.length} characters`);
});
