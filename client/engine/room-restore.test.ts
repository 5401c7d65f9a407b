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
import { certifyWriter, judgeSave, signSave, writerFor, type SnapshotSave } from '../../shared/room-snapshot.ts';
import { checkSnapshot, sealSnapshot, snapshotOf, type SnapshotLog } from '../../shared/snapshot-content.ts';
import { HIGH, ICE, LIMITS, LOW, ROOM, SELF, setup, type SetupOptions } from '../../test/helpers/room-harness.ts';
import { STAGE_MAX } from './room.ts';

/** A session in the room once the server hands it `snapshot` (if any) and welcomes it among `peers` (none: alone). */
async function arrive(t: TestContext, snapshot: (room: ReturnType<typeof setup>) => SnapshotSave | null, options: SetupOptions = {}, peers: string[] = []) {
  const room = setup(t, options);
  await room.session.join('Ada');
  room.socket().serverOpens();
  const save = snapshot(room);
  if (save !== null) room.socket().serverSends({ type: 'snapshot', ...save });
  room.socket().serverSends({ type: 'welcome', peer: SELF, peers, ice: ICE, limits: LIMITS });
  return { ...room, overview: () => room.session.state.get().overview };
}

/** Lin's save of her room, sealed under `key` (default: the link's). */
function linsSave(room: ReturnType<typeof setup>, log: SnapshotLog, key: Uint8Array = room.roomKey): SnapshotSave {
  const lin = room.peer(LOW).identity;
  const writer = writerFor(lin, ROOM);
  const box = sealSnapshot({ ...log, cert: certifyWriter(lin, ROOM, toBase64Url(writer.publicKey)) }, key);
  return signSave(writer, ROOM, 1, box);
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
    (r) => linsSave(r, snapshotOf(linsRoom(r, (self) => [{ type: 'set-kind', kind: 'stage' }, { type: 'make-moderator', target: self }, { type: 'lock', admit: [self] }]))),
    { hostPeer: LOW },
  );
  assert.equal(room.overview().settled, true, 'alone, and holding the room');
  assert.equal(room.overview().role, 'moderator');
  assert.equal(room.overview().locked, true);
  assert.equal(room.overview().kind, 'stage');
});

test('a member removed before everyone left is shown it at once', async (t) => {
  const room = await arrive(t, (r) => linsSave(r, snapshotOf(linsRoom(r, (self) => [{ type: 'remove', target: self }]))), { hostPeer: LOW });
  assert.equal(room.session.state.get().phase, 'removed');
});

test('a snapshot sealed under a key we lack keeps us waiting for a member who holds the log, however long', async (t) => {
  const room = await arrive(t, (r) => linsSave(r, snapshotOf(linsRoom(r, () => [{ type: 'lock' }])), randomBytes(32)), { hostPeer: LOW });
  t.mock.timers.tick(60_000);
  assert.equal(room.session.state.get().sealedOut, true);
  assert.equal(room.overview().settled, false);
  assert.equal(room.overview().role, 'listener', 'no hangout seat taken on an empty log');
});

test('the host alone saves the room once it has set it up, signed by its writer and sealed under the room key', async (t) => {
  const room = await arrive(t, () => null, { createdKind: 'stage' });
  t.mock.timers.tick(1000);
  const saves = room.socket().frames().filter((frame) => frame.type === 'save') as unknown as SnapshotSave[];
  assert.equal(saves.length, 1);
  assert.equal(judgeSave(ROOM, null, saves[0]!), 'saved');
  const checked = checkSnapshot(saves[0]!, { roomId: ROOM, rules: { hostKey: toBase64Url(room.identity.publicKey), stageMax: STAGE_MAX } }, { bytes: room.roomKey, epoch: null }, 0);
  assert.equal(checked.kind === 'log' && checked.log.state.kind, 'stage');
});

test('a host that cannot open the snapshot does not wait: it sets the room up afresh, and its save replaces it', async (t) => {
  const room = await arrive(t, (r) => ({ ...linsSave(r, { checkpoint: null, entries: [] }, randomBytes(32)) }), { createdKind: 'stage' });
  assert.equal(room.session.state.get().sealedOut, false);
  assert.equal(room.overview().settled, true);
  t.mock.timers.tick(1000);
  assert.equal(room.socket().frames().filter((frame) => frame.type === 'save').length, 1);
});

/** Lin's stage, with the session's person a moderator: what the snapshot says. */
const moderatorSnapshot = (r: ReturnType<typeof setup>): SnapshotSave => linsSave(r, snapshotOf(linsRoom(r, (self) => [{ type: 'set-kind', kind: 'stage' }, { type: 'make-moderator', target: self }])));

