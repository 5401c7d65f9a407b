import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, type Identity } from './crypto.ts';
import { stateDigest } from './checkpoint.ts';
import type { ActBody } from './room-acts.ts';
import { append, createLog, lengthOf, signNext, type RoomLog } from './room-log.ts';
import { openSnapshot, restoredLog, sealSnapshot, snapshotOf } from './snapshot-content.ts';
import { ANN, BEN, MIA, RULES, ROOM_ID, host, mia } from '../test/helpers/log-cast.ts';

function acted(log: RoomLog, acts: readonly [Identity, ActBody][]): RoomLog {
  return acts.reduce((current, [who, act]) => {
    const result = append(current, signNext(current, act, who));
    if (!result.ok) throw new Error(`${act.type} refused: ${result.reason}`);
    return result.log;
  }, log);
}

const EPOCH = 'e'.repeat(43);
/** A stage with a moderator, a removal and a lock: what must outlive its members. */
const kept = acted(createLog(ROOM_ID, RULES), [
  [host, { type: 'set-kind', kind: 'stage' }],
  [host, { type: 'set-info', title: 'Porch night', description: '' }],
  [host, { type: 'make-moderator', target: MIA }],
  [mia, { type: 'remove', target: BEN, epoch: EPOCH }],
  [host, { type: 'lock', admit: [ANN] }],
]);
const linkKey = randomBytes(32);

test('a snapshot opened under its key is the room it was saved from: roles, removals and the lock', () => {
  const box = sealSnapshot(snapshotOf(kept), linkKey);
  const opened = openSnapshot(box, [randomBytes(32), linkKey]);
  assert.ok(opened, 'opens under the second key offered');
  const restored = restoredLog(ROOM_ID, RULES, opened);
  assert.ok(restored);
  assert.deepEqual(restored.state, kept.state);
  assert.equal(lengthOf(restored), lengthOf(kept));
  assert.deepEqual([restored.state.moderators, restored.state.banned, restored.state.locked], [[MIA], [BEN], true]);
});

test('a snapshot starts at the latest checkpoint, and the acts after it follow', () => {
  const checkpointed = acted(kept, [[host, { type: 'checkpoint', state: stateDigest(kept.state) }], [host, { type: 'unlock' }]]);
  const content = snapshotOf(checkpointed);
  assert.equal(content.checkpoint?.act.n, lengthOf(kept));
  assert.deepEqual(content.entries.map((entry) => entry.act.type), ['unlock']);
  const restored = restoredLog(ROOM_ID, RULES, openSnapshot(sealSnapshot(content, linkKey), [linkKey])!);
  assert.deepEqual(restored?.state, checkpointed.state);
  assert.equal(restored && lengthOf(restored), lengthOf(checkpointed));
});

test('without the key it was sealed under, a snapshot opens for nobody: not the removed, not anyone holding only the link', () => {
  const epochKey = randomBytes(32);
  const box = sealSnapshot(snapshotOf(kept), epochKey);
  assert.equal(openSnapshot(box, [linkKey]), null);
  assert.equal(openSnapshot(box.slice(0, -2), [epochKey]), null, 'cut short');
  assert.equal(openSnapshot('not base64!', [epochKey]), null);
});

test('what a snapshot holds is checked as a newcomer checks the log: a forged checkpoint or act does not restore', () => {
  const benBack = { ...kept.state, banned: [] };
  const forgedCheckpoint = { checkpoint: { act: signNext(kept, { type: 'checkpoint', state: stateDigest(benBack) }, mia), state: benBack }, entries: [] };
  assert.equal(restoredLog(ROOM_ID, RULES, forgedCheckpoint), null, 'a checkpoint not signed by the host');
  const content = snapshotOf(kept);
  const tampered = content.entries.map((entry, i) => (i === 3 ? { ...entry, act: { type: 'remove' as const, target: ANN, epoch: EPOCH } } : entry));
  const restored = restoredLog(ROOM_ID, RULES, { checkpoint: null, entries: tampered });
  assert.equal(restored && lengthOf(restored), 3, 'everything from the altered act on is dropped');
  assert.deepEqual(restored?.state.banned, []);
  assert.equal(restoredLog('roomid_abcdef0123456789', RULES, content)?.entries.length, 0, "another room's history is not this room's");
});

test('a snapshot that is not one, though sealed under our key, is refused', () => {
  const sealed = (content: unknown): string => sealSnapshot(content as never, linkKey);
  assert.equal(openSnapshot(sealed({ checkpoint: null, entries: [], extra: 1 }), [linkKey]), null);
  assert.equal(openSnapshot(sealed({ checkpoint: null }), [linkKey]), null);
  assert.equal(openSnapshot(sealed({ checkpoint: null, entries: Array(201).fill(kept.entries[0]) }), [linkKey]), null, 'more acts than a snapshot holds');
});
