import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FEED_SLOTS, parseLinkMessage, STAGE_MIX, type LinkMessage } from '../../shared/link-message.ts';
import type { PlannedLink } from '../../shared/topology.ts';
import type { FrameRoute } from './audio/frame-switch.ts';
import { createFakeTimers } from '../../test/helpers/fake-timers.ts';
import { TICK_MS } from './feed-choice.ts';
import { createRelay, RETURN_MS, STALL_MS, WARM_MS } from './relay.ts';
import { createTimers } from './timers.ts';

const SPEAKER_A = 'speaker-a-0000000';
const SPEAKER_B = 'speaker-b-0000000';
const PARENT = 'parent-000000000';
const BACKUP = 'backup-000000000';
const CHILD = 'child-0000000000';
const STANDBY = 'standby-00000000';

const plain = (play = true): PlannedLink => ({ make: true, send: false, play });
const feed = (role: NonNullable<PlannedLink['feed']>): PlannedLink => ({ make: true, send: false, play: false, feed: role });

interface Forwarded {
  to: string;
  slot: number;
  label: string;
}

function setup() {
  const clock = createFakeTimers();
  const up = new Set<string>();
  const forwarded: Forwarded[] = [];
  const said: { to: string; message: LinkMessage }[] = [];
  const changes = { count: 0 };
  let routes: readonly FrameRoute[] = [];
  let targets: readonly string[] = [];
  /** What the plan says of mixing, and how loud the speakers we hear are. */
  const plan = { mixes: false, levels: new Map<string, number>() };
  const relay = createRelay({
    mixReady: () => plan.mixes,
    levels: () => plan.levels,
    timers: createTimers(clock),
    route: (nextRoutes, nextTargets) => {
      routes = nextRoutes;
      targets = nextTargets;
    },
    message: (to, text) => {
      const parsed = parseLinkMessage(text);
      assert.ok(parsed.ok, `the relay sent a message its peers refuse: ${text}`);
      said.push({ to, message: parsed.value });
    },
    isUp: (peer) => up.has(peer),
    onChange: () => void (changes.count += 1),
  });
  const linkUp = (peer: string): void => {
    up.add(peer);
    relay.linkUp(peer);
  };
  /** A frame arrives: the worker forwards it as the routes say (audio/frame-switch.ts), then the relay hears of it. */
  const arrive = (peer: string, slot: number, label: string): void => {
    const route = routes.find((r) => r.peer === peer && r.slot === slot);
    if (route) for (const to of targets) forwarded.push({ to, slot: route.out, label });
    relay.arrived([[peer, slot]]);
  };
  /** Listening to PARENT, which carries SPEAKER_A on slot 0, with a link up to `other` that carries nothing yet. */
  const hearParentBeside = (other: string): void => {
    relay.apply(new Map([[PARENT, feed('parent')], [other, plain(false)]]));
    linkUp(PARENT);
    linkUp(other);
    relay.message(PARENT, JSON.stringify({ t: 'slots', slots: [SPEAKER_A] }));
  };
  const saidTo = (peer: string, t: LinkMessage['t']) => said.filter((s) => s.to === peer && s.message.t === t).map((s) => s.message);
  return { clock, relay, up, forwarded, said, linkUp, saidTo, changes, arrive, hearParentBeside, plan };
}

test('a relay fed by the stage forwards each speaker on a slot of its own, and tells its children which', () => {
  const { relay, forwarded, linkUp, saidTo, arrive } = setup();
  relay.apply(new Map([[SPEAKER_A, plain()], [SPEAKER_B, plain()], [CHILD, feed('child')]]));
  linkUp(SPEAKER_A);
  linkUp(SPEAKER_B);
  linkUp(CHILD);
  const slots = saidTo(CHILD, 'slots').at(-1);
  assert.ok(slots?.t === 'slots');
  assert.deepEqual(slots.slots.slice(0, 2).sort(), [SPEAKER_A, SPEAKER_B].sort());
  assert.equal(slots.slots.length, FEED_SLOTS);
  arrive(SPEAKER_A, 0, 'a1');
  arrive(SPEAKER_B, 0, 'b1');
  assert.deepEqual(forwarded, [
    { to: CHILD, slot: slots.slots.indexOf(SPEAKER_A), label: 'a1' },
    { to: CHILD, slot: slots.slots.indexOf(SPEAKER_B), label: 'b1' },
  ]);
});