test('the snapshot is our log at once, even among members; a member whose log goes on from it brings us up to date', async (t) => {
  const room = await arrive(t, moderatorSnapshot, { hostPeer: LOW }, [LOW]);
  assert.equal(room.overview().role, 'moderator', 'before any member tells us anything');
  const live = linsRoom(room, (self) => [{ type: 'set-kind', kind: 'stage' }, { type: 'make-moderator', target: self }, { type: 'lock', admit: [self] }]);
  room.receive(LOW, { kind: 'presence', name: 'Lin', muted: false, log: live.entries.length });
  room.receive(LOW, { kind: 'acts', entries: [...live.entries] });
  assert.equal(room.overview().settled, true);
  assert.equal(room.overview().locked, true, 'the lock made after the save');
  assert.equal(room.overview().role, 'moderator');
});

test('a member here who started the room afresh does not undo the saved room', async (t) => {
  const room = await arrive(t, moderatorSnapshot, { hostPeer: LOW }, [HIGH]);
  const fresh = createLog(ROOM, { hostKey: toBase64Url(room.peer(LOW).identity.publicKey), stageMax: STAGE_MAX });
  const seat = signNext(fresh, { type: 'take-seat' }, room.peer(HIGH).identity);
  room.receive(HIGH, { kind: 'presence', name: 'Hugo', muted: false, log: 1 });
  room.receive(HIGH, { kind: 'acts', entries: [seat] });
  assert.equal(room.overview().role, 'moderator');
  assert.equal(room.overview().kind, 'stage');
});

test('where those here hold no log, the snapshot is the room once they have introduced themselves', async (t) => {
  const room = await arrive(t, moderatorSnapshot, { hostPeer: LOW }, [HIGH]);
  assert.equal(room.overview().settled, false);
  room.receive(HIGH, { kind: 'presence', name: 'Hugo', muted: false });
  assert.equal(room.overview().settled, true);
  assert.equal(room.overview().role, 'moderator');
});

test("the host's own saved acts are the room's history, not a newcomer's guess: a longer fork from a member does not replace them", async (t) => {
  const room = await arrive(
    t,
    (r) => {
      const log = append(createLog(ROOM, { hostKey: toBase64Url(r.identity.publicKey), stageMax: STAGE_MAX }), signNext(createLog(ROOM, { hostKey: toBase64Url(r.identity.publicKey), stageMax: STAGE_MAX }), { type: 'set-kind', kind: 'stage' }, r.identity));
      assert.ok(log.ok);
      const writer = writerFor(r.identity, ROOM);
      const box = sealSnapshot({ ...snapshotOf(log.log), cert: certifyWriter(r.identity, ROOM, toBase64Url(writer.publicKey)) }, r.roomKey);
      return signSave(writer, ROOM, 1, box);
    },
    {},
    [HIGH],
  );
  assert.equal(room.overview().kind, 'stage');
  const hugo = room.peer(HIGH).identity;
  // Hugo's own history, longer than the saved one: he sat down, stood up and sat down again.
  const fork = (['take-seat', 'leave-stage', 'take-seat'] as const).reduce(
    (log, type) => {
      const result = append(log, signNext(log, { type }, hugo));
      assert.ok(result.ok, type);
      return result.log;
    },
    createLog(ROOM, { hostKey: toBase64Url(room.identity.publicKey), stageMax: STAGE_MAX }),
  );
  room.receive(HIGH, { kind: 'presence', name: 'Hugo', muted: false, log: 3 });
  room.receive(HIGH, { kind: 'acts', entries: [...fork.entries] });
  assert.equal(room.overview().kind, 'stage', 'still the room the host saved');
  assert.equal(room.participant(HIGH)?.standing.role, 'listener', "Hugo's seat, taken on a history of his own, is not taken");
});

/** The log in the last save the session sent, as the host's room checks it. */
function lastSaved(room: Awaited<ReturnType<typeof arrive>>): RoomLog | null {
  const save = room.socket().frames().filter((frame) => frame.type === 'save').at(-1) as unknown as SnapshotSave | undefined;
  const checked = save && checkSnapshot(save, { roomId: ROOM, rules: { hostKey: toBase64Url(room.identity.publicKey), stageMax: STAGE_MAX } }, { bytes: room.roomKey, epoch: null }, 0);
  return checked?.kind === 'log' ? checked.log : null;
}

test('the host leaving a moment after a change saves it as it goes: after everything else, before the goodbye', async (t) => {
  const room = await arrive(t, () => null, { createdKind: 'stage' });
  t.mock.timers.tick(1000);
  room.session.perform({ type: 'set-info', title: 'Late change', description: '' });
  t.mock.timers.tick(200);
  room.session.leave();
  assert.deepEqual(room.socket().frames().map((frame) => frame.type).slice(-2), ['save', 'bye']);
  assert.equal(lastSaved(room)?.state.title, 'Late change');
});

test('the host ending the room saves it ended, as it goes', async (t) => {
  const room = await arrive(t, () => null, { createdKind: 'stage' });
  t.mock.timers.tick(1000);
  room.session.perform({ type: 'end' });
  assert.equal(room.session.state.get().phase, 'ended');
  assert.deepEqual(room.socket().frames().map((frame) => frame.type).slice(-2), ['save', 'bye']);
  assert.equal(lastSaved(room)?.state.ended, true);
});
