import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SnapshotSave } from '../shared/room-snapshot.ts';
import { createCapturedLog } from '../test/helpers/signaling-kit.ts';
import { createConnectionSnapshots } from './connection-snapshots.ts';
import { uncounted, type SaveOutcome } from './metrics.ts';
import type { NewRoomQuota } from './new-room-quota.ts';
import type { SnapshotStore, StoreVerdict } from './snapshot-store.ts';

const ROOM = 'room-0123456789abcdef';
const ADDRESS = '192.0.2.1';
const saveOf = (version: number): SnapshotSave => ({ version, writer: 'w'.repeat(43), box: `box-${version}`, sig: 's'.repeat(86) });

/** A store whose saves wait until the test settles them, one by one. */
function heldStore() {
  const pending: { save: SnapshotSave; mayCreate: boolean; settle: (verdict: StoreVerdict | Error) => void }[] = [];
  const store: SnapshotStore = {
    load: async () => null,
    save: (_room, save, { mayCreate }) =>
      new Promise<StoreVerdict>((resolve, reject) => {
        pending.push({ save, mayCreate, settle: (verdict) => (verdict instanceof Error ? reject(verdict) : resolve(verdict)) });
      }),
    close: async () => {},
  };
  return { store, pending };
}

/** Lets every settled promise's callbacks run. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** An address's allowance of new rooms, kept by hand: how many are left, and who asked. */
function countedQuota(left: number) {
  const quota = {
    left,
    take(address: string) {
      assert.equal(address, ADDRESS);
      if (quota.left === 0) return false;
      quota.left -= 1;
      return true;
    },
    give() {
      quota.left += 1;
    },
  };
  return quota;
}

function setup(store: SnapshotStore, newRooms: NewRoomQuota = countedQuota(20)) {
  const refusals: string[] = [];
  const acknowledged: number[] = [];
  const outcomes: SaveOutcome[] = [];
  const log = createCapturedLog();
  const clock = { ms: 0 };
  const snapshots = createConnectionSnapshots({
    store,
    log,
    counters: { ...uncounted, snapshotSaved: (outcome) => outcomes.push(outcome) },
    address: ADDRESS,
    newRooms,
    nowMs: () => clock.ms,
    reply(frame) {
      if (frame.type === 'saved') acknowledged.push(frame.version);
      else if (frame.type === 'error' && frame.code === 'save-refused') refusals.push(frame.message);
      else assert.fail(`not an answer to a save: ${JSON.stringify(frame)}`);
    },
    failed: (error) => assert.fail(`failed: ${String(error)}`),
  });
  return { snapshots, refusals, acknowledged, outcomes, log, clock };
}

test('one save is written at a time; of those that come meanwhile only the newest is written next', async () => {
  const { store, pending } = heldStore();
  const { snapshots, refusals, acknowledged, outcomes, clock } = setup(store);
  for (const version of [1, 2, 3, 4]) {
    snapshots.save(ROOM, saveOf(version));
    clock.ms += 1000;
  }
  assert.deepEqual(pending.map((p) => p.save.version), [1], 'one write in flight');
  pending[0]?.settle('created');
  await settled();
  assert.deepEqual(pending.map((p) => p.save.version), [1, 4], 'then the newest of those that waited');
  pending[1]?.settle('stale');
  await settled();
  assert.equal(pending.length, 2);
  assert.deepEqual(outcomes, ['saved', 'stale']);
  assert.deepEqual(acknowledged, [1], 'a kept save is acknowledged by its version');
  assert.deepEqual(refusals, ['this save is older than the snapshot kept']);
  snapshots.save(ROOM, saveOf(5));
  assert.equal(pending.length, 3, 'idle again: the next save is written at once');
});

test('past two saves at once and one a second, a save is refused on arrival and never reaches the store', async () => {
  const { store, pending } = heldStore();
  const { snapshots, refusals, outcomes, clock } = setup(store);
  for (const version of [1, 2, 3]) snapshots.save(ROOM, saveOf(version));
  assert.deepEqual(refusals, ['too many saves; wait a moment'], 'the third is refused before the first is written');
  assert.deepEqual(outcomes, ['too-fast']);
  pending[0]?.settle('saved');
  await settled();
  assert.deepEqual(pending.map((p) => p.save.version), [1, 2], 'the two within the burst were written');
  pending[1]?.settle('saved');
  await settled();
  clock.ms += 999;
  snapshots.save(ROOM, saveOf(4));
  assert.equal(refusals.length, 2, 'not yet a second later');
  clock.ms += 1;
  snapshots.save(ROOM, saveOf(5));
  assert.deepEqual(pending.map((p) => p.save.version), [1, 2, 5]);
  assert.deepEqual(outcomes, ['too-fast', 'saved', 'saved', 'too-fast']);
});

test('a save may make a new room while its address has some left, and one that made none gives its place back', async () => {
  const { store, pending } = heldStore();
  const quota = countedQuota(1);
  const { snapshots, refusals, clock } = setup(store, quota);
  const saveAndSettle = async (version: number, verdict: StoreVerdict | Error): Promise<boolean | undefined> => {
    clock.ms += 1000;
    snapshots.save(ROOM, saveOf(version));
    const asked = pending.at(-1);
    asked?.settle(verdict);
    await settled();
    return asked?.mayCreate;
  };
  assert.equal(await saveAndSettle(1, 'saved'), true, 'to a room held: the place taken is given back');
  assert.equal(await saveAndSettle(2, new Error('EIO')), true, 'a failed write made no room either');
  assert.equal(quota.left, 1);
  assert.equal(await saveAndSettle(3, 'created'), true);
  assert.equal(quota.left, 0, 'a new room keeps its place');
  assert.equal(await saveAndSettle(4, 'too-many-rooms'), false, 'none left: the store is told');
  assert.equal(refusals.at(-1), 'this address has saved too many new rooms; try later');
  assert.equal(quota.left, 0);
});

test('a store that fails refuses the save, is logged by its code alone, and the next save is tried', async () => {
  const { store, pending } = heldStore();
  const { snapshots, refusals, outcomes, log } = setup(store);
  snapshots.save(ROOM, saveOf(1));
  pending[0]?.settle(Object.assign(new Error(`ENOSPC: no space left, open '/data/snapshots/${ROOM}.json'`), { code: 'ENOSPC' }));
  await settled();
  assert.deepEqual(outcomes, ['failed']);
  assert.deepEqual(refusals, ['the snapshot could not be stored; try again later']);
  assert.deepEqual(log.entries, [{ event: 'snapshot-store-failed', what: 'save', code: 'ENOSPC' }]);
  snapshots.save(ROOM, saveOf(2));
  assert.equal(pending.length, 2);
});

test('a member joins without the snapshot when the store cannot load it', async () => {
  const store: SnapshotStore = { load: () => Promise.reject(new TypeError('boom')), save: async () => 'saved', close: async () => {} };
  const { snapshots, log } = setup(store);
  assert.equal(await snapshots.load(ROOM), null);
  assert.deepEqual(log.entries, [{ event: 'snapshot-store-failed', what: 'load', code: 'TypeError' }]);
});