test('a relay forwards what its parent sends, slot by slot as the parent names them, and nothing from its backup', () => {
  const { relay, forwarded, linkUp, saidTo, arrive } = setup();
  relay.apply(new Map([[PARENT, feed('parent')], [BACKUP, feed('backup')], [CHILD, feed('child')]]));
  [PARENT, BACKUP, CHILD].forEach(linkUp);
  relay.message(PARENT, JSON.stringify({ t: 'slots', slots: [null, null, SPEAKER_A] }));
  assert.equal(relay.sourceOf(PARENT, 2), SPEAKER_A, 'slot 2 of the parent carries A');
  assert.equal(relay.sourceOf(BACKUP, 2), null, 'the backup is not listened to');
  const out = saidTo(CHILD, 'slots').at(-1);
  assert.ok(out?.t === 'slots' && out.slots.includes(SPEAKER_A));
  arrive(PARENT, 2, 'from parent');
  arrive(BACKUP, 0, 'stray');
  assert.deepEqual(forwarded, [{ to: CHILD, slot: out.slots.indexOf(SPEAKER_A), label: 'from parent' }]);
});

test('fed a mix, a relay forwards it unchanged on one slot, passes on how loud each speaker is, and never mixes it again', () => {
  const { clock, relay, forwarded, linkUp, saidTo, arrive, plan } = setup();
  plan.mixes = true;
  relay.apply(new Map([[PARENT, feed('parent')], [CHILD, feed('child')]]));
  [PARENT, CHILD].forEach(linkUp);
  relay.message(PARENT, JSON.stringify({ t: 'slots', slots: [STAGE_MIX] }));
  relay.message(PARENT, JSON.stringify({ t: 'tick', levels: [[SPEAKER_A, 0.5]] }));
  assert.deepEqual([relay.status().mixed, relay.status().mixing], [true, false]);
  const out = saidTo(CHILD, 'slots').at(-1);
  assert.ok(out?.t === 'slots');
  assert.deepEqual(out.slots.filter((x) => x !== null), [STAGE_MIX]);
  arrive(PARENT, 0, 'mixed');
  assert.deepEqual(forwarded, [{ to: CHILD, slot: out.slots.indexOf(STAGE_MIX), label: 'mixed' }]);
  clock.advance(TICK_MS);
  assert.deepEqual(saidTo(CHILD, 'tick').at(-1), { t: 'tick', levels: [[SPEAKER_A, 0.5]] });
});

test('fed a mix while a speaker’s own link is up too (moving nearer the stage), a relay still offers the mix alone', () => {
  const { relay, linkUp, saidTo } = setup();
  relay.apply(new Map([[PARENT, feed('parent')], [SPEAKER_A, plain()], [CHILD, feed('child')]]));
  [PARENT, SPEAKER_A, CHILD].forEach(linkUp);
  relay.message(PARENT, JSON.stringify({ t: 'slots', slots: [STAGE_MIX] }));
  // Every message the relay sends is parsed as its peers would (setup): a mix beside a speaker is refused.
  assert.deepEqual(saidTo(CHILD, 'slots').at(-1), { t: 'slots', slots: [STAGE_MIX, ...Array(FEED_SLOTS - 1).fill(null)] });
});

