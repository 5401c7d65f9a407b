import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SaveVerdict, SnapshotSave } from '../shared/room-snapshot.ts';
import { createCapturedLog } from '../test/helpers/signaling-kit.ts';
import { createConnectionSnapshots } from './connection-snapshots.ts';
import { uncounted, type SaveOutcome } from './metrics.ts';
import type { SnapshotStore } from './snapshot-store.ts';

const ROOM = 'room-0123456789abcdef';
const saveOf = (version: number): SnapshotSave => ({ version, writer: 'w'.repeat(43), box: `box-${version}`, sig: 's'.repeat(86) });

/** A store whose saves wait until the test settles them, one by one. */
function heldStore() {
  const pending: { save: SnapshotSave; settle: (verdict: SaveVerdict | Error) => void }[] = [];
  const store: SnapshotStore = {
    load: async () => null,
    save: (_room, save) =>
      new Promise<SaveVerdict>((resolve, reject) => {
        pending.push({ save, settle: (verdict) => (verdict instanceof Error ? reject(verdict) : resolve(verdict)) });
      }),
    close: async () => {},
  };
  return { store, pending };
}

/** Lets every settled promise's callbacks run. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(store: SnapshotStore) {
  const refusals: string[] = [];
  const outcomes: SaveOutcome[] = [];
  const log = createCapturedLog();
  const snapshots = createConnectionSnapshots({
    store,
    log,
    counters: { ...uncounted, snapshotSaved: (outcome) => outcomes.push(outcome) },
    refuse: (message) => refusals.push(message),
    failed: (error) => assert.fail(`failed: ${String(error)}`),
  });
  return { snapshots, refusals, outcomes, log };
}

test('one save is written at a time; of those that come meanwhile only the newest is written next', async () => {
  const { store, pending } = heldStore();
  const { snapshots, refusals, outcomes } = setup(store);
  for (const version of [1, 2, 3, 4]) snapshots.save(ROOM, saveOf(version));
  assert.deepEqual(pending.map((p) => p.save.version), [1], 'one write in flight');
  pending[0]?.settle('saved');
  await settled();
  assert.deepEqual(pending.map((p) => p.save.version), [1, 4], 'then the newest of those that waited');
  pending[1]?.settle('stale');
  await settled();
  assert.equal(pending.length, 2);
  assert.deepEqual(outcomes, ['saved', 'stale']);
  assert.deepEqual(refusals, ['this save is older than the snapshot kept']);
  snapshots.save(ROOM, saveOf(5));
  assert.equal(pending.length, 3, 'idle again: the next save is written at once');
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
