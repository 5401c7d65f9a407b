import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, type Identity } from '../../shared/crypto.ts';
import type { ActBody } from '../../shared/room-acts.ts';
import { append, createLog, signNext, type RoomLog } from '../../shared/room-log.ts';
import { judgeSave, type SnapshotSave } from '../../shared/room-snapshot.ts';
import { openSnapshot, restoredLog } from '../../shared/snapshot-content.ts';
import { createRoomSnapshots, type RoomSnapshotsDeps } from './room-snapshots.ts';
import { createTimers } from './timers.ts';
import { createFakeTimers } from '../../test/helpers/fake-timers.ts';
import { BEN, MIA, RULES, ROOM_ID, host, mia } from '../../test/helpers/log-cast.ts';

function acted(log: RoomLog, who: Identity, act: ActBody): RoomLog {
  const result = append(log, signNext(log, act, who));
  if (!result.ok) throw new Error(`${act.type} refused: ${result.reason}`);
  return result.log;
}

/** A member's snapshots over a log the test changes, a server that keeps every save it is sent, and a manual clock. */
function member(who: Identity, options: Partial<RoomSnapshotsDeps> = {}) {
  const clock = createFakeTimers();
  clock.advance(1_700_000_000_000);
  const key = randomBytes(32);
  const saves: SnapshotSave[] = [];
  const restored: RoomLog[] = [];
  let log = createLog(ROOM_ID, RULES);
  const snapshots = createRoomSnapshots({
    roomId: ROOM_ID,
    rules: RULES,
    identity: who,
    log: () => log,
    sealKey: () => key,
    keys: () => [key],
    holdsLog: () => true,
    save: (save) => saves.push(save) > 0,
    restore: (next) => void restored.push(next),
    checkpoint: () => false,
    timers: createTimers(clock),
    ...options,
  });
  return {
    snapshots, saves, restored, key, clock,
    act(by: Identity, act: ActBody): void {
      log = acted(log, by, act);
      snapshots.update();
    },
    /** What the last save holds, opened and checked as whoever arrives next would. */
    lastSaved: (): RoomLog | null => {
      const content = openSnapshot(saves.at(-1)!.box, [key]);
      return content && restoredLog(ROOM_ID, RULES, content);
    },
  };
}

test('the host saves the room a moment after it changes, once for changes close together, and only when it changed', () => {
  const room = member(host);
  room.act(host, { type: 'set-kind', kind: 'stage' });
  room.act(host, { type: 'make-moderator', target: MIA });
  assert.equal(room.saves.length, 0);
  room.clock.advance(1000);
  assert.equal(room.saves.length, 1);
  assert.deepEqual(room.lastSaved()?.state.moderators, [MIA]);
  room.snapshots.update();
  room.clock.advance(5000);
  assert.equal(room.saves.length, 1, 'nothing new to save');
  room.act(mia, { type: 'remove', target: BEN });
  room.clock.advance(1000);
  assert.equal(room.saves.length, 2);
  assert.deepEqual(room.lastSaved()?.state.banned, [BEN]);
  const [first, second] = room.saves as [SnapshotSave, SnapshotSave];
  assert.equal(judgeSave(ROOM_ID, null, first), 'saved', "signed by the host's writer");
  assert.equal(judgeSave(ROOM_ID, first, second), 'saved', 'newer, by the same writer');
});

test('the room ending is saved at once, before the room closes', () => {
  const room = member(host);
  room.act(host, { type: 'end' });
  assert.equal(room.saves.length, 1);
  assert.equal(room.lastSaved()?.state.ended, true);
});

test('nobody but the host saves, and the host only while it holds the log and the key broadcasts go under', () => {
  const moderator = member(mia);
  moderator.act(host, { type: 'make-moderator', target: MIA });
  moderator.act(mia, { type: 'remove', target: BEN });
  moderator.clock.advance(10_000);
  assert.equal(moderator.saves.length, 0);
  let holds = false;
  let key: Uint8Array | null = null;
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

test('a snapshot too large to save makes the host checkpoint first; a room that is only its checkpoint is not checkpointed again', () => {
  let checkpoints = 0;
  const room = member(host, { checkpoint: () => ++checkpoints > 0 });
  const long = 'x'.repeat(280);
  for (let i = 0; i < 60; i++) room.act(host, { type: 'set-info', title: `Round ${i}`, description: long });
  room.clock.advance(1000);
  assert.equal(room.saves.length, 0);
  assert.equal(checkpoints, 1);
});

test('arriving, a member keeps the snapshot it can open to restore when asked, waits on one it cannot, and ignores it once it holds the log', () => {
  const hosting = member(host);
  hosting.act(host, { type: 'make-moderator', target: MIA });
  hosting.clock.advance(1000);
  const box = hosting.saves[0]!.box;

  const withKey = member(mia, { keys: () => [randomBytes(32), hosting.key] });
  assert.equal(withKey.snapshots.arrived(box), 'kept');
  assert.equal(withKey.restored.length, 0, 'not before it is asked to');
  withKey.snapshots.restore();
  assert.deepEqual(withKey.restored[0]?.state.moderators, [MIA]);
  withKey.snapshots.restore();
  assert.equal(withKey.restored.length, 1, 'once');

  const caughtUp = member(mia, { keys: () => [hosting.key] });
  assert.equal(caughtUp.snapshots.arrived(box), 'kept');
  caughtUp.act(host, { type: 'set-kind', kind: 'stage' });
  caughtUp.snapshots.restore();
  assert.equal(caughtUp.restored.length, 0, 'members handed us the log meanwhile');

  const without = member(mia);
  assert.equal(without.snapshots.arrived(box), 'sealed');
  assert.equal(without.restored.length, 0);

  const holding = member(mia, { keys: () => [hosting.key] });
  holding.act(host, { type: 'set-kind', kind: 'stage' });
  assert.equal(holding.snapshots.arrived(box), 'held');
  assert.equal(holding.restored.length, 0);
});