test('a relay the plan has mix offers one slot carrying the stage mixed, forwards no speaker, and says how loud each is', () => {
  const { clock, relay, forwarded, linkUp, saidTo, arrive, plan } = setup();
  plan.mixes = true;
  plan.levels = new Map([[SPEAKER_A, 0.123], [SPEAKER_B, 0]]);
  relay.apply(new Map([[SPEAKER_A, plain()], [SPEAKER_B, plain()], [CHILD, feed('child')]]));
  [SPEAKER_A, SPEAKER_B, CHILD].forEach(linkUp);
  assert.deepEqual([relay.status().mixed, relay.status().mixing, relay.streams()], [false, true, 1]);
  assert.deepEqual(saidTo(CHILD, 'slots').at(-1), { t: 'slots', slots: [STAGE_MIX, ...Array(FEED_SLOTS - 1).fill(null)] });
  arrive(SPEAKER_A, 0, 'a1');
  assert.deepEqual(forwarded, [], 'the mix is made on the page, not forwarded');
  clock.advance(TICK_MS);
  assert.deepEqual(saidTo(CHILD, 'tick').at(-1), { t: 'tick', levels: [[SPEAKER_A, 0.12], [SPEAKER_B, 0]] });
  plan.mixes = false;
  relay.apply(new Map([[SPEAKER_A, plain()], [SPEAKER_B, plain()], [CHILD, feed('child')]]));
  assert.equal(relay.status().mixing, false, 'a new plan without mixing: each speaker is forwarded again');
});

test('when the parent falls silent, the member asks its backup to feed it and listens there', () => {
  const { clock, relay, linkUp, saidTo, arrive } = setup();
  relay.apply(new Map([[PARENT, feed('parent')], [BACKUP, feed('backup')]]));
  linkUp(PARENT);
  linkUp(BACKUP);
  relay.message(PARENT, JSON.stringify({ t: 'slots', slots: [SPEAKER_A] }));
  for (let i = 0; i < 10; i += 1) {
    clock.advance(100);
    arrive(PARENT, 0, 'a');
  }
  assert.equal(relay.status().upstream, 'parent', 'a parent that keeps sending is kept');
  assert.deepEqual(saidTo(BACKUP, 'feed'), [], 'and the backup stays silent');
  clock.advance(STALL_MS + 200);
  assert.equal(relay.status().upstream, 'backup');
  assert.deepEqual(saidTo(BACKUP, 'feed'), [{ t: 'feed', on: true }]);
  relay.message(BACKUP, JSON.stringify({ t: 'slots', slots: [null, SPEAKER_A] }));
  assert.equal(relay.sourceOf(BACKUP, 1), SPEAKER_A, 'the backup is heard now');
  assert.equal(relay.sourceOf(PARENT, 0), null, 'and the silent parent no longer');
});

test('ticks keep a parent whose stage is silent', () => {
  const { clock, relay, linkUp } = setup();
  relay.apply(new Map([[PARENT, feed('parent')], [BACKUP, feed('backup')]]));
  linkUp(PARENT);
  linkUp(BACKUP);
  for (let i = 0; i < 20; i += 1) {
    clock.advance(150);
    relay.message(PARENT, JSON.stringify({ t: 'tick' }));
  }
  assert.equal(relay.status().upstream, 'parent');
});

test('a parent that says it is leaving is heard until the backup has fed us a moment, so nothing is missed', () => {
  const { clock, relay, linkUp, saidTo, arrive } = setup();
  relay.apply(new Map([[PARENT, feed('parent')], [BACKUP, feed('backup')]]));
  linkUp(PARENT);
  linkUp(BACKUP);
  relay.message(PARENT, JSON.stringify({ t: 'slots', slots: [SPEAKER_A] }));
  relay.message(PARENT, JSON.stringify({ t: 'leaving' }));
  assert.deepEqual(saidTo(BACKUP, 'feed'), [{ t: 'feed', on: true }], 'the backup is asked at once');
  relay.message(BACKUP, JSON.stringify({ t: 'slots', slots: [SPEAKER_A] }));
  for (let ms = 0; ms < WARM_MS; ms += 20) {
    arrive(PARENT, 0, 'a');
    arrive(BACKUP, 0, 'a');
    assert.equal(relay.status().upstream, 'parent', `${ms} ms after the backup started, the leaving parent is still the one heard`);
    assert.equal(relay.sourceOf(PARENT, 0), SPEAKER_A);
    clock.advance(20);
  }
  arrive(BACKUP, 0, 'a');
  assert.equal(relay.status().upstream, 'backup');
  assert.equal(relay.sourceOf(BACKUP, 0), SPEAKER_A);
  assert.equal(relay.sourceOf(PARENT, 0), null, 'and the leaving parent no longer');
  assert.deepEqual(saidTo(BACKUP, 'feed'), [{ t: 'feed', on: true }], 'the backup, asked once, is not told to stop');
});

