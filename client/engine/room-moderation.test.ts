/**
 * The room session enforcing the signed room log: what it plays, whom it links to, when it
 * captures the microphone, and what ends it. Remote members sign real acts with their own
 * identities; the session checks them exactly as a browser would.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { toBase64Url } from '../../shared/encoding.ts';
import type { ActBody, SignedAct } from '../../shared/room-acts.ts';
import { append, createLog, signNext, type RoomLog } from '../../shared/room-log.ts';
import { HIGH, LATE, LIMITS, LOW, LOW_STRANGER, OFFER, ROOM, SELF, setup, type SetupOptions } from '../../test/helpers/room-harness.ts';
import { STAGE_MAX, type JoinOptions } from './room.ts';
import { createRoomSecret, linkIdOf } from '../../shared/room-link.ts';

/** Lets promise chains (the microphone being started) run; timers stay mocked. */
const asyncWork = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A session in a room whose host is `host` (a remote member, unless the session hosts), with a
 * copy of the room log kept in step: remote members act through `act`, and what the session
 * itself signs is folded in by `ours`.
 */
function stageRoom(t: TestContext, options: SetupOptions & { members?: string[] } = {}) {
  const room = setup(t, options);
  const hostKey = options.hostPeer ? toBase64Url(room.peer(options.hostPeer).identity.publicKey) : toBase64Url(room.identity.publicKey);
  let log: RoomLog = createLog(ROOM, { hostKey, stageMax: STAGE_MAX });
  const keyOf = (id: string): string => (id === SELF ? toBase64Url(room.identity.publicKey) : toBase64Url(room.peer(id).identity.publicKey));
  /** `by` signs the act for the log's next place and sends it to the session. */
  const act = (by: string, body: ActBody): SignedAct => {
    const signed = signNext(log, body, room.peer(by).identity);
    const result = append(log, signed);
    assert.ok(result.ok, `${by} may not ${body.type}: ${result.ok ? '' : result.reason}`);
    log = result.log;
    // Before we join, the act is simply part of the log we will learn.
    if (room.session.state.get().phase === 'joined') room.receive(by, { kind: 'acts', entries: [signed] });
    return signed;
  };
  /** Folds in every act the session sent since last asked. */
  const ours = (): void => {
    for (const { message } of room.peerMessages()) {
      if (message.kind !== 'acts') continue;
      for (const entry of message.entries) {
        if (entry.n !== log.entries.length) continue;
        const result = append(log, entry);
        if (result.ok) log = result.log;
      }
    }
  };
  /** Joins, with the members introducing themselves as holding the log so far. */
  const enter = async (members: string[] = options.members ?? [LOW, HIGH], joining?: JoinOptions): Promise<void> => {
    await room.joinRoom(members, joining);
    for (const id of members) room.receive(id, { kind: 'presence', name: id.slice(0, 4), muted: false, log: log.entries.length });
    const request = room.peerMessages().find((m) => m.message.kind === 'acts-request');
    if (request && log.entries.length > 0) room.receive(request.to, { kind: 'acts', entries: [...log.entries] });
    ours();
  };
  const view = () => room.session.state.get().overview;
  const standing = (id: string) => room.participant(id)?.standing;
  return { ...room, act, ours, enter, keyOf, view, standing, log: () => log };
}

test('a listener in a stage room is not asked for the microphone, and its links carry no track', async (t) => {
  const r = stageRoom(t, { hostPeer: LOW });
  r.act(LOW, { type: 'set-kind', kind: 'stage' });
  await r.enter();
  assert.equal(r.view().settled, true);
  assert.equal(r.view().role, 'listener');
  assert.equal(r.microphone.status, 'off');
  assert.equal(r.session.state.get().microphone, 'off');
  assert.equal(r.links.length, 0, 'no link with the other listener, and the host makes the one with us');
  r.receive(LOW, { kind: 'signal', conn: 'from-the-host', data: OFFER });
  assert.equal(r.links.length, 1);
  for (const link of r.links) assert.equal(link.options.track, null);
});

