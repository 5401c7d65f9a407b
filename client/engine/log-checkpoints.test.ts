import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentity } from '../../shared/crypto.ts';
import { stateDigest, type Checkpoint } from '../../shared/checkpoint.ts';
import { MAX_ACTS_PER_MESSAGE } from '../../shared/peer-message.ts';
import type { SignedAct } from '../../shared/room-acts.ts';
import { append, entryAt, headOf, lengthOf, signNext, type RoomLog } from '../../shared/room-log.ts';
import { prefersFork } from '../../shared/fork-rule.ts';
import { logRoom as room, type LogRoom } from '../../test/helpers/log-room.ts';
import { SETTLE_MS } from './log-copy.ts';

/**
 * Tests use a log of 40 places, which the host checkpoints every 10 (a quarter), so that a history
 * many times the log's size takes a few hundred signatures to make: tweetnacl is slow here.
 */
const PLACES = 40;
const INTERVAL = PLACES / 4;
const logRoom = (names: string[]): LogRoom => room(names, { maxEntries: PLACES });

/**
 * A modified client flooding the log live: round after round, a fresh identity signs as many
 * hand toggles as the log takes from it on top of the host's latest history, and sends them to
 * everyone in full `acts` messages. Returns how many acts the room took.
 */
function floodLive(r: LogRoom, rounds: number, to: readonly string[], pause = SETTLE_MS / 5): number {
  let taken = 0;
  for (let round = 0; round < rounds; round++) {
    const who = createIdentity();
    let log = r.stage('host').log();
    const acts: SignedAct[] = [];
    for (let i = 0; i < MAX_ACTS_PER_MESSAGE; i++) {
      const result = append(log, signNext(log, { type: i % 2 ? 'lower-hand' : 'raise-hand' }, who), { signedHere: true });
      if (!result.ok) break;
      acts.push(result.log.entries[result.log.entries.length - 1]!);
      log = result.log;
    }
    if (acts.length > 0) for (const member of to) r.stage(member).onActs('mal', acts);
    taken += acts.length;
    r.flush();
    r.advance(pause);
  }
  return taken;
}

/** `name` arrives holding nothing and hears from the others how long their logs are. */
function arrive(r: LogRoom, name: string): void {
  r.present.add(name);
  r.sent.length = 0;
  for (const member of [...r.present]) if (member !== name) r.introduce(name, member);
  for (const member of [...r.present]) if (member !== name) r.stage(name).onLength(member, lengthOf(r.stage(member).log()));
  r.flush();
}

const handedTo = (r: LogRoom, name: string) => r.sent.filter((m) => m.to === name).map((m) => m.message);

test('the host checkpoints as the log grows, and every member lets go of what came before once no fork can undo it', () => {
  const r = logRoom(['host', 'ann']);
  const taken = floodLive(r, 3, ['host', 'ann']);
  assert.ok(taken > PLACES, `${taken} acts`);
  r.advance(SETTLE_MS);
  for (const member of ['host', 'ann']) {
    const log = r.stage(member).log();
    assert.ok(log.checkpoint !== null, `${member} starts at a checkpoint`);
    assert.ok(log.entries.length <= INTERVAL, `${member} holds ${log.entries.length} acts`);
    assert.ok(lengthOf(log) > taken);
  }
  assert.equal(lengthOf(r.stage('ann').log()), lengthOf(r.stage('host').log()));
  assert.equal(headOf(r.stage('ann').log()), headOf(r.stage('host').log()));
});

/** A host whose history runs several times past the log's size, settled at a checkpoint, and a newcomer not in the room yet. */
function longHistory(): LogRoom {
  const r = logRoom(['host', 'new']);
  r.present.delete('new');
  floodLive(r, 6, ['host']);
  r.stage('host').perform({ type: 'set-kind', kind: 'stage' });
  r.flush();
  r.advance(SETTLE_MS);
  return r;
}

test('a newcomer to a room whose history is many times the log is handed the checkpoint and the acts after it: it checks a few signatures, not the history', () => {
  const r = longHistory();
  assert.ok(lengthOf(r.stage('host').log()) > 3 * PLACES);
  arrive(r, 'new');
  const handed = handedTo(r, 'new');
  const checkpoints = handed.filter((m) => m.kind === 'checkpoint');
  const acts = handed.flatMap((m) => (m.kind === 'acts' ? m.entries : []));
  assert.equal(checkpoints.length, 1);
  assert.ok(acts.length <= INTERVAL, `${acts.length} acts to check`);
  assert.equal(headOf(r.stage('new').log()), headOf(r.stage('host').log()));
  assert.equal(r.stage('new').log().state.kind, 'stage');
  assert.equal(r.stage('new').caughtUp(), true);
});

test('under a flood of more acts than the log holds, from throwaway identities, the log never fills: staff and members act throughout', () => {
  const r = logRoom(['host', 'ann', 'mia']);
  r.stage('host').perform({ type: 'make-moderator', target: r.keyOf('mia') });
  r.flush();
  const taken = floodLive(r, 3, ['host', 'ann', 'mia']);
  assert.ok(taken > PLACES, `the room took ${taken} acts of the flood, more than its log holds`);
  assert.equal(r.stage('ann').perform({ type: 'raise-hand' }), true, 'a member still finds a place');
  r.flush();
  // As the room locks: those here stay in (room.ts), and only they get the room's acts from then on.
  assert.equal(r.stage('mia').perform({ type: 'lock', admit: [r.keyOf('ann')] }), true, 'and a moderator');
  r.flush();
  assert.equal(r.stage('host').perform({ type: 'end' }), true, 'and the host');
  r.flush();
  for (const member of ['ann', 'mia']) assert.equal(r.stage(member).log().state.ended, true, member);
});

