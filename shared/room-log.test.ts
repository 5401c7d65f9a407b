import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createIdentity, type Identity } from './crypto.ts';
import { stateDigest } from './checkpoint.ts';
import { signAct, type ActBody, type SignedAct } from './room-acts.ts';
import { append, compactAt, createLog, fromCheckpoint, headOf, lengthOf, merge, partingOf, signNext, truncate, type AppendResult, type RoomLog } from './room-log.ts';
import { ACTS_PER_MEMBER, hostReserve, memberShare } from './log-quota.ts';
import { roleOf } from './room-state.ts';
import { ANN, BEN, HOST, MIA, RULES, ROOM_ID, ann, ben, host, key, mia } from '../test/helpers/log-cast.ts';

function taken(result: AppendResult): RoomLog {
  if (!result.ok) assert.fail(`refused: ${result.reason}`);
  return result.log;
}
const refusal = (result: AppendResult): string => (result.ok ? 'appended' : result.reason);
/** Each act signed for the then-current head and appended, as a member acting live would. */
const act = (log: RoomLog, who: Identity, body: ActBody): RoomLog => taken(append(log, signNext(log, body, who)));
const play = (log: RoomLog, steps: [Identity, ActBody][]): RoomLog => steps.reduce((l, [who, body]) => act(l, who, body), log);

const empty = createLog(ROOM_ID, RULES);
/** A stage room: Mia moderates, Ann was invited up and speaks. */
const stage = play(empty, [
  [host, { type: 'set-kind', kind: 'stage' }],
  [host, { type: 'make-moderator', target: MIA }],
  [mia, { type: 'invite', target: ANN }],
  [ann, { type: 'accept-invite' }],
]);

test('an act signed for the next place by someone with the right joins the log and changes the room', () => {
  const next = act(empty, host, { type: 'set-kind', kind: 'stage' });
  assert.equal(next.entries.length, 1);
  assert.equal(next.state.kind, 'stage');
  assert.notEqual(headOf(next), headOf(empty));
  assert.equal(roleOf(stage.state, RULES, ANN), 'speaker');
  assert.equal(roleOf(stage.state, RULES, MIA), 'moderator');
});

test('every room starts from its own genesis, so a log never verifies in another room', () => {
  assert.notEqual(headOf(createLog('roomid_0123456789abce', RULES)), headOf(empty));
  const other = createLog('roomid_0123456789abce', RULES);
  const signedHere = signNext(empty, { type: 'set-kind', kind: 'stage' }, host);
  assert.equal(refusal(append(other, signedHere)), 'not-next');
  const sameHead = { ...other, heads: empty.heads };
  assert.equal(refusal(append(sameHead, signedHere)), 'bad-signature');
});

test('an act signed for another place is refused: an earlier index, a later one, or another history', () => {
  const seat = { type: 'raise-hand' } as const;
  assert.equal(refusal(append(stage, signAct(seat, { n: 3, prev: stage.heads[3]! }, ben, ROOM_ID))), 'not-next');
  assert.equal(refusal(append(stage, signAct(seat, { n: 5, prev: headOf(stage) }, ben, ROOM_ID))), 'not-next');
  assert.equal(refusal(append(stage, signAct(seat, { n: 4, prev: stage.heads[3]! }, ben, ROOM_ID))), 'not-next');
  assert.equal(refusal(append(stage, signNext(stage, seat, ben))), 'appended');
});

test('an act whose signer lacks the right is refused and leaves the log as it was', () => {
  assert.equal(refusal(append(stage, signNext(stage, { type: 'make-moderator', target: BEN }, ann))), 'no-right');
  assert.equal(refusal(append(stage, signNext(stage, { type: 'remove', target: HOST }, mia))), 'no-right');
  assert.equal(refusal(append(stage, signNext(stage, { type: 'take-seat' }, ben))), 'no-right');
});

test('a forged or altered act is refused', () => {
  const good = signNext(stage, { type: 'invite', target: BEN }, mia);
  assert.equal(refusal(append(stage, { ...good, act: { type: 'remove', target: BEN } })), 'bad-signature');
  assert.equal(refusal(append(stage, { ...good, by: HOST })), 'bad-signature');
});