test('in a hangout a newcomer takes a seat once it holds the log, and only then captures the microphone', async (t) => {
  const r = stageRoom(t, { hostPeer: LOW });
  r.act(LOW, { type: 'set-info', title: 'Porch', description: '' });
  assert.equal(r.microphone.status, 'off');
  await r.enter();
  r.ours();
  assert.equal(r.view().role, 'speaker');
  assert.equal(r.log().entries.at(-1)?.act.type, 'take-seat', 'the seat was signed on top of the log it learned');
  await asyncWork();
  assert.equal(r.microphone.status, 'live');
});

test('in a hangout a newcomer who asked to listen stays in the audience and is not asked for the microphone', async (t) => {
  const r = stageRoom(t, { hostPeer: LOW });
  r.act(LOW, { type: 'set-info', title: 'Porch', description: '' });
  await r.enter(undefined, { seat: false });
  r.ours();
  assert.equal(r.view().settled, true);
  assert.equal(r.view().role, 'listener');
  assert.ok(r.view().permitted.includes('take-seat'), 'a seat is still there to take');
  await asyncWork();
  assert.equal(r.microphone.status, 'off');
});

test('leaving a hangout gives the seat back for whoever comes next', async (t) => {
  const hangout = stageRoom(t, { hostPeer: LOW });
  hangout.act(LOW, { type: 'set-info', title: 'Porch', description: '' });
  await hangout.enter();
  hangout.ours();
  assert.equal(hangout.view().role, 'speaker');
  hangout.session.leave();
  hangout.ours();
  assert.equal(hangout.log().entries.at(-1)?.act.type, 'leave-stage', 'the others learn the seat is free');
  assert.equal(hangout.socket().frames().at(-1)?.type, 'bye', 'and only then that we left');
});

test('a speaker invited onto a stage room keeps the seat on leaving, to come back to', async (t) => {
  const stage = stageRoom(t, { hostPeer: LOW });
  stage.act(LOW, { type: 'set-kind', kind: 'stage' });
  await stage.enter();
  stage.act(LOW, { type: 'invite', target: stage.keyOf(SELF) });
  assert.equal(stage.session.perform({ type: 'accept-invite' }), true);
  stage.ours();
  assert.equal(stage.view().role, 'speaker');
  stage.session.leave();
  stage.ours();
  assert.equal(stage.log().entries.at(-1)?.act.type, 'accept-invite', 'invited to speak, they stay on stage to come back to');
});

test('only members on stage are played; a listener is heard once invited and accepted', async (t) => {
  const r = stageRoom(t, { hostPeer: LOW });
  r.act(LOW, { type: 'set-kind', kind: 'stage' });
  await r.enter();
  assert.equal(r.player.audible.get(LOW), true, 'the host is on stage');
  assert.notEqual(r.player.audible.get(HIGH), true, 'a listener is not played');
  r.act(LOW, { type: 'invite', target: r.keyOf(HIGH) });
  assert.equal(r.standing(HIGH)?.invited, true);
  r.act(HIGH, { type: 'accept-invite' });
  assert.equal(r.player.audible.get(HIGH), true);
  r.act(HIGH, { type: 'leave-stage' });
  assert.equal(r.player.audible.get(HIGH), false);
});

test('a role change signed by a listener without the right changes nothing and is counted', async (t) => {
  const r = stageRoom(t, { hostPeer: LOW });
  r.act(LOW, { type: 'set-kind', kind: 'stage' });
  await r.enter();
  const forged = signNext(r.log(), { type: 'make-moderator', target: r.keyOf(HIGH) }, r.peer(HIGH).identity);
  r.receive(HIGH, { kind: 'acts', entries: [forged] });
  assert.equal(r.standing(HIGH)?.role, 'listener');
  assert.equal(r.view().refusedActs, 1);
  assert.notEqual(r.player.audible.get(HIGH), true);
});

