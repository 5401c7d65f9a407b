import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { createIdentity } from '../../shared/crypto.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import { signAct, verifyAct } from '../../shared/room-acts.ts';
import { writerFor } from '../../shared/room-snapshot.ts';
import { createIdentityKey, identityInRoom, intoWebCrypto } from './identity-key.ts';

const subtle = webcrypto.subtle as SubtleCrypto;
const ROOM_ID = 'roomid_0123456789abcd';
const AT = { n: 0, prev: toBase64Url(new Uint8Array(32)) };

/** A browser whose WebCrypto lacks Ed25519. */
const withoutEd25519 = new Proxy(subtle, {
  get: (target, name) =>
    name === 'generateKey' || name === 'importKey'
      ? () => Promise.reject(new DOMException('Ed25519 is not supported', 'NotSupportedError'))
      : Reflect.get(target, name).bind(target),
});

test('a new identity is a WebCrypto key whose secret cannot be exported, and it signs in a room through a visit key', async () => {
  const key = await createIdentityKey(subtle);
  assert.ok('privateKey' in key);
  assert.equal(key.privateKey.extractable, false);
  await assert.rejects(subtle.exportKey('pkcs8', key.privateKey));
  await assert.rejects(subtle.exportKey('jwk', key.privateKey));
  const inRoom = await identityInRoom(key, ROOM_ID, subtle);
  assert.deepEqual(inRoom.publicKey, key.publicKey);
  assert.ok(inRoom.visit);
  assert.ok(verifyAct(signAct({ type: 'raise-hand' }, AT, inRoom, ROOM_ID), ROOM_ID));
});

test('an identity kept as bytes before moves into WebCrypto as the same identity, with the same room writer', async () => {
  const before = createIdentity();
  const moved = await intoWebCrypto(before, subtle);
  assert.ok(moved && 'privateKey' in moved);
  assert.equal(moved.privateKey.extractable, false);
  const inRoom = await identityInRoom(moved, ROOM_ID, subtle);
  const act = signAct({ type: 'raise-hand' }, AT, inRoom, ROOM_ID);
  assert.equal(act.by, toBase64Url(before.publicKey));
  assert.ok(verifyAct(act, ROOM_ID));
  assert.deepEqual(writerFor(inRoom, ROOM_ID).publicKey, writerFor(before, ROOM_ID).publicKey, "the host's rooms would no longer take its saves");
});

test('where WebCrypto lacks Ed25519, the identity is tweetnacl bytes and signs as itself', async () => {
  const key = await createIdentityKey(withoutEd25519);
  assert.ok('secretKey' in key);
  assert.equal(await intoWebCrypto(key, withoutEd25519), null);
  const inRoom = await identityInRoom(key, ROOM_ID, withoutEd25519);
  assert.equal(inRoom, key);
  assert.equal(signAct({ type: 'raise-hand' }, AT, inRoom, ROOM_ID).vk, undefined);
});
