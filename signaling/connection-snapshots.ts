import type { SnapshotSave } from '../shared/room-snapshot.ts';
import { roomTag, type Log } from './log.ts';
import type { Counters, SaveOutcome } from './metrics.ts';
import { failureCode, type SnapshotStore } from './snapshot-store.ts';

/**
 * A connection's part in its room's snapshot (snapshot-store.ts): the box it is handed with its
 * welcome, and the saves it makes. A store that fails is logged by its code alone and costs the
 * client nothing but the snapshot: it joins without one, or hears its save was refused.
 */
export interface ConnectionSnapshots {
  /** The room's sealed snapshot, or null when it has none or the store could not say. Never rejects. */
  load(room: string): Promise<string | null>;
  /** Saves to the connection's own room, one store write at a time (see createConnectionSnapshots). */
  save(room: string, save: SnapshotSave): void;
}

export interface ConnectionSnapshotsOptions {
  store: SnapshotStore;
  log: Log;
  counters: Counters;
  /** Tells the client why its save was refused. */
  refuse(message: string): void;
  /** A bug in handling an outcome: the connection's own failure path. */
  failed(error: unknown): void;
}

/** What a refused save is answered with. */
const REFUSALS: Record<Exclude<SaveOutcome, 'saved'>, string> = {
  stale: 'this save is older than the snapshot kept',
  'not-writer': "this save is not from this room's writer",
  forged: 'this save has a bad signature',
  failed: 'the snapshot could not be stored; try again later',
};

/**
 * One write in flight per connection, so a client cannot make the server write faster than its
 * store does. A save that arrives meanwhile waits, replacing one waiting already: the newer
 * carries everything the older did, and the older is never answered. Saves a host made just
 * before leaving are still written once its connection has closed.
 */
export function createConnectionSnapshots(options: ConnectionSnapshotsOptions): ConnectionSnapshots {
  const { store, log, counters } = options;
  let writing = false;
  let waiting: { room: string; save: SnapshotSave } | null = null;

  async function outcomeOf(room: string, save: SnapshotSave): Promise<SaveOutcome> {
    try {
      return await store.save(room, save);
    } catch (error) {
      log.error({ event: 'snapshot-store-failed', what: 'save', code: failureCode(error) });
      return 'failed';
    }
  }

  async function drain(): Promise<void> {
    writing = true;
    for (let next = waiting; next; next = waiting) {
      waiting = null;
      const outcome = await outcomeOf(next.room, next.save);
      counters.snapshotSaved(outcome);
      if (outcome === 'saved') log.debug({ event: 'snapshot-saved', room: roomTag(next.room), version: next.save.version, boxChars: next.save.box.length });
      else options.refuse(REFUSALS[outcome]);
    }
    writing = false;
  }

  return {
    async load(room) {
      try {
        return (await store.load(room))?.box ?? null;
      } catch (error) {
        log.error({ event: 'snapshot-store-failed', what: 'load', code: failureCode(error) });
        return null;
      }
    },

    save(room, save) {
      waiting = { room, save };
      if (!writing) drain().catch(options.failed);
    },
  };
}