test('going on stage captures the microphone and sends it on every link; leaving stops both', async (t) => {
  const r = stageRoom(t, { hostPeer: LOW });
  r.act(LOW, { type: 'set-kind', kind: 'stage' });
  await r.enter();
  r.act(LOW, { type: 'invite', target: r.keyOf(SELF) });
  assert.equal(r.view().invited, true);
  assert.equal(r.session.perform({ type: 'accept-invite' }), true);
  r.ours();
  await asyncWork();
  assert.equal(r.view().role, 'speaker');
  assert.equal(r.microphone.status, 'live');
  for (const link of r.links) assert.equal(link.tracks.at(-1), r.microphone.track);
  const [toListener] = r.links;
  assert.ok(toListener && !toListener.destroyed, 'on stage, we link with the other listener');
  assert.equal(r.session.perform({ type: 'leave-stage' }), true);
  assert.equal(r.microphone.status, 'off');
  assert.equal(toListener.destroyed, true, 'back in the audience, the link with another listener is closed');
});

test('a member the host removes loses its link, and its offers are refused', async (t) => {
  const r = stageRoom(t, { hostPeer: HIGH });
  await r.enter();
  assert.ok(r.links.length > 0);
  r.act(HIGH, { type: 'remove', target: r.keyOf(LOW) });
  assert.equal(r.participant(LOW), undefined, 'a removed member is no longer shown');
  const before = r.links.length;
  r.receive(LOW, { kind: 'signal', conn: 'conn-after-removal', data: OFFER });
  assert.equal(r.links.length, before, 'no link answers a removed member');
});

test('being removed ends our session, and says so', async (t) => {
  const r = stageRoom(t, { hostPeer: LOW });
  await r.enter();
  r.act(LOW, { type: 'remove', target: r.keyOf(SELF) });
  assert.equal(r.session.state.get().phase, 'removed');
  assert.equal(r.microphone.status, 'off');
  assert.ok(r.links.every((link) => link.destroyed));
});

test('the host ending the room ends everyone’s session', async (t) => {
  const r = stageRoom(t, { hostPeer: LOW });
  await r.enter();
  r.act(LOW, { type: 'end' });
  assert.equal(r.session.state.get().phase, 'ended');
});

test('the host moves everyone to a new link: handed pairwise to those let in, never to the removed, and named in the log by its id only', async (t) => {
  const r = stageRoom(t, { members: [LOW, HIGH] });
  await r.enter();
  assert.equal(r.session.perform({ type: 'remove', target: r.keyOf(HIGH) }), true);
  r.ours();
  assert.equal(r.session.perform({ type: 'new-link' }), true);
  const handed = r.peerMessages().filter((m) => m.message.kind === 'new-link');
  assert.deepEqual(handed.map((m) => m.to), [LOW], 'only the member still let in is handed the link');
  const link = handed[0]!.message.kind === 'new-link' ? handed[0]!.message.link : '';
  assert.notEqual(link, '');
  const act = r.peerMessages().find((m) => m.message.kind === 'acts' && m.message.entries.some((e) => e.act.type === 'new-link'));
  assert.ok(act, 'the act goes out');
  assert.ok(!JSON.stringify(act.message).includes(link.split('.')[0]!), 'the log names the link without holding it');
  const view = r.session.state.get();
  assert.equal(view.phase, 'moved');
  assert.equal(view.movedTo, `https://porch.test/r/#${link}`, 'the host follows its own link');
});

test('someone only looking in is not handed the new link: nothing takes them anywhere before they join', async (t) => {
  const r = stageRoom(t, { members: [LOW, HIGH] });
  await r.enter();
  r.receive(HIGH, { kind: 'looking-in' });
  assert.equal(r.session.perform({ type: 'new-link' }), true);
  assert.deepEqual(
    r.peerMessages().filter((m) => m.message.kind === 'new-link').map((m) => m.to),
    [LOW],
  );
});

