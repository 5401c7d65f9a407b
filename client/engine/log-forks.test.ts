/**
 * Forks in the room log, as members live them: which history everyone keeps when acts cross, and
 * what becomes of the acts a winning history leaves out. Attackers here are modified clients
 * (grinding keys) and a hostile server (withholding acts from some members).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentity } from '../../shared/crypto.ts';
import { append, entryAt, signNext, truncate } from '../../shared/room-log.ts';
import type { SignedAct } from '../../shared/room-acts.ts';
import { logRoom as room } from '../../test/helpers/log-room.ts';
import { SETTLE_MS } from './log-copy.ts';

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

test('a fork that cannot win is set aside without checking its acts, however often it is sent', () => {
  const r = room(['host', 'ann', 'mal']);
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.flush();
  r.stage('ann').perform({ type: 'raise-hand' });
  r.flush();
  r.clock.now += SETTLE_MS * 2;
  // Mal's history parts from the room's at Ann's act, long settled, and a forged act follows.
  const base = r.stage('host').log();
  const own = signNext(truncate(base, 1), { type: 'raise-hand' }, r.identity('mal'));
  const forged = { ...own, n: 2, act: { type: 'make-moderator' as const, target: r.keyOf('mal') } };
  for (let i = 0; i < 5; i++) r.stage('host').onActs('mal', [own, forged]);
  assert.deepEqual(r.refused, [], 'nothing of it was checked');
  assert.deepEqual(r.stage('host').log().heads, base.heads);
});

test('a member grinding fresh keys cannot displace a moderator’s removal, however many it tries', () => {
  const r = room(['host', 'mod', 'ann', 'mal']);
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.stage('host').perform({ type: 'make-moderator', target: r.keyOf('mod') });
  r.stage('mal').perform({ type: 'raise-hand' });
  r.flush();
  assert.equal(r.stage('mod').perform({ type: 'remove', target: r.keyOf('mal') }), true);
  r.flush();
  const removal = r.stage('ann').log().entries.at(-1)!;
  const before = truncate(r.stage('ann').log(), removal.n);
  // Within the moments in which a fork is still settled, the attacker sends a rival act for the
  // removal's place under one throwaway identity after another.
  for (let i = 0; i < 32; i++) {
    const rival = signNext(before, { type: 'raise-hand' }, createIdentity());
    for (const member of ['host', 'ann']) r.stage(member).onActs('mal', [rival]);
    r.flush();
    for (const member of ['host', 'mod', 'ann']) {
      assert.equal(r.stage(member).log().entries[removal.n]?.sig, removal.sig, `${member} kept the removal against key ${i}`);
    }
  }
  assert.equal(r.stage('ann').log().state.banned.includes(r.keyOf('mal')), true);
});

test('a removal the server kept from the host is not undone when the host acts minutes later', () => {
  const r = room(['host', 'mod', 'ann', 'x']);
  r.stage('host').perform({ type: 'make-moderator', target: r.keyOf('mod') });
  r.flush();
  // The server keeps everything the moderator sends from the host, and the moderator leaves after removing X.
  Object.assign(r.lost, { from: 'mod', to: 'host' });
  assert.equal(r.stage('mod').perform({ type: 'remove', target: r.keyOf('x') }), true);
  r.flush();
  r.leave('x');
  r.leave('mod');
  r.advance(5 * 60_000);
  // The host, never having seen the removal, acts at the same place; its history wins.
  r.stage('host').perform({ type: 'set-info', title: 'Later', description: '' });
  r.flush();
  assert.equal(r.stage('ann').log().state.title, 'Later');
  const lost = r.stage('ann').lostActs();
  assert.deepEqual(
    lost.map((entry) => [entry.by, entry.act]),
    [[r.keyOf('mod'), { type: 'remove', target: r.keyOf('x') }]],
    'Ann, who had taken the removal, shows it as lost',
  );
  // The moderator comes back in a new visit, holding nothing of the log; Ann hands it its removal.
  Object.assign(r.lost, { from: '', to: '' });
  r.rejoin('mod');
  r.flush();
  for (const member of ['host', 'mod', 'ann']) assert.equal(r.stage(member).log().state.banned.includes(r.keyOf('x')), true, `${member} holds the removal again`);
  assert.deepEqual(r.stage('ann').lostActs(), [], 'and nothing is lost any more');
});

test('a lost removal is made again as its author asks for it afresh, not signed again as it was (its key went to whom a lost history let in)', () => {
  const fresh = 'F'.repeat(43);
  const r = room(['host', 'mod', 'ann', 'x'], { remake: (act) => (act.type === 'remove' ? { ...act, epoch: fresh } : act) });
  r.stage('host').perform({ type: 'make-moderator', target: r.keyOf('mod') });
  r.flush();
  Object.assign(r.lost, { from: 'mod', to: 'host' });
  assert.equal(r.stage('mod').perform({ type: 'remove', target: r.keyOf('x'), epoch: 'E'.repeat(43) }), true);
  r.flush();
  r.advance(5 * 60_000);
  r.stage('host').perform({ type: 'set-info', title: 'Later', description: '' });
  Object.assign(r.lost, { from: '', to: '' });
  r.flush();
  for (const member of ['host', 'mod', 'ann']) {
    const state = r.stage(member).log().state;
    assert.equal(state.banned.includes(r.keyOf('x')), true, `${member} holds the removal again`);
    assert.equal(state.epoch, fresh, `${member} holds it under the fresh key`);
  }
});

test('every act of a stretch the server kept from the host is made again, in order, when its author is back', () => {
  const r = room(['host', 'mod', 'ann', 'x', 'y']);
  r.stage('host').perform({ type: 'make-moderator', target: r.keyOf('mod') });
  r.flush();
  assert.equal(r.stage('y').perform({ type: 'take-seat' }), true);
  r.flush();
  Object.assign(r.lost, { from: 'mod', to: 'host' });
  assert.equal(r.stage('mod').perform({ type: 'mute', target: r.keyOf('y') }), true);
  assert.equal(r.stage('mod').perform({ type: 'remove', target: r.keyOf('x') }), true);
  r.flush();
  r.leave('x');
  r.leave('mod');
  r.advance(5 * 60_000);
  r.stage('host').perform({ type: 'set-info', title: 'Later', description: '' });
  r.flush();
  assert.deepEqual(
    r.stage('ann').lostActs().map((entry) => entry.act.type),
    ['mute', 'remove'],
  );
  Object.assign(r.lost, { from: '', to: '' });
  r.rejoin('mod');
  r.flush();
  for (const member of ['host', 'ann']) {
    const { state } = r.stage(member).log();
    assert.deepEqual([state.hostMuted.includes(r.keyOf('y')), state.banned.includes(r.keyOf('x'))], [true, true], member);
  }
  assert.deepEqual(r.stage('ann').lostActs(), []);
});

test('an act the author already made again is not made again when an old loss is replayed to it', () => {
  const r = room(['host', 'mod', 'ann', 'y']);
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.stage('host').perform({ type: 'make-moderator', target: r.keyOf('mod') });
  r.flush();
  assert.equal(r.stage('mod').perform({ type: 'invite', target: r.keyOf('y') }), true);
  r.flush();
  assert.equal(r.stage('y').perform({ type: 'accept-invite' }), true);
  r.flush();
  // The moderator mutes Y just as the host acts: the host's act wins, and the mute is made again on top.
  assert.equal(r.stage('mod').perform({ type: 'mute', target: r.keyOf('y') }), true);
  const mute = r.stage('mod').log().entries.at(-1)!;
  r.stage('host').perform({ type: 'set-info', title: 'Crossing', description: '' });
  r.flush();
  for (const member of ['host', 'mod', 'ann']) assert.equal(r.stage(member).log().state.hostMuted.includes(r.keyOf('y')), true, member);
  assert.deepEqual(r.stage('ann').lostActs(), []);
  // Later the moderator lets Y speak again; someone replays the lost mute to it.
  assert.equal(r.stage('mod').perform({ type: 'allow-unmute', target: r.keyOf('y') }), true);
  r.flush();
  r.stage('mod').onLostActs('ann', [mute]);
  r.flush();
  assert.equal(r.stage('host').log().state.hostMuted.includes(r.keyOf('y')), false, 'Y stays free to speak');
  assert.deepEqual(r.refused, []);
});

test('a lost act of ours that we never signed is refused and reported, and nothing is made of it', () => {
  const r = room(['host', 'mod', 'ann']);
  r.stage('host').perform({ type: 'make-moderator', target: r.keyOf('mod') });
  r.flush();
  const honest = signNext(r.stage('mod').log(), { type: 'lock' }, r.identity('mod'));
  const forged = { ...honest, act: { type: 'remove' as const, target: r.keyOf('ann') } };
  r.stage('mod').onLostActs('ann', [forged]);
  r.flush();
  assert.deepEqual(r.refused, ['mod←ann']);
  assert.equal(r.stage('host').log().entries.length, 1);
});

test('a member acting just as a flood’s batch lands keeps its act where the fork rule puts it, however long the batch', () => {
  const r = room(['host', 'ann', 'mal']);
  assert.equal(r.stage('host').perform({ type: 'set-info', title: 'Porch', description: '' }), true);
  // Ann has acted in the room before; the flood's throwaway identity never has.
  assert.equal(r.stage('ann').perform({ type: 'raise-hand' }), true);
  r.flush();
  const head = r.stage('ann').log();
  const throwaway = createIdentity();
  const batch: SignedAct[] = [];
  for (let i = 0, log = head; i < 20; i++) {
    const signed = signNext(log, { type: i % 2 ? 'lower-hand' : 'raise-hand' }, throwaway);
    const next = append(log, signed, { signedHere: true });
    assert.ok(next.ok);
    log = next.log;
    batch.push(signed);
  }
  assert.equal(r.stage('ann').perform({ type: 'lower-hand' }), true);
  r.stage('ann').onActs('mal', batch);
  assert.equal(entryAt(r.stage('ann').log(), head.entries.length)?.by, r.keyOf('ann'), 'Ann does not give way to the longer batch');
  r.stage('host').onActs('mal', batch);
  r.flush();
  for (const member of ['host', 'ann']) {
    const entry = entryAt(r.stage(member).log(), head.entries.length);
    assert.equal(entry?.by, r.keyOf('ann'), `${member} keeps Ann's act at the place both were made for`);
  }
});

test('a newcomer that acted on an empty log gives way to the room’s longer history at once, not only once its act has settled', () => {
  for (let i = 0; i < 8; i++) {
    const r = room(['ann', 'new', 'host'], { hostIndex: 2 });
    r.present.delete('new');
    r.present.delete('host');
    // The host is away; the room's first act is a member's, as the newcomer's is.
    for (const type of ['take-seat', 'leave-stage', 'take-seat'] as const) assert.equal(r.stage('ann').perform({ type }), true);
    r.flush();
    r.present.add('new');
    assert.equal(r.stage('new').perform({ type: 'take-seat' }), true);
    r.queue.length = 0;
    r.stage('new').onActs('ann', r.stage('ann').log().entries);
    r.flush();
    assert.equal(entryAt(r.stage('new').log(), 0)?.by, r.keyOf('ann'), `round ${i}: the newcomer holds the room’s history`);
  }
});
