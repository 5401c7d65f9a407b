import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { createIdentity, type Identity } from './crypto.ts';
import { toBase64Url } from './encoding.ts';
import { signAct, type ActBody, type SignedAct } from './room-acts.ts';
import {
  applyAct,
  initialRoomState,
  mayBeHeard,
  mayEnter,
  permittedActs,
  permittedOwnActs,
  roleOf,
  type OwnActType,
  type RoomRules,
  type RoomState,
  type TargetActType,
} from './room-state.ts';

const ROOM_ID = 'roomid_0123456789abcd';
const key = (who: Identity): string => toBase64Url(who.publicKey);

const host = createIdentity();
const mia = createIdentity(); // moderator
const max = createIdentity(); // second moderator
const sam = createIdentity(); // speaker
const ann = createIdentity(); // listeners
const ben = createIdentity();
const cal = createIdentity();
const [HOST, MIA, MAX, SAM, ANN, BEN, CAL] = [host, mia, max, sam, ann, ben, cal].map(key) as [string, string, string, string, string, string, string];

const RULES: RoomRules = { hostKey: HOST, stageMax: 6 };

let lastIndex = 0;
/** Really signed, so the reducer sees exactly what parseSignedAct would hand it. */
const signedBy = (who: Identity, act: ActBody): SignedAct => signAct(act, { n: ++lastIndex, prev: 'P'.repeat(43) }, who, ROOM_ID);

/** Freezing every state makes a reducer that edits its input throw instead of passing. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
deepFreeze(initialRoomState);

function apply(state: RoomState, who: Identity, act: ActBody, rules = RULES): RoomState {
  return deepFreeze(applyAct(state, rules, signedBy(who, act)));
}
/** The act takes effect: a new state object comes back. */
function allowed(state: RoomState, who: Identity, act: ActBody, rules = RULES): RoomState {
  const next = apply(state, who, act, rules);
  assert.notEqual(next, state, `expected ${JSON.stringify(act)} to take effect`);
  return next;
}
/** The act is refused: the very same state object comes back. */
function refused(state: RoomState, who: Identity, act: ActBody, rules = RULES): void {
  assert.equal(apply(state, who, act, rules), state, `expected ${JSON.stringify(act)} to be refused`);
}
function play(state: RoomState, steps: [Identity, ActBody][], rules = RULES): RoomState {
  return steps.reduce((s, [who, act]) => allowed(s, who, act, rules), state);
}
const role = (state: RoomState, who: string, rules = RULES): string => roleOf(state, rules, who);

/** A stage room: Mia and Max moderate, Sam speaks, Ann, Ben and Cal listen. */
const STAGE = play(initialRoomState, [
  [host, { type: 'set-kind', kind: 'stage' }],
  [host, { type: 'make-moderator', target: MIA }],
  [host, { type: 'make-moderator', target: MAX }],
  [mia, { type: 'invite', target: SAM }],
  [sam, { type: 'accept-invite' }],
]);
/** A hangout where Sam took a seat. */
const HANGOUT = play(initialRoomState, [
  [host, { type: 'make-moderator', target: MIA }],
  [sam, { type: 'take-seat' }],
]);
/** A hangout where Sam took a seat and nobody moderates. */
const HANGOUT_WITHOUT_STAFF = play(initialRoomState, [[sam, { type: 'take-seat' }]]);
const STAFF = [host, mia] as const;
const NOT_STAFF = [sam, ann] as const;

test('the stage room fixture has the roles its comment promises', () => {
  assert.deepEqual(
    [HOST, MIA, MAX, SAM, ANN].map((k) => role(STAGE, k)),
    ['host', 'moderator', 'moderator', 'speaker', 'listener'],
  );
  assert.equal(STAGE.kind, 'stage');
});

// --- kind and info --------------------------------------------------------------------------

test('the host switches a live room between hangout and stage', () => {
  const hangout = allowed(STAGE, host, { type: 'set-kind', kind: 'hangout' });
  assert.equal(hangout.kind, 'hangout');
  assert.equal(allowed(hangout, host, { type: 'set-kind', kind: 'stage' }).kind, 'stage');
  assert.deepEqual(hangout.speakers, STAGE.speakers, 'switching kind keeps everyone where they are');
});

test('nobody but the host switches the room kind', () => {
  for (const who of [mia, sam, ann]) refused(STAGE, who, { type: 'set-kind', kind: 'hangout' });
});

test('the host edits the title and description', () => {
  const next = allowed(STAGE, host, { type: 'set-info', title: 'Book club', description: 'Chapter 3' });
  assert.equal(next.title, 'Book club');
  assert.equal(next.description, 'Chapter 3');
});

test('nobody but the host edits the title and description', () => {
  for (const who of [mia, sam, ann]) refused(STAGE, who, { type: 'set-info', title: 'Mine now', description: '' });
});

