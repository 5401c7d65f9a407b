import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as v from 'valibot';
import { createIdentity, randomBytes, sign } from './crypto.ts';
import { toBase64Url, utf8 } from './encoding.ts';
import { CheckpointSchema, MAX_CHECKPOINT_KEYS, stateDigest, verifyCheckpoint, type Checkpoint } from './checkpoint.ts';
import { sealPairMessage } from './envelope.ts';
import { parsePeerMessage, type PeerMessage } from './peer-message.ts';
import { MAX_BOX_CHARS } from './protocol.ts';
import { signAct } from './room-acts.ts';
import { createLog, headOf, signNext } from './room-log.ts';
import { initialRoomState, type RoomState } from './room-state.ts';
import { startVisit } from './visit-key.ts';
import { HOST, MIA, RULES, ROOM_ID, host, mia } from '../test/helpers/log-cast.ts';

const freshKey = (): string => toBase64Url(createIdentity().publicKey);
const room: RoomState = { ...initialRoomState, kind: 'stage', title: 'Porch', moderators: [MIA], banned: [freshKey()] };
const log = createLog(ROOM_ID, RULES);
const genuine: Checkpoint = { act: signNext(log, { type: 'checkpoint', state: stateDigest(room) }, host), state: room };

test('a room has one digest, whatever order its fields were written in, and any change makes another', () => {
  const reordered = Object.fromEntries(Object.entries(room).reverse()) as unknown as RoomState;
  assert.equal(stateDigest(reordered), stateDigest(room));
  for (const changed of [
    { ...room, title: 'Porch!' },
    { ...room, locked: true },
    { ...room, moderators: [] },
    { ...room, speakers: [MIA], moderators: [] },
    { ...room, standIn: MIA },
  ]) {
    assert.notEqual(stateDigest(changed), stateDigest(room), JSON.stringify(changed));
  }
});

test("a checkpoint is the host's word for the room only when the host signed exactly that room, in this room", () => {
  assert.equal(verifyCheckpoint(genuine, ROOM_ID, RULES), true);
  const byModerator = { ...genuine, act: signNext(log, { type: 'checkpoint', state: stateDigest(room) }, mia) };
  assert.equal(verifyCheckpoint(byModerator, ROOM_ID, RULES), false, 'signed by someone else');
  assert.equal(verifyCheckpoint({ ...genuine, state: { ...room, banned: [] } }, ROOM_ID, RULES), false, 'another room than the one signed');
  assert.equal(verifyCheckpoint({ ...genuine, act: { ...genuine.act, sig: genuine.act.sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) } }, ROOM_ID, RULES), false, 'a forged signature');
  assert.equal(verifyCheckpoint(genuine, 'roomid_0123456789abce', RULES), false, 'another room id');
  const notACheckpoint = { ...genuine, act: signNext(log, { type: 'set-kind', kind: 'stage' }, host) };
  assert.equal(verifyCheckpoint(notACheckpoint, ROOM_ID, RULES), false, 'some other act of the host');
  const claimedByHostKey = { ...genuine, act: { ...signNext(log, { type: 'checkpoint', state: stateDigest(room) }, mia), by: HOST } };
  assert.equal(verifyCheckpoint(claimedByHostKey, ROOM_ID, RULES), false, "another's signature under the host's name");
});

test('a checkpoint message is parsed strictly: a room naming too many people, or with fields it should not have, is refused', () => {
  const message = (state: unknown): unknown => ({ kind: 'checkpoint', checkpoint: { act: genuine.act, state } });
  assert.equal(parsePeerMessage(message(room)).ok, true);
  const crowded = { ...room, banned: Array.from({ length: MAX_CHECKPOINT_KEYS }, freshKey) };
  assert.equal(parsePeerMessage(message(crowded)).ok, false, 'one more than the bound');
  assert.equal(parsePeerMessage(message({ ...room, extra: 1 })).ok, false);
  assert.equal(parsePeerMessage(message({ ...room, standIn: 'not a key' })).ok, false);
  assert.equal(parsePeerMessage(message({ ...room, title: 'x'.repeat(81) })).ok, false);
  assert.equal(v.safeParse(CheckpointSchema, { act: genuine.act }).success, false);
});

test('the largest checkpoint a room can have, signed under a visit key, fits one sealed message', async () => {
  const hostsVisit = await startVisit(host.publicKey, async (message) => sign(message, host), ROOM_ID);
  const full: RoomState = {
    ...room,
    title: 'T'.repeat(80),
    description: 'D'.repeat(280),
    moderators: [],
    banned: Array.from({ length: MAX_CHECKPOINT_KEYS }, freshKey),
    standIn: freshKey(),
  };
  const act = signAct({ type: 'checkpoint', state: stateDigest(full) }, { n: 2 ** 31, prev: headOf(log) }, hostsVisit, ROOM_ID);
  const message: PeerMessage = { kind: 'checkpoint', checkpoint: { act, state: full } };
  assert.equal(parsePeerMessage(message).ok, true);
  const box = sealPairMessage('bbbb_0123456789abcdef', { seq: 2 ** 31, ts: Date.now() }, utf8(JSON.stringify(message)), randomBytes(32));
  assert.ok(box.length <= MAX_BOX_CHARS, `${box.length} characters`);
});
