/**
 * Members' log syncs (client/engine/log-sync.ts) wired through an in-memory server. Messages
 * queue until `flush`, so tests choose what arrives when; `lost` eats one member's messages to
 * another, as a hostile server would; timers run on a fake clock.
 */
import assert from 'node:assert/strict';
import { createIdentity, sign, type Identity } from '../../shared/crypto.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import type { PeerMessage } from '../../shared/peer-message.ts';
import type { ActBody } from '../../shared/room-acts.ts';
import { lengthOf } from '../../shared/room-log.ts';
import { initialRoomState, mayEnter, roleOf, type RoomRules } from '../../shared/room-state.ts';
import { createLogSync, type LogSync } from '../../client/engine/log-sync.ts';
import { createTimers } from '../../client/engine/timers.ts';
import { createSignatureCheck } from '../../client/engine/signature-check.ts';

export const ROOM_ID = 'roomid_0123456789abcd';

interface Queued {
  from: string;
  to: string;
  message: PeerMessage;
}

/** A clock that only moves when told, and the timers due on it. */
function fakeTimers() {
  const clock = { now: 1_000_000 };
  const pending: { due: number; fn: () => void }[] = [];
  // The engine's own scheduling (after, every) over a clock that only moves when told.
  const timers = createTimers({
    now: () => clock.now,
    setTimeout(fn, ms) {
      const timer = { due: clock.now + ms, fn };
      pending.push(timer);
      return timer;
    },
    clearTimeout(handle) {
      const i = pending.indexOf(handle as (typeof pending)[number]);
      if (i >= 0) pending.splice(i, 1);
    },
  });
  /** Fires the earliest timer due by `until`, moving the clock to it; false when there is none. */
  const fireNext = (until: number): boolean => {
    const next = pending.reduce<(typeof pending)[number] | undefined>((a, b) => (a === undefined || b.due < a.due ? b : a), undefined);
    if (next === undefined || next.due > until) return false;
    pending.splice(pending.indexOf(next), 1);
    clock.now = Math.max(clock.now, next.due);
    next.fn();
    return true;
  };
  /** Lets every pending timer fire, however far off. */
  const runTimers = (): void => {
    for (let left = pending.length; left > 0 && fireNext(Infinity); left--);
  };
  /** Moves the clock on by `ms`, firing what falls due on the way. */
  const advance = (ms: number): void => {
    const until = clock.now + ms;
    while (fireNext(until));
    clock.now = until;
  };
  return { clock, timers, runTimers, advance };
}

/**
 * `checkAhead`: members check acts' signatures ahead with WebCrypto (signature-check.ts), so acts are taken a moment after they arrive.
 * `remake`: how members ask afresh for a lost act of theirs (the room adds a fresh key, say); absent: signed again as it was.
 * `signAhead`: members can sign acts ahead, in the background (acts-ahead.ts).
 */