test('nobody can date an act back to when they held a right', () => {
  // Mia signs a removal while still a moderator but holds it back; the host demotes her first.
  const heldBack = signNext(stage, { type: 'remove', target: BEN }, mia);
  const demoted = act(stage, host, { type: 'move-to-audience', target: MIA });
  assert.equal(refusal(append(demoted, heldBack)), 'not-next');
  // Re-signed for the current place, the removal is simply not hers to make any more.
  assert.equal(refusal(append(demoted, signNext(demoted, { type: 'remove', target: BEN }, mia))), 'no-right');
  // A listener cannot take a hangout seat "before" the host turned the room into a stage either.
  assert.equal(refusal(append(stage, signAct({ type: 'take-seat' }, { n: 0, prev: empty.heads[0]! }, ben, ROOM_ID))), 'not-next');
});

test('a log holds at most its maximum number of acts', () => {
  const small = createLog(ROOM_ID, RULES, 2);
  const full = play(small, [
    [host, { type: 'set-kind', kind: 'stage' }],
    [host, { type: 'set-kind', kind: 'hangout' }],
  ]);
  assert.equal(refusal(append(full, signNext(full, { type: 'set-kind', kind: 'stage' }, host))), 'full');
});

test('members fill at most half the log, each at most its own share, and staff acts still fit', () => {
  const small = createLog(ROOM_ID, RULES, 4 * ACTS_PER_MEMBER);
  const toggles = (who: Identity, count: number): [Identity, ActBody][] =>
    Array.from({ length: count }, (_, i) => [who, { type: i % 2 ? 'lower-hand' : 'raise-hand' }]);
  const annDone = play(small, toggles(ann, ACTS_PER_MEMBER));
  assert.equal(refusal(append(annDone, signNext(annDone, { type: 'raise-hand' }, ann))), 'quota', "Ann's share is used up");
  const halfFull = play(annDone, toggles(ben, ACTS_PER_MEMBER));
  assert.equal(halfFull.usage.memberActs, memberShare(halfFull.maxEntries));
  assert.equal(refusal(append(halfFull, signNext(halfFull, { type: 'raise-hand' }, mia))), 'quota', "and so is the members' half, whoever signs");
  const removed = act(halfFull, host, { type: 'remove', target: ANN });
  assert.equal(removed.state.banned.includes(ANN), true);
});

test('moderators stop short of the end of the log, which is kept for the host', () => {
  const small = createLog(ROOM_ID, RULES, 16);
  let log = act(small, host, { type: 'make-moderator', target: MIA });
  for (let i = log.entries.length; i < 16 - hostReserve(16); i++) log = act(log, mia, { type: log.state.locked ? 'unlock' : 'lock' });
  assert.equal(refusal(append(log, signNext(log, { type: 'unlock' }, mia))), 'quota');
  assert.equal(act(log, host, { type: 'end' }).state.ended, true);
});

test('truncating recounts who holds which places', () => {
  const log = play(stage, [[ben, { type: 'raise-hand' }]]);
  assert.deepEqual(truncate(log, stage.entries.length).usage, stage.usage);
});

test('truncating replays the room as it was at that point', () => {
  const back = truncate(stage, 2);
  assert.equal(back.entries.length, 2);
  assert.equal(headOf(back), stage.heads[2]);
  assert.equal(roleOf(back.state, RULES, ANN), 'listener');
  assert.equal(roleOf(back.state, RULES, MIA), 'moderator');
  assert.equal(truncate(stage, 9), stage);
});

test('a newcomer merging a member’s log gets the same room, whatever batches it arrives in', () => {
  const merged = merge(empty, stage.entries);
  assert.equal(merged.kind, 'extended');
  if (merged.kind !== 'extended') return;
  assert.deepEqual(merged.log.heads, stage.heads);
  assert.deepEqual(merged.log.state, stage.state);
  assert.equal(merged.added, 4);
  const inTwo = merge(empty, stage.entries.slice(0, 2));
  assert.equal(inTwo.kind, 'extended');
  if (inTwo.kind !== 'extended') return;
  const rest = merge(inTwo.log, stage.entries.slice(1));
  assert.ok(rest.kind === 'extended' && rest.added === 2, 'overlapping entries are skipped, new ones taken');
});

test('a batch that starts past our end is a gap to fill, naming where ours ends', () => {
  assert.deepEqual(merge(empty, stage.entries.slice(2)), { kind: 'gap', from: 0 });
});

