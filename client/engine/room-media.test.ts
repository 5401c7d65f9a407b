import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlannedLink, Topology } from '../../shared/topology.ts';
import { FakeLink, FakeMicrophone, FakePlayer, OFFER } from '../../test/helpers/room-harness.ts';
import { createFakeTimers } from '../../test/helpers/fake-timers.ts';
import { parseLinkMessage, STAGE_MIX, type LinkMessage } from '../../shared/link-message.ts';
import type { StageMix } from './audio/stage-mix.ts';
import { TICK_MS } from './feed-choice.ts';
import { createRoomMedia } from './room-media.ts';
import { createTimers } from './timers.ts';

// SELF offers to HIGH and waits for LOW's offer.
const LOW = 'aaaa';
const SELF = 'bbbb';
const HIGH = 'cccc';

/** A mix that records what goes into it. */
function fakeMix() {
  const inputs = new Map<string, MediaStream>();
  const mix = { stopped: false, track: { id: 'stage-mix' } as unknown as MediaStreamTrack };
  const make = (): StageMix => ({
    track: mix.track,
    set: (key, stream) => void (stream ? inputs.set(key, stream) : inputs.delete(key)),
    stop: () => void (mix.stopped = true),
  });
  return { inputs, mix, make };
}

function setup({ mixes = false, stageMix, mayHear = () => true }: { mixes?: boolean; stageMix?: () => StageMix; mayHear?: (peer: string) => boolean } = {}) {
  const clock = createFakeTimers();
  const links: FakeLink[] = [];
  const microphone = new FakeMicrophone('live');
  const player = new FakePlayer();
  const unlinked: string[] = [];
  const listed = new Set([LOW, HIGH]);
  const allowed = new Set([LOW]);
  const joined = { value: true };
  const media = createRoomMedia({
    timers: createTimers(clock),
    ...(stageMix ? { stageMix } : {}),
    mixes: () => mixes,
    createLink: (options) => {
      const link = new FakeLink(options);
      links.push(link);
      return link;
    },
    player,
    microphone,
    frameWorker: () => null,
    muted: () => false,
    active: () => true,
    listening: () => joined.value,
    isListed: (peer) => listed.has(peer),
    mayLink: (peer) => allowed.has(peer),
    mayHear,
    onRelay: () => {},
    sendSignal: () => {},
    newConnId: () => 'conn',
    onMicrophone: () => {},
    onConnection: () => {},
    onUnlinked: (peer) => unlinked.push(peer),
  });
  media.start(SELF, []);
  return { media, links, microphone, player, unlinked, listed, allowed, joined, clock };
}

const plan = (entries: [string, PlannedLink][]): Topology => new Map(entries);
/** What a link sends now: the last track handed to it, else the one it was made with. */
const sending = (link: FakeLink | undefined): MediaStreamTrack | null | undefined => (link?.tracks.length ? link.tracks.at(-1) : link?.options.track);
const speaking: PlannedLink = { make: true, send: true, play: true };
const listening: PlannedLink = { make: true, send: false, play: true };

test('links are made where the topology says, and each sends what it says', async () => {
  const { media, links, microphone } = setup();
  media.apply(plan([[HIGH, speaking]]), true);
  await media.captured();
  assert.equal(links.length, 1);
  assert.equal(sending(links[0]), microphone.track, 'the microphone, once captured, goes on the link');
});

test('on the same stage, a link the topology says not to send on carries no track', async () => {
  const { media, links } = setup();
  media.apply(plan([[HIGH, listening]]), true);
  await media.captured();
  assert.equal(links[0]?.options.track, null);
  assert.deepEqual(links[0]?.tracks, []);
});

test('before the person joins, audio that arrives is held silent, and plays once they join', () => {
  const { media, links, player, joined } = setup();
  joined.value = false;
  media.apply(plan([[HIGH, listening]]), false);
  links[0]?.options.onRemoteTrack(0, { id: 'stream' } as unknown as MediaStream);
  assert.deepEqual(player.played.map(([peer]) => peer), [HIGH], 'the audio is there, ready');
  assert.equal(player.audible.get(HIGH), false, 'but not heard');
  joined.value = true;
  media.apply(plan([[HIGH, listening]]), false);
  assert.equal(player.audible.get(HIGH), true);
});

test('relinking drops every link, and the next topology makes them again', () => {
  const { media, links } = setup();
  media.apply(plan([[HIGH, listening]]), false);
  media.relink();
  assert.equal(links[0]?.destroyed, true);
  media.apply(plan([[HIGH, listening]]), false);
  assert.equal(links.length, 2);
  assert.equal(links[1]?.destroyed, false);
});

test('a member that leaves the topology loses its link and is no longer played', () => {
  const { media, links, player, unlinked } = setup();
  media.apply(plan([[HIGH, listening]]), false);
  media.apply(plan([]), false);
  assert.equal(links[0]?.destroyed, true);
  assert.equal(player.audible.get(HIGH), false);
  assert.deepEqual(unlinked, [HIGH]);
});