export function logRoom(names: string[], options: { hostIndex?: number; maxEntries?: number; checkAhead?: boolean; signAhead?: boolean; remake?: (act: ActBody) => ActBody } = {}) {
  const identities = names.map(() => createIdentity());
  const key = (who: Identity): string => toBase64Url(who.publicKey);
  const keyOf = (who: string): string => key(identities[names.indexOf(who)]!);
  const rules: RoomRules = { hostKey: key(identities[options.hostIndex ?? 0]!), stageMax: 8 };
  const { clock, timers, runTimers, advance } = fakeTimers();
  const queue: Queued[] = [];
  const sent: Queued[] = [];
  const present = new Set(names);
  const refused: string[] = [];
  /** Each member's log diagnostics, `name: line`. */
  const traces: string[] = [];
  const stages = new Map<string, LogSync>();
  /** Pairs not yet introduced to each other: neither can send the other anything. */
  const strangers = new Set<string>();

  /** `name`'s session: a log sync that starts from an empty log. */
  const session = (name: string): LogSync =>
    createLogSync({
      roomId: ROOM_ID,
      rules,
      identity: identities[names.indexOf(name)]!,
      mayAct: () => true,
      ...(options.remake ? { remake: (act: ActBody) => stage(name).perform(options.remake!(act)) } : {}),
      send: (to, message) => {
        queue.push({ from: name, to, message });
        sent.push({ from: name, to, message });
      },
      members: () => [...present].filter((other) => other !== name && !strangers.has(`${name} ${other}`)),
      keyOf: (peer) => (names.includes(peer) ? keyOf(peer) : null),
      letsIn: (peer, room) => names.includes(peer) && mayEnter(room ?? stages.get(name)?.log().state ?? initialRoomState, rules, keyOf(peer)),
      timers,
      onChange: () => {},
      onRefused: (peer) => refused.push(`${name}←${peer}`),
      ...(options.maxEntries ? { maxEntries: options.maxEntries } : {}),
      ...(options.checkAhead ? { signatures: createSignatureCheck(ROOM_ID) } : {}),
      ...(options.signAhead ? { signInBackground: async (message: Uint8Array) => sign(message, identities[names.indexOf(name)]!) } : {}),
      trace: (line) => void traces.push(`${name}: ${line}`),
    });
  for (const name of names) stages.set(name, session(name));
  const stage = (name: string): LogSync => stages.get(name)!;

  /** Messages matching this never arrive. */
  const lost = { from: '', to: '' };
  /** Pairs the server keeps apart, both ways, though each still sees the other in the room. */
  const cuts = new Set<string>();
  function deliver({ from, to, message }: Queued): void {
    if (!present.has(to) || (from === lost.from && to === lost.to) || cuts.has(`${from} ${to}`)) return;
    if (message.kind === 'acts') stage(to).onActs(from, message.entries);
    else if (message.kind === 'acts-request') stage(to).onRequest(from, message.from);
    else if (message.kind === 'lost-acts') stage(to).onLostActs(from, message.entries);
    else if (message.kind === 'checkpoint') stage(to).onCheckpoint(from, message.checkpoint);
    else if (message.kind === 'head') stage(to).onHead(from, message.length, message.hash, message.ask === true);
  }
  /** Delivers everything queued (and what that causes), except messages from `held`. */
  function flush(held?: string): void {
    for (let guard = 0; guard < 1000; guard++) {
      const index = queue.findIndex((m) => m.from !== held);
      if (index < 0) return;
      deliver(queue.splice(index, 1)[0]!);
    }
    assert.fail('messages kept flowing: a sync loop');
  }
  const introduce = (a: string, b: string): void => {
    strangers.delete(`${a} ${b}`);
    strangers.delete(`${b} ${a}`);
    stage(a).onIntroduced(b);
    stage(b).onIntroduced(a);
  };
  const estrange = (a: string, b: string): void => {
    strangers.add(`${a} ${b}`);
    strangers.add(`${b} ${a}`);
  };
  /** The server drops everything between `a` and `b` from now on, or (`mend`) stops. */
  const cut = (a: string, b: string): void => void cuts.add(`${a} ${b}`).add(`${b} ${a}`);
  const mend = (a: string, b: string): void => {
    cuts.delete(`${a} ${b}`);
    cuts.delete(`${b} ${a}`);
  };
  /** `name` leaves: the others hear that it is gone. */
  const leave = (name: string): void => {
    present.delete(name);
    for (const other of present) stage(other).onGone(name);
  };
  /** `name` comes back in a new session, holding nothing, and meets everyone; they tell it how long their logs are. */
  const rejoin = (name: string): void => {
    stages.set(name, session(name));
    present.add(name);
    for (const other of present) {
      if (other === name) continue;
      introduce(name, other);
      stage(name).onLength(other, lengthOf(stage(other).log()));
    }
  };
  const roleIn = (viewer: string, who: string): string => roleOf(stage(viewer).log().state, rules, keyOf(who));
  const identity = (who: string): Identity => identities[names.indexOf(who)]!;
  return { stage, flush, clock, present, refused, traces, sent, queue, roleIn, keyOf, runTimers, advance, lost, cut, mend, introduce, estrange, leave, rejoin, identity };
}

export type LogRoom = ReturnType<typeof logRoom>;
