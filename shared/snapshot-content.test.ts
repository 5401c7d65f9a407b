import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentity, randomBytes, type Identity } from './crypto.ts';
import { stateDigest } from './checkpoint.ts';
import { toBase64Url } from './encoding.ts';
import { epochIdOf } from './epoch-key.ts';
import type { ActBody } from './room-acts.ts';
import { append, createLog, lengthOf, signNext, type RoomLog } from './room-log.ts';
import { certifyWriter, signSave, writerFor, type SnapshotSave } from './room-snapshot.ts';
import { checkSnapshot, logOfSnapshot, sealSnapshot, snapshotOf, type SnapshotKey, type SnapshotLog } from './snapshot-content.ts';
import { ANN, BEN, MIA, RULES, ROOM_ID, host, mia } from '../test/helpers/log-cast.ts';

function acted(log: RoomLog, acts: readonly [Identity, ActBody][]): RoomLog {
  return acts.reduce((current, [who, act]) => {
    const result = append(current, signNext(current, act, who));
    if (!result.ok) throw new Error(`${act.type} refused: ${result.reason}`);
    return result.log;
  }, log);
}

const linkKey: SnapshotKey = { bytes: randomBytes(32), epoch: null };
const epochBytes = randomBytes(32);
const epochKey: SnapshotKey = { bytes: epochBytes, epoch: epochIdOf(epochBytes) };
/** Before anyone was removed: under the link's key. */
const before = acted(createLog(ROOM_ID, RULES), [
  [host, { type: 'set-kind', kind: 'stage' }],
  [host, { type: 'set-info', title: 'Porch night', description: '' }],
  [host, { type: 'make-moderator', target: MIA }],
]);
/** Then Mia removed Ben and the host locked the room: under the epoch's key, which Ben never got. */
const kept = acted(before, [
  [mia, { type: 'remove', target: BEN, epoch: epochKey.epoch! }],
  [host, { type: 'lock', admit: [ANN] }],
]);

/** A save as `writer` makes it, its writer certified by `certifier` (the host, for a genuine one). */
function saveOf(log: SnapshotLog, key: SnapshotKey, { version = 1, writer = writerFor(host, ROOM_ID), certifier = host } = {}): SnapshotSave {
  const cert = certifyWriter(certifier, ROOM_ID, toBase64Url(writer.publicKey));
  return signSave(writer, ROOM_ID, version, sealSnapshot({ ...log, cert }, key.bytes));
}
const room = { roomId: ROOM_ID, rules: RULES };
/** Checked by a member holding the epoch's key, the newest of the room, that saw no save yet (unless `floor`). */
const check = (save: SnapshotSave, key: SnapshotKey = epochKey, floor = 0) => checkSnapshot(save, room, key, floor);
const refusal = (save: SnapshotSave, key?: SnapshotKey, floor?: number): string => {
  const checked = check(save, key, floor);
  return checked.kind === 'refused' ? checked.why : checked.kind;
};

test("the host's save, opened under the key its room names, is the room it saved: roles, the removal and the lock", () => {
  const checked = check(saveOf(snapshotOf(kept), epochKey, { version: 7 }));
  assert.equal(checked.kind, 'log');
  if (checked.kind !== 'log') return;
  assert.deepEqual(checked.log.state, kept.state);
  assert.equal(lengthOf(checked.log), lengthOf(kept));
  assert.equal(checked.version, 7);
  assert.deepEqual([checked.log.state.moderators, checked.log.state.banned, checked.log.state.locked], [[MIA], [BEN], true]);
});

test('a snapshot starts at the latest checkpoint, and the acts after it follow', () => {
  const checkpointed = acted(kept, [[host, { type: 'checkpoint', state: stateDigest(kept.state) }], [host, { type: 'unlock' }]]);
  const content = snapshotOf(checkpointed);
  assert.equal(content.checkpoint?.act.n, lengthOf(kept));
  assert.deepEqual(content.entries.map((entry) => entry.act.type), ['unlock']);
  const checked = check(saveOf(content, epochKey));
  assert.equal(checked.kind === 'log' && lengthOf(checked.log), lengthOf(checkpointed));
});

test('without the key it was sealed under, a snapshot is sealed: for the removed, and for anyone holding only the link', () => {
  assert.equal(check(saveOf(snapshotOf(kept), epochKey), linkKey).kind, 'sealed');
});

