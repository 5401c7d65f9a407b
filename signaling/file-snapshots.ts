import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { judgeSave, type SnapshotSave, type StoredSnapshot } from '../shared/room-snapshot.ts';
import { roomTag, type Log } from './log.ts';
import { verifyNatively } from './native-verify.ts';
import { failureCode, isCurrent, parseStoredSnapshot, stamp, type SnapshotStore, type SnapshotStoreOptions, type StoreVerdict } from './snapshot-store.ts';

/**
 * Snapshots on a single node: `<dataDir>/snapshots/<room>.json`, one file per room. A file is
 * replaced whole: written beside it under a temporary name, then renamed over it, so a reader
 * or a crash finds the old file or the new one, never part of either. Room ids are
 * [A-Za-z0-9_-]{16,64} (the protocol checks them), so they are safe as file names.
 *
 * At most `maxRooms` files: they are counted at start, and then one more for each file a save
 * makes and one fewer for each a sweep removes (a file removed by hand counts until a restart).
 * A save over an expired file makes a new room but no new file, so a full store still takes it.
 */
export interface FileSnapshotsOptions extends SnapshotStoreOptions {
  /** DATA_DIR, absolute. */
  dataDir: string;
  log: Log;
}

const ROOM_FILE = /^([A-Za-z0-9_-]{16,64})\.json$/;
const TEMP_FILE = /^\.[A-Za-z0-9_-]{16,64}\.[0-9a-f]{12}\.tmp$/;
/** Expired files only take disk (loads skip them already), so an hourly sweep is plenty. */
const SWEEP_EVERY_MS = 3_600_000;
/** A full store sweeps when it refuses a new room, so an expired file frees its place soon; but no more often than this. */
const SWEEP_WHEN_FULL_EVERY_MS = 60_000;

const isMissing = (error: unknown): boolean => (error as { code?: unknown }).code === 'ENOENT';

/** Runs the tasks given for one room one after another, so each save judges what the one before it left. */
function createRoomQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(room: string, task: () => Promise<T>): Promise<T> {
      const result = (tails.get(room) ?? Promise.resolve()).then(task);
      const tail = result.catch(() => {});
      tails.set(room, tail);
      void tail.then(() => tails.get(room) === tail && tails.delete(room));
      return result;
    },
    idle: async (): Promise<void> => void (await Promise.all(tails.values())),
  };
}

async function writeAtomically(dir: string, room: string, stored: StoredSnapshot): Promise<void> {
  // The directory may have been removed while we run; saving puts it back.
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${room}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // Flushed to disk before the rename, so a power cut cannot leave an empty file in the room's place.
    await writeFile(temp, JSON.stringify(stored), { flush: true });
    await rename(temp, join(dir, `${room}.json`));
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}

export async function createFileSnapshots(options: FileSnapshotsOptions): Promise<SnapshotStore> {
  const { ttlMs, maxRooms, log } = options;
  const now = options.now ?? Date.now;
  const dir = join(options.dataDir, 'snapshots');
  const queue = createRoomQueue();
  const fileOf = (room: string): string => {
    // A bug, were it ever false: the protocol lets no other room id through.
    if (!ROOM_FILE.test(`${room}.json`)) throw new Error('not a room id');
    return join(dir, `${room}.json`);
  };
  /** Room files in the directory, written or being written. */
  let files = 0;
  let sweeping: Promise<void> | null = null;
  let sweptAtMs = now();

  /** The room's file as it is on disk; null when there is none. */
  async function readText(room: string): Promise<string | null> {
    try {
      return await readFile(fileOf(room), 'utf8');
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  /** The current snapshot a file holds; null for none, an unreadable one, or an expired one. */
  function currentOf(room: string, text: string | null): StoredSnapshot | null {
    if (text === null) return null;
    const stored = parseStoredSnapshot(text);
    if (!stored) log.warn({ event: 'snapshot-unreadable', room: roomTag(room) });
    return stored && isCurrent(stored.savedAt, now(), ttlMs) ? stored : null;
  }

  const read = async (room: string): Promise<StoredSnapshot | null> => currentOf(room, await readText(room));

  /** Removes the room's file if it holds no current snapshot; files written within the TTL are not even read. */
  async function dropIfStale(room: string): Promise<boolean> {
    const written = await stat(fileOf(room)).catch((error: unknown) => (isMissing(error) ? null : Promise.reject(error)));
    if (!written || isCurrent(written.mtimeMs, now(), ttlMs) || (await read(room)) !== null) return false;
    await rm(fileOf(room), { force: true });
    files -= 1;
    return true;
  }

  /** At start, also counts the files and removes the temporary files of writes a crash cut short (no write is under way yet). */
  async function sweep(atStart: boolean): Promise<void> {
    const names = await readdir(dir).catch((error: unknown) => (isMissing(error) ? [] : Promise.reject(error)));
    if (atStart) files = names.filter((name) => ROOM_FILE.test(name)).length;
    let removed = 0;
    for (const name of names) {
      const room = ROOM_FILE.exec(name)?.[1];
      if (room !== undefined && (await queue.run(room, () => dropIfStale(room)))) removed += 1;
      if (atStart && TEMP_FILE.test(name)) await rm(join(dir, name), { force: true });
    }
    if (removed > 0) log.info({ event: 'snapshots-expired', removed });
  }

  const sweepLogged = (atStart: boolean): Promise<void> => sweep(atStart).catch((error: unknown) => log.warn({ event: 'snapshot-sweep-failed', code: failureCode(error) }));
  /** In the background, one at a time; not awaited by a save, whose own room's queue the sweep may wait on. */
  function sweepLater(): void {
    if (sweeping) return;
    sweptAtMs = now();
    sweeping = sweepLogged(false).finally(() => (sweeping = null));
  }
  await sweepLogged(true);
  const sweepTimer = setInterval(sweepLater, Math.min(ttlMs, SWEEP_EVERY_MS));
  sweepTimer.unref();

  /** Judges and writes in the room's queue: what is held, and whether a file is, cannot change meanwhile. */
  async function judgeAndWrite(room: string, save: SnapshotSave, mayCreate: boolean): Promise<StoreVerdict> {
    const text = await readText(room);
    const held = currentOf(room, text);
    if (held === null && !mayCreate) return 'too-many-rooms';
    const newFile = text === null;
    if (newFile && files >= maxRooms) {
      if (now() - sweptAtMs >= SWEEP_WHEN_FULL_EVERY_MS) sweepLater();
      return 'store-full';
    }
    const verdict = judgeSave(room, held, save, verifyNatively);
    if (verdict !== 'saved') return verdict;
    // Counted before the write, so new rooms written at once in other rooms' queues cannot pass the cap together.
    if (newFile) files += 1;
    try {
      await writeAtomically(dir, room, stamp(save, now()));
    } catch (error) {
      if (newFile) files -= 1;
      throw error;
    }
    return held === null ? 'created' : 'saved';
  }

  return {
    load: (room) => read(room),

    save: (room, save, { mayCreate }) => queue.run(room, () => judgeAndWrite(room, save, mayCreate)),

    async close() {
      clearInterval(sweepTimer);
      // Saves first: the last of them may start a sweep.
      await queue.idle();
      await sweeping;
    },
  };
}