// --- take a seat ----------------------------------------------------------------------------

test('in a hangout a listener takes a seat and becomes a speaker, dropping a raised hand', () => {
  const raised = allowed(HANGOUT, ann, { type: 'raise-hand' });
  const seated = allowed(raised, ann, { type: 'take-seat' });
  assert.equal(role(seated, ANN), 'speaker');
  assert.deepEqual(seated.hands, []);
  assert.equal(mayBeHeard(seated, RULES, ANN), true);
});

test('in a stage room a listener cannot take a seat', () => {
  refused(STAGE, ann, { type: 'take-seat' });
});

test('someone already on stage cannot take a seat again', () => {
  for (const who of [host, mia, sam]) refused(HANGOUT, who, { type: 'take-seat' });
});

test('a listener cannot take a seat once the stage, host counted, is full', () => {
  const rules: RoomRules = { hostKey: HOST, stageMax: 3 };
  const full = play(initialRoomState, [
    [sam, { type: 'take-seat' }],
    [ann, { type: 'take-seat' }],
  ], rules);
  assert.deepEqual(full.speakers, [SAM, ANN]);
  refused(full, ben, { type: 'take-seat' }, rules);
  // A seat frees up when someone leaves.
  const freed = allowed(full, sam, { type: 'leave-stage' }, rules);
  assert.deepEqual(allowed(freed, ben, { type: 'take-seat' }, rules).speakers, [ANN, BEN]);
});

test('with room for the host only, nobody takes a seat', () => {
  refused(initialRoomState, ann, { type: 'take-seat' }, { hostKey: HOST, stageMax: 1 });
});

// --- hands ----------------------------------------------------------------------------------

test('listeners raise hands and the queue keeps the order raised', () => {
  const hands = play(STAGE, [
    [ben, { type: 'raise-hand' }],
    [ann, { type: 'raise-hand' }],
    [cal, { type: 'raise-hand' }],
  ]);
  assert.deepEqual(hands.hands, [BEN, ANN, CAL]);
  const lowered = allowed(hands, ann, { type: 'lower-hand' });
  assert.deepEqual(lowered.hands, [BEN, CAL]);
  assert.deepEqual(allowed(lowered, ann, { type: 'raise-hand' }).hands, [BEN, CAL, ANN], 'raising again goes to the back');
});

test('raising a hand twice keeps its place; lowering a hand that is not raised changes nothing', () => {
  const raised = play(STAGE, [
    [ann, { type: 'raise-hand' }],
    [ben, { type: 'raise-hand' }],
  ]);
  refused(raised, ann, { type: 'raise-hand' });
  refused(raised, cal, { type: 'lower-hand' });
});

test('nobody on stage raises a hand', () => {
  for (const who of [host, mia, sam]) refused(STAGE, who, { type: 'raise-hand' });
});

// --- invite, accept, decline ----------------------------------------------------------------

test('the host and moderators invite a listener to speak', () => {
  for (const who of STAFF) assert.deepEqual(allowed(STAGE, who, { type: 'invite', target: ANN }).invited, [ANN]);
});

test('a listener or speaker cannot invite anyone', () => {
  for (const who of [...NOT_STAFF, ben]) {
    refused(STAGE, who, { type: 'invite', target: CAL });
    refused(STAGE, who, { type: 'invite', target: key(who) });
  }
});

test('only listeners can be invited', () => {
  for (const target of [HOST, MIA, MAX, SAM]) refused(STAGE, host, { type: 'invite', target });
});

test('a removed listener cannot be invited', () => {
  const removed = allowed(STAGE, host, { type: 'remove', target: ANN });
  for (const who of STAFF) refused(removed, who, { type: 'invite', target: ANN });
});

test('an invited listener accepts and joins the stage, losing its hand and invitation', () => {
  const invited = play(STAGE, [
    [ann, { type: 'raise-hand' }],
    [mia, { type: 'invite', target: ANN }],
  ]);
  const accepted = allowed(invited, ann, { type: 'accept-invite' });
  assert.equal(role(accepted, ANN), 'speaker');
  assert.deepEqual(accepted.speakers, [SAM, ANN]);
  assert.deepEqual(accepted.hands, []);
  assert.deepEqual(accepted.invited, []);
  assert.equal(mayBeHeard(accepted, RULES, ANN), true);
});

test('a listener who was not invited cannot accept, and nobody else accepts for it', () => {
  refused(STAGE, ann, { type: 'accept-invite' });
  const invited = allowed(STAGE, host, { type: 'invite', target: ANN });
  refused(invited, ben, { type: 'accept-invite' });
});

