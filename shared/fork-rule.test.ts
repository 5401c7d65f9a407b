import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { createIdentity, type Identity } from './crypto.ts';
import type { ActBody, SignedAct } from './room-acts.ts';
import { append, compactAt, createLog, partingOf, signNext, type RoomLog } from './room-log.ts';
import { stateDigest } from './checkpoint.ts';
import { prefersFork, stillLost } from './fork-rule.ts';
import { rankOf } from './log-quota.ts';
import { applyAct } from './room-state.ts';
import { ANN, BEN, MIA, RULES, ROOM_ID, ann, ben, host, key, mia } from '../test/helpers/log-cast.ts';

const empty = createLog(ROOM_ID, RULES);

/** Whether the reducer would take the act: asked before signing, which costs far more. */
const takes = (log: RoomLog, who: Identity, body: ActBody): boolean => applyAct(log.state, RULES, { by: key(who), act: body }) !== log.state;
/** The log with `who`'s act appended, or null when the reducer would not take it there. */
function tryAct(log: RoomLog, who: Identity, body: ActBody): RoomLog | null {
  if (!takes(log, who, body)) return null;
  const result = append(log, signNext(log, body, who));
  return result.ok ? result.log : null;
}
const act = (log: RoomLog, who: Identity, body: ActBody): RoomLog => tryAct(log, who, body) ?? assert.fail(`${body.type} refused`);
const play = (log: RoomLog, steps: [Identity, ActBody][]): RoomLog => steps.reduce((l, [who, body]) => act(l, who, body), log);
const at = (log: RoomLog, n: number): SignedAct => log.entries[n] ?? assert.fail(`no act at ${n}`);

/** A stage room: Ben raised a hand early, Mia moderates, Ann was invited up and speaks. */
const stage = play(empty, [
  [ben, { type: 'raise-hand' }],
  [host, { type: 'set-kind', kind: 'stage' }],
  [host, { type: 'make-moderator', target: MIA }],
  [mia, { type: 'invite', target: ANN }],
  [ann, { type: 'accept-invite' }],
]);

/** Which of `a` and `b`, two histories that part at their last act, both sides keep (checking that they agree). */
function settle(a: RoomLog, b: RoomLog): 'a' | 'b' {
  const n = a.entries.length - 1;
  assert.ok(partingOf(a, b.entries.slice(n)) && partingOf(b, a.entries.slice(n)), 'the two histories part at their last act');
  const aSwitches = prefersFork(a, at(b, n));
  const bSwitches = prefersFork(b, at(a, n));
  assert.notEqual(aSwitches, bSwitches, 'exactly one side takes the other history');
  return aSwitches ? 'b' : 'a';
}

test('no number of fresh keys displaces a moderator’s removal at the same place', () => {
  const removal = act(stage, mia, { type: 'remove', target: ANN });
  // The attacker makes throwaway identities until one of them would win the place; none must.
  for (let i = 0; i < 32; i++) {
    const grinder = tryAct(stage, createIdentity(), { type: 'raise-hand' });
    assert.ok(grinder);
    assert.equal(settle(removal, grinder), 'a', `fresh key ${i} displaced the removal`);
  }
});

test('keys that acted early, made ready in advance, cannot displace it with any act they may sign there', () => {
  // The attacker had a batch of throwaway keys raise hands before anyone else acted, so they come first in the log.
  const prepared = Array.from({ length: 24 }, () => createIdentity());
  const early = play(empty, prepared.map((who): [Identity, ActBody] => [who, { type: 'raise-hand' }]));
  const room = play(early, [
    [host, { type: 'set-kind', kind: 'stage' }],
    [host, { type: 'make-moderator', target: MIA }],
    [mia, { type: 'invite', target: ANN }],
    [ann, { type: 'accept-invite' }],
  ]);
  const removal = act(room, mia, { type: 'remove', target: ANN });
  const bodies: ActBody[] = [{ type: 'leave-stage' }, { type: 'raise-hand' }, { type: 'lower-hand' }, { type: 'decline-invite' }, { type: 'stand-in' }];
  let tried = 0;
  for (const who of [ann, ...prepared]) {
    for (const body of bodies) {
      const rival = tryAct(room, who, body);
      if (rival === null) continue;
      tried++;
      assert.equal(settle(removal, rival), 'a', `a ${body.type} displaced the removal`);
    }
  }
  assert.ok(tried > prepared.length, 'the attacker had acts to try');
});

test('at a fork the host’s act wins over anyone else’s, whatever the hashes, on both sides', () => {
  const lobby = act(empty, ben, { type: 'raise-hand' });
  for (let i = 0; i < 8; i++) {
    const byHost = act(lobby, host, { type: 'set-info', title: `Porch ${i}`, description: '' });
    assert.equal(settle(byHost, act(lobby, ann, { type: 'raise-hand' })), 'a');
  }
});

test('between two members of one rank, the one who acted in the room’s history first wins, on both sides', () => {
  const hangout = play(empty, [[ben, { type: 'raise-hand' }]]);
  for (let i = 0; i < 16; i++) {
    // Ben has acted before; a newcomer with a fresh key has not, whatever key it picks.
    const byBen = act(hangout, ben, { type: 'take-seat' });
    assert.equal(settle(act(hangout, createIdentity(), { type: 'take-seat' }), byBen), 'b');
  }
});

