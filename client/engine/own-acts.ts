import type { RoomRules } from '../../shared/room-state.ts';
import { firstActs, type CreatedAs } from './first-acts.ts';
import { lengthOf } from '../../shared/room-log.ts';
import type { LogSync } from './log-sync.ts';
import type { Membership } from './membership.ts';
import { shouldStandIn } from './room-overview.ts';
import type { Timers } from './timers.ts';

/** How long a newcomer waits for members to tell it of the room's log before acting on what it has. */
const SETTLE_WAIT_MS = 15_000;

/**
 * The acts this member makes by itself: once it holds the room's log (it has settled), its first
 * acts (first-acts.ts); from then on, standing in as acting host while the host is away, and the
 * host taking over again on its return.
 */
export interface OwnActs {
  settled(): boolean;
  /** The server welcomed us: alone, ours is the room's log; otherwise wait for the others' (bounded). */
  welcomed(othersHere: number): void;
  /** Something changed: settle if we now can, and keep order once settled. */
  update(): void;
}

export interface OwnActsDeps {
  selfKey: string;
  rules: RoomRules;
  created: CreatedAs;
  logSync: LogSync;
  membership: Membership;
  timers: Timers;
  /** Whether we are in the room (welcomed by the server). */
  joined(): boolean;
  /** Whether the person, on joining, asked for a seat where the room gives one (a hangout). */
  takesSeat(): boolean;
  /** The room's snapshot is sealed under a key we lack: only a member here who holds the log settles us. */
  sealedOut(): boolean;
  /** We have just settled: the room's view changes even where no act follows. */
  onSettled(): void;
  trace?: (line: string) => void;
}

export function createOwnActs(deps: OwnActsDeps): OwnActs {
  const { logSync, membership, selfKey, rules } = deps;
  /** Nobody was there to learn the room log from, so ours is the room's. */
  let alone = false;
  let settled = false;
  /** We waited long enough for the log: kept for a person who joins only later (they looked in first). */
  let waitedEnough = false;

  function settle(): void {
    if (!deps.joined() || settled) return;
    // Everyone here introduced themselves and none holds a log: they are as new as we are.
    const everyoneNew = membership.allPresented() && !logSync.heardOfLog();
    // Waiting ends early only where nobody has told us of acts we lack; then we keep fetching.
    // Alone when the server welcomed us, and still nobody here to learn the log from.
    const stillAlone = alone && membership.reachable().length === 0;
    const onOurOwn = !deps.sealedOut() && (stillAlone || everyoneNew || (waitedEnough && !logSync.behind()));
    if (!onOurOwn && !logSync.caughtUp()) return;
    settled = true;
    const how = logSync.caughtUp() ? 'caught up' : stillAlone ? 'alone' : everyoneNew ? 'everyone here as new' : 'waited';
    deps.trace?.(`log: settled with ${lengthOf(logSync.log())} acts (${how})`);
    for (const act of firstActs(logSync.log(), selfKey, deps.created, deps.takesSeat())) logSync.perform(act);
    deps.onSettled();
  }

  /** Looking in, holding the room's log: the first act Join would make (a hangout's seat) is signed ahead, off the main thread. */
  function signFirstAhead(): void {
    const first = logSync.caughtUp() ? firstActs(logSync.log(), selfKey, deps.created, deps.takesSeat())[0] : undefined;
    if (first) logSync.signAhead(first);
  }

  /** Someone keeps order while the host is away; the returning host takes over again. */
  function keepOrder(): void {
    const room = logSync.log().state;
    if (selfKey === rules.hostKey && room.standIn !== null) logSync.perform({ type: 'host-returns' });
    else if (shouldStandIn(room, rules, membership.presentedKeys(selfKey), selfKey)) logSync.perform({ type: 'stand-in' });
  }

  return {
    settled: () => settled,
    welcomed(othersHere) {
      if (settled) return;
      if (othersHere === 0) alone = true;
      // Members that never tell us of their log (their messages lost, say) must not keep us waiting forever;
      // nor those who arrive while the person, looking in alone, has not joined yet.
      deps.timers.after(SETTLE_WAIT_MS, () => {
        waitedEnough = true;
        settle();
      });
    },
    update() {
      settle();
      if (settled) keepOrder();
      else if (!deps.joined()) signFirstAhead();
    },
  };
}
