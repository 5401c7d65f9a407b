import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdentity } from '../shared/crypto.ts';
import { signSave, writerFor } from '../shared/room-snapshot.ts';
import { createCapturedLog } from '../test/helpers/signaling-kit.ts';
import { createFileSnapshots } from './file-snapshots.ts';

const ROOM = 'room-0123456789abcdef';
const TTL_MS = 60_000;
/** Saves that may make a new room: all but those testing the leave to. */
const MAY_CREATE = { mayCreate: true };
const MAY_NOT_CREATE = { mayCreate: false };
const alice = writerFor(createIdentity(), ROOM);
const bob = writerFor(createIdentity(), ROOM);

/** A store on a fresh directory, with a clock the test moves on from now; closed and removed when the test ends. */
async function setup(t: TestContext, maxRooms = 1000) {
  const dataDir = mkdtempSync(join(tmpdir(), 'porch-data-test-'));
  // From the real time, as the files' own times are: a sweep reads only files written a TTL ago.
  const clock = { ms: Date.now() };
  const log = createCapturedLog();
  const open = () => createFileSnapshots({ dataDir, ttlMs: TTL_MS, maxRooms, log, now: () => clock.ms });
  const store = await open();
  t.after(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { store, open, clock, log, dataDir, file: join(dataDir, 'snapshots', `${ROOM}.json`) };
}

test('the first save names the room\'s writer, and only that writer replaces the snapshot', async (t) => {
  const { store, clock } = await setup(t);
  assert.equal(await store.save(ROOM, signSave(alice, ROOM, 1, 'first'), MAY_CREATE), 'created');
  assert.equal(await store.save(ROOM, signSave(bob, ROOM, 2, 'takeover'), MAY_CREATE), 'not-writer');
  assert.equal(await store.save(ROOM, signSave(alice, ROOM, 2, 'second'), MAY_CREATE), 'saved');
  assert.deepEqual(await store.load(ROOM), { ...signSave(alice, ROOM, 2, 'second'), savedAt: clock.ms });
  assert.equal(await store.load('other-room-0123456789'), null, 'rooms are apart');
});

test('a save no newer than the snapshot kept is refused as stale', async (t) => {
  const { store } = await setup(t);
  assert.equal(await store.save(ROOM, signSave(alice, ROOM, 5, 'five'), MAY_CREATE), 'created');
  assert.equal(await store.save(ROOM, signSave(alice, ROOM, 5, 'also-five'), MAY_CREATE), 'stale');
  assert.equal(await store.save(ROOM, signSave(alice, ROOM, 4, 'four'), MAY_CREATE), 'stale');
  assert.equal((await store.load(ROOM))?.box, 'five');
});

test('a forged save replaces nothing and names no writer', async (t) => {
  const { store } = await setup(t);
  const forged = { ...signSave(alice, ROOM, 1, 'genuine'), box: 'altered' };
  assert.equal(await store.save(ROOM, forged, MAY_CREATE), 'forged');
  assert.equal(await store.load(ROOM), null);
  assert.equal(await store.save(ROOM, signSave(bob, ROOM, 1, 'bob-first'), MAY_CREATE), 'created', 'the forged save named nobody');
  assert.equal(await store.save(ROOM, { ...signSave(bob, ROOM, 2, 'bob-second'), box: 'altered' }, MAY_CREATE), 'forged');
  assert.equal((await store.load(ROOM))?.box, 'bob-first');
  assert.equal(await store.save('other-room-0123456789', signSave(bob, ROOM, 3, 'elsewhere'), MAY_CREATE), 'forged', 'a save signed for one room is forged in another');
});

test('a snapshot a TTL old is absent, and its writer no longer binds', async (t) => {
  const { store, clock } = await setup(t);
  assert.equal(await store.save(ROOM, signSave(alice, ROOM, 7, 'old'), MAY_CREATE), 'created');
  clock.ms += TTL_MS - 1;
  assert.equal((await store.load(ROOM))?.box, 'old');
  clock.ms += 1;
  assert.equal(await store.load(ROOM), null);
  assert.equal(await store.save(ROOM, signSave(bob, ROOM, 1, 'new'), MAY_CREATE), 'created', 'a newcomer names the writer, at any version');
  assert.equal(await store.save(ROOM, signSave(alice, ROOM, 8, 'late'), MAY_CREATE), 'not-writer');
});

test('saves to one room are judged one at a time: of two first saves, one names the writer', async (t) => {
  const { store } = await setup(t);
  const verdicts = await Promise.all([store.save(ROOM, signSave(alice, ROOM, 1, 'a'), MAY_CREATE), store.save(ROOM, signSave(bob, ROOM, 1, 'b'), MAY_CREATE)]);
  assert.deepEqual(verdicts, ['created', 'not-writer']);
  assert.equal((await store.load(ROOM))?.box, 'a');
});

test('a file that is not a snapshot is absent, and the warning names the room by tag only', async (t) => {
  const { store, log, file } = await setup(t);
  mkdirSync(join(file, '..'), { recursive: true });
  for (const junk of ['{"version": 1, "writer": "secret-looking-content"', JSON.stringify({ ...signSave(alice, ROOM, 1, 'x'), savedAt: 1, extra: 'secret-looking-content' })]) {
    writeFileSync(file, junk);
    assert.equal(await store.load(ROOM), null);
  }
  const warning = log.entries.find((e) => e.event === 'snapshot-unreadable');
  assert.ok(warning);
  assert.equal(JSON.stringify(log.entries).includes('secret-looking-content') || JSON.stringify(log.entries).includes(ROOM), false);
  assert.equal(await store.save(ROOM, signSave(bob, ROOM, 1, 'fresh'), MAY_CREATE), 'created', 'an unreadable file binds no writer');
});

test('the directory removed while the store runs: nothing is found, and the next save puts it back', async (t) => {
  const { store, dataDir } = await setup(t);
  assert.equal(await store.save(ROOM, signSave(alice, ROOM, 1, 'before'), MAY_CREATE), 'created');
  rmSync(dataDir, { recursive: true, force: true });
  assert.equal(await store.load(ROOM), null);
  assert.equal(await store.save(ROOM, signSave(bob, ROOM, 1, 'after'), MAY_CREATE), 'created');
  assert.equal((await store.load(ROOM))?.box, 'after');
});

test('a store started again on the same directory finds what was saved', async (t) => {
  const { store, open } = await setup(t);
  assert.equal(await store.save(ROOM, signSave(alice, ROOM, 3, 'kept'), MAY_CREATE), 'created');
  await store.close();
  const again = await open();
  t.after(() => again.close());
  assert.equal((await again.load(ROOM))?.box, 'kept');
  assert.equal(await again.save(ROOM, signSave(bob, ROOM, 4, 'takeover'), MAY_CREATE), 'not-writer');
});

test('at start, expired files and the leftovers of cut-short writes are deleted; current ones stay', async (t) => {
  const { store, open, clock, dataDir } = await setup(t);
  const fresh = 'fresh-room-0123456789';
  assert.equal(await store.save(ROOM, signSave(alice, ROOM, 1, 'expiring'), MAY_CREATE), 'created');
  // Past the TTL by a second, as the file was written a moment after its savedAt.
  clock.ms += TTL_MS + 1000;
  assert.equal(await store.save(fresh, signSave(alice, fresh, 1, 'current'), MAY_CREATE), 'created');
  await store.close();
  writeFileSync(join(dataDir, 'snapshots', `.${fresh}.0123456789ab.tmp`), 'half a write');
  const again = await open();
  t.after(() => again.close());
  assert.deepEqual(readdirSync(join(dataDir, 'snapshots')), [`${fresh}.json`]);
  assert.equal((await again.load(fresh))?.box, 'current');
});

test('a store that cannot read or write rejects, and its next call is tried afresh', async (t) => {
  const { store, dataDir } = await setup(t);
  // A file where the snapshots directory should be: every read and write fails.
  rmSync(dataDir, { recursive: true, force: true });
  writeFileSync(dataDir, 'not a directory');
  await assert.rejects(store.load(ROOM), { code: 'ENOTDIR' });
  await assert.rejects(store.save(ROOM, signSave(alice, ROOM, 1, 'lost'), MAY_CREATE));
  rmSync(dataDir);
  assert.equal(await store.save(ROOM, signSave(alice, ROOM, 1, 'kept'), MAY_CREATE), 'created');
  assert.ok(existsSync(join(dataDir, 'snapshots', `${ROOM}.json`)));
});

test('a save that would make a new room is refused without leave to; saves to a room held still go through', async (t) => {
  const { store, clock } = await setup(t);
  assert.equal(await store.save(ROOM, signSave(alice, ROOM, 1, 'first'), MAY_NOT_CREATE), 'too-many-rooms');
  assert.equal(await store.load(ROOM), null, 'nothing was written');
  assert.equal(await store.save(ROOM, signSave(alice, ROOM, 1, 'first'), MAY_CREATE), 'created');
  assert.equal(await store.save(ROOM, signSave(alice, ROOM, 2, 'second'), MAY_NOT_CREATE), 'saved');
  assert.equal((await store.load(ROOM))?.box, 'second');
  clock.ms += TTL_MS;
  assert.equal(await store.save(ROOM, signSave(alice, ROOM, 3, 'third'), MAY_NOT_CREATE), 'too-many-rooms', 'a room whose snapshot expired is new again');
});

test('a full store refuses new rooms but still writes over rooms it holds; a room that expires frees its place once a sweep finds it', async (t) => {
  const { store, clock, log } = await setup(t, 2);
  const [first, second, third] = ['first-room-0123456789', 'second-room-012345678', 'third-room-0123456789'];
  assert.equal(await store.save(first, signSave(alice, first, 1, 'one'), MAY_CREATE), 'created');
  clock.ms += TTL_MS / 2;
  assert.equal(await store.save(second, signSave(alice, second, 1, 'two'), MAY_CREATE), 'created');
  assert.equal(await store.save(third, signSave(alice, third, 1, 'three'), MAY_CREATE), 'store-full');
  assert.equal(await store.save(second, signSave(alice, second, 2, 'two-again'), MAY_CREATE), 'saved');
  assert.equal(await store.load(third), null);
  // The first expires; its file is still there until a sweep, which the next refusal starts. A
  // second more, as its file was written a moment after its savedAt and sweeps go by the file's time.
  clock.ms += TTL_MS / 2 + 1000;
  assert.equal(await store.save(third, signSave(alice, third, 1, 'three'), MAY_CREATE), 'store-full');
  assert.deepEqual(await log.next('snapshots-expired'), { event: 'snapshots-expired', removed: 1 });
  assert.equal(await store.save(third, signSave(alice, third, 1, 'three'), MAY_CREATE), 'created');
  assert.equal(await store.save(first, signSave(bob, first, 1, 'one-again'), MAY_CREATE), 'store-full', 'full again');
});

test('an expired file is written over even when the store is full: it takes no new place', async (t) => {
  const { store, clock } = await setup(t, 1);
  assert.equal(await store.save(ROOM, signSave(alice, ROOM, 1, 'old'), MAY_CREATE), 'created');
  clock.ms += TTL_MS;
  assert.equal(await store.save(ROOM, signSave(bob, ROOM, 1, 'new'), MAY_CREATE), 'created');
  assert.equal((await store.load(ROOM))?.box, 'new');
});

test('a store started again counts the files it finds against its cap', async (t) => {
  const { store, open } = await setup(t, 1);
  assert.equal(await store.save(ROOM, signSave(alice, ROOM, 1, 'kept'), MAY_CREATE), 'created');
  await store.close();
  const again = await open();
  t.after(() => again.close());
  const other = 'other-room-0123456789';
  assert.equal(await again.save(other, signSave(alice, other, 1, 'more'), MAY_CREATE), 'store-full');
});