test('a history the host did not save is refused, however genuine its acts: the server and anyone with the link cannot roll the room back', () => {
  // What a hostile server and a removed member could make: the room before the removal, under the link's key.
  const stranger = createIdentity();
  // Refused even by a browser that holds only the link's key (one that holds the epoch's finds it sealed).
  assert.equal(refusal(saveOf(snapshotOf(before), linkKey, { version: 99, writer: writerFor(stranger, ROOM_ID), certifier: stranger }), linkKey), 'its writer is not certified by the host');
  assert.equal(refusal(saveOf(snapshotOf(before), linkKey, { writer: writerFor(mia, ROOM_ID), certifier: mia }), linkKey), 'its writer is not certified by the host', "a moderator's own writer");
  const hostsCert = certifyWriter(host, ROOM_ID, toBase64Url(writerFor(host, ROOM_ID).publicKey));
  const borrowed = signSave(writerFor(stranger, ROOM_ID), ROOM_ID, 99, sealSnapshot({ ...snapshotOf(before), cert: hostsCert }, linkKey.bytes));
  assert.equal(refusal(borrowed, linkKey), 'its writer is not certified by the host', "the host's certificate for its own writer, borrowed");
  // An older save of the host's own, handed back: refused where this browser saw a newer one…
  const older = saveOf(snapshotOf(before), linkKey, { version: 3 });
  assert.equal(check(older, linkKey).kind, 'log', 'taken by a browser that knows no later one');
  assert.equal(refusal(older, linkKey, 4), 'older than one this browser saw');
  // …and one from before a removal or lock is sealed for a browser that holds the key it started.
  assert.equal(check(older, epochKey).kind, 'sealed');
});

test("a save altered on its way is refused: its box, its version, or a key other than the one its room names", () => {
  const genuine = saveOf(snapshotOf(kept), epochKey, { version: 5 });
  assert.equal(refusal({ ...genuine, version: 6 }), 'not signed by its writer');
  assert.equal(refusal({ ...genuine, box: saveOf(snapshotOf(before), linkKey).box }), 'not signed by its writer');
  assert.equal(refusal(saveOf(snapshotOf(kept), linkKey), linkKey), 'sealed under another key than its room names', 'the room after the removal, under the link key');
  assert.equal(refusal(signSave(writerFor(host, ROOM_ID), ROOM_ID, 1, toBase64Url(randomBytes(40)))), 'sealed', 'noise');
});

test('what a snapshot holds is checked as a newcomer checks the log: a forged checkpoint or act does not restore', () => {
  const benBack = { ...kept.state, banned: [] };
  const forgedCheckpoint = { checkpoint: { act: signNext(kept, { type: 'checkpoint', state: stateDigest(benBack) }, mia), state: benBack }, entries: [] };
  assert.equal(refusal(saveOf(forgedCheckpoint, epochKey)), "its checkpoint is not the host's");
  const content = snapshotOf(kept);
  const tampered = content.entries.map((entry, i) => (i === 3 ? { ...entry, act: { type: 'remove' as const, target: ANN, epoch: epochKey.epoch! } } : entry));
  const restored = logOfSnapshot(ROOM_ID, RULES, { checkpoint: null, entries: tampered });
  assert.equal(restored && lengthOf(restored), 3, 'everything from the altered act on is dropped');
  assert.deepEqual(restored?.state.banned, []);
  assert.equal(logOfSnapshot('roomid_abcdef0123456789', RULES, content)?.entries.length, 0, "another room's history is not this room's");
});

test('a box that is not a snapshot, though sealed under our key and signed by the writer, is refused', () => {
  const writer = writerFor(host, ROOM_ID);
  const sealedAs = (content: unknown): SnapshotSave => signSave(writer, ROOM_ID, 1, sealSnapshot(content as never, linkKey.bytes));
  assert.equal(refusal(sealedAs({ checkpoint: null, entries: [] }), linkKey), 'not a snapshot', 'no certificate');
  const cert = certifyWriter(host, ROOM_ID, toBase64Url(writer.publicKey));
  assert.equal(check(sealedAs({ cert, checkpoint: null, entries: [] }), linkKey).kind, 'log');
  assert.equal(refusal(sealedAs({ cert, checkpoint: null, entries: [], extra: 1 }), linkKey), 'not a snapshot');
  assert.equal(refusal(sealedAs({ cert, checkpoint: null, entries: Array(201).fill(kept.entries[0]) }), linkKey), 'not a snapshot', 'more acts than a snapshot holds');
});