test('a leaving parent that falls silent before the backup feeds us is left for the backup', () => {
  const { clock, relay, linkUp, saidTo, arrive } = setup();
  relay.apply(new Map([[PARENT, feed('parent')], [BACKUP, feed('backup')]]));
  linkUp(PARENT);
  linkUp(BACKUP);
  arrive(PARENT, 0, 'a');
  relay.message(PARENT, JSON.stringify({ t: 'leaving' }));
  clock.advance(STALL_MS + 200);
  assert.equal(relay.status().upstream, 'backup');
  assert.deepEqual(saidTo(BACKUP, 'feed'), [{ t: 'feed', on: true }]);
});

test('a planned parent that said it is leaving before we turned to it is never turned to: we stay, or take our backup', () => {
  const NEW_PARENT = 'new-parent-00000';
  const { clock, relay, linkUp, arrive } = setup();
  relay.apply(new Map([[PARENT, feed('parent')], [NEW_PARENT, plain(false)], [BACKUP, feed('backup')]]));
  linkUp(PARENT);
  linkUp(NEW_PARENT);
  linkUp(BACKUP);
  relay.message(PARENT, JSON.stringify({ t: 'slots', slots: [SPEAKER_A] }));
  arrive(PARENT, 0, 'a');
  relay.apply(new Map([[NEW_PARENT, feed('parent')], [BACKUP, feed('backup')], [PARENT, { ...feed('parent'), lingering: true }]]));
  relay.message(NEW_PARENT, JSON.stringify({ t: 'leaving' }));
  relay.message(NEW_PARENT, JSON.stringify({ t: 'slots', slots: [SPEAKER_A] }));
  for (let ms = 0; ms <= WARM_MS + 150; ms += 20) {
    clock.advance(20);
    arrive(PARENT, 0, 'a');
    arrive(NEW_PARENT, 0, 'a');
  }
  assert.equal(relay.status().upstream, 'parent');
  assert.equal(relay.sourceOf(PARENT, 0), SPEAKER_A, 'the old parent is heard on: the new one is about to go');
  clock.advance(STALL_MS + 150);
  assert.equal(relay.status().upstream, 'backup', 'the old parent silent, the backup takes over, not the leaver');
});

test('a standby is fed only once it asks, and until it says stop', () => {
  const { relay, forwarded, linkUp, saidTo, arrive } = setup();
  relay.apply(new Map([[SPEAKER_A, plain()], [STANDBY, feed('standby')]]));
  linkUp(SPEAKER_A);
  linkUp(STANDBY);
  arrive(SPEAKER_A, 0, 'before');
  assert.equal(forwarded.length, 0, 'a warm standby link carries no audio');
  relay.message(STANDBY, JSON.stringify({ t: 'feed', on: true }));
  assert.equal(saidTo(STANDBY, 'slots').length, 1, 'it learns our slots as it asks');
  arrive(SPEAKER_A, 0, 'during');
  relay.message(STANDBY, JSON.stringify({ t: 'feed', on: false }));
  arrive(SPEAKER_A, 0, 'after');
  assert.deepEqual(forwarded.map((f) => f.label), ['during']);
  assert.equal(relay.status().serving, 0);
});