test('a link that is up outlives a reconnect whose list does not name them yet, and closes for good only then', () => {
  const { media, links, listed } = setup();
  media.apply(plan([[HIGH, listening]]), false);
  links[0]?.emitState('connected');
  listed.delete(HIGH);
  media.apply(plan([]), false);
  assert.equal(links[0]?.destroyed, false, 'audio with them goes on');
  listed.add(HIGH);
  media.apply(plan([]), false);
  assert.equal(links[0]?.destroyed, true, 'listed again and still outside the topology');
});

test('an offer is taken only where the topology has a link or the log allows one, and then plays nothing the topology does not', () => {
  const { media, links, player } = setup();
  media.signal(HIGH, 'c0', { type: 'offer', sdp: 'v=0' });
  media.signal('dddd', 'c0', OFFER);
  assert.equal(links.length, 0, 'neither the log nor the topology allows these');
  media.apply(plan([[LOW, { make: false, send: false, play: true }]]), false);
  assert.equal(links.length, 0, 'we wait for a member that has not presented itself');
  media.apply(plan([]), false);
  media.signal(LOW, 'c1', OFFER);
  assert.equal(links.length, 1, 'the log allows it: they may have learned an act before us');
  links[0]?.options.onRemoteTrack(0, { id: 'stream' } as unknown as MediaStream);
  assert.equal(player.audible.get(LOW), false, 'but nothing plays until the topology says so');
  media.apply(plan([]), false);
  assert.equal(links[0]?.destroyed, false, 'their link is theirs to end while the log allows it: our log may lag theirs');
  assert.equal(player.audible.get(LOW), false);
  assert.deepEqual(links[0]?.tracks, [], 'and we send nothing on it');
  media.apply(plan([[LOW, { make: false, send: false, play: true }]]), false);
  assert.equal(player.audible.get(LOW), true, 'once the topology has it, it plays');
});

test('a link a member offered closes once the log no longer allows it', () => {
  const { media, links, allowed } = setup();
  media.signal(LOW, 'c1', OFFER);
  media.apply(plan([]), false);
  assert.equal(links[0]?.destroyed, false);
  allowed.delete(LOW);
  media.apply(plan([]), false);
  assert.equal(links[0]?.destroyed, true);
});

test('the microphone is captured only while on stage, and released on stop', async () => {
  const { media, microphone } = setup();
  media.apply(plan([]), false);
  await media.captured();
  assert.equal(microphone.status, 'off');
  media.apply(plan([]), true);
  await media.captured();
  assert.equal(microphone.status, 'live');
  media.stop();
  assert.equal(microphone.status, 'off');
});

test('a member whose offer we only awaited is forgotten when the topology drops it, not kept as theirs to end', () => {
  const { media, links, unlinked } = setup();
  media.apply(plan([[LOW, listening]]), false);
  assert.equal(links.length, 0, 'LOW offers, so we wait');
  media.apply(plan([]), false);
  assert.deepEqual(unlinked, [LOW], 'shown as no link, not as connecting for ever');
  assert.equal(media.linked(LOW), false);
});

test('leaving on purpose, a member falls silent at once, though its links go on a moment for those it feeds', async () => {
  const { media, links, microphone, player } = setup();
  media.apply(plan([[HIGH, speaking]]), true);
  await media.captured();
  links[0]?.options.onRemoteTrack(0, { id: 'stream' } as unknown as MediaStream);
  assert.equal(player.audible.get(HIGH), true);
  media.handOver();
  await media.captured();
  assert.equal(player.audible.get(HIGH), false, 'nothing plays once they have left');
  assert.equal(microphone.status, 'off', 'and their microphone is released');
  assert.equal(links[0]?.destroyed, false, 'the link itself stays until stopped');
});

test('moved to the stage, a listener hears a speaker through its old feed until the stage’s own link takes over, never on both', () => {
  // Slot maps name members by their full ids.
  const PARENT = 'dddd000000000000';
  const SPEAKER = 'cccc000000000000';
  const { media, links, player } = setup();
  const parent: PlannedLink = { make: true, send: false, play: false, feed: 'parent', relays: true };
  media.apply(plan([[PARENT, parent]]), false);
  links[0]?.emitState('connected');
  links[0]?.options.onMessage?.(JSON.stringify({ t: 'slots', slots: [SPEAKER] }));
  links[0]?.options.onRemoteTrack(0, { id: 'via-parent' } as unknown as MediaStream);
  assert.equal(player.audible.get(PARENT), true, 'the parent carries the speaker');
  media.apply(plan([[SPEAKER, listening], [PARENT, { ...parent, lingering: true }]]), false);
  links[1]?.emitState('connected');
  links[1]?.options.onRemoteTrack(0, { id: 'direct' } as unknown as MediaStream);
  assert.equal(player.audible.get(PARENT), true, 'the old feed plays on while the stage’s link warms up');
  assert.equal(player.audible.get(SPEAKER), false, 'and the speaker’s own link stays silent meanwhile');
});