test('an invited listener cannot accept while the stage is full, and stays invited', () => {
  const rules: RoomRules = { hostKey: HOST, stageMax: 5 }; // host, Mia, Max, Sam: one seat left
  const invited = play(STAGE, [
    [host, { type: 'invite', target: ANN }],
    [host, { type: 'invite', target: BEN }],
  ], rules);
  const annOn = allowed(invited, ann, { type: 'accept-invite' }, rules);
  refused(annOn, ben, { type: 'accept-invite' }, rules);
  assert.deepEqual(annOn.invited, [BEN]);
});

test('an invited listener declines and is no longer invited; declining without an invitation changes nothing', () => {
  const invited = allowed(STAGE, mia, { type: 'invite', target: ANN });
  const declined = allowed(invited, ann, { type: 'decline-invite' });
  assert.deepEqual(declined.invited, []);
  assert.equal(role(declined, ANN), 'listener');
  refused(declined, ann, { type: 'accept-invite' });
  refused(STAGE, ben, { type: 'decline-invite' });
});

// --- leave the stage, move to the audience --------------------------------------------------

test('a speaker or moderator who leaves the stage becomes a listener', () => {
  for (const who of [sam, mia]) {
    const left = allowed(STAGE, who, { type: 'leave-stage' });
    assert.equal(role(left, key(who)), 'listener');
    assert.equal(mayBeHeard(left, RULES, key(who)), false);
  }
});

test('the host and listeners cannot leave the stage', () => {
  for (const who of [host, ann]) refused(STAGE, who, { type: 'leave-stage' });
});

test('the host moves a moderator or a speaker to the audience', () => {
  for (const target of [MIA, SAM]) assert.equal(role(allowed(STAGE, host, { type: 'move-to-audience', target }), target), 'listener');
});

test('a moderator moves a speaker to the audience but not another moderator', () => {
  assert.equal(role(allowed(STAGE, mia, { type: 'move-to-audience', target: SAM }), SAM), 'listener');
  refused(STAGE, mia, { type: 'move-to-audience', target: MAX });
});

test('nobody moves the host to the audience', () => {
  for (const who of [host, mia, sam, ann]) refused(STAGE, who, { type: 'move-to-audience', target: HOST });
});

test('speakers and listeners cannot move anyone to the audience', () => {
  for (const who of NOT_STAFF) for (const target of [MIA, SAM]) refused(STAGE, who, { type: 'move-to-audience', target });
  refused(STAGE, host, { type: 'move-to-audience', target: ANN }); // already there
});

// --- mute -----------------------------------------------------------------------------------

test('the host or a moderator mutes a speaker, who is not heard until staff allow unmuting', () => {
  for (const who of STAFF) {
    const muted = allowed(STAGE, who, { type: 'mute', target: SAM });
    assert.equal(mayBeHeard(muted, RULES, SAM), false);
    assert.equal(role(muted, SAM), 'speaker', 'muting keeps the seat');
    for (const lifter of STAFF) assert.equal(mayBeHeard(allowed(muted, lifter, { type: 'allow-unmute', target: SAM }), RULES, SAM), true);
  }
});

test('a muted speaker cannot allow itself to unmute', () => {
  const muted = allowed(STAGE, mia, { type: 'mute', target: SAM });
  refused(muted, sam, { type: 'allow-unmute', target: SAM });
  refused(muted, ann, { type: 'allow-unmute', target: SAM });
});

test('a muted speaker stays muted after leaving the stage and taking a seat again', () => {
  const muted = allowed(HANGOUT, host, { type: 'mute', target: SAM });
  const back = play(muted, [
    [sam, { type: 'leave-stage' }],
    [sam, { type: 'take-seat' }],
  ]);
  assert.equal(role(back, SAM), 'speaker');
  assert.equal(mayBeHeard(back, RULES, SAM), false);
});

test('a muted speaker moved to the audience and invited back is still muted', () => {
  const back = play(STAGE, [
    [host, { type: 'mute', target: SAM }],
    [mia, { type: 'move-to-audience', target: SAM }],
    [mia, { type: 'invite', target: SAM }],
    [sam, { type: 'accept-invite' }],
  ]);
  assert.equal(mayBeHeard(back, RULES, SAM), false);
});

test('the host can never be muted', () => {
  for (const who of [host, mia, sam, ann]) refused(STAGE, who, { type: 'mute', target: HOST });
  assert.equal(mayBeHeard(STAGE, RULES, HOST), true);
});

test('the host mutes a moderator, but a moderator cannot mute another moderator', () => {
  assert.equal(mayBeHeard(allowed(STAGE, host, { type: 'mute', target: MAX }), RULES, MAX), false);
  refused(STAGE, mia, { type: 'mute', target: MAX });
  refused(STAGE, mia, { type: 'mute', target: MIA });
});