test('a standby we feed is fed on when a plan no longer makes it ours, until it says stop or its link goes', () => {
  const { relay, forwarded, linkUp, arrive } = setup();
  relay.apply(new Map([[SPEAKER_A, plain()], [STANDBY, feed('standby')]]));
  linkUp(SPEAKER_A);
  linkUp(STANDBY);
  relay.message(STANDBY, JSON.stringify({ t: 'feed', on: true }));
  // Its new parent does not feed it yet: it hears us until it does, and then says stop.
  relay.apply(new Map([[SPEAKER_A, plain()], [STANDBY, { ...feed('standby'), lingering: true }]]));
  arrive(SPEAKER_A, 0, 'lingering');
  relay.apply(new Map([[SPEAKER_A, plain()], [STANDBY, plain(false)]]));
  arrive(SPEAKER_A, 0, 'no longer our standby');
  relay.message(STANDBY, JSON.stringify({ t: 'feed', on: false }));
  arrive(SPEAKER_A, 0, 'stopped');
  relay.message(STANDBY, JSON.stringify({ t: 'feed', on: true }));
  arrive(SPEAKER_A, 0, 'asked again, no longer our standby');
  relay.apply(new Map([[SPEAKER_A, plain()]]));
  arrive(SPEAKER_A, 0, 'link gone');
  assert.deepEqual(forwarded.map((f) => f.label), ['lingering', 'no longer our standby']);
});

test('a standby we feed that a plan makes our parent is fed no more: the two would feed each other, and nobody the stage', () => {
  const { relay, linkUp, arrive, forwarded } = setup();
  relay.apply(new Map([[SPEAKER_A, plain()], [STANDBY, feed('standby')]]));
  linkUp(SPEAKER_A);
  linkUp(STANDBY);
  relay.message(STANDBY, JSON.stringify({ t: 'feed', on: true }));
  relay.apply(new Map([[STANDBY, feed('parent')], [SPEAKER_A, plain()]]));
  arrive(SPEAKER_A, 0, 'a');
  assert.deepEqual(relay.feeds(), []);
  assert.deepEqual(forwarded, []);
});

test('a member that is not our standby cannot make us feed it, and bad messages change nothing', () => {
  const { relay, forwarded, linkUp, arrive } = setup();
  relay.apply(new Map([[SPEAKER_A, plain()], [CHILD, feed('child')], [STANDBY, feed('backup')]]));
  linkUp(SPEAKER_A);
  relay.message(STANDBY, JSON.stringify({ t: 'feed', on: true }));
  relay.message('stranger-00000000', JSON.stringify({ t: 'feed', on: true }));
  relay.message(CHILD, '{"t":"slots","slots":"everything"}');
  relay.message(CHILD, 'not json');
  arrive(SPEAKER_A, 0, 'a');
  assert.deepEqual(forwarded.map((f) => f.to), [CHILD], 'only the child is fed');
});

test('a listener fed by no one forwards no listener: only links that play are sources', () => {
  const { relay, forwarded, linkUp, arrive } = setup();
  relay.apply(new Map([[SPEAKER_A, plain(false)], [CHILD, feed('child')]]));
  linkUp(SPEAKER_A);
  arrive(SPEAKER_A, 0, 'muted by the host');
  assert.deepEqual(forwarded, []);
});

test('a relay that leaves tells those it feeds', () => {
  const { relay, linkUp, saidTo } = setup();
  relay.apply(new Map([[SPEAKER_A, plain()], [CHILD, feed('child')]]));
  linkUp(CHILD);
  assert.equal(relay.leaving(), true);
  assert.deepEqual(saidTo(CHILD, 'leaving'), [{ t: 'leaving' }]);
});

test('a new slot map from the feed we listen to is reported, so what plays follows it', () => {
  const { relay, linkUp, changes } = setup();
  relay.apply(new Map([[PARENT, feed('parent')]]));
  linkUp(PARENT);
  const before = changes.count;
  relay.message(PARENT, JSON.stringify({ t: 'slots', slots: [SPEAKER_A] }));
  assert.equal(changes.count, before + 1);
});

test('two members that back each other up each feed the other when asked', () => {
  const { relay, forwarded, linkUp, arrive } = setup();
  relay.apply(new Map([[SPEAKER_A, plain()], [BACKUP, { ...feed('backup'), standby: true }]]));
  linkUp(SPEAKER_A);
  linkUp(BACKUP);
  relay.message(BACKUP, JSON.stringify({ t: 'feed', on: true }));
  arrive(SPEAKER_A, 0, 'a');
  assert.deepEqual(forwarded.map((f) => f.to), [BACKUP]);
});

