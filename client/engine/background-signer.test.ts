import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentity, sign, verify } from '../../shared/crypto.ts';
import { utf8 } from '../../shared/encoding.ts';
import { startVisit, verifySigned, visitProofOf } from '../../shared/visit-key.ts';
import { webCryptoSigner } from './background-signer.ts';

const MESSAGE = utf8('porch introduction');

test("WebCrypto's Ed25519 signs, once a signature its key makes checks out under the identity's public key", async () => {
  const identity = createIdentity();
  const calls: string[] = [];
  const subtle = globalThis.crypto.subtle;
  const watched = {
    importKey: (...args: Parameters<SubtleCrypto['importKey']>) => (calls.push('import'), subtle.importKey(...args)),
    sign: (...args: Parameters<SubtleCrypto['sign']>) => (calls.push('sign'), subtle.sign(...args)),
    verify: (...args: Parameters<SubtleCrypto['verify']>) => (calls.push('verify'), subtle.verify(...args)),
  } as unknown as SubtleCrypto;
  const signature = await webCryptoSigner(watched)(identity)(MESSAGE);
  assert.deepEqual(calls, ['import', 'import', 'sign', 'verify', 'sign'], 'the key is checked, then the message itself is signed by WebCrypto');
  assert.deepEqual(signature, sign(MESSAGE, identity));
  assert.ok(verify(MESSAGE, signature!, identity.publicKey));
});

test('an identity that signs through a visit key (its own secret kept in WebCrypto) is signed for with that key, and checks out as the identity in its room', async () => {
  const identity = createIdentity();
  const visit = await startVisit(identity.publicKey, async (message) => sign(message, identity), 'room-1');
  const signature = await webCryptoSigner()(visit)(MESSAGE);
  assert.ok(signature, 'signed off the main thread, not left to the page');
  assert.deepEqual(signature, sign(MESSAGE, visit));
  assert.ok(verifySigned('room-1', MESSAGE, signature, identity.publicKey, visitProofOf(visit)));
});

test('without WebCrypto, where it refuses the key or the signature, or makes one that does not check out, nothing is signed: the page signs instead', async () => {
  const refusesKey = { importKey: () => Promise.reject(new DOMException('no Ed25519', 'NotSupportedError')) } as unknown as SubtleCrypto;
  const realImport = (...args: Parameters<SubtleCrypto['importKey']>) => globalThis.crypto.subtle.importKey(...args);
  const realVerify = (...args: Parameters<SubtleCrypto['verify']>) => globalThis.crypto.subtle.verify(...args);
  const refusesSigning = { importKey: realImport, verify: realVerify, sign: () => Promise.reject(new DOMException('busy', 'OperationError')) } as unknown as SubtleCrypto;
  const signsWrongly = { importKey: realImport, verify: realVerify, sign: () => Promise.resolve(new Uint8Array(64).buffer) } as unknown as SubtleCrypto;
  for (const subtle of [null, refusesKey, refusesSigning, signsWrongly]) {
    assert.equal(await webCryptoSigner(subtle)(createIdentity())(MESSAGE), null);
  }
});

test("each signer signs for the identity it was made for, and no other's key", async () => {
  const [ann, ben] = [createIdentity(), createIdentity()];
  const signature = await webCryptoSigner()(ann)(MESSAGE);
  assert.ok(verify(MESSAGE, signature!, ann.publicKey));
  assert.equal(verify(MESSAGE, signature!, ben.publicKey), false);
});
