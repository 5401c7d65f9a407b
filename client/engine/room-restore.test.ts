/**
 * A room session arriving in a room nobody is in, handed the room's snapshot by the server
 * (room-snapshots.ts): what it restores, what it waits for, and what the host saves.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from '../../shared/crypto.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import type { ActBody } from '../../shared/room-acts.ts';
import { append, createLog, signNext, type RoomLog } from '../../shared/room-log.ts';
import { judgeSave } from '../../shared/room-snapshot.ts';
import { openSnapshot, restoredLog, sealSnapshot, snapshotOf } from '../../shared/snapshot-content.ts';
import { HIGH, ICE, LIMITS, LOW, ROOM, SELF, setup, type SetupOptions } from '../../test/helpers/room-harness.ts';
import { STAGE_MAX } from './room.ts';

/** A session in the room once the server hands it `snapshot` (if any) and welcomes it among `peers` (none: alone). */
async function arrive(t: TestContext, snapshot: (room: ReturnType<typeof setup>) => string | null, options: SetupOptions = {}, peers: string[] = []) {
  const room = setup(t, options);
  await room.session.join('Ada');
  room.socket().serverOpens();
  const box = snapshot(room);
  if (box !== null) room.socket().serverSends({ type: 'snapshot', box });
  room.socket().serverSends({ type: 'welcome', peer: SELF, peers, ice: ICE, limits: LIMITS });
  return { ...room, overview: () => room.session.state.get().overview };
}

/** Lin's stage: Lin hosts; the session's person is a moderator, or removed, as the acts say. */
function linsRoom(room: ReturnType<typeof setup>, acts: (selfKey: string) => ActBody[]): RoomLog {
  const lin = room.peer(LOW).identity;
  const selfKey = toBase64Url(room.identity.publicKey);
  return acts(selfKey).reduce((log, act) => {
    const result = append(log, signNext(log, act, lin));
    assert.ok(result.ok, act.type);
    return result.log;
  }, createLog(ROOM, { hostKey: toBase64Url(lin.publicKey), stageMax: STAGE_MAX }));
}

test('arriving in an empty room, a member restores the snapshot it can open: its role and the lock are back', async (t) => {
  const room = await arrive(
    t,
    (r) => sealSnapshot(snapshotOf(linsRoom(r, (self) => [{ type: 'set-kind', kind: 'stage' }, { type: 'make-moderator', target: self }, { type: 'lock', admit: [self] }])), r.roomKey),
    { hostPeer: LOW },
  );
  assert.equal(room.overview().settled, true, 'alone, and holding the room');
  assert.equal(room.overview().role, 'moderator');
  assert.equal(room.overview().locked, true);
  assert.equal(room.overview().kind, 'stage');
});

test('a member removed before everyone left is shown it at once', async (t) => {
  const room = await arrive(t, (r) => sealSnapshot(snapshotOf(linsRoom(r, (self) => [{ type: 'remove', target: self }])), r.roomKey), { hostPeer: LOW });
  assert.equal(room.session.state.get().phase, 'removed');
});

test('a snapshot sealed under a key we lack keeps us waiting for a member who holds the log, however long', async (t) => {
  const room = await arrive(t, (r) => sealSnapshot(snapshotOf(linsRoom(r, () => [{ type: 'lock' }])), randomBytes(32)), { hostPeer: LOW });
  t.mock.timers.tick(60_000);
  assert.equal(room.session.state.get().snapshot, 'sealed');
  assert.equal(room.overview().settled, false);
  assert.equal(room.overview().role, 'listener', 'no hangout seat taken on an empty log');
});

test('the host alone saves the room once it has set it up, signed by its writer and sealed under the room key', async (t) => {
  const room = await arrive(t, () => null, { createdKind: 'stage' });
  t.mock.timers.tick(1000);
  const saves = room.socket().frames().filter((frame) => frame.type === 'save') as unknown as { version: number; writer: string; box: string; sig: string }[];
  assert.equal(saves.length, 1);
  assert.equal(judgeSave(ROOM, null, saves[0]!), 'saved');
  const opened = openSnapshot(saves[0]!.box, [room.roomKey]);
  const log = opened && restoredLog(ROOM, { hostKey: toBase64Url(room.identity.publicKey), stageMax: STAGE_MAX }, opened);
  assert.equal(log?.state.kind, 'stage');
});

test('a host that cannot open the snapshot does not wait: it sets the room up afresh, and its save replaces it', async (t) => {
  const room = await arrive(t, () => 'bm90IG91cnM', { createdKind: 'stage' });
  assert.equal(room.session.state.get().snapshot, 'none');
  assert.equal(room.overview().settled, true);
  t.mock.timers.tick(1000);
  assert.equal(room.socket().frames().filter((frame) => frame.type === 'save').length, 1);
});

/** Lin's stage, with the session's person a moderator: what the snapshot says. */
const moderatorSnapshot = (r: ReturnType<typeof setup>): string =>
  sealSnapshot(snapshotOf(linsRoom(r, (self) => [{ type: 'set-kind', kind: 'stage' }, { type: 'make-moderator', target: self }])), r.roomKey);

test('where a member here holds the log, its log is the room and the snapshot is set aside', async (t) => {
  const room = await arrive(t, moderatorSnapshot, { hostPeer: LOW }, [LOW]);
  const live = linsRoom(room, () => [{ type: 'set-kind', kind: 'stage' }]);
  room.receive(LOW, { kind: 'presence', name: 'Lin', muted: false, log: live.entries.length });
  room.receive(LOW, { kind: 'acts', entries: [...live.entries] });
  assert.equal(room.overview().settled, true);
  assert.equal(room.overview().role, 'listener', 'the room as Lin holds it, not as saved');
});

test('where those here hold no log, the snapshot is the room once they have introduced themselves', async (t) => {
  const room = await arrive(t, moderatorSnapshot, { hostPeer: LOW }, [HIGH]);
  assert.equal(room.overview().settled, false);
  room.receive(HIGH, { kind: 'presence', name: 'Hugo', muted: false });
  assert.equal(room.overview().settled, true);
  assert.equal(room.overview().role, 'moderator');
});