test('a parent that only hiccuped takes the member back from its backup once it has kept sending a while', () => {
  const { clock, relay, linkUp, saidTo, arrive } = setup();
  relay.apply(new Map([[PARENT, feed('parent')], [BACKUP, feed('backup')]]));
  linkUp(PARENT);
  linkUp(BACKUP);
  clock.advance(STALL_MS + 200);
  assert.equal(relay.status().upstream, 'backup');
  for (let t = 0; t < RETURN_MS + 500; t += 100) {
    clock.advance(100);
    arrive(PARENT, 0, 'parent again');
    relay.message(BACKUP, JSON.stringify({ t: 'tick' }));
  }
  assert.equal(relay.status().upstream, 'parent');
  assert.deepEqual(saidTo(BACKUP, 'feed'), [{ t: 'feed', on: true }, { t: 'feed', on: false }], 'the backup is released');
});

test('a member that a new plan makes our child over a link already up is told our slots at once', () => {
  const { relay, linkUp, saidTo } = setup();
  relay.apply(new Map([[SPEAKER_A, plain()], [STANDBY, feed('standby')]]));
  linkUp(SPEAKER_A);
  linkUp(STANDBY);
  assert.equal(saidTo(STANDBY, 'slots').length, 0, 'a standby that never asked hears nothing of our slots');
  // The plan after a crash: the member we backed up hangs from us now, on the link it already had.
  relay.apply(new Map([[SPEAKER_A, plain()], [STANDBY, feed('child')]]));
  const slots = saidTo(STANDBY, 'slots').at(-1);
  assert.ok(slots?.t === 'slots' && slots.slots.includes(SPEAKER_A), 'without our slots it could place none of our frames');
});

test('a standby we feed whose link drops and comes back is told our slots again, which may have changed meanwhile', () => {
  const { relay, linkUp, saidTo, up } = setup();
  relay.apply(new Map([[SPEAKER_A, plain()], [SPEAKER_B, plain()], [STANDBY, feed('standby')]]));
  linkUp(SPEAKER_A);
  linkUp(STANDBY);
  relay.message(STANDBY, JSON.stringify({ t: 'feed', on: true }));
  up.delete(STANDBY);
  linkUp(SPEAKER_B);
  const told = saidTo(STANDBY, 'slots').length;
  linkUp(STANDBY);
  const slots = saidTo(STANDBY, 'slots');
  assert.equal(slots.length, told + 1);
  const last = slots.at(-1);
  assert.ok(last?.t === 'slots' && last.slots.includes(SPEAKER_B), 'the slot map it missed while away');
});

test('moved by a plan to a parent whose link is up but that does not feed us yet, a member hears its old feed until the new one does', () => {
  const NEW_PARENT = 'new-parent-00000';
  const { clock, relay, arrive, hearParentBeside } = setup();
  hearParentBeside(NEW_PARENT);
  arrive(PARENT, 0, 'a');
  // The new plan reaches us before it reaches our new parent; the old one keeps feeding us meanwhile (LINGER_MS).
  relay.apply(new Map([[NEW_PARENT, feed('parent')], [PARENT, feed('parent')]]));
  assert.equal(relay.sourceOf(PARENT, 0), SPEAKER_A, 'the old parent went silent for us before the new one fed us');
  for (let i = 0; i < 5; i += 1) {
    clock.advance(20);
    arrive(PARENT, 0, 'a');
  }
  assert.equal(relay.sourceOf(PARENT, 0), SPEAKER_A);
  relay.message(NEW_PARENT, JSON.stringify({ t: 'slots', slots: [null, SPEAKER_A] }));
  arrive(NEW_PARENT, 1, 'a');
  assert.equal(relay.sourceOf(PARENT, 0), SPEAKER_A, 'the new parent’s first frame is not yet playing');
  for (let ms = 0; ms <= WARM_MS + 150; ms += 20) {
    clock.advance(20);
    arrive(NEW_PARENT, 1, 'a');
  }
  assert.equal(relay.sourceOf(NEW_PARENT, 1), SPEAKER_A, 'fed by the new parent a while, the member moves to it');
  assert.equal(relay.sourceOf(PARENT, 0), null);
});