test('a member handed the new link follows it once the log names it', async (t) => {
  const r = stageRoom(t, { hostPeer: LOW });
  await r.enter();
  const secret = createRoomSecret(r.peer(LOW).identity.publicKey);
  r.receive(LOW, { kind: 'new-link', link: secret.text, stage: true, title: 'Porch' });
  assert.equal(r.session.state.get().phase, 'joined', 'a link alone moves nobody');
  r.act(LOW, { type: 'new-link', id: linkIdOf(secret) });
  assert.equal(r.session.state.get().phase, 'moved');
  assert.equal(r.session.state.get().movedTo, `https://porch.test/r/#${secret.text}`);
});

test('a link from someone who is not staff, or whose id the log does not name, is not followed: the member is told to ask for the new one', async (t) => {
  const r = stageRoom(t, { hostPeer: LOW });
  await r.enter();
  const named = createRoomSecret(r.peer(LOW).identity.publicKey);
  const other = createRoomSecret(r.peer(LOW).identity.publicKey);
  // From a member who is not staff: not even kept.
  r.receive(HIGH, { kind: 'new-link', link: named.text, stage: false, title: '' });
  r.receive(LOW, { kind: 'new-link', link: other.text, stage: false, title: '' });
  r.act(LOW, { type: 'new-link', id: linkIdOf(named) });
  assert.equal(r.session.state.get().phase, 'moved');
  assert.equal(r.session.state.get().movedTo, null);
});

test('a listener may not move the room: no link is handed out and nothing is signed', async (t) => {
  const r = stageRoom(t, { hostPeer: LOW });
  r.act(LOW, { type: 'set-kind', kind: 'stage' });
  await r.enter();
  assert.equal(r.session.perform({ type: 'new-link' }), false);
  assert.equal(r.peerMessages().filter((m) => m.message.kind === 'new-link').length, 0);
});

test('in a locked room a newcomer waits unlinked until admitted', async (t) => {
  const r = stageRoom(t, { members: [LOW] });
  await r.enter();
  assert.equal(r.session.perform({ type: 'lock' }), true);
  r.ours();
  assert.equal(r.standing(LOW)?.waiting, false, 'who was here before the lock stays');
  const before = r.links.length;
  r.socket().serverSends({ type: 'joined', peer: LATE });
  r.introduce(LATE, 'Lou');
  assert.equal(r.standing(LATE)?.waiting, true);
  // We would offer to LATE (the lower id offers), so a link would show up here at once.
  assert.equal(r.links.length, before, 'no link to someone in the lobby');
  // LOW_STRANGER's id is lower than ours, so it is the one to offer: that offer goes unanswered.
  r.socket().serverSends({ type: 'joined', peer: LOW_STRANGER });
  r.introduce(LOW_STRANGER, 'Lin');
  r.receive(LOW_STRANGER, { kind: 'signal', conn: 'conn-from-the-lobby', data: OFFER });
  assert.equal(r.links.length, before, 'an offer from the lobby is not answered');

  assert.equal(r.session.perform({ type: 'admit', target: r.keyOf(LATE) }), true);
  assert.equal(r.standing(LATE)?.waiting, false);
  assert.equal(r.links.length, before + 1);
  assert.equal(r.links.at(-1)?.options.initiator, true);
  assert.equal(r.session.perform({ type: 'admit', target: r.keyOf(LOW_STRANGER) }), true);
  r.receive(LOW_STRANGER, { kind: 'signal', conn: 'conn-once-admitted', data: OFFER });
  assert.equal(r.links.length, before + 2, 'once admitted, its offer is answered');
});

test('muted by the host: our microphone is muted and we cannot unmute until allowed', async (t) => {
  const r = stageRoom(t, { hostPeer: LOW });
  await r.enter();
  r.ours();
  assert.equal(r.view().role, 'speaker');
  r.act(LOW, { type: 'mute', target: r.keyOf(SELF) });
  assert.equal(r.session.state.get().muted, true);
  assert.equal(r.microphone.mutedCalls.at(-1), true);
  r.session.setMuted(false);
  assert.equal(r.session.state.get().muted, true, 'unmuting is refused');
  r.act(LOW, { type: 'allow-unmute', target: r.keyOf(SELF) });
  r.session.setMuted(false);
  assert.equal(r.session.state.get().muted, false);
});

