import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, type Identity } from '../../shared/crypto.ts';
import type { ActBody } from '../../shared/room-acts.ts';
import { append, createLog, signNext, type RoomLog } from '../../shared/room-log.ts';
import { judgeSave, signSave, writerFor, type SnapshotSave } from '../../shared/room-snapshot.ts';
import { checkSnapshot, type SnapshotKey } from '../../shared/snapshot-content.ts';
import { createRoomSnapshots, type RoomSnapshotsDeps } from './room-snapshots.ts';
import { createTimers } from './timers.ts';
import { createFakeTimers } from '../../test/helpers/fake-timers.ts';
import { BEN, MIA, RULES, ROOM_ID, host, mia } from '../../test/helpers/log-cast.ts';

function acted(log: RoomLog, who: Identity, act: ActBody): RoomLog {
  const result = append(log, signNext(log, act, who));
  if (!result.ok) throw new Error(`${act.type} refused: ${result.reason}`);
  return result.log;
}

const ROOM = { roomId: ROOM_ID, rules: RULES };

/** A member's snapshots over a log the test changes, a server that keeps every save it is sent, and a manual clock. */
function member(who: Identity, options: Partial<RoomSnapshotsDeps> = {}) {
  const clock = createFakeTimers();
  const key: SnapshotKey = { bytes: randomBytes(32), epoch: null };
  const saves: SnapshotSave[] = [];
  const adopted: RoomLog[] = [];
  const versions: number[] = [];
  let log = createLog(ROOM_ID, RULES);
  const snapshots = createRoomSnapshots({
    roomId: ROOM_ID,
    rules: RULES,
    identity: who,
    log: () => log,
    sealKey: () => key,
    newestKey: () => key,
    holdsLog: () => true,
    save: (save) => saves.push(save) > 0,
    adopt: (next) => {
      adopted.push(next);
      log = next;
    },
    checkpoint: () => false,
    seenVersion: 0,
    onVersion: (version) => void versions.push(version),
    timers: createTimers(clock),
    ...options,
  });
  return {
    snapshots, saves, adopted, versions, key, clock,
    act(by: Identity, act: ActBody): void {
      log = acted(log, by, act);
      snapshots.update();
    },
    /** The last save, checked as whoever arrives next checks it. */
    lastSaved: (): RoomLog | null => {
      const checked = checkSnapshot(saves.at(-1)!, ROOM, key, 0);
      return checked.kind === 'log' ? checked.log : null;
    },
  };
}

test('the host saves the room a moment after it changes, once for changes close together, each save newer than the last', () => {
  const room = member(host);
  room.act(host, { type: 'set-kind', kind: 'stage' });
  room.act(host, { type: 'make-moderator', target: MIA });
  assert.equal(room.saves.length, 0);
  room.clock.advance(1000);
  assert.equal(room.saves.length, 1);
  assert.deepEqual(room.lastSaved()?.state.moderators, [MIA], 'a save anyone with the key takes as the host\'s');
  room.snapshots.update();
  room.clock.advance(5000);
  assert.equal(room.saves.length, 1, 'nothing new to save');
  room.act(mia, { type: 'remove', target: BEN });
  room.clock.advance(1000);
  assert.deepEqual(room.lastSaved()?.state.banned, [BEN]);
  const [first, second] = room.saves as [SnapshotSave, SnapshotSave];
  assert.equal(judgeSave(ROOM_ID, first, second), 'saved', 'newer, by the same writer');
  assert.deepEqual([first.version, second.version], [1, 2], 'a count, not a clock that would tell the server anything');
});

test('the host saves above what its writer saved last, keeps each version as it makes it, and takes only its own acknowledgements', () => {
  const before = member(host);
  before.act(host, { type: 'set-kind', kind: 'stage' });
  before.clock.advance(1000);
  const room = member(host, { seenVersion: 2 });
  room.snapshots.arrived({ ...before.saves[0]!, version: 1 });
  room.act(host, { type: 'set-kind', kind: 'stage' });
  room.clock.advance(1000);
  assert.equal(room.saves[0]?.version, 3);
  assert.deepEqual(room.versions, [3], 'kept before any acknowledgement: a server that withholds it cannot lower the floor');
  assert.equal(room.snapshots.saved(2 ** 40), false, 'an acknowledgement of a version we never sent');
  assert.equal(room.snapshots.saved(3), true);

  // Handed a save of its own writer's with a higher version (one it cannot open), it saves above that.
  const outrun = member(host);
  outrun.snapshots.arrived({ ...before.saves[0]!, version: 1 });
  outrun.snapshots.arrived(signSave(writerFor(mia, ROOM_ID), ROOM_ID, 2 ** 50, 'bm9pc2U'));
  outrun.act(host, { type: 'set-kind', kind: 'stage' });
  outrun.clock.advance(1000);
  assert.equal(outrun.saves[0]?.version, 2, "above its own writer's 1; another writer's version is not ours to outrun");
});

