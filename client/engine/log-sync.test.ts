import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentity, type Identity } from '../../shared/crypto.ts';
import type { ActBody, SignedAct } from '../../shared/room-acts.ts';
import { append, signNext, type RoomLog } from '../../shared/room-log.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import { MAX_ACTS_PER_MESSAGE, type PeerMessage } from '../../shared/peer-message.ts';
import { roleOf, type RoomRules } from '../../shared/room-state.ts';
import { createRateLimiter } from '../../signaling/limits.ts';
import { createLogSync, SETTLE_MS, type LogSync } from './log-sync.ts';

const ROOM_ID = 'roomid_0123456789abcd';

/**
 * Members wired through an in-memory server. Messages queue until `flush`, so tests choose
 * what arrives when; `hold` keeps one member's messages back to make acts cross in flight.
 */
function room(names: string[], options: { hostIndex?: number; maxEntries?: number } = {}) {
  const identities = names.map(() => createIdentity());
  const key = (who: Identity): string => toBase64Url(who.publicKey);
  const rules: RoomRules = { hostKey: key(identities[options.hostIndex ?? 0]!), stageMax: 8 };
  const clock = { now: 1_000_000 };
  const queue: { from: string; to: string; message: PeerMessage }[] = [];
  const present = new Set(names);
  const refused: string[] = [];
  const sent: { from: string; to: string; message: PeerMessage }[] = [];
  const stages = new Map<string, LogSync>();
  /** Pending timers, each with the time it is due. */
  const timers: { due: number; fn: () => void }[] = [];
  /** Pairs not yet introduced to each other: neither can send the other anything. */
  const strangers = new Set<string>();
  names.forEach((name, i) => {
    stages.set(
      name,
      createLogSync({
        roomId: ROOM_ID,
        rules,
        identity: identities[i]!,
        send: (to, message) => {
          queue.push({ from: name, to, message });
          sent.push({ from: name, to, message });
        },
        members: () => [...present].filter((other) => other !== name && !strangers.has(`${name} ${other}`)),
        keyOf: (peer) => (names.includes(peer) ? key(identities[names.indexOf(peer)]!) : null),
        timers: {
          now: () => clock.now,
          after(ms, fn) {
            const timer = { due: clock.now + ms, fn };
            timers.push(timer);
            return () => {
              const i = timers.indexOf(timer);
              if (i >= 0) timers.splice(i, 1);
            };
          },
          every: () => assert.fail('the log sync repeats nothing'),
          stop: () => {},
        },
        onChange: () => {},
        onRefused: (peer) => refused.push(`${name}←${peer}`),
        ...(options.maxEntries ? { maxEntries: options.maxEntries } : {}),
      }),
    );
  });
  const stage = (name: string): LogSync => stages.get(name)!;
  /** Messages matching this never arrive. */
  const lost = { from: '', to: '' };
  function deliver({ from, to, message }: { from: string; to: string; message: PeerMessage }): void {
    if (!present.has(to) || (from === lost.from && to === lost.to)) return;
    if (message.kind === 'acts') stage(to).onActs(from, message.entries);
    else if (message.kind === 'acts-request') stage(to).onRequest(from, message.from);
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
  const roleIn = (viewer: string, who: string): string => roleOf(stage(viewer).log().state, rules, key(identities[names.indexOf(who)]!));
  const keyOfName = (who: string): string => key(identities[names.indexOf(who)]!);
  /** Fires the earliest timer due by `until`, moving the clock to it; false when there is none. */
  const fireNext = (until: number): boolean => {
    const next = timers.reduce<(typeof timers)[number] | undefined>((a, b) => (a === undefined || b.due < a.due ? b : a), undefined);
    if (next === undefined || next.due > until) return false;
    timers.splice(timers.indexOf(next), 1);
    clock.now = Math.max(clock.now, next.due);
    next.fn();
    return true;
  };
  /** Lets every pending timer fire, however far off. */
  const runTimers = (): void => {
    for (let pending = timers.length; pending > 0 && fireNext(Infinity); pending--);
  };
  /** Moves the clock on by `ms`, firing what falls due on the way. */
  const advance = (ms: number): void => {
    const until = clock.now + ms;
    while (fireNext(until));
    clock.now = until;
  };
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
  return { stage, flush, clock, present, refused, sent, queue, roleIn, keyOf: keyOfName, runTimers, advance, lost, introduce, estrange, identity: (who: string) => identities[names.indexOf(who)]! };
}

test('an act is shared with every member as it happens and changes the room for all', () => {
  const r = room(['host', 'ann', 'ben']);
  assert.equal(r.stage('host').perform({ type: 'set-kind', kind: 'stage' }), true);
  assert.equal(r.stage('host').perform({ type: 'invite', target: r.keyOf('ann') }), true);
  r.flush();
  assert.equal(r.stage('ann').perform({ type: 'accept-invite' }), true);
  r.flush();
  for (const viewer of ['host', 'ann', 'ben']) {
    assert.equal(r.roleIn(viewer, 'ann'), 'speaker', viewer);
    assert.equal(r.stage(viewer).log().state.kind, 'stage', viewer);
  }
});

test('an act we have no right to is not signed into the log nor sent', () => {
  const r = room(['host', 'ann']);
  assert.equal(r.stage('ann').perform({ type: 'make-moderator', target: r.keyOf('ann') }), false);
  assert.equal(r.sent.length, 0);
  assert.equal(r.stage('ann').log().entries.length, 0);
});

test('a newcomer asks one member for the log and gets one copy, whoever else is there', () => {
  const r = room(['host', 'ann', 'ben', 'new']);
  r.present.delete('new');
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.stage('host').perform({ type: 'make-moderator', target: r.keyOf('ann') });
  r.flush();
  r.present.add('new');
  r.sent.length = 0;
  for (const member of ['host', 'ann', 'ben']) r.stage('new').onLength(member, r.stage(member).log().entries.length);
  r.flush();
  assert.equal(r.sent.filter((m) => m.message.kind === 'acts-request').length, 1);
  assert.equal(r.sent.filter((m) => m.message.kind === 'acts').length, 1);
  assert.deepEqual(r.stage('new').log().heads, r.stage('host').log().heads);
  assert.equal(r.stage('new').caughtUp(), true);
  assert.equal(r.roleIn('new', 'ann'), 'moderator');
});

test('a newcomer is not caught up until it holds as much as every member reported', () => {
  const r = room(['host', 'new']);
  r.present.delete('new');
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.present.add('new');
  assert.equal(r.stage('new').caughtUp(), false, 'nobody has reported yet');
  r.stage('new').onLength('host', 1);
  assert.equal(r.stage('new').caughtUp(), false);
  r.flush();
  assert.equal(r.stage('new').caughtUp(), true);
});

test('a request that goes unanswered is sent to someone else', () => {
  const r = room(['host', 'ann', 'new']);
  r.present.delete('new');
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.flush();
  r.present.add('new');
  r.stage('new').onLength('host', 1);
  r.stage('new').onLength('ann', 1);
  r.present.delete('host');
  r.stage('new').onGone('host');
  r.flush();
  assert.equal(r.stage('new').caughtUp(), true);
  assert.equal(r.stage('new').log().state.kind, 'stage');
});

test('a member that leaves a request unanswered is passed over for another', () => {
  const r = room(['host', 'ann', 'new']);
  r.present.delete('new');
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.flush();
  r.present.add('new');
  // Whatever the host sends the newcomer is lost (say, eaten by a hostile server).
  Object.assign(r.lost, { from: 'host', to: 'new' });
  r.stage('new').onLength('host', 1);
  r.stage('new').onLength('ann', 1);
  r.flush();
  assert.equal(r.stage('new').caughtUp(), false);
  r.runTimers();
  r.flush();
  assert.equal(r.stage('new').caughtUp(), true);
  assert.equal(r.stage('new').log().state.kind, 'stage');
});

test('a member that missed an act in between asks for it and catches up', () => {
  const r = room(['host', 'ann', 'ben']);
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.queue.splice(r.queue.findIndex((m) => m.to === 'ben'), 1);
  r.stage('host').perform({ type: 'invite', target: r.keyOf('ben') });
  r.flush();
  assert.equal(r.stage('ben').log().entries.length, 2);
  assert.deepEqual(r.stage('ben').log().heads, r.stage('host').log().heads);
});

test('two acts made at the same moment settle on one order for everyone, and the loser’s act is made again', () => {
  const r = room(['host', 'ann', 'ben']);
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.flush();
  assert.equal(r.stage('ann').perform({ type: 'raise-hand' }), true);
  assert.equal(r.stage('ben').perform({ type: 'raise-hand' }), true);
  r.flush();
  const heads = r.stage('host').log().heads;
  for (const viewer of ['ann', 'ben']) assert.deepEqual(r.stage(viewer).log().heads, heads, viewer);
  assert.equal(r.stage('host').log().state.hands.length, 2, 'both hands are up, in one agreed order');
});

test('settled history is not rewritten by a late fork, unless the host sends it', () => {
  const r = room(['host', 'ann', 'mal']);
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.flush();
  // Mal raises a hand that nobody sees, and sees nothing of Ann's.
  r.stage('mal').perform({ type: 'raise-hand' });
  r.queue.length = 0;
  r.present.delete('mal');
  r.stage('ann').perform({ type: 'raise-hand' });
  r.flush();
  r.present.add('mal');
  r.clock.now += SETTLE_MS + 1;
  const before = r.stage('ann').log().heads;
  r.stage('ann').onActs('mal', r.stage('mal').log().entries);
  assert.deepEqual(r.stage('ann').log().heads, before, 'a stale fork is kept out whatever its hash');
  r.stage('ann').onActs('host', r.stage('mal').log().entries.slice(1));
  const malHeads = r.stage('mal').log().heads;
  assert.deepEqual(r.stage('ann').log().heads.slice(0, malHeads.length), malHeads, "the host's history wins");
  assert.deepEqual(r.stage('ann').log().state.hands, [r.keyOf('mal'), r.keyOf('ann')], "and Ann's hand is raised again on top of it");
});

test('acts that fail their checks are refused and reported', () => {
  const r = room(['host', 'ann']);
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.flush();
  const forged = { ...r.stage('host').log().entries[0]!, act: { type: 'set-kind' as const, kind: 'hangout' as const } };
  r.stage('ann').onActs('host', [forged]);
  assert.deepEqual(r.refused, ['ann←host']);
});

test('a member asking again and again gets a full log at once, then a frame a second', () => {
  const r = room(['host', 'ann'], { maxEntries: 120 });
  grow(r, 120);
  for (let i = 0; i < 5; i++) r.stage('host').onRequest('ann', 0);
  assert.equal(r.sent.length, 3, 'one copy of the whole log, however often asked');
  r.advance(1_000);
  for (let i = 0; i < 5; i++) r.stage('host').onRequest('ann', 0);
  r.advance(1_000);
  assert.equal(r.sent.length, 5);
});

test('a newcomer that acted before learning the log gives way to the room’s longer history, whatever the hashes', () => {
  const r = room(['host', 'ann', 'new']);
  r.present.delete('new');
  assert.equal(r.stage('host').perform({ type: 'set-info', title: 'Porch', description: '' }), true);
  r.flush();
  assert.equal(r.stage('ann').perform({ type: 'take-seat' }), true);
  r.flush();
  r.clock.now += SETTLE_MS * 10;
  r.present.add('new');
  // It stopped waiting and took a seat on an empty log, long after the room's acts settled.
  assert.equal(r.stage('new').perform({ type: 'take-seat' }), true);
  r.queue.length = 0;
  r.clock.now += SETTLE_MS * 2;
  r.stage('new').onActs('ann', r.stage('ann').log().entries);
  r.flush();
  const heads = r.stage('ann').log().heads;
  assert.deepEqual(r.stage('new').log().heads, heads, 'the newcomer holds the room’s history');
  assert.equal(r.roleIn('new', 'new'), 'speaker', 'and its seat was taken again on top of it');
  assert.equal(r.roleIn('ann', 'new'), 'speaker', 'which everyone else took too');
});

test('when the host and a newcomer act at the same moment, everyone keeps the host’s act first', () => {
  for (let i = 0; i < 4; i++) {
    const r = room(['host', 'ann', 'ben']);
    // The host declares a stage room just as Ann, not yet knowing, takes a hangout seat.
    assert.equal(r.stage('host').perform({ type: 'set-info', title: `Porch ${i}`, description: '' }), true);
    assert.equal(r.stage('host').perform({ type: 'set-kind', kind: 'stage' }), true);
    r.queue.length = 0;
    r.present.delete('host');
    assert.equal(r.stage('ann').perform({ type: 'take-seat' }), true);
    r.present.add('host');
    r.stage('ann').onActs('host', r.stage('host').log().entries);
    r.stage('host').onActs('ann', r.stage('ann').log().entries);
    r.flush();
    for (const viewer of ['host', 'ann']) {
      assert.equal(r.stage(viewer).log().state.kind, 'stage', `${viewer} in round ${i}`);
      assert.equal(r.roleIn(viewer, 'ann'), 'listener', `${viewer} in round ${i}: no seat in a stage room`);
    }
  }
});

test('two newcomers that took seats before meeting each other end up seated in one history', () => {
  const r = room(['host', 'ann', 'ben', 'cat']);
  r.present.delete('host');
  r.estrange('ben', 'cat');
  assert.equal(r.stage('ann').perform({ type: 'take-seat' }), true);
  r.flush();
  // Each takes the next place, and Ann hears of both: one of them loses the fork at Ann's.
  assert.equal(r.stage('ben').perform({ type: 'take-seat' }), true);
  assert.equal(r.stage('cat').perform({ type: 'take-seat' }), true);
  r.flush();
  r.introduce('ben', 'cat');
  r.flush();
  const heads = r.stage('ann').log().heads;
  for (const viewer of ['ben', 'cat']) assert.deepEqual(r.stage(viewer).log().heads, heads, viewer);
  for (const who of ['ben', 'cat']) assert.equal(r.roleIn('ann', who), 'speaker', who);
});

/**
 * A modified client: it signs, under as many fresh identities as it likes, every act the log
 * will take from them (until it is full), and sends them on in full `acts` messages.
 */
function flood(log: RoomLog, steps: [Identity, ActBody][]): SignedAct[] {
  let current = log;
  const acts: SignedAct[] = [];
  for (const [who, body] of steps) {
    const signed = signNext(current, body, who);
    const result = append(current, signed);
    if (!result.ok && result.reason === 'full') break;
    if (!result.ok) continue;
    current = result.log;
    acts.push(signed);
  }
  return acts;
}

test('a member flooding the log under many identities cannot keep the host from removing it or ending the room', () => {
  const r = room(['host', 'ann', 'mal'], { maxEntries: 80 });
  // In a hangout the attacker takes a seat; it and its throwaway identities then toggle what they may.
  const mal = r.identity('mal');
  const steps: [Identity, ActBody][] = [[mal, { type: 'take-seat' }]];
  for (let i = 0; i < 10; i++) steps.push([mal, { type: 'leave-stage' }], [mal, { type: 'take-seat' }]);
  for (let k = 0; k < 3; k++) {
    const throwaway = createIdentity();
    for (let i = 0; i < 40; i++) steps.push([throwaway, { type: i % 2 ? 'lower-hand' : 'raise-hand' }]);
  }
  const acts = flood(r.stage('mal').log(), steps);
  for (const to of ['host', 'ann']) for (let i = 0; i < acts.length; i += MAX_ACTS_PER_MESSAGE) r.stage(to).onActs('mal', acts.slice(i, i + MAX_ACTS_PER_MESSAGE));
  assert.equal(r.roleIn('host', 'mal'), 'speaker', 'the attacker sits on stage');
  assert.equal(r.stage('host').perform({ type: 'remove', target: r.keyOf('mal') }), true, 'the host can still remove it');
  r.flush();
  assert.equal(r.stage('ann').log().state.banned.includes(r.keyOf('mal')), true, 'and everyone holds the removal');
  assert.equal(r.stage('host').perform({ type: 'end' }), true, 'and the host can still end the room');
});

/** The host's log grown to `length` acts by toggling the room's kind. */
function grow(r: ReturnType<typeof room>, length: number): void {
  while (r.stage('host').log().entries.length < length) {
    r.stage('host').perform({ type: 'set-kind', kind: r.stage('host').log().state.kind === 'stage' ? 'hangout' : 'stage' });
  }
  r.queue.length = 0;
  r.sent.length = 0;
}

test('members asking over and over for a long log never make the member they ask exceed its rate limit at the server', () => {
  const askers = Array.from({ length: 20 }, (_, i) => `mal${i}`);
  const r = room(['host', ...askers], { maxEntries: 120 });
  grow(r, 120);
  // The server's limit on what one connection sends (signaling/limits.ts, with the default settings).
  const limit = createRateLimiter({ ratePerS: 40, burst: 80, nowMs: () => r.clock.now });
  const verdicts = new Set<string>();
  let counted = 0;
  for (let tick = 0; tick < 150; tick++) {
    for (const asker of askers) r.stage('host').onRequest(asker, 0);
    r.advance(100);
    for (; counted < r.sent.length; counted++) {
      if (r.sent[counted]!.from !== 'host') continue;
      const verdict = limit.take();
      verdicts.add(verdict === 'ok' || verdict === 'abusive' ? verdict : 'dropped');
    }
  }
  assert.ok(r.sent.length > 0, 'they are served');
  assert.deepEqual([...verdicts], ['ok']);
});

test('a removed member and one waiting in the lobby get one copy of the log each, however often they ask', () => {
  const r = room(['host', 'mal', 'lob']);
  r.present.delete('lob');
  r.stage('host').perform({ type: 'lock' });
  r.stage('host').perform({ type: 'remove', target: r.keyOf('mal') });
  r.present.add('lob');
  r.queue.length = 0;
  r.sent.length = 0;
  for (let i = 0; i < 3; i++) {
    r.stage('host').onRequest('mal', 0);
    r.stage('host').onRequest('lob', 0);
    r.advance(10_000);
  }
  assert.deepEqual(r.sent.filter((m) => m.message.kind === 'acts').map((m) => m.to), ['mal', 'lob']);
});

test('a claim of more acts than anyone sends stops keeping a newcomer waiting', () => {
  const r = room(['host', 'liar', 'new']);
  r.present.delete('new');
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.flush();
  r.present.add('new');
  Object.assign(r.lost, { from: 'liar', to: 'new' });
  r.stage('new').onLength('liar', 2 ** 31);
  r.stage('new').onLength('host', 1);
  for (let i = 0; i < 10 && !r.stage('new').caughtUp(); i++) {
    r.advance(2_500);
    // The liar says it again, as often as it likes.
    r.stage('new').onLength('liar', 2 ** 31);
    r.flush();
  }
  assert.equal(r.stage('new').caughtUp(), true);
  assert.equal(r.stage('new').log().state.kind, 'stage');
});

test('a fork that cannot win is set aside without checking its acts, however often it is sent', () => {
  const r = room(['host', 'ann', 'mal']);
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.flush();
  r.stage('ann').perform({ type: 'raise-hand' });
  r.flush();
  r.clock.now += SETTLE_MS * 2;
  // Mal's history parts from the room's at Ann's act, long settled, and a forged act follows.
  const base = r.stage('host').log();
  const own = signNext({ ...base, entries: base.entries.slice(0, 1), heads: base.heads.slice(0, 2) }, { type: 'raise-hand' }, r.identity('mal'));
  const forged = { ...own, n: 2, act: { type: 'make-moderator' as const, target: r.keyOf('mal') } };
  for (let i = 0; i < 5; i++) r.stage('host').onActs('mal', [own, forged]);
  assert.deepEqual(r.refused, [], 'nothing of it was checked');
  assert.deepEqual(r.stage('host').log().heads, base.heads);
});

test('a member that answers every request with acts we hold does not keep a newcomer waiting', () => {
  const r = room(['host', 'liar', 'new']);
  r.present.delete('new');
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.flush();
  r.present.add('new');
  r.stage('new').onActs('host', r.stage('host').log().entries);
  const held = r.stage('host').log().entries;
  Object.assign(r.lost, { from: 'liar', to: 'new' });
  r.stage('new').onLength('liar', 2 ** 31);
  assert.equal(r.stage('new').caughtUp(), false, 'at first the claim keeps it waiting');
  for (let i = 0; i < 10 && !r.stage('new').caughtUp(); i++) {
    r.stage('new').onActs('liar', held);
    r.advance(500);
    r.stage('new').onLength('liar', 2 ** 31);
  }
  assert.equal(r.stage('new').caughtUp(), true);
});
