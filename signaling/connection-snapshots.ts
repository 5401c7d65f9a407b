import type { ServerFrame } from '../shared/protocol.ts';
import type { SnapshotSave, StoredSnapshot } from '../shared/room-snapshot.ts';
import { createTokenBucket } from '../shared/token-bucket.ts';
import { roomTag, type Log } from './log.ts';
import type { Counters, SaveOutcome } from './metrics.ts';
import type { NewRoomQuota } from './new-room-quota.ts';
import { failureCode, type SnapshotStore, type StoreVerdict } from './snapshot-store.ts';

/**
 * A connection's part in its room's snapshot (snapshot-store.ts): the one it is handed with its
 * welcome, and the saves it makes. A store that fails is logged by its code alone and costs the
 * client nothing but the snapshot: it joins without one, or hears its save was refused.
 */
export interface ConnectionSnapshots {
  /** The room's snapshot, or null when it has none or the store could not say. Never rejects. */
  load(room: string): Promise<StoredSnapshot | null>;
  /** Saves to the connection's own room, one store write at a time (see createConnectionSnapshots). */
  save(room: string, save: SnapshotSave): void;
}

export interface ConnectionSnapshotsOptions {
  store: SnapshotStore;
  log: Log;
  counters: Counters;
  /** The connection's client address, keyed as for the connection cap (client-address.ts). */
  address: string;
  /** The new rooms each address may still make, shared by the node's connections. */
  newRooms: NewRoomQuota;
  nowMs: () => number;
  /**
   * Tells the client what became of its saves: `saved`, or `save-refused` and why. Only while its
   * socket is open: a save written after the host left is answered to nobody.
   */
  reply(frame: ServerFrame): void;
  /** A bug in handling an outcome: the connection's own failure path. */
  failed(error: unknown): void;
}

/**
 * What a refused save is answered with. A refusal is not held against the connection, as bad
 * frames are: a host whose room's writer was taken would otherwise be cut.
 */
const REFUSALS: Record<Exclude<SaveOutcome, 'saved'>, string> = {
  stale: 'this save is older than the snapshot kept',
  'not-writer': "this save is not from this room's writer",
  forged: 'this save has a bad signature',
  failed: 'the snapshot could not be stored; try again later',
  'too-fast': 'too many saves; wait a moment',
  'too-many-rooms': 'this address has saved too many new rooms; try later',
  'store-full': 'this server keeps as many rooms as it can; try later',
};

/**
 * A host saves a second after its room changes, and at once when it ends or moves: one a
 * second, two at once, is all it needs, and all that reaches the store.
 */
const SAVES_PER_S = 1;
const SAVES_BURST = 2;

/**
 * Saves past SAVES_PER_S are refused on arrival, before their signature costs anything. Of
 * those let through, one is written at a time, so a client cannot make the server write faster
 * than its store does. A save that arrives meanwhile waits, replacing one waiting already: the
 * newer carries everything the older did, and the older is never answered. Saves a host made
 * just before leaving are still written once its connection has closed.
 */
export function createConnectionSnapshots(options: ConnectionSnapshotsOptions): ConnectionSnapshots {
  const { store, log, counters, address, newRooms, reply } = options;
  const refuse = (outcome: Exclude<SaveOutcome, 'saved'>): void => reply({ type: 'error', code: 'save-refused', message: REFUSALS[outcome] });
  const rate = createTokenBucket({ ratePerS: SAVES_PER_S, burst: SAVES_BURST, nowMs: options.nowMs });
  let writing = false;
  let waiting: { room: string; save: SnapshotSave } | null = null;

  async function verdictOf(room: string, save: SnapshotSave, mayCreate: boolean): Promise<StoreVerdict | 'failed'> {
    try {
      return await store.save(room, save, { mayCreate });
    } catch (error) {
      log.error({ event: 'snapshot-store-failed', what: 'save', code: failureCode(error) });
      return 'failed';
    }
  }

  /** Whether the save makes a new room only the store can tell, as it writes; so a new room is taken first and given back if it was not one. */
  async function outcomeOf(room: string, save: SnapshotSave): Promise<SaveOutcome> {
    const mayCreate = newRooms.take(address);
    const verdict = await verdictOf(room, save, mayCreate);
    if (mayCreate && verdict !== 'created') newRooms.give(address);
    return verdict === 'created' ? 'saved' : verdict;
  }

  async function drain(): Promise<void> {
    writing = true;
    for (let next = waiting; next; next = waiting) {
      waiting = null;
      const outcome = await outcomeOf(next.room, next.save);
      counters.snapshotSaved(outcome);
      if (outcome !== 'saved') refuse(outcome);
      else {
        log.debug({ event: 'snapshot-saved', room: roomTag(next.room), version: next.save.version, boxChars: next.save.box.length });
        reply({ type: 'saved', version: next.save.version });
      }
    }
    writing = false;
  }

  return {
    async load(room) {
      try {
        return await store.load(room);
      } catch (error) {
        log.error({ event: 'snapshot-store-failed', what: 'load', code: failureCode(error) });
        return null;
      }
    },

    save(room, save) {
      if (!rate.take()) {
        counters.snapshotSaved('too-fast');
        return refuse('too-fast');
      }
      waiting = { room, save };
      if (!writing) drain().catch(options.failed);
    },
  };
}