test('a batch with an act that fails its checks keeps what came before it and counts the refusal', () => {
  const forged = signNext(stage, { type: 'make-moderator', target: BEN }, ann);
  const result = merge(empty, [...stage.entries, forged]);
  assert.ok(result.kind === 'extended');
  assert.equal(result.log.entries.length, 4);
  assert.equal(result.refused, 1);
  assert.equal(result.reason, 'no-right');
});

test('a fork whose acts fail their checks is no fork at all', () => {
  const forged = signNext(stage, { type: 'make-moderator', target: BEN }, ann);
  const ours = act(stage, ben, { type: 'raise-hand' });
  const result = merge(ours, [forged]);
  assert.ok(result.kind === 'extended' && result.added === 0 && result.refused === 1);
});

// --- properties -----------------------------------------------------------------------------

const cast = [host, mia, ann, ben];
const bodies: fc.Arbitrary<ActBody> = fc.oneof(
  fc.constantFrom<ActBody>({ type: 'take-seat' }, { type: 'raise-hand' }, { type: 'lower-hand' }, { type: 'accept-invite' }, { type: 'leave-stage' }, { type: 'lock' }),
  fc.constantFrom('hangout' as const, 'stage' as const).map((kind): ActBody => ({ type: 'set-kind', kind })),
  fc
    .tuple(fc.constantFrom('invite', 'move-to-audience', 'mute', 'allow-unmute', 'make-moderator', 'remove'), fc.constantFrom(HOST, MIA, ANN, BEN))
    .map(([type, target]) => ({ type, target }) as ActBody),
);
const sequences = fc.array(fc.tuple(fc.integer({ min: 0, max: cast.length - 1 }), bodies), { maxLength: 14 });

/** Members try random acts; only those with the right get in. */
function live(steps: [number, ActBody][]): RoomLog {
  return steps.reduce((log, [who, body]) => {
    const result = append(log, signNext(log, body, cast[who]!));
    return result.ok ? result.log : log;
  }, empty);
}

test('any log, sent in any batches, gives the newcomer the same room and hashes', () => {
  fc.assert(
    fc.property(sequences, fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 8 }), (steps, sizes) => {
      const log = live(steps);
      let copy = empty;
      let at = 0;
      for (let i = 0; at < log.entries.length; i++) {
        const size = sizes[i % sizes.length]!;
        const result = merge(copy, log.entries.slice(at, at + size));
        assert.equal(result.kind, 'extended');
        if (result.kind === 'extended') copy = result.log;
        at += size;
      }
      assert.deepEqual(copy.heads, log.heads);
      assert.deepEqual(copy.state, log.state);
    }),
    { numRuns: 25 },
  );
});

test('acts re-signed by someone else, or for a place they were not made for, never get in', () => {
  fc.assert(
    fc.property(sequences, fc.integer({ min: 0, max: cast.length - 1 }), (steps, thief) => {
      const log = live(steps);
      for (const entry of log.entries) {
        const stolen: SignedAct = { ...entry, by: key(cast[thief]!) };
        if (stolen.by !== entry.by) assert.notEqual(refusal(append(truncate(log, entry.n), stolen)), 'appended');
        // Replayed at the head, relabelled for it: the signature names the place it was made for.
        assert.equal(refusal(append(log, { ...entry, n: log.entries.length, prev: headOf(log) })), 'bad-signature');
      }
    }),
    { numRuns: 15 },
  );
});

test('an act we just signed ourselves skips the signature check, and nothing else', () => {
  const ours = signNext(empty, { type: 'set-kind', kind: 'stage' }, host);
  assert.equal(refusal(append(empty, ours, { signedHere: true })), 'appended');
  const elsewhere = signNext(createLog('roomid_0123456789abce', RULES), { type: 'set-kind', kind: 'stage' }, host);
  assert.equal(refusal(append({ ...empty, heads: createLog('roomid_0123456789abce', RULES).heads }, elsewhere)), 'bad-signature', 'checked by default');
  assert.equal(refusal(append(empty, signNext(empty, { type: 'set-kind', kind: 'stage' }, ben), { signedHere: true })), 'no-right', 'the right still counts');
  assert.equal(refusal(append(stage, ours, { signedHere: true })), 'not-next', 'and the place');
});

// --- checkpoints ----------------------------------------------------------------------------

const checkpointOf = (log: RoomLog, who: Identity = host): SignedAct => signNext(log, { type: 'checkpoint', state: stateDigest(log.state) }, who);