/** A room of some history, settled at a checkpoint, and a newcomer not yet in it. */
function checkpointedRoom(): { r: LogRoom; genuine: Checkpoint } {
  const r = logRoom(['host', 'mal', 'new']);
  r.present.delete('new');
  floodLive(r, 2, ['host', 'mal']);
  r.advance(SETTLE_MS);
  const genuine = r.stage('host').log().checkpoint;
  assert.ok(genuine, 'the host has checkpointed');
  return { r, genuine };
}

test('a checkpoint a member forged, or a genuine one carrying another room, is refused, blamed on its sender, and changes nothing', () => {
  const { r, genuine } = checkpointedRoom();
  r.present.add('new');
  r.introduce('new', 'mal');
  const mal = r.identity('mal');
  const crowned = { ...genuine.state, moderators: [r.keyOf('mal')] };
  const forgeries: Checkpoint[] = [
    { act: signNext(r.stage('host').log(), { type: 'checkpoint', state: stateDigest(crowned) }, mal), state: crowned },
    { act: genuine.act, state: crowned },
    { act: { ...genuine.act, n: genuine.act.n + 7 }, state: genuine.state },
  ];
  for (const forged of forgeries) r.stage('new').onCheckpoint('mal', forged);
  assert.deepEqual(r.refused, ['new←mal', 'new←mal', 'new←mal']);
  assert.equal(lengthOf(r.stage('new').log()), 0);
});

test('an old checkpoint handed again changes nothing for a member that holds a newer one', () => {
  const { r, genuine } = checkpointedRoom();
  floodLive(r, 2, ['host', 'mal']);
  r.advance(SETTLE_MS);
  const before = r.stage('mal').log();
  assert.ok(before.base > genuine.act.n + 1, 'mal starts at a newer checkpoint');
  r.stage('mal').onCheckpoint('host', genuine);
  assert.equal(r.stage('mal').log(), before);
  assert.deepEqual(r.refused, []);
});

test('a newcomer that made its own acts before it held the log makes them again on top of the checkpoint it is handed', () => {
  const { r } = checkpointedRoom();
  r.present.add('new');
  assert.equal(r.stage('new').perform({ type: 'raise-hand' }), true, 'made on its empty copy');
  r.queue.length = 0;
  arrive(r, 'new');
  const hands = (name: string): readonly string[] => r.stage(name).log().state.hands;
  assert.deepEqual(hands('new'), [r.keyOf('new')]);
  assert.deepEqual(hands('host'), [r.keyOf('new')], 'the host holds the act made again');
  assert.equal(headOf(r.stage('new').log()), headOf(r.stage('host').log()));
});

test('members that never held a checkpoint still hold the same room as those that start at one', () => {
  const r = logRoom(['host', 'ann']);
  floodLive(r, 3, ['host', 'ann'], 0);
  const full: RoomLog = r.stage('ann').log();
  assert.equal(full.base, 0, 'before the checkpoints have settled, nothing is let go');
  r.advance(SETTLE_MS);
  const compacted = r.stage('ann').log();
  assert.ok(compacted.base > 0);
  assert.deepEqual(compacted.state, full.state);
  assert.equal(headOf(compacted), headOf(full));
});

test('nobody leaves a history it has checkpointed: a fork before the checkpoint is refused, however the fork rule would settle it, and everyone ends on the host’s', () => {
  const r = logRoom(['host', 'ann', 'mal']);
  for (let i = 0; i < INTERVAL - 1; i++) r.stage('host').perform({ type: 'set-info', title: `t${i}`, description: '' });
  r.flush();
  // mal signs two acts for the same place, under two keys, and shows each side a different one.
  const before = r.stage('host').log();
  const pair = [signNext(before, { type: 'raise-hand' }, r.identity('mal')), signNext(before, { type: 'raise-hand' }, createIdentity())];
  const withFirst = append(before, pair[0]!, { signedHere: true });
  assert.ok(withFirst.ok);
  const [preferred, other] = prefersFork(withFirst.log, pair[1]!) ? [pair[1]!, pair[0]!] : [pair[0]!, pair[1]!];
  r.stage('host').onActs('mal', [other]);
  const checkpoint = entryAt(r.stage('host').log(), other.n + 1);
  assert.equal(checkpoint?.act.type, 'checkpoint', 'the host checkpoints on top of the act it got first');
  r.stage('ann').onActs('mal', [preferred]);
  r.stage('host').onActs('mal', [preferred]);
  assert.equal(entryAt(r.stage('host').log(), other.n)?.sig, other.sig, 'the host keeps its checkpointed history');
  r.flush();
  r.advance(SETTLE_MS);
  r.flush();
  assert.equal(headOf(r.stage('ann').log()), headOf(r.stage('host').log()), 'and ann takes it');
  assert.equal(headOf(r.stage('mal').log()), headOf(r.stage('host').log()));
});

test('a newcomer handed a checkpoint is not caught up until it holds the acts after it, however far past a log’s size the places run', () => {
  const r = longHistory();
  const host = r.stage('host').log();
  assert.ok(host.checkpoint && host.entries.length > 0 && lengthOf(host) > PLACES);
  r.stage('new').onCheckpoint('host', host.checkpoint);
  r.stage('new').onLength('host', lengthOf(host));
  assert.equal(r.stage('new').behind(), true);
  assert.equal(r.stage('new').caughtUp(), false);
});