test('with the host gone and nobody moderating, the longest-serving speaker here stands in as acting host', async (t) => {
  const r = stageRoom(t, { hostPeer: LOW });
  await r.enter();
  r.ours();
  assert.equal(r.view().role, 'speaker');
  assert.equal(r.view().actingHost, null, 'the host is here');
  r.socket().serverSends({ type: 'left', peer: LOW });
  r.ours();
  assert.equal(r.log().entries.at(-1)?.act.type, 'stand-in');
  assert.equal(r.view().role, 'moderator');
  assert.equal(r.view().actingHost, r.keyOf(SELF));
});

test('a returning host takes over from whoever stood in', async (t) => {
  const r = stageRoom(t, { members: [HIGH] });
  r.act(HIGH, { type: 'take-seat' });
  r.act(HIGH, { type: 'stand-in' });
  await r.enter();
  r.ours();
  assert.equal(r.log().entries.at(-1)?.act.type, 'host-returns');
  assert.equal(r.standing(HIGH)?.role, 'speaker');
  assert.equal(r.view().actingHost, null);
});

test('a newcomer told of acts it lacks keeps waiting for them instead of acting on an empty log', async (t) => {
  const r = stageRoom(t, { hostPeer: LOW });
  r.act(LOW, { type: 'set-info', title: 'Porch', description: '' });
  await r.joinRoom([LOW, HIGH]);
  // LOW says it holds one act, but its answer to our request is lost.
  r.receive(LOW, { kind: 'presence', name: 'Lin', muted: false, log: 1 });
  t.mock.timers.tick(30_000);
  assert.equal(r.view().settled, false, 'still waiting for the act it knows it lacks');
  assert.equal(r.view().role, 'listener', 'and took no seat on an empty log');
  r.receive(LOW, { kind: 'acts', entries: [...r.log().entries] });
  assert.equal(r.view().settled, true);
  r.ours();
  assert.equal(r.view().role, 'speaker');
});

test('a newcomer whose members all introduce themselves as new acts at once', async (t) => {
  const r = stageRoom(t, { hostPeer: LOW });
  await r.joinRoom([LOW, HIGH]);
  r.receive(LOW, { kind: 'presence', name: 'Lin', muted: false });
  assert.equal(r.view().settled, false, 'HIGH has not introduced itself yet');
  r.receive(HIGH, { kind: 'presence', name: 'Hal', muted: false });
  assert.equal(r.view().settled, true);
  assert.equal(r.view().role, 'speaker', 'a hangout seat on the empty log');
});

test('a newcomer nobody tells anything stops waiting after a while and acts on what it has', async (t) => {
  const r = stageRoom(t, { hostPeer: LOW });
  await r.joinRoom([LOW, HIGH]);
  t.mock.timers.tick(10_000);
  assert.equal(r.view().settled, false, 'a slow member gets time to speak up');
  t.mock.timers.tick(10_000);
  assert.equal(r.view().settled, true);
  // A hangout seat, taken on the empty log (and, the host never having shown up, the stand-in too).
  assert.notEqual(r.view().role, 'listener');
});

test('a listener who left while our signaling was down is gone once we are back, though we never linked', async (t) => {
  const r = stageRoom(t, { hostPeer: LOW });
  r.act(LOW, { type: 'set-kind', kind: 'stage' });
  await r.enter();
  assert.ok(r.participant(HIGH), 'another listener is shown');
  assert.equal(r.links.length, 0, 'and we hold no link with it');
  r.socket().closes(1006);
  t.mock.timers.tick(10_000);
  r.socket().serverOpens();
  r.socket().serverSends({ type: 'welcome', peer: SELF, peers: [LOW], ice: [], limits: LIMITS });
  assert.equal(r.participant(HIGH), undefined);
  assert.ok(r.participant(LOW));
});