test('a save the server refused goes again once the room changes or we reconnect, not on every refresh', () => {
  const room = member(host);
  room.act(host, { type: 'set-kind', kind: 'stage' });
  room.clock.advance(1000);
  room.snapshots.refused();
  room.snapshots.update();
  room.clock.advance(1000);
  assert.equal(room.saves.length, 1, 'the same room again');
  room.act(host, { type: 'make-moderator', target: MIA });
  room.clock.advance(1000);
  assert.equal(room.saves.length, 2);
  room.snapshots.refused();
  room.snapshots.welcomed();
  room.snapshots.update();
  room.clock.advance(1000);
  assert.equal(room.saves.length, 3, 'after reconnecting');
});

test('a save the server never acknowledged goes again after we reconnect; one it acknowledged does not', () => {
  const room = member(host);
  room.act(host, { type: 'set-kind', kind: 'stage' });
  room.clock.advance(1000);
  room.snapshots.welcomed();
  room.snapshots.update();
  room.clock.advance(1000);
  assert.equal(room.saves.length, 2);
  room.snapshots.saved(room.saves[1]!.version);
  room.snapshots.welcomed();
  room.snapshots.update();
  room.clock.advance(1000);
  assert.equal(room.saves.length, 2);
});

test('leaving, the host hands over what changed since its last save, to go after everything else; nothing when nothing changed', () => {
  const room = member(host);
  room.act(host, { type: 'set-kind', kind: 'stage' });
  room.clock.advance(1000);
  assert.equal(room.snapshots.lastSave(), undefined, 'saved already');
  room.act(host, { type: 'end' });
  const last = room.snapshots.lastSave();
  assert.equal(last?.type, 'save');
  const checked = checkSnapshot(last!, ROOM, room.key, 0);
  assert.equal(checked.kind === 'log' && checked.log.state.ended, true);
  room.clock.advance(5000);
  assert.equal(room.saves.length, 1, 'the pending save went with it');
  assert.equal(member(mia).snapshots.lastSave(), undefined, 'nobody but the host');
});

test('nobody but the host saves, and the host only while it holds the log and the key broadcasts go under', () => {
  const moderator = member(mia);
  moderator.act(host, { type: 'make-moderator', target: MIA });
  moderator.act(mia, { type: 'remove', target: BEN });
  moderator.clock.advance(10_000);
  assert.equal(moderator.saves.length, 0);
  let holds = false;
  let key: SnapshotKey | null = null;
  const room = member(host, { holdsLog: () => holds, sealKey: () => key });
  room.act(host, { type: 'set-kind', kind: 'stage' });
  room.clock.advance(2000);
  holds = true;
  room.snapshots.update();
  room.clock.advance(2000);
  assert.equal(room.saves.length, 0, 'lacking the epoch key');
  key = room.key;
  room.snapshots.update();
  room.clock.advance(1000);
  assert.equal(room.saves.length, 1);
});

test('a snapshot too large to save makes the host checkpoint first', () => {
  let checkpoints = 0;
  const room = member(host, { checkpoint: () => ++checkpoints > 0 });
  const long = 'x'.repeat(280);
  for (let i = 0; i < 60; i++) room.act(host, { type: 'set-info', title: `Round ${i}`, description: long });
  room.clock.advance(1000);
  assert.equal(room.saves.length, 0);
  assert.equal(checkpoints, 1);
});

test('welcomed, a member takes the snapshot that came just before as its log while it holds none; one it cannot open, it waits on', () => {
  const hosting = member(host);
  hosting.act(host, { type: 'make-moderator', target: MIA });
  hosting.clock.advance(1000);
  const save = { ...hosting.saves[0]! };

  const withKey = member(mia, { newestKey: () => hosting.key });
  withKey.snapshots.arrived(save);
  assert.equal(withKey.adopted.length, 0, 'not before the welcome');
  assert.deepEqual(withKey.snapshots.welcomed(), { sealed: false });
  assert.deepEqual(withKey.adopted[0]?.state.moderators, [MIA]);
  assert.deepEqual(withKey.versions, [save.version], 'the version is kept, so an older one is refused next time');
  assert.deepEqual(withKey.snapshots.welcomed(), { sealed: false }, 'a welcome with no snapshot before it');

  const without = member(mia);
  without.snapshots.arrived(save);
  assert.deepEqual(without.snapshots.welcomed(), { sealed: true });
  assert.equal(without.adopted.length, 0);

  const holding = member(mia, { newestKey: () => hosting.key });
  holding.act(host, { type: 'set-kind', kind: 'stage' });
  holding.snapshots.arrived(save);
  holding.snapshots.welcomed();
  assert.equal(holding.adopted.length, 0, 'we reconnected, holding the log');

  const newer = member(mia, { newestKey: () => hosting.key, seenVersion: save.version + 1 });
  newer.snapshots.arrived(save);
  assert.deepEqual(newer.snapshots.welcomed(), { sealed: false });
  assert.equal(newer.adopted.length, 0, 'older than one this browser saw');
});