test('seniority counts from the host’s latest checkpoint, so a copy that let go of what came before it settles forks alike', () => {
  // Ben acted before the checkpoint, Ann after it: from the checkpoint on, Ann was in the log first.
  const early = play(empty, [[ben, { type: 'raise-hand' }]]);
  const checkpoint = append(early, signNext(early, { type: 'checkpoint', state: stateDigest(early.state) }, host));
  const checked = checkpoint.ok ? checkpoint.log : assert.fail('checkpoint refused');
  const later = act(checked, ann, { type: 'raise-hand' });
  const byBen = act(later, ben, { type: 'lower-hand' });
  const byAnn = act(later, ann, { type: 'lower-hand' });
  assert.equal(settle(byBen, byAnn), 'b');
  const n = later.entries.length;
  assert.equal(prefersFork(compactAt(byBen, 1), at(byAnn, n)), true, 'a copy starting at the checkpoint agrees');
  assert.equal(prefersFork(compactAt(byAnn, 1), at(byBen, n)), false);
});

test('a removal a winning history left out stays lost until its author makes it again', () => {
  const removal = at(act(stage, mia, { type: 'remove', target: ANN }), stage.entries.length);
  const winner = act(stage, host, { type: 'set-info', title: 'Later', description: '' });
  const since = stage.entries.length;
  assert.equal(stillLost(winner, since, removal), true);
  assert.equal(stillLost(act(winner, mia, { type: 'remove', target: ANN }), since, removal), false, 'made again on top');
  // Demoted in the winning history, Mia cannot make it again, but the host still could: it stays shown.
  assert.equal(stillLost(act(winner, host, { type: 'move-to-audience', target: MIA }), since, removal), true);
});

test('a lost act that holds anyway, or that nobody could make any more, is no longer lost', () => {
  const since = stage.entries.length;
  const removal = at(act(stage, mia, { type: 'remove', target: ANN }), since);
  assert.equal(stillLost(act(stage, host, { type: 'remove', target: ANN }), since, removal), false, 'the host removed Ann too');
  const hand = at(act(stage, ben, { type: 'lower-hand' }), since);
  assert.equal(stillLost(act(stage, host, { type: 'invite', target: BEN }), since, hand), true, 'Ben could still lower his hand');
  const ended = act(stage, host, { type: 'end' });
  assert.equal(stillLost(ended, since, hand), false, 'in an ended room nobody can');
});

// --- properties -----------------------------------------------------------------------------

/** Identities from 32-byte seeds, so fast-check can make as many fresh keys as it likes. */
const identityOf = (seed: Uint8Array): Identity => nacl.sign.keyPair.fromSeed(seed);
const fresh = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(identityOf);
const cast = fc.oneof(fc.constantFrom(host, mia, ann, ben), fresh);
const bodies: fc.Arbitrary<ActBody> = fc.oneof(
  fc.constantFrom<ActBody>({ type: 'take-seat' }, { type: 'raise-hand' }, { type: 'lower-hand' }, { type: 'accept-invite' }, { type: 'leave-stage' }, { type: 'lock' }),
  fc.constantFrom('hangout' as const, 'stage' as const).map((kind): ActBody => ({ type: 'set-kind', kind })),
  fc.string({ maxLength: 4 }).map((title): ActBody => ({ type: 'set-info', title, description: '' })),
  fc
    .tuple(fc.constantFrom('invite', 'mute', 'make-moderator', 'remove'), fc.constantFrom(MIA, ANN, BEN))
    .map(([type, target]) => ({ type, target }) as ActBody),
);
const steps = fc.array(fc.tuple(cast, bodies), { maxLength: 8 });

/** Members try random acts; only those with the right get in. */
const live = (base: RoomLog, attempts: [Identity, ActBody][]): RoomLog => attempts.reduce((log, [who, body]) => tryAct(log, who, body) ?? log, base);
/** The first of `bodies` that `who` may sign next (a raise of the hand, failing all of them). */
const firstTaken = (log: RoomLog, who: Identity, tries: ActBody[]): RoomLog | null => {
  const body = [...tries, { type: 'raise-hand' } as const].find((b) => takes(log, who, b));
  return body ? tryAct(log, who, body) : null;
};
const RANKS = ['member', 'staff', 'host'];

test('both sides of any fork pick the same winner: the higher-ranked signer’s act, else the one who acted first', () => {
  const tries = fc.array(bodies, { maxLength: 4 });
  fc.assert(
    // From an empty room, or from one with a moderator, a speaker and an early member.
    fc.property(fc.constantFrom(empty, stage), steps, cast, tries, cast, tries, (base, prefix, whoA, triesA, whoB, triesB) => {
      const log = live(base, prefix);
      const a = firstTaken(log, whoA, triesA);
      const b = firstTaken(log, whoB, triesB);
      fc.pre(a !== null && b !== null && a.heads.at(-1) !== b.heads.at(-1));
      if (a === null || b === null) return;
      const winner = settle(a, b);
      const [rankA, rankB] = [whoA, whoB].map((who) => RANKS.indexOf(rankOf(log.state, RULES, key(who)))) as [number, number];
      const [firstA, firstB] = [whoA, whoB].map((who) => log.entries.findIndex((entry) => entry.by === key(who))).map((i) => (i < 0 ? Infinity : i)) as [number, number];
      if (rankA !== rankB) assert.equal(winner, rankA > rankB ? 'a' : 'b');
      else if (firstA !== firstB) assert.equal(winner, firstA < firstB ? 'a' : 'b');
    }),
    { numRuns: 40 },
  );
});