// Slot maps and levels name members by their full ids; all above SELF's, so it offers to each.
const SPEAKER_A = 'cccc00000000000a';
const SPEAKER_B = 'cccc00000000000b';
const CHILD = 'eeee000000000000';
const fromStage: PlannedLink = { make: true, send: false, play: true, relays: true };
const child: PlannedLink = { make: true, send: false, play: false, feed: 'child', relays: true };
const said = (link: FakeLink | undefined): LinkMessage[] =>
  (link?.messages ?? []).map((text) => parseLinkMessage(text)).flatMap((m) => (m.ok ? [m.value] : []));

/** A relay fed by two speakers directly, feeding one child: every link up, each speaker's audio arrived. */
function relayOfTwo(options: Parameters<typeof setup>[0]) {
  const harness = setup(options);
  harness.listed.add(SPEAKER_A).add(SPEAKER_B).add(CHILD);
  harness.media.apply(plan([[SPEAKER_A, fromStage], [SPEAKER_B, fromStage], [CHILD, child]]), false);
  for (const link of harness.links) link.emitState('connected');
  harness.links[0]?.options.onRemoteTrack(0, { id: 'a' } as unknown as MediaStream);
  harness.links[1]?.options.onRemoteTrack(0, { id: 'b' } as unknown as MediaStream);
  return { ...harness, toChild: harness.links[2] };
}

test('a relay the plan has mix sends the one it feeds a mix of what it plays, on one slot, with how loud each speaker is', () => {
  const fake = fakeMix();
  const { toChild, clock, media } = relayOfTwo({ mixes: true, stageMix: fake.make });
  assert.equal(sending(toChild), fake.mix.track, 'the mix goes out as our own track');
  assert.deepEqual([...fake.inputs.keys()].sort(), [SPEAKER_A, SPEAKER_B], 'made of both speakers, as played here');
  const slots = said(toChild).filter((m) => m.t === 'slots').at(-1);
  assert.deepEqual(slots?.t === 'slots' && slots.slots.filter((x) => x !== null), [STAGE_MIX], 'one slot, carrying the stage mixed');
  clock.advance(TICK_MS);
  const tick = said(toChild).find((m) => m.t === 'tick');
  assert.deepEqual(tick?.t === 'tick' && tick.levels?.map(([peer]) => peer).sort(), [SPEAKER_A, SPEAKER_B]);
  assert.equal(media.relayStatus().mixing, true);
  media.stop();
  assert.equal(fake.mix.stopped, true, 'stopping the room stops the mix');
});

test('without a plan to mix, or a page that can make a mix (none at all, or one that fails), a relay forwards each speaker on a slot of its own and sends no track', () => {
  const noAudioGraph = (): StageMix => {
    throw new Error('no AudioContext here');
  };
  for (const options of [{ mixes: false, stageMix: fakeMix().make }, { mixes: true }, { mixes: true, stageMix: noAudioGraph }]) {
    const { toChild, media } = relayOfTwo(options);
    assert.equal(sending(toChild), null, 'nothing of ours goes to the child');
    const slots = said(toChild).filter((m) => m.t === 'slots').at(-1);
    assert.deepEqual(slots?.t === 'slots' && slots.slots.filter((x) => x !== null).sort(), [SPEAKER_A, SPEAKER_B]);
    assert.equal(media.relayStatus().mixing, false);
  }
});

test('fed a mix, a listener plays it and shows each speaker as loud as its relay says, but nobody the log keeps silent', () => {
  const PARENT = 'dddd000000000000';
  const LISTENER = 'ffff000000000000';
  const { media, links, player } = setup({ mayHear: (peer) => peer !== LISTENER });
  media.apply(plan([[PARENT, { make: true, send: false, play: false, feed: 'parent', relays: true }]]), false);
  links[0]?.emitState('connected');
  links[0]?.options.onMessage?.(JSON.stringify({ t: 'slots', slots: [STAGE_MIX] }));
  links[0]?.options.onMessage?.(JSON.stringify({ t: 'tick', levels: [[SPEAKER_A, 0.4], [SPEAKER_B, 0], [LISTENER, 0.9]] }));
  links[0]?.options.onRemoteTrack(0, { id: 'mix' } as unknown as MediaStream);
  assert.equal(player.audible.get(PARENT), true);
  assert.deepEqual(media.relayStatus().mixed, true);
  assert.deepEqual(Object.fromEntries(media.audioLevels()), { [SPEAKER_A]: 0.4, [SPEAKER_B]: 0 });
});

test('just invited to the stage, a listener no longer plays the mix its old feed still sends: it would carry its own voice back', () => {
  const PARENT = 'dddd000000000000';
  const { media, links, player } = setup();
  const parent: PlannedLink = { make: true, send: false, play: false, feed: 'parent', relays: true };
  media.apply(plan([[PARENT, parent]]), false);
  links[0]?.emitState('connected');
  links[0]?.options.onMessage?.(JSON.stringify({ t: 'slots', slots: [STAGE_MIX] }));
  links[0]?.options.onRemoteTrack(0, { id: 'mix' } as unknown as MediaStream);
  assert.equal(player.audible.get(PARENT), true);
  media.apply(plan([[PARENT, { ...parent, lingering: true }]]), true);
  assert.equal(player.audible.get(PARENT), false);
});
