import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentity } from './crypto.ts';
import { toBase64Url } from './encoding.ts';
import { judgeSave, signSave, writerFor } from './room-snapshot.ts';
import { host, mia, ROOM_ID } from '../test/helpers/log-cast.ts';

const OTHER_ROOM = 'roomid_abcdef0123456789';
const writer = writerFor(host, ROOM_ID);
const save = (version: number, by = writer, box = 'c2VhbGVk') => signSave(by, ROOM_ID, version, box);

test("a host's writer is the same on every visit, another in every room, and tells nothing of the host's identity", () => {
  assert.deepEqual(writerFor(host, ROOM_ID).publicKey, writer.publicKey);
  assert.notDeepEqual(writerFor(host, OTHER_ROOM).publicKey, writer.publicKey);
  assert.notDeepEqual(writerFor(mia, ROOM_ID).publicKey, writer.publicKey);
  assert.notDeepEqual(writer.publicKey, host.publicKey);
});

test('the first save names the writer; after it only newer saves by the same writer are kept', () => {
  assert.equal(judgeSave(ROOM_ID, null, save(5)), 'saved');
  const stored = save(5);
  assert.equal(judgeSave(ROOM_ID, stored, save(6)), 'saved');
  assert.equal(judgeSave(ROOM_ID, stored, save(5)), 'stale', 'the same version again');
  assert.equal(judgeSave(ROOM_ID, stored, save(4)), 'stale', 'an older one');
  assert.equal(judgeSave(ROOM_ID, stored, save(9, writerFor(mia, ROOM_ID))), 'not-writer', "a moderator's own writer");
  assert.equal(judgeSave(ROOM_ID, stored, save(9, createIdentity())), 'not-writer', 'anyone with the link');
});

test('a save is kept only with the writer\'s signature over this room, this version and this box', () => {
  const genuine = save(7);
  assert.equal(judgeSave(ROOM_ID, null, { ...genuine, box: 'b3RoZXI' }), 'forged', 'another box under the signature');
  assert.equal(judgeSave(ROOM_ID, null, { ...genuine, version: 8 }), 'forged', 'a higher version under the signature');
  assert.equal(judgeSave(OTHER_ROOM, null, genuine), 'forged', 'replayed into another room');
  assert.equal(judgeSave(ROOM_ID, null, { ...genuine, writer: toBase64Url(createIdentity().publicKey) }), 'forged', 'another writer named');
  assert.equal(judgeSave(ROOM_ID, { writer: genuine.writer, version: 1 }, { ...genuine, sig: genuine.sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }), 'forged');
});
