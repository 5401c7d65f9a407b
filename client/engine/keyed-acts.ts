import { MAX_ADMITTED_AT_LOCK, type ActBody } from '../../shared/room-acts.ts';
import { permittedOwnActs, type RoomRules } from '../../shared/room-state.ts';
import type { LogSync } from './log-sync.ts';
import type { NewLinks } from './new-links.ts';
import type { RoomEpochs } from './room-epochs.ts';
import type { ActRequest } from './room-types.ts';

/**
 * Our own acts that carry what only we hold: a removal or a lock names a fresh broadcast key
 * (room-epochs.ts), a move names a fresh link (new-links.ts), each handed to those the room lets in.
 */
export interface KeyedActs {
  /** Who is here now, kept in when the room locks. */
  admit: readonly string[];
  logSync: LogSync;
  epochs: RoomEpochs;
  links: NewLinks;
  rules: RoomRules;
  selfKey: string;
}

/**
 * Removing or locking moves the room's broadcasts to a new key, which only those let in get
 * (room-epochs.ts); a new link goes to them before the act that sends everyone to it (new-links.ts).
 */
export function performWithKeys(act: ActRequest, { admit, logSync, epochs, links, rules, selfKey }: KeyedActs): boolean {
  if (act.type === 'new-link') {
    const { state } = logSync.log();
    return permittedOwnActs(state, rules, selfKey).includes('new-link') && logSync.perform({ type: 'new-link', id: links.handOut({ kind: state.kind, title: state.title }) });
  }
  const next = act.type === 'lock' ? { ...act, admit: admit.slice(0, MAX_ADMITTED_AT_LOCK), epoch: epochs.start() } : act.type === 'remove' ? { ...act, epoch: epochs.start() } : act;
  const done = logSync.perform(next);
  if (done && next !== act) epochs.handOut();
  return done;
}

/**
 * A lost act of ours to make again (lost-acts.ts), asked for afresh: its key or link goes to those
 * the room lets in now, never again to whom a history we lost let in (someone removed at the same moment).
 */
export function requestOf(act: ActBody): ActRequest {
  switch (act.type) {
    case 'remove':
      return { type: 'remove', target: act.target };
    case 'lock':
      return { type: 'lock' };
    case 'new-link':
      return { type: 'new-link' };
    default:
      return act;
  }
}