test('moved by a plan while its old feed is silent, a member moves at once', () => {
  const NEW_PARENT = 'new-parent-00000';
  const { clock, relay, linkUp } = setup();
  relay.apply(new Map([[PARENT, feed('parent')], [NEW_PARENT, plain(false)]]));
  linkUp(PARENT);
  linkUp(NEW_PARENT);
  clock.advance(STALL_MS);
  relay.apply(new Map([[NEW_PARENT, feed('parent')], [PARENT, feed('parent')]]));
  relay.message(NEW_PARENT, JSON.stringify({ t: 'slots', slots: [SPEAKER_A] }));
  assert.equal(relay.sourceOf(NEW_PARENT, 0), SPEAKER_A);
});

test('moved by a plan just after its parent fell silent (a crash), a member turns to the new parent at once and hears its first frame', () => {
  const NEW_PARENT = 'new-parent-00000';
  const { clock, relay, arrive, hearParentBeside } = setup();
  hearParentBeside(NEW_PARENT);
  arrive(PARENT, 0, 'a');
  // The server saw the crash at once; the old parent's link still looks up, and it was heard 120 ms ago.
  clock.advance(120);
  relay.apply(new Map([[NEW_PARENT, feed('parent')], [PARENT, { ...feed('parent'), lingering: true }]]));
  assert.equal(relay.sourceOf(PARENT, 0), null, 'the old parent, silent, is not waited on');
  relay.message(NEW_PARENT, JSON.stringify({ t: 'slots', slots: [null, SPEAKER_A] }));
  arrive(NEW_PARENT, 1, 'a');
  assert.equal(relay.sourceOf(NEW_PARENT, 1), SPEAKER_A, 'the new parent is heard from its first frame: waiting for it to warm up would only lengthen the silence');
});

test('a dropped feed that only ticks, the stage being silent, is heard on for two ticks: it is alive', () => {
  const NEW_PARENT = 'new-parent-00000';
  const { clock, relay, hearParentBeside } = setup();
  hearParentBeside(NEW_PARENT);
  relay.message(PARENT, JSON.stringify({ t: 'tick' }));
  clock.advance(140);
  relay.apply(new Map([[NEW_PARENT, feed('parent')], [PARENT, { ...feed('parent'), lingering: true }]]));
  assert.equal(relay.sourceOf(PARENT, 0), SPEAKER_A, 'not yet left for a new parent that does not feed us');
});

test('frames that reach the page late, all at once, count together: the feed we hear, in the same batch, is not taken for silent', () => {
  const NEW_PARENT = 'new-parent-00000';
  const { clock, relay, arrive, hearParentBeside } = setup();
  hearParentBeside(NEW_PARENT);
  arrive(PARENT, 0, 'a');
  relay.apply(new Map([[NEW_PARENT, feed('parent')], [PARENT, { ...feed('parent'), lingering: true }]]));
  relay.message(NEW_PARENT, JSON.stringify({ t: 'slots', slots: [null, SPEAKER_A] }));
  // The page was busy for 130 ms; the worker's batch names the new parent before the old.
  clock.advance(130);
  relay.arrived([[NEW_PARENT, 1], [PARENT, 0]]);
  assert.equal(relay.sourceOf(PARENT, 0), SPEAKER_A, 'the old parent still brings audio: the new one must warm up first');
});

test('a member that has just asked its backup to feed it stays there while a plan moves it to the stage, until the stage feeds it', () => {
  const { clock, relay, linkUp, saidTo, arrive } = setup();
  relay.apply(new Map([[PARENT, feed('parent')], [BACKUP, feed('backup')]]));
  linkUp(PARENT);
  linkUp(BACKUP);
  relay.message(PARENT, JSON.stringify({ t: 'leaving' }));
  assert.deepEqual(saidTo(BACKUP, 'feed'), [{ t: 'feed', on: true }]);
  relay.apply(new Map([[SPEAKER_A, plain()], [BACKUP, feed('backup')]]));
  assert.equal(relay.status().upstream, 'backup', 'it turned to a stage that is not linked yet');
  relay.message(BACKUP, JSON.stringify({ t: 'slots', slots: [SPEAKER_A] }));
  clock.advance(20);
  arrive(BACKUP, 0, 'a');
  linkUp(SPEAKER_A);
  arrive(SPEAKER_A, 0, 'a');
  clock.advance(150);
  assert.equal(relay.status().upstream, 'stage');
});

