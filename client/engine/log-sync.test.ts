import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentity, type Identity } from '../../shared/crypto.ts';
import type { ActBody, SignedAct } from '../../shared/room-acts.ts';
import { append, lengthOf, signNext, type RoomLog } from '../../shared/room-log.ts';
import { MAX_ACTS_PER_MESSAGE } from '../../shared/peer-message.ts';
import { createRateLimiter } from '../../signaling/limits.ts';
import { logRoom as room, type LogRoom } from '../../test/helpers/log-room.ts';
import { pollUntil } from '../../test/helpers/poll.ts';

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

test('an act signed ahead for the next place is made with that signature; once the log has moved on, it is signed when made', async () => {
  const r = room(['host', 'ann'], { signAhead: true });
  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  r.stage('ann').signAhead({ type: 'take-seat' });
  await settle();
  assert.equal(r.stage('ann').perform({ type: 'take-seat' }), true);
  assert.equal(r.traces.at(-1), 'ann: log: take-seat at 0 made (signed ahead)');
  r.flush();
  r.stage('ann').signAhead({ type: 'leave-stage' });
  await settle();
  assert.equal(r.stage('host').perform({ type: 'set-info', title: 'Friday', description: '' }), true);
  r.flush();
  assert.equal(r.stage('ann').perform({ type: 'leave-stage' }), true);
  assert.equal(r.traces.filter((line) => line.startsWith('ann: log: leave-stage')).at(-1), 'ann: log: leave-stage at 2 made');
  r.flush();
  assert.deepEqual(r.stage('host').log().entries.map((e) => e.act.type), ['take-seat', 'set-info', 'leave-stage'], 'the host takes both, signatures checked');
  assert.deepEqual(r.refused, []);
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
  // A checkpoint and then a full log of acts: one frame more than this log, which has no checkpoint to start from.
  const burst = Math.ceil(lengthOf(r.stage('host').log()) / MAX_ACTS_PER_MESSAGE) + 1;
  assert.equal(r.sent.length, burst, 'a full log at once, however often asked');
  r.advance(1_000);
  for (let i = 0; i < 5; i++) r.stage('host').onRequest('ann', 0);
  r.advance(1_000);
  assert.equal(r.sent.length, burst + 2);
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
function grow(r: LogRoom, length: number): void {
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

test('the copy a removed member or one in the lobby gets ends at the act that shut it out: nothing the room did since', () => {
  const r = room(['host', 'ann', 'mal', 'lob']);
  r.present.delete('lob');
  r.stage('host').perform({ type: 'remove', target: r.keyOf('mal') });
  r.stage('host').perform({ type: 'lock', admit: [r.keyOf('ann')] });
  r.stage('host').perform({ type: 'set-info', title: 'After the lock', description: '' });
  r.present.add('lob');
  r.sent.length = 0;
  r.stage('host').onRequest('mal', 0);
  r.stage('host').onRequest('lob', 0);
  r.stage('host').onRequest('ann', 0);
  r.advance(10_000);
  const handed = (to: string): string[] => r.sent.flatMap((m) => (m.to === to && m.message.kind === 'acts' ? m.message.entries.map((e) => e.act.type) : []));
  assert.deepEqual(handed('mal'), ['remove']);
  assert.deepEqual(handed('lob'), ['remove', 'lock']);
  assert.deepEqual(handed('ann'), ['remove', 'lock', 'set-info'], 'those let in get it all');
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

test('with signatures checked ahead, acts are taken in the order they came once checked, and a forged one is still refused', async () => {
  const r = room(['host', 'ann'], { checkAhead: true });
  r.present.delete('ann');
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.stage('host').perform({ type: 'make-moderator', target: r.keyOf('ann') });
  r.queue.length = 0;
  r.present.add('ann');
  const [first, second] = r.stage('host').log().entries as [SignedAct, SignedAct];
  const forged: SignedAct = { ...second, act: { type: 'end' } };
  r.stage('ann').onActs('host', [first]);
  r.stage('ann').onActs('host', [second]);
  r.stage('ann').onActs('host', [forged]);
  assert.equal(lengthOf(r.stage('ann').log()), 0, 'nothing is taken before its check');
  // The forgery came last, so once it is refused, all three have been checked.
  await pollUntil('the forgery refused', () => r.refused.length, (n) => n > 0, { timeoutMs: 10_000, everyMs: 10 });
  assert.equal(lengthOf(r.stage('ann').log()), 2);
  assert.equal(r.roleIn('ann', 'ann'), 'moderator');
  assert.equal(r.stage('ann').log().state.ended, false);
  assert.deepEqual(r.refused, ['ann←host'], 'the forgery is refused and counted');
});

test('with signatures checked ahead, a member that leaves while its acts are being checked leaves no claim behind', async () => {
  const r = room(['host', 'ann', 'bob'], { checkAhead: true });
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.stage('host').perform({ type: 'set-info', title: 'Porch', description: '' });
  r.queue.length = 0;
  r.sent.length = 0;
  // Bob missed the first act: Ann's copy of the second is a gap for him.
  r.stage('bob').onActs('ann', r.stage('host').log().entries.slice(1));
  r.stage('bob').onGone('ann');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(r.stage('bob').behind(), false);
  assert.equal(r.stage('bob').heardOfLog(), false);
  assert.deepEqual(r.sent.filter((m) => m.message.kind === 'acts-request'), [], 'and nobody asks the member that left');
  assert.equal(lengthOf(r.stage('bob').log()), 0, 'what it sent is dropped');
});
