import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signAct, type SignedAct } from '../../shared/room-acts.ts';
import { append, createLog, merge, signNext } from '../../shared/room-log.ts';
import { ROOM_ID, RULES, ann, host } from '../../test/helpers/log-cast.ts';
import { createSignatureCheck, inArrivalOrder, inFrameOrder } from './signature-check.ts';
import { sign } from '../../shared/crypto.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import { signatureClaims, startVisit, type SignatureClaim } from '../../shared/visit-key.ts';
import { utf8 } from '../../shared/encoding.ts';

const empty = createLog(ROOM_ID, RULES);
const genuine = signNext(empty, { type: 'set-kind', kind: 'stage' }, host);
/** The same signature over another act: what a forger would try to slip past a remembered check. */
const swapped: SignedAct = { ...genuine, act: { type: 'set-kind', kind: 'hangout' } };
const badSignature: SignedAct = { ...genuine, sig: signAct({ type: 'raise-hand' }, { n: 0, prev: genuine.prev }, host, ROOM_ID).sig };

test('acts checked ahead with WebCrypto pass only as signed: not a forged signature, nor another act under a genuine one, nor in another room', async () => {
  const check = createSignatureCheck(ROOM_ID);
  const elsewhere = createSignatureCheck('roomid_0123456789abce');
  await Promise.all([check.ahead([genuine, swapped, badSignature]), elsewhere.ahead([genuine])]);
  assert.equal(check.passed(genuine), true);
  assert.equal(check.passed(swapped), false);
  assert.equal(check.passed(badSignature), false);
  assert.equal(elsewhere.passed(genuine), false);
});

test("acts under a visit key pass ahead only with the identity's certificate for that key in this room", async () => {
  const asHost = async (message: Uint8Array): Promise<Uint8Array> => sign(message, host);
  const visit = await startVisit(host.publicKey, asHost, ROOM_ID);
  const elsewhere = await startVisit(host.publicKey, asHost, 'roomid_0123456789abce');
  const certified = signNext(empty, { type: 'set-kind', kind: 'stage' }, visit);
  const otherRoomsCert = signNext(empty, { type: 'set-kind', kind: 'stage' }, elsewhere);
  const borrowedCert: SignedAct = { ...certified, cert: otherRoomsCert.cert! };
  const mallorysKey: SignedAct = { ...certified, vk: toBase64Url(ann.publicKey), sig: signNext(empty, { type: 'set-kind', kind: 'stage' }, ann).sig };
  const check = createSignatureCheck(ROOM_ID);
  await check.ahead([certified, otherRoomsCert, borrowedCert, mallorysKey]);
  assert.deepEqual([certified, otherRoomsCert, borrowedCert, mallorysKey].map(check.passed), [true, false, false, false]);
});

test('the log takes an act checked ahead without checking it again, and still checks every act that did not pass', async () => {
  const check = createSignatureCheck(ROOM_ID);
  await check.ahead([genuine, swapped]);
  // A checker that passes everything shows whether the log leans on it: it takes a forgery.
  const trusting = merge(empty, [badSignature], () => true);
  assert.equal(trusting.kind === 'extended' && trusting.added, 1);
  const checked = merge(empty, [swapped], check.passed);
  assert.equal(checked.kind === 'extended' && checked.reason, 'bad-signature');
  assert.equal(append(empty, genuine, { passed: check.passed }).ok, true);
});

test('where the browser has no Ed25519 in WebCrypto, nothing passes ahead and the log checks every act itself', async () => {
  const refusing = {
    importKey: () => Promise.reject(new DOMException('Ed25519 is not supported', 'NotSupportedError')),
    verify: () => assert.fail('nothing is verified without a key'),
  } as unknown as SubtleCrypto;
  for (const check of [createSignatureCheck(ROOM_ID, refusing), createSignatureCheck(ROOM_ID, null)]) {
    await check.ahead([genuine]);
    assert.equal(check.passed(genuine), false);
  }
});

test('messages are handled in the order they came, each once its acts are checked, none from a member gone meanwhile, and one that throws holds up none after it', async () => {
  const check = createSignatureCheck(ROOM_ID);
  const here = new Set(['ann', 'ben']);
  const arrive = inArrivalOrder(check, (peer) => here.has(peer));
  const handled: string[] = [];
  const after = append(empty, genuine);
  assert.ok(after.ok);
  const second = signNext(after.log, { type: 'raise-hand' }, ann);
  const first = arrive('ann', [genuine], () => handled.push(`first: ${check.passed(genuine)}`));
  const failing = arrive('ann', [], () => {
    throw new Error('a bug while handling');
  });
  const gone = arrive('ben', [second], () => handled.push('from one gone since'));
  here.delete('ben');
  const third = arrive('ann', [second], () => handled.push(`third: ${check.passed(second)}`));
  assert.equal(handled.length, 0, 'nothing is handled before its check');
  await first;
  await assert.rejects(failing, /a bug while handling/);
  await Promise.all([gone, third]);
  assert.deepEqual(handled, ['first: true', 'third: true']);
  const direct = inArrivalOrder(undefined, () => true);
  let atOnce = false;
  void direct('ann', [genuine], () => (atOnce = true));
  assert.equal(atOnce, true, 'without a checker, at once');
});

test("an introduction's signatures checked ahead pass only as signed: not another's signature, nor the same one over other bytes", async () => {
  const asHost = async (message: Uint8Array): Promise<Uint8Array> => sign(message, host);
  const visit = await startVisit(host.publicKey, asHost, ROOM_ID);
  const message = utf8('an introduction, signed by the visit key');
  const [cert, signed] = signatureClaims(ROOM_ID, message, sign(message, visit), host.publicKey, { key: visit.visit!.publicKey, cert: visit.visit!.cert });
  assert.ok(cert && signed);
  const otherBytes: SignatureClaim = { ...signed, message: utf8('another introduction') };
  const annsSignature: SignatureClaim = { ...signed, signature: sign(message, ann) };
  const check = createSignatureCheck(ROOM_ID);
  await check.claimsAhead([cert, signed, otherBytes, annsSignature]);
  assert.deepEqual([cert, signed, otherBytes, annsSignature].map(check.checked), [true, true, false, false]);
  assert.equal(check.checked(signed), false, 'each is wanted once, by the frame it came in: then forgotten');
});

test('frames are handled in the order they came: one carrying signatures once they are checked, and every one after it behind it', async () => {
  const check = createSignatureCheck(ROOM_ID);
  const message = utf8('an introduction');
  const claim: SignatureClaim = { message, signature: sign(message, ann), signer: ann.publicKey };
  const handled: string[] = [];
  const take = inFrameOrder(check, (frame: string) => (frame === 'introduction' ? [claim] : []), (frame) => handled.push(`${frame}${frame === 'introduction' ? `: ${check.checked(claim)}` : ''}`));
  take('welcome');
  assert.deepEqual(handled, ['welcome'], 'with nothing to check and nothing waiting, at once');
  take('introduction');
  take('left');
  assert.deepEqual(handled, ['welcome'], 'nothing overtakes a frame whose signatures are being checked');
  for (let waited = 0; handled.length < 3 && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(handled, ['welcome', 'introduction: true', 'left']);
  take('joined');
  assert.deepEqual(handled.at(-1), 'joined', 'once none waits, at once again');
  const direct = inFrameOrder(undefined, () => [claim], (frame: string) => handled.push(frame));
  direct('without a checker');
  assert.equal(handled.at(-1), 'without a checker');
});
