import { stillLost } from '../../shared/fork-rule.ts';
import { batchesOf, MAX_ACTS_PER_MESSAGE, type PeerMessage } from '../../shared/peer-message.ts';
import { verifyAct, type ActBody, type SignedAct } from '../../shared/room-acts.ts';
import { headAt, type RoomLog } from '../../shared/room-log.ts';
import { applyAct } from '../../shared/room-state.ts';

/**
 * Acts that the room had taken and a winning fork then dropped from our copy of the log. The host's
 * history wins however old (log-sync.ts), so a server that keeps a moderator's removal from the host
 * until the host acts at the same place would otherwise undo the removal for everyone, unseen.
 * Instead every member that held such an act keeps it and shows it as lost (the room's view), and
 * hands it to its author whenever the author is here, even in a later visit; the author makes it
 * again on top of the room's history once it holds that history. Only the author can: an act's
 * signature binds it to the place it was made. An act stops being lost as shared/fork-rule.ts's
 * stillLost says: made again, or nothing left to bring about.
 * An author never makes an act again that it already made again after the fork, and it tells
 * where the fork was from its own log, not from whoever hands the act over: so replaying an old
 * loss to it cannot undo what it decided since. At most MAX_LOST are kept, the earliest.
 */
export interface LostActsDeps {
  selfKey: string;
  log(): RoomLog;
  send(to: string, message: PeerMessage): void;
  members(): Iterable<string>;
  keyOf(peerId: string): string | null;
  /** Signs and shares one of our acts on top of our log; false when it changes nothing. */
  perform(act: ActBody): boolean;
  /** Whether we hold the room's log, so that what we make again goes on top of it, not of a stale copy. */
  caughtUp(): boolean;
  /** A member sent us an act of ours that we never signed. */
  onRefused(peerId: string): void;
}

export interface LostActs {
  /** What is lost now, earliest first. */
  list(): readonly SignedAct[];
  /** `winner`, whose history parted from ours at `since`, is about to replace ours, which held `entries` from there. */
  dropped(entries: readonly SignedAct[], since: number, winner: RoomLog): void;
  /** A member says a winning fork dropped these acts of ours from its copy. */
  reported(from: string, entries: readonly SignedAct[]): void;
  /** Our log changed: forget what is no longer lost. */
  prune(): void;
  /** Makes our own lost acts again, once we hold the room's log. */
  remake(): void;
  /** A member we can now send to: hand it its lost acts. */
  introduced(peerId: string): void;
}

export const MAX_LOST = MAX_ACTS_PER_MESSAGE;

interface Lost {
  /** Where the history that held it parted from ours, where we saw it happen. */
  since: number | null;
  entry: SignedAct;
}

/**
 * Where the history that held `lost` parted from `log`: where we saw it, else where the act itself
 * goes if `log` holds the history it was signed on top of, else (an act further along a lost
 * stretch) the start, which can only find it made again where it was not.
 */
const forkOf = (log: RoomLog, { since, entry }: Lost): number => since ?? (entry.prev === headAt(log, entry.n) ? entry.n : 0);

export function createLostActs(deps: LostActsDeps): LostActs {
  let lost: Lost[] = [];
  /** Judged only once we hold the room's log: against a part of it, anything could look done or impossible. */
  const isLost = (log: RoomLog, l: Lost): boolean => !deps.caughtUp() || stillLost(log, forkOf(log, l), l.entry);
  /** Not kept already (told apart by signature: another act under the signature of one we keep is a forgery, ignored alike) and still lost. */
  const isNew = (log: RoomLog, found: Lost): boolean => !lost.some((l) => l.entry.sig === found.entry.sig) && isLost(log, found);
  const keep = (found: readonly Lost[]): void => {
    lost = [...lost, ...found].sort((a, b) => a.entry.n - b.entry.n).slice(0, MAX_LOST);
  };

  function handOver(peerId: string): void {
    const key = deps.keyOf(peerId);
    if (key === null || key === deps.selfKey) return;
    const entries = lost.filter(({ entry }) => entry.by === key).map(({ entry }) => entry);
    for (const batch of batchesOf(entries)) deps.send(peerId, { kind: 'lost-acts', entries: batch });
  }

  /**
   * Acts said to be ours and lost, checked cheaply first, so that only acts we would keep cost a
   * signature check; a signature that fails ends the batch.
   */
  function genuine(from: string, entries: readonly SignedAct[]): Lost[] {
    const log = deps.log();
    const candidates = entries.map((entry) => ({ since: null, entry })).filter((found) => found.entry.by === deps.selfKey && isNew(log, found));
    const bad = candidates.findIndex(({ entry }) => !verifyAct(entry, log.roomId));
    if (bad >= 0) deps.onRefused(from);
    return bad < 0 ? candidates : candidates.slice(0, bad);
  }

  return {
    list: () => lost.map(({ entry }) => entry),
    dropped(entries, since, winner) {
      const found = entries.map((entry) => ({ since, entry })).filter((l) => isNew(winner, l));
      keep(found);
      const authors = new Set(found.map(({ entry }) => entry.by));
      for (const peer of deps.members()) if (authors.has(deps.keyOf(peer) ?? '')) handOver(peer);
    },
    reported(from, entries) {
      keep(genuine(from, entries));
    },
    prune() {
      const log = deps.log();
      lost = lost.filter((l) => isLost(log, l));
    },
    remake() {
      if (!deps.caughtUp()) return;
      for (const l of lost) {
        if (l.entry.by !== deps.selfKey) continue;
        const log = deps.log();
        // Asked of the reducer first: signing an act that would change nothing costs for nothing.
        if (applyAct(log.state, log.rules, l.entry) !== log.state && isLost(log, l)) deps.perform(l.entry.act);
      }
    },
    introduced: handOver,
  };
}