test('a checkpoint holds only when the host signs the room as it stands, and changes nothing in it', () => {
  assert.equal(refusal(append(stage, checkpointOf(stage, mia))), 'no-right', 'a moderator cannot');
  const stale = signNext(stage, { type: 'checkpoint', state: stateDigest(empty.state) }, host);
  assert.equal(refusal(append(stage, stale)), 'no-right', 'a room other than the one that stands');
  const ended = act(stage, host, { type: 'end' });
  assert.equal(refusal(append(ended, checkpointOf(ended))), 'no-right', 'nor once the room has ended');
  const checked = taken(append(stage, checkpointOf(stage)));
  assert.equal(checked.state, stage.state);
  assert.equal(lengthOf(checked), lengthOf(stage) + 1);
});

test("a checkpoint gives the log its places back: after a flood filled the members' half, members act again and the host's reserve is whole", () => {
  const small = createLog(ROOM_ID, RULES, 40);
  const flooders = Array.from({ length: 5 }, () => createIdentity());
  const flooded = flooders.reduce((log, who) => play(log, Array.from({ length: 4 }, (_, i): [Identity, ActBody] => [who, { type: i % 2 ? 'lower-hand' : 'raise-hand' }])), small);
  assert.equal(flooded.usage.memberActs, memberShare(40));
  assert.equal(refusal(append(flooded, signNext(flooded, { type: 'raise-hand' }, ben))), 'quota');
  const checked = taken(append(flooded, checkpointOf(flooded)));
  assert.equal(refusal(append(checked, signNext(checked, { type: 'raise-hand' }, ben))), 'appended');
  const full = Array.from({ length: 40 }).reduce<RoomLog>((log) => act(log, host, { type: 'set-kind', kind: log.state.kind === 'stage' ? 'hangout' : 'stage' }), checked);
  assert.equal(refusal(append(full, signNext(full, { type: 'set-kind', kind: 'stage' }, host))), 'full', 'forty more places since the checkpoint');
  assert.equal(refusal(append(full, checkpointOf(full))), 'appended', 'a checkpoint always fits');
});

test("a copy that starts at a checkpoint passes over acts from before its start and takes those after", () => {
  const checked = taken(append(stage, checkpointOf(stage)));
  const after = act(checked, ann, { type: 'leave-stage' });
  const copy = fromCheckpoint(ROOM_ID, RULES, { act: checked.entries[4]!, state: checked.states[4]! });
  assert.equal(copy.base, 5);
  const result = merge(copy, after.entries);
  assert.equal(result.kind, 'extended');
  if (result.kind !== 'extended') return;
  assert.equal(result.added, 1);
  assert.equal(headOf(result.log), headOf(after));
  assert.deepEqual(result.log.state, after.state);
  assert.equal(partingOf(result.log, after.entries), null);
});

const withCheckpoints = fc.array(fc.oneof({ weight: 6, arbitrary: fc.tuple(fc.integer({ min: 0, max: cast.length - 1 }), bodies) }, { weight: 1, arbitrary: fc.constant('checkpoint' as const) }), { maxLength: 24 });

test('a copy started from any checkpoint, or let go of what came before it, holds the same room, hashes and counts as the whole log', () => {
  fc.assert(
    fc.property(withCheckpoints, (steps) => {
      const log = steps.reduce((l, step) => {
        const result = append(l, step === 'checkpoint' ? checkpointOf(l) : signNext(l, step[1], cast[step[0]]!));
        return result.ok ? result.log : l;
      }, empty);
      const places = log.entries.flatMap((entry) => (entry.act.type === 'checkpoint' ? [entry.n] : []));
      for (const n of places) {
        const compacted = compactAt(log, n);
        const started = merge(fromCheckpoint(ROOM_ID, RULES, { act: log.entries[n]!, state: log.states[n]! }), log.entries);
        assert.equal(started.kind, 'extended');
        for (const copy of [compacted, started.kind === 'extended' ? started.log : compacted]) {
          assert.equal(copy.base, n + 1);
          assert.equal(lengthOf(copy), lengthOf(log));
          assert.equal(headOf(copy), headOf(log));
          assert.deepEqual(copy.state, log.state);
          assert.deepEqual(copy.usage, log.usage);
          assert.deepEqual(copy.entries, log.entries.slice(n + 1));
        }
      }
    }),
    { numRuns: 30 },
  );
});