test('a moderator muted by the host cannot lift that mute, for itself or for another moderator', () => {
  const muted = play(STAGE, [
    [host, { type: 'mute', target: MIA }],
    [host, { type: 'mute', target: MAX }],
  ]);
  refused(muted, mia, { type: 'allow-unmute', target: MIA });
  refused(muted, mia, { type: 'allow-unmute', target: MAX });
  assert.equal(mayBeHeard(allowed(muted, host, { type: 'allow-unmute', target: MIA }), RULES, MIA), true);
});

test('speakers and listeners cannot mute anyone or allow unmuting', () => {
  const muted = allowed(STAGE, host, { type: 'mute', target: SAM });
  for (const who of NOT_STAFF) {
    refused(STAGE, who, { type: 'mute', target: SAM });
    refused(STAGE, who, { type: 'mute', target: MIA });
    refused(muted, who, { type: 'allow-unmute', target: SAM });
  }
});

test('listeners cannot be muted: they are not heard anyway', () => {
  refused(STAGE, host, { type: 'mute', target: ANN });
  assert.equal(mayBeHeard(STAGE, RULES, ANN), false);
});

// --- moderators -----------------------------------------------------------------------------

test('the host makes a listener or a speaker a moderator, who then holds one role only', () => {
  const invited = play(STAGE, [
    [ann, { type: 'raise-hand' }],
    [host, { type: 'invite', target: ANN }],
  ]);
  for (const target of [ANN, SAM]) {
    const made = allowed(invited, host, { type: 'make-moderator', target });
    assert.equal(role(made, target), 'moderator');
    assert.ok(!made.speakers.includes(target), 'a moderator is not also a speaker');
    assert.ok(!made.hands.includes(target) && !made.invited.includes(target), 'a moderator holds no hand or invitation');
    assert.equal(mayBeHeard(made, RULES, target), true);
  }
});

test('nobody but the host makes moderators', () => {
  for (const who of [mia, sam, ann]) {
    refused(STAGE, who, { type: 'make-moderator', target: ANN });
    refused(STAGE, who, { type: 'make-moderator', target: key(who) });
  }
});

test('the host cannot make itself a moderator, nor a removed identity', () => {
  refused(STAGE, host, { type: 'make-moderator', target: HOST });
  const removed = allowed(STAGE, host, { type: 'remove', target: ANN });
  refused(removed, host, { type: 'make-moderator', target: ANN });
});

test('making a moderator again changes nothing, so the longest-serving moderator still keeps order', () => {
  refused(STAGE, host, { type: 'make-moderator', target: MIA });
});

// --- remove ---------------------------------------------------------------------------------

test('staff remove a listener, who is banned and loses its hand, invitation and admission', () => {
  const held = play(STAGE, [
    [ann, { type: 'raise-hand' }],
    [host, { type: 'invite', target: ANN }],
    [host, { type: 'lock' }],
    [host, { type: 'admit', target: ANN }],
  ]);
  for (const who of STAFF) {
    const removed = allowed(held, who, { type: 'remove', target: ANN });
    assert.deepEqual(removed.banned, [ANN]);
    assert.deepEqual([removed.hands, removed.invited, removed.admitted], [[], [], []]);
    assert.equal(mayEnter(removed, RULES, ANN), false);
  }
});

test('the host removes a moderator or a speaker, who loses the stage and any mute', () => {
  const muted = allowed(STAGE, host, { type: 'mute', target: SAM });
  for (const target of [MIA, SAM]) {
    const removed = allowed(muted, host, { type: 'remove', target });
    assert.equal(role(removed, target), 'listener');
    assert.ok(removed.banned.includes(target), 'removed means banned');
    assert.ok(!removed.hostMuted.includes(target), 'a banned identity keeps no mute');
    assert.equal(mayBeHeard(removed, RULES, target), false);
  }
  assert.ok(allowed(STAGE, mia, { type: 'remove', target: SAM }).banned.includes(SAM), 'a moderator removes a speaker');
});

test('a moderator cannot remove another moderator, and nobody removes the host', () => {
  refused(STAGE, mia, { type: 'remove', target: MAX });
  for (const who of [host, mia, sam, ann]) refused(STAGE, who, { type: 'remove', target: HOST });
});

test('speakers and listeners cannot remove anyone', () => {
  for (const who of NOT_STAFF) for (const target of [MIA, SAM, BEN]) refused(STAGE, who, { type: 'remove', target });
});

test("a removed identity's later acts change nothing", () => {
  const removedAnn = allowed(STAGE, host, { type: 'remove', target: ANN });
  for (const act of [{ type: 'raise-hand' }, { type: 'take-seat' }, { type: 'accept-invite' }] as ActBody[]) refused(removedAnn, ann, act);
  refused(allowed(HANGOUT, host, { type: 'remove', target: ANN }), ann, { type: 'take-seat' });
  const removedMia = allowed(STAGE, host, { type: 'remove', target: MIA });
  for (const act of [
    { type: 'invite', target: BEN },
    { type: 'remove', target: SAM },
    { type: 'mute', target: SAM },
    { type: 'lock' },
    { type: 'admit', target: BEN },
  ] as ActBody[]) {
    refused(removedMia, mia, act);
  }
});

