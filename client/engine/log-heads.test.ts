/**
 * Histories that part silently: a hostile server keeps two members' acts from each other and then
 * lets everything through again, so that nobody acts on the other's history and no fork ever
 * arrives by itself. Members compare where their logs stand and find it within seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logRoom, type LogRoom } from '../../test/helpers/log-room.ts';
import { HEADS_EVERY_MS } from './log-heads.ts';

/** Time passes in small steps, and what is sent meanwhile arrives. */
function pass(r: LogRoom, ms: number): void {
  for (let t = 0; t < ms; t += 250) {
    r.advance(250);
    r.flush();
  }
}

/** Everyone has heard from everyone how long their logs are (their presence says so): all hold the log. */
function caughtUp(r: LogRoom, names: string[]): void {
  for (const name of names) for (const other of names) if (name !== other) r.stage(name).onLength(other, 1);
}

/** A stage room in which Ann and Ben raise their hands at one place, each unseen by the other. */
function parted(names: string[]): LogRoom {
  const r = logRoom(names);
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.flush();
  caughtUp(r, names);
  r.leave('host');
  r.cut('ann', 'ben');
  assert.equal(r.stage('ann').perform({ type: 'raise-hand' }), true);
  assert.equal(r.stage('ben').perform({ type: 'raise-hand' }), true);
  r.flush();
  assert.notDeepEqual(r.stage('ann').log().heads, r.stage('ben').log().heads, 'two histories of one length');
  return r;
}

test('two histories of one length that parted a moment ago meet within seconds and settle on one', () => {
  const r = parted(['host', 'ann', 'ben']);
  r.mend('ann', 'ben');
  pass(r, 2 * HEADS_EVERY_MS);
  assert.deepEqual(r.stage('ann').log().heads, r.stage('ben').log().heads);
  assert.equal(r.stage('ann').log().state.hands.length, 2, "the hand the fork rule put second is raised again on top, by its author");
  assert.deepEqual(r.stage('ann').split(), []);
  assert.deepEqual(r.stage('ben').split(), []);
});

test('histories that parted long ago, with the host away, are shown on both sides as parted from each other, and the host settles them', () => {
  const r = parted(['host', 'ann', 'ben']);
  pass(r, 60_000);
  r.mend('ann', 'ben');
  pass(r, 4 * HEADS_EVERY_MS);
  assert.notDeepEqual(r.stage('ann').log().heads, r.stage('ben').log().heads, 'the fork rule takes no history this old from a member');
  assert.deepEqual(r.stage('ann').split(), ['ben']);
  assert.deepEqual(r.stage('ben').split(), ['ann']);

  r.rejoin('host');
  pass(r, 6 * HEADS_EVERY_MS);
  const heads = r.stage('host').log().heads;
  for (const name of ['ann', 'ben']) {
    assert.deepEqual(r.stage(name).log().heads.slice(0, heads.length), heads, `${name} holds the host's history`);
    assert.deepEqual(r.stage(name).split(), [], `${name} is told nothing differs any more`);
  }
  assert.equal(r.stage('ann').log().state.hands.length, 2, 'the hand the host’s history left out is raised again');
});

test('a member that lies about where its log stands is asked for its history, and no parting is shown without one', () => {
  const r = logRoom(['host', 'ann', 'mal']);
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.stage('ann').perform({ type: 'raise-hand' });
  r.flush();
  const asked = (): number => r.sent.filter((m) => m.from === 'ann' && m.to === 'mal' && m.message.kind === 'acts-request').length;
  const before = asked();
  r.stage('ann').onHead('mal', 1, 'A'.repeat(43), false);
  r.flush('mal');
  assert.equal(asked(), before + 1, 'Ann asks Mal for the history it claims');
  for (let i = 0; i < 20; i++) r.stage('ann').onHead('mal', 1, 'A'.repeat(43), true);
  assert.equal(asked(), before + 1, 'and not again for a while, however often it claims it');
  pass(r, 30_000);
  assert.deepEqual(r.stage('ann').split(), [], 'a claim no act backs shows nothing');
});

test('each member tells at most four others a round where its log stands, however large the room', () => {
  const names = ['host', ...Array.from({ length: 11 }, (_, i) => `m${i}`)];
  const r = logRoom(names);
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.flush();
  caughtUp(r, names);
  const start = r.sent.length;
  pass(r, 10 * HEADS_EVERY_MS);
  const heads = r.sent.slice(start).filter((m) => m.message.kind === 'head');
  for (const name of names) {
    const told = heads.filter((m) => m.from === name);
    assert.ok(told.length <= 4 * 10, `${name} sent ${told.length} heads in 10 rounds`);
    assert.ok(new Set(told.map((m) => m.to)).size === names.length - 1, `${name} told everyone in turn`);
  }
});

test('a fork whose first act is forged shows no parting, however long its sender’s heads differ', () => {
  const r = logRoom(['host', 'ann', 'mal']);
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.stage('ann').perform({ type: 'raise-hand' });
  r.flush();
  caughtUp(r, ['host', 'ann', 'mal']);
  pass(r, 60_000);
  // Mal's own page is kept out: what Ann hears of Mal is only what the test sends as Mal.
  r.cut('mal', 'ann');
  r.cut('mal', 'host');
  // Mal "raises a hand" at Ann's place, under Ann's name: a signature that does not hold.
  const [, genuine] = r.stage('ann').log().entries;
  const forged = { ...genuine!, act: { type: 'lower-hand' as const } };
  r.stage('ann').onActs('mal', [forged]);
  for (let i = 0; i < 10; i++) {
    r.stage('ann').onHead('mal', 2, 'M'.repeat(43), false);
    pass(r, HEADS_EVERY_MS);
  }
  assert.deepEqual(r.stage('ann').split(), []);
});

test('a member the room does not let in learns nothing from our heads, and its own are ignored', () => {
  const r = logRoom(['host', 'ann', 'rex']);
  r.stage('host').perform({ type: 'remove', target: r.keyOf('rex') });
  r.flush();
  caughtUp(r, ['host', 'ann', 'rex']);
  const start = r.sent.length;
  r.stage('ann').onHead('rex', 1, 'R'.repeat(43), true);
  pass(r, 10 * HEADS_EVERY_MS);
  const toRex = r.sent.slice(start).filter((m) => m.to === 'rex' && m.from !== 'rex');
  assert.deepEqual(toRex.map((m) => m.message.kind), []);
});
