import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentity, sign, verify } from '../../shared/crypto.ts';
import { utf8 } from '../../shared/encoding.ts';
import { createBackgroundSigner } from './background-signer.ts';

const MESSAGE = utf8('porch introduction');

test("WebCrypto's Ed25519 signs, once its key is found to sign exactly as tweetnacl does", async () => {
  const identity = createIdentity();
  const calls: string[] = [];
  const subtle = globalThis.crypto.subtle;
  const watched = {
    importKey: (...args: Parameters<SubtleCrypto['importKey']>) => (calls.push('import'), subtle.importKey(...args)),
    sign: (...args: Parameters<SubtleCrypto['sign']>) => (calls.push('sign'), subtle.sign(...args)),
  } as unknown as SubtleCrypto;
  const signature = await createBackgroundSigner(identity, watched)(MESSAGE);
  assert.equal(calls[0], 'import');
  assert.equal(calls.at(-1), 'sign', 'the message itself is signed by WebCrypto');
  assert.deepEqual(signature, sign(MESSAGE, identity));
});

test('without WebCrypto, where it refuses the key or the signature, or signs otherwise than tweetnacl, tweetnacl signs', async () => {
  const identity = createIdentity();
  const refusesKey = { importKey: () => Promise.reject(new DOMException('no Ed25519', 'NotSupportedError')) } as unknown as SubtleCrypto;
  const refusesSigning = {
    importKey: (...args: Parameters<SubtleCrypto['importKey']>) => globalThis.crypto.subtle.importKey(...args),
    sign: () => Promise.reject(new DOMException('busy', 'OperationError')),
  } as unknown as SubtleCrypto;
  const signsWrongly = {
    importKey: (...args: Parameters<SubtleCrypto['importKey']>) => globalThis.crypto.subtle.importKey(...args),
    sign: () => Promise.resolve(new Uint8Array(64).buffer),
  } as unknown as SubtleCrypto;
  for (const subtle of [null, refusesKey, refusesSigning, signsWrongly]) {
    const signature = await createBackgroundSigner(identity, subtle)(MESSAGE);
    assert.ok(verify(MESSAGE, signature, identity.publicKey));
  }
});

test("a signature under another key is not the identity's", async () => {
  const signature = await createBackgroundSigner(createIdentity())(MESSAGE);
  assert.equal(verify(MESSAGE, signature, createIdentity().publicKey), false);
});