// --- lock, admit, enter ---------------------------------------------------------------------

test('staff lock and unlock the room; speakers and listeners cannot', () => {
  for (const who of STAFF) {
    const locked = allowed(STAGE, who, { type: 'lock' });
    assert.equal(locked.locked, true);
    assert.equal(allowed(locked, who, { type: 'unlock' }).locked, false);
    for (const other of NOT_STAFF) refused(locked, other, { type: 'unlock' });
  }
  for (const who of NOT_STAFF) refused(STAGE, who, { type: 'lock' });
});

test('locking keeps everyone already in the room, named in the act; a removed identity is not kept', () => {
  const removed = allowed(STAGE, host, { type: 'remove', target: CAL });
  const locked = allowed(removed, mia, { type: 'lock', admit: [ANN, CAL] });
  assert.equal(mayEnter(locked, RULES, ANN), true);
  assert.equal(mayEnter(locked, RULES, BEN), false, 'not named: a newcomer');
  assert.equal(mayEnter(locked, RULES, CAL), false);
  assert.ok(!locked.admitted.includes(CAL));
});

test('in a locked room the stage and admitted newcomers enter while others wait in the lobby', () => {
  const locked = allowed(STAGE, mia, { type: 'lock' });
  for (const onStage of [HOST, MIA, MAX, SAM]) assert.ok(mayEnter(locked, RULES, onStage), onStage);
  assert.equal(mayEnter(locked, RULES, ANN), false);
  const admitted = allowed(locked, mia, { type: 'admit', target: ANN });
  assert.equal(mayEnter(admitted, RULES, ANN), true);
  assert.equal(mayEnter(admitted, RULES, BEN), false);
  assert.ok(mayEnter(allowed(admitted, host, { type: 'unlock' }), RULES, BEN), 'an unlocked room lets everyone in');
});

test('speakers and listeners cannot admit anyone, and a removed identity cannot be admitted', () => {
  const locked = allowed(STAGE, host, { type: 'lock' });
  for (const who of NOT_STAFF) refused(locked, who, { type: 'admit', target: BEN });
  const removed = allowed(locked, host, { type: 'remove', target: BEN });
  for (const who of STAFF) refused(removed, who, { type: 'admit', target: BEN });
});

test('a removed identity never enters, locked or not', () => {
  const removed = allowed(STAGE, host, { type: 'remove', target: ANN });
  assert.equal(mayEnter(removed, RULES, ANN), false);
  assert.equal(mayEnter(allowed(removed, host, { type: 'lock' }), RULES, ANN), false);
});

// --- end ------------------------------------------------------------------------------------

test('with the host away and no moderators, a speaker stands in with moderator rights until the host returns', () => {
  const hangout = play(initialRoomState, [
    [sam, { type: 'take-seat' }],
    [ann, { type: 'take-seat' }],
  ]);
  const acting = allowed(hangout, sam, { type: 'stand-in' });
  assert.equal(role(acting, SAM), 'moderator');
  refused(acting, ann, { type: 'stand-in' });
  const moved = allowed(acting, sam, { type: 'move-to-audience', target: ANN });
  assert.equal(role(moved, ANN), 'listener');
  const back = allowed(acting, host, { type: 'host-returns' });
  assert.equal(back.standIn, null);
  assert.equal(role(back, SAM), 'speaker');
});

test('nobody stands in where there are moderators, and only the host ends a stand-in', () => {
  refused(STAGE, sam, { type: 'stand-in' });
  const acting = allowed(HANGOUT_WITHOUT_STAFF, sam, { type: 'stand-in' });
  refused(acting, sam, { type: 'host-returns' });
  refused(HANGOUT_WITHOUT_STAFF, host, { type: 'host-returns' });
  refused(HANGOUT_WITHOUT_STAFF, ann, { type: 'stand-in' });
});

test('an acting host who leaves the stage, or is made a moderator alongside others, stops acting', () => {
  const acting = allowed(HANGOUT_WITHOUT_STAFF, sam, { type: 'stand-in' });
  assert.equal(allowed(acting, sam, { type: 'leave-stage' }).standIn, null);
  const appointed = allowed(acting, host, { type: 'make-moderator', target: ANN });
  assert.equal(appointed.standIn, null);
  assert.equal(role(appointed, SAM), 'speaker');
});

test('only the host ends the room', () => {
  for (const who of [mia, sam, ann]) refused(STAGE, who, { type: 'end' });
  assert.equal(allowed(STAGE, host, { type: 'end' }).ended, true);
});