test('its parent silent, a member moved by a plan to a parent whose link is not up yet turns to its warm backup meanwhile', () => {
  const NEW_PARENT = 'new-parent-00000';
  const { clock, relay, linkUp, saidTo, arrive } = setup();
  relay.apply(new Map([[PARENT, feed('parent')], [BACKUP, feed('backup')]]));
  linkUp(PARENT);
  linkUp(BACKUP);
  arrive(PARENT, 0, 'a');
  // The parent's page crashed: its link still looks up, but nothing comes; the plan names another.
  clock.advance(STALL_MS - 50);
  relay.apply(new Map([[NEW_PARENT, feed('parent')], [BACKUP, feed('backup')], [PARENT, feed('parent')]]));
  assert.equal(relay.status().upstream, 'backup');
  assert.deepEqual(saidTo(BACKUP, 'feed'), [{ t: 'feed', on: true }]);
});

test('a plan that makes the feed we hear our backup has us ask it to go on feeding us until the new parent does', () => {
  const NEW_PARENT = 'new-parent-00000';
  const { clock, relay, saidTo, arrive, hearParentBeside } = setup();
  hearParentBeside(NEW_PARENT);
  arrive(PARENT, 0, 'a');
  relay.apply(new Map([[NEW_PARENT, feed('parent')], [PARENT, feed('backup')]]));
  assert.equal(relay.sourceOf(PARENT, 0), SPEAKER_A, 'still heard');
  // Otherwise its own plan has it stop feeding us, and we wait on a silent backup for good.
  assert.deepEqual(saidTo(PARENT, 'feed'), [{ t: 'feed', on: true }]);
  relay.message(NEW_PARENT, JSON.stringify({ t: 'slots', slots: [SPEAKER_A] }));
  for (let t = 0; t <= RETURN_MS; t += 100) {
    clock.advance(100);
    arrive(NEW_PARENT, 0, 'a');
    arrive(PARENT, 0, 'a');
  }
  assert.equal(relay.sourceOf(NEW_PARENT, 0), SPEAKER_A, 'the new parent takes over once it has fed us a while');
  assert.deepEqual(saidTo(PARENT, 'feed').at(-1), { t: 'feed', on: false });
});

test('moved to hear the stage directly, a listener leaves its lingering old parent once the stage feeds it, and never plays a speaker twice', () => {
  const { clock, relay, linkUp, arrive } = setup();
  relay.apply(new Map([[PARENT, feed('parent')]]));
  linkUp(PARENT);
  relay.message(PARENT, JSON.stringify({ t: 'slots', slots: [SPEAKER_A] }));
  arrive(PARENT, 0, 'a');
  relay.apply(new Map([[SPEAKER_A, plain()], [PARENT, { ...feed('parent'), lingering: true }]]));
  assert.equal(relay.sourceOf(PARENT, 0), SPEAKER_A, 'the old parent is heard until the stage is');
  linkUp(SPEAKER_A);
  arrive(SPEAKER_A, 0, 'a');
  assert.equal(relay.status().upstream, 'parent', 'the stage’s first frame is not yet playing');
  assert.equal(relay.sourceOf(SPEAKER_A, 0), null, 'and meanwhile its speaker plays through the parent only, not twice');
  for (let ms = 0; ms <= WARM_MS; ms += 20) {
    clock.advance(20);
    arrive(PARENT, 0, 'a');
    arrive(SPEAKER_A, 0, 'a');
  }
  assert.equal(relay.status().upstream, 'stage', 'once the stage has fed us a while');
  assert.equal(relay.sourceOf(PARENT, 0), null, 'the speaker would play twice');
  assert.equal(relay.sourceOf(SPEAKER_A, 0), SPEAKER_A);
});