test('staff move everyone to a new link, named in the log by its id only, and the room here ends', () => {
  const id = 'N'.repeat(43);
  for (const who of [sam, ann]) refused(STAGE, who, { type: 'new-link', id });
  for (const who of [host, mia]) {
    const moved = allowed(STAGE, who, { type: 'new-link', id });
    assert.equal(moved.movedTo, id);
    assert.equal(moved.ended, true);
    refused(moved, host, { type: 'new-link', id: 'M'.repeat(43) });
  }
});

test('after the room ends no act changes anything, not even the host’s', () => {
  const ended = allowed(STAGE, host, { type: 'end' });
  const acts: ActBody[] = [
    { type: 'set-kind', kind: 'hangout' },
    { type: 'set-info', title: 'again', description: '' },
    { type: 'make-moderator', target: ANN },
    { type: 'invite', target: ANN },
    { type: 'remove', target: SAM },
    { type: 'mute', target: SAM },
    { type: 'unlock' },
    { type: 'lock' },
  ];
  for (const act of acts) refused(ended, host, act);
  for (const act of [{ type: 'leave-stage' }, { type: 'raise-hand' }, { type: 'take-seat' }] as ActBody[]) {
    for (const who of [mia, sam, ann]) refused(ended, who, act);
  }
});

// --- properties -----------------------------------------------------------------------------

/** The reducer never checks signatures (the log does); a unique fake one keeps properties fast. */
let fakeSigCount = 0;
const fakeSigned = (by: string, act: ActBody): SignedAct => ({
  by,
  n: fakeSigCount,
  prev: 'P'.repeat(43),
  act,
  sig: (++fakeSigCount).toString(36).padStart(86, 'A'),
});

const OUTSIDER = key(createIdentity()); // a target who never acts
const CAST = [host, mia, sam, ann, ben].map(key);
const everyone = [...CAST, OUTSIDER];

/** Weighted towards acts with a target; `end` is rare so that sequences keep going long enough to be interesting. */
const actsOn = (targets: readonly string[]): fc.Arbitrary<ActBody> =>
  fc.oneof(
    { arbitrary: fc.constant<ActBody>({ type: 'end' }), weight: 1 },
    { arbitrary: fc.constant<ActBody>({ type: 'new-link', id: 'N'.repeat(43) }), weight: 1 },
    {
      arbitrary: fc.constantFrom<ActBody>(
        { type: 'take-seat' },
        { type: 'raise-hand' },
        { type: 'lower-hand' },
        { type: 'accept-invite' },
        { type: 'decline-invite' },
        { type: 'leave-stage' },
        { type: 'lock' },
        { type: 'unlock' },
        { type: 'stand-in' },
        { type: 'host-returns' },
      ),
      weight: 8,
    },
    { arbitrary: fc.constantFrom('hangout' as const, 'stage' as const).map((kind): ActBody => ({ type: 'set-kind', kind })), weight: 2 },
    { arbitrary: fc.constantFrom('', 'Porch').map((title): ActBody => ({ type: 'set-info', title, description: '' })), weight: 1 },
    { arbitrary: fc.subarray([...targets]).map((admit): ActBody => ({ type: 'lock', admit })), weight: 1 },
    {
      arbitrary: fc
        .tuple(fc.constantFrom('invite', 'move-to-audience', 'mute', 'allow-unmute', 'make-moderator', 'remove', 'admit'), fc.constantFrom(...targets))
        .map(([type, target]) => ({ type, target }) as ActBody),
      weight: 14,
    },
  );
const steps = (actors: readonly string[], targets: readonly string[]) =>
  fc.array(
    fc.record({ by: fc.constantFrom(...actors), act: actsOn(targets) }),
    { maxLength: 40 },
  );
/** Sequences start from an empty room or from a busy one, so that rarer situations come up often. */
const starts = fc.constantFrom(
  initialRoomState,
  play(initialRoomState, [
    [host, { type: 'set-kind', kind: 'stage' }],
    [host, { type: 'make-moderator', target: MIA }],
    [host, { type: 'make-moderator', target: ANN }],
    [mia, { type: 'invite', target: SAM }],
    [sam, { type: 'accept-invite' }],
    [host, { type: 'mute', target: ANN }],
    [mia, { type: 'mute', target: SAM }],
    [ben, { type: 'raise-hand' }],
    [mia, { type: 'lock' }],
  ]),
);
const rulesArb = fc.integer({ min: 1, max: 5 }).map((stageMax): RoomRules => ({ hostKey: HOST, stageMax }));

const stageCount = (s: RoomState): number => 1 + s.moderators.length + s.speakers.length;

/**
 * Who may do what, written from the issue rather than from the reducer. Whether an allowed act
 * is a no-op (raising a raised hand) is not a question of right, so only the refusals are checked.
 */
function hasRight(s: RoomState, rules: RoomRules, by: string, act: ActBody): boolean {
  if (s.ended || s.banned.includes(by)) return false;
  const r = roleOf(s, rules, by);
  const staff = r === 'host' || r === 'moderator';
  const target = 'target' in act ? roleOf(s, rules, act.target) : undefined;
  const capacity = stageCount(s) < rules.stageMax;
  switch (act.type) {
    case 'set-kind':
    case 'set-info':
    case 'end':
      return r === 'host';
    case 'make-moderator':
      return r === 'host' && act.target !== rules.hostKey && !s.banned.includes(act.target);
    case 'take-seat':
      return s.kind === 'hangout' && r === 'listener' && capacity;
    case 'raise-hand':
      return r === 'listener';
    case 'lower-hand':
    case 'decline-invite':
      return r === 'listener';
    case 'accept-invite':
      return r === 'listener' && s.invited.includes(by) && capacity;
    case 'leave-stage':
      return r === 'speaker' || r === 'moderator';
    case 'invite':
      return staff && target === 'listener' && !s.banned.includes(act.target);
    case 'move-to-audience':
      return (r === 'host' && (target === 'moderator' || target === 'speaker')) || (r === 'moderator' && target === 'speaker');
    case 'mute':
      return (r === 'host' && (target === 'moderator' || target === 'speaker')) || (r === 'moderator' && target === 'speaker');
    case 'allow-unmute':
    case 'remove':
      return (r === 'host' && target !== 'host') || (r === 'moderator' && target !== 'host' && target !== 'moderator');
    case 'lock':
    case 'unlock':
    case 'new-link':
      return staff;
    case 'admit':
      return staff && !s.banned.includes(act.target);
    case 'stand-in':
      return r === 'speaker' && s.moderators.length === 0 && s.standIn === null;
    case 'host-returns':
      return r === 'host' && s.standIn !== null;
    case 'checkpoint':
      // It changes no room: the log decides whether it holds.
      return false;
  }
}

function assertInvariants(s: RoomState, rules: RoomRules): void {
  const { hostKey } = rules;
  assert.equal(roleOf(s, rules, hostKey), 'host');
  assert.ok(mayBeHeard(s, rules, hostKey), 'the host is always heard');
  for (const [name, list] of Object.entries({
    moderators: s.moderators,
    speakers: s.speakers,
    hands: s.hands,
    invited: s.invited,
    hostMuted: s.hostMuted,
    banned: s.banned,
    admitted: s.admitted,
  })) {
    assert.equal(new Set(list).size, list.length, `${name} has duplicates`);
    if (name !== 'admitted') assert.ok(!list.includes(hostKey), `the host is in ${name}`);
  }
  for (const k of s.moderators) assert.ok(!s.speakers.includes(k), 'a moderator is also a speaker');
  if (s.standIn !== null) {
    assert.ok(s.speakers.includes(s.standIn), 'the acting host is not a speaker');
    assert.equal(s.moderators.length, 0, 'an acting host beside moderators');
  }
  for (const k of [...s.hands, ...s.invited]) assert.equal(roleOf(s, rules, k), 'listener', 'only listeners hold hands or invitations');
  for (const k of s.banned) {
    assert.equal(roleOf(s, rules, k), 'listener');
    for (const list of [s.hands, s.invited, s.admitted, s.hostMuted]) assert.ok(!list.includes(k), 'a banned identity still holds something');
    assert.equal(mayEnter(s, rules, k) && !mayBeHeard(s, rules, k), false);
  }
}

test('after every act of a random cast the room invariants hold, and self-service never overfills the stage', () => {
  fc.assert(
    fc.property(starts, rulesArb, steps(CAST, everyone), (start, rules, sequence) => {
      let s = start;
      for (const { by, act } of sequence) {
        const next = deepFreeze(applyAct(s, rules, fakeSigned(by, act)));
        assertInvariants(next, rules);
        if (s.ended) assert.equal(next, s, 'an ended room changed');
        if ((act.type === 'take-seat' || act.type === 'accept-invite') && next !== s) {
          assert.ok(stageCount(next) <= rules.stageMax, 'self-service overfilled the stage');
        }
        s = next;
      }
    }),
    { numRuns: 300 },
  );
});

test('an act its signer has no right to returns the very same state object', () => {
  fc.assert(
    fc.property(starts, rulesArb, steps(CAST, everyone), (start, rules, sequence) => {
      let s = start;
      for (const { by, act } of sequence) {
        const next = applyAct(s, rules, fakeSigned(by, act));
        if (!hasRight(s, rules, by, act)) assert.equal(next, s, `${roleOf(s, rules, by)} was allowed ${JSON.stringify(act)}`);
        s = next;
      }
    }),
    { numRuns: 300 },
  );
});

test('listeners who were never invited change nothing in a stage room but their own hands', () => {
  const strangers = [createIdentity(), createIdentity(), createIdentity()].map(key);
  const base = play(STAGE, [
    [ann, { type: 'raise-hand' }],
    [host, { type: 'invite', target: BEN }],
    [host, { type: 'mute', target: SAM }],
  ]);
  fc.assert(
    fc.property(steps(strangers, [...strangers, HOST, MIA, MAX, SAM, ANN, BEN, OUTSIDER]), (sequence) => {
      let s = base;
      let hands = [...base.hands];
      for (const { by, act } of sequence) {
        const next = applyAct(s, RULES, fakeSigned(by, act));
        if (act.type === 'raise-hand' && !hands.includes(by)) hands = [...hands, by];
        else if (act.type === 'lower-hand' && hands.includes(by)) hands = hands.filter((k) => k !== by);
        else assert.equal(next, s, `a stranger's ${JSON.stringify(act)} took effect`);
        s = next;
      }
      assert.deepEqual(s, { ...base, hands });
    }),
    { numRuns: 300 },
  );
});

test('an act that changes nothing returns the very same state, so applying any act twice in a row changes nothing the second time', () => {
  fc.assert(
    fc.property(starts, rulesArb, steps(CAST, everyone), (start, rules, sequence) => {
      let s = start;
      for (const { by, act } of sequence) {
        const next = applyAct(s, rules, fakeSigned(by, act));
        if (isDeepStrictEqual(next, s)) assert.equal(next, s, `${JSON.stringify(act)} returned an equal copy`);
        assert.equal(applyAct(next, rules, fakeSigned(by, act)), next, `${JSON.stringify(act)} took effect twice`);
        s = next;
      }
    }),
    { numRuns: 300 },
  );
});

const TARGET_ACTS: readonly TargetActType[] = ['invite', 'move-to-audience', 'mute', 'allow-unmute', 'make-moderator', 'remove', 'admit'];
/** Each act that names nobody in every form worth trying; an act is permitted when one of them changes the room. */
const OWN_ACT_FORMS: Record<OwnActType, readonly ActBody[]> = {
  'set-kind': [
    { type: 'set-kind', kind: 'hangout' },
    { type: 'set-kind', kind: 'stage' },
  ],
  'set-info': [
    { type: 'set-info', title: '', description: '' },
    { type: 'set-info', title: 'Porch', description: '' },
  ],
  'take-seat': [{ type: 'take-seat' }],
  'raise-hand': [{ type: 'raise-hand' }],
  'lower-hand': [{ type: 'lower-hand' }],
  'accept-invite': [{ type: 'accept-invite' }],
  'decline-invite': [{ type: 'decline-invite' }],
  'leave-stage': [{ type: 'leave-stage' }],
  lock: [{ type: 'lock' }],
  unlock: [{ type: 'unlock' }],
  end: [{ type: 'end' }],
  'new-link': [{ type: 'new-link', id: 'N'.repeat(43) }],
  'stand-in': [{ type: 'stand-in' }],
  'host-returns': [{ type: 'host-returns' }],
};
/** Whether the room would be any different, judged by its contents rather than by object identity. */
const changes = (s: RoomState, rules: RoomRules, by: string, act: ActBody): boolean => !isDeepStrictEqual(applyAct(s, rules, fakeSigned(by, act)), s);

test('the acts permitted on a person are exactly those that would change the room', () => {
  fc.assert(
    fc.property(starts, rulesArb, steps(CAST, everyone), (start, rules, sequence) => {
      const s = sequence.reduce((state, { by, act }) => applyAct(state, rules, fakeSigned(by, act)), start);
      for (const by of CAST) {
        for (const target of everyone) {
          const expected = TARGET_ACTS.filter((type) => changes(s, rules, by, { type, target }));
          assert.deepEqual([...permittedActs(s, rules, by, target)].sort(), [...expected].sort(), `${roleOf(s, rules, by)} on ${roleOf(s, rules, target)}`);
        }
      }
    }),
    { numRuns: 300 },
  );
});

test('the acts permitted on one’s own account or the room are exactly those that would change the room', () => {
  fc.assert(
    fc.property(starts, rulesArb, steps(CAST, everyone), (start, rules, sequence) => {
      const s = sequence.reduce((state, { by, act }) => applyAct(state, rules, fakeSigned(by, act)), start);
      for (const by of CAST) {
        const expected = Object.entries(OWN_ACT_FORMS)
          .filter(([, forms]) => forms.some((act) => changes(s, rules, by, act)))
          .map(([type]) => type);
        assert.deepEqual([...permittedOwnActs(s, rules, by)].sort(), expected.sort(), roleOf(s, rules, by));
      }
    }),
    { numRuns: 300 },
  );
});
