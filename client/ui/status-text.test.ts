import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Participant, RoomView } from '../engine/room.ts';
import { participant, roomView, SELF_KEY } from '../../test/helpers/room-view.ts';
import { connectionLabel, hereNowText, hideAddressHint, liveness, routeText, statusLines } from './status-text.ts';
import { initialRoomState } from '../../shared/room-state.ts';
import { overviewOf } from '../engine/room-overview.ts';

const RULES = { hostKey: SELF_KEY, stageMax: 8 };
const JOINED: RoomView = roomView({ microphone: 'live', name: 'Ada', safetyNumber: '12345 67890 12345 67890' }, RULES);
const state = (changes: Partial<RoomView>): RoomView => ({ ...JOINED, ...changes });
const peer = (connection: Participant['connection']): Participant =>
  participant({ id: 'peer_0123456789abcdef', name: 'Grace', connection, key: 'G'.repeat(43) }, RULES);

test('a joined room with a live microphone and a connected server shows nothing', () => {
  assert.deepEqual(statusLines(JOINED), []);
});

test('a relay that turned the server\'s credentials away is said plainly, naming who can fix it, and only then', () => {
  const [line] = statusLines(state({ relay: 'refused' }));
  assert.equal(line?.tone, 'bad');
  assert.match(line?.text ?? '', /relay turned away the credentials .* TURN secrets don't match\. Whoever runs this server needs to fix that/);
  assert.equal(hideAddressHint.refused, line?.text, 'the join form says the same under Hide my IP address');
  assert.deepEqual(statusLines(state({ relay: 'offered' })), []);
});

test('before joining nothing is shown', () => {
  assert.deepEqual(statusLines(state({ phase: 'ready', signaling: { kind: 'idle' }, microphone: 'denied' })), []);
});

test('while joining, before the socket exists, the person sees that we are connecting', () => {
  assert.deepEqual(statusLines(state({ phase: 'joining', signaling: { kind: 'idle' } })), [
    { tone: 'info', text: 'Connecting to the room…' },
  ]);
  assert.deepEqual(statusLines(state({ phase: 'joining', signaling: { kind: 'connecting', attempt: 0 } })), [
    { tone: 'info', text: 'Connecting to the room…' },
  ]);
});

test('a lost server shows the retry countdown in whole seconds and the attempt', () => {
  const lines = statusLines(state({ signaling: { kind: 'reconnecting', attempt: 3, retryInMs: 2600 } }));
  assert.deepEqual(lines, [{ tone: 'warn', text: "Can't reach the room server — retrying in 3 s (attempt 3)." }]);
});

test('a retry sooner than half a second is still shown as 1 s', () => {
  const [line] = statusLines(state({ signaling: { kind: 'reconnecting', attempt: 1, retryInMs: 250 } }));
  assert.match(line?.text ?? '', /retrying in 1 s \(attempt 1\)/);
});

test('during a server outage the person is told audio continues only when someone is connected', () => {
  const reconnecting = { kind: 'reconnecting', attempt: 1, retryInMs: 1000 } as const;
  const [withAudio] = statusLines(state({ signaling: reconnecting, participants: [peer('reconnecting'), peer('connected')] }));
  assert.match(withAudio?.text ?? '', /Audio with people already here continues\.$/);
  const [withoutAudio] = statusLines(state({ signaling: reconnecting, participants: [peer('connecting'), peer('failed')] }));
  assert.doesNotMatch(withoutAudio?.text ?? '', /continues/);
});

test('a blocked microphone explains listen-only and how to talk', () => {
  assert.deepEqual(statusLines(state({ microphone: 'denied' })), [
    {
      tone: 'warn',
      text: 'Microphone access was blocked, so you joined listen-only. Allow the microphone and rejoin to talk.',
    },
  ]);
});

test('a missing microphone explains listen-only', () => {
  assert.deepEqual(statusLines(state({ microphone: 'unavailable' })), [
    { tone: 'warn', text: 'No microphone was found, so you joined listen-only.' },
  ]);
});

test('server and microphone problems are both listed, server first', () => {
  const lines = statusLines(
    state({ signaling: { kind: 'reconnecting', attempt: 2, retryInMs: 1000 }, microphone: 'unavailable' }),
  );
  assert.deepEqual(
    lines.map((l) => l.tone),
    ['warn', 'warn'],
  );
  assert.match(lines[0]?.text ?? '', /room server/);
  assert.match(lines[1]?.text ?? '', /No microphone/);
});

test('a full room says so and nothing else', () => {
  assert.deepEqual(statusLines(state({ phase: 'room-full', signaling: { kind: 'room-full' }, microphone: 'denied' })), [
    { tone: 'bad', text: 'This room is full. Try again when someone leaves.' },
  ]);
});

test('being replaced by another tab says why this one stopped', () => {
  assert.deepEqual(statusLines(state({ phase: 'replaced', signaling: { kind: 'replaced' } })), [
    { tone: 'bad', text: 'You joined this room from another tab, so this one was disconnected.' },
  ]);
});

test('after leaving the person is told they left', () => {
  assert.deepEqual(statusLines(state({ phase: 'left', signaling: { kind: 'closed' } })), [
    { tone: 'info', text: 'You left the room.' },
  ]);
});

test('every connection state has a label, and no link between two listeners says nothing', () => {
  assert.deepEqual(connectionLabel, {
    unlinked: '',
    connecting: 'Connecting…',
    connected: 'Connected',
    reconnecting: 'Reconnecting…',
    failed: 'Connection failed — retrying',
  });
});

test('a person whose envelopes keep failing checks is named in a warning', () => {
  const lines = statusLines(state({ participants: [{ ...peer('connecting'), security: 'unsecured' }] }));
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.tone, 'bad');
  assert.match(lines[0]?.text ?? '', /connection to Grace could not be secured/);
});

test('messages only the server could have tampered with are blamed on the server, counted', () => {
  assert.deepEqual(statusLines(state({ tampered: 1 })), [
    { tone: 'bad', text: 'The room server is tampering with this room: 1 message it delivered was altered, forged or misrouted, and dropped. The people here did not send it.' },
  ]);
  assert.match(statusLines(state({ tampered: 4, participants: [peer('connected')] }))[0]?.text ?? '', /^The room server is tampering with this room: 4 messages it delivered were/);
});

const LISTENER_KEY = 'L'.repeat(43);
/** Ourselves as a listener in a room someone else hosts, with these changes to the room. */
const asListener = (room: Partial<typeof initialRoomState>, extra = { settled: true, refusedActs: 0 }): RoomView['overview'] =>
  overviewOf({ ...initialRoomState, ...room }, { hostKey: SELF_KEY, stageMax: 8 }, LISTENER_KEY, extra);

test('being removed says so and nothing else', () => {
  assert.deepEqual(statusLines(state({ phase: 'removed', signaling: { kind: 'closed' }, microphone: 'denied' })), [
    { tone: 'bad', text: 'You were removed from this room.' },
  ]);
});

test('a room the host ended says who ended it', () => {
  assert.deepEqual(statusLines(state({ phase: 'ended', signaling: { kind: 'closed' } })), [
    { tone: 'info', text: 'The host ended this room.' },
  ]);
});

test('until the room log is learned the person is told we are catching up', () => {
  const stage = { ...JOINED.overview, settled: false };
  assert.deepEqual(statusLines(state({ overview: stage })), [{ tone: 'info', text: "Getting the room's state from the people here…" }]);
  assert.deepEqual(statusLines(state({ phase: 'joining', signaling: { kind: 'connecting', attempt: 0 }, overview: stage })), [
    { tone: 'info', text: 'Connecting to the room…' },
  ]);
});

test('a newcomer to a locked room is told they wait in the lobby', () => {
  assert.deepEqual(statusLines(state({ overview: asListener({ locked: true }) })), [
    { tone: 'info', text: "The room is locked. You're waiting in the lobby until a host or moderator lets you in." },
  ]);
  assert.deepEqual(statusLines(state({ overview: asListener({ locked: true, admitted: [LISTENER_KEY] }) })), []);
});

test('a speaker muted by staff is told nobody hears them until allowed to unmute', () => {
  const stage = asListener({ speakers: [LISTENER_KEY], hostMuted: [LISTENER_KEY] });
  assert.deepEqual(statusLines(state({ overview: stage, muted: true })), [
    { tone: 'warn', text: 'A host muted you. Nobody hears you until a host or moderator allows you to unmute.' },
  ]);
});

test('acts signed without the right are counted, in the singular and the plural', () => {
  assert.deepEqual(statusLines(state({ overview: { ...JOINED.overview, refusedActs: 1 } })), [
    { tone: 'warn', text: '1 change to the room was ignored: it was signed by someone without the right.' },
  ]);
  assert.deepEqual(statusLines(state({ overview: { ...JOINED.overview, refusedActs: 3 } })), [
    { tone: 'warn', text: '3 changes to the room were ignored: they were signed by someone without the right.' },
  ]);
});

test('acts the room lost to a history without them are shown with whose they were, until made again', () => {
  const grace = peer('connected');
  const removal = { by: grace.key!, act: { type: 'remove' as const, target: 'X'.repeat(43) } };
  assert.deepEqual(statusLines(state({ participants: [grace], overview: { ...JOINED.overview, lostActs: [removal] } })), [
    {
      tone: 'warn',
      text: '1 change to the room by Grace was lost when the room settled on a history without it. It is made again when its author is back; a host or moderator can also make it again now.',
    },
  ]);
  const gone = { by: 'L'.repeat(43), act: { type: 'lock' as const } };
  const [line] = statusLines(state({ participants: [grace], overview: { ...JOINED.overview, lostActs: [removal, gone] } }));
  assert.match(line?.text ?? '', /^2 changes to the room by Grace and someone who has left were lost/);
});

test('the liveness pill answers "am I on air?" from the most pressing fact down', () => {
  const speaker = asListener({ speakers: [LISTENER_KEY] });
  const says = (changes: Partial<RoomView>): string => liveness(state(changes)).text;
  assert.equal(says({}), 'Live');
  assert.equal(says({ muted: true }), 'Muted');
  assert.equal(says({ microphone: 'denied' }), 'No microphone');
  assert.equal(says({ microphone: 'off', muted: true }), 'No microphone');
  assert.equal(says({ overview: asListener({}) }), 'Listening');
  assert.equal(says({ overview: { ...speaker, hostMuted: true }, muted: true }), 'Muted by host');
  assert.equal(says({ overview: asListener({ locked: true }) }), 'In the lobby');
  assert.equal(says({ overview: asListener({ locked: true }), signaling: { kind: 'reconnecting', attempt: 1, retryInMs: 500 } }), 'Reconnecting');
});

test('someone using the name of a person verified before, with another key, is a warning by name', () => {
  const grace = peer('connected');
  const verifiedGrace = { key: 'V'.repeat(43), name: 'grace' };
  const lines = statusLines(state({ participants: [grace], verified: [verifiedGrace] }));
  assert.deepEqual(lines, [{ tone: 'bad', text: 'Grace is not the Grace you verified: their safety number is different. Verify them again.' }]);
  assert.deepEqual(statusLines(state({ participants: [grace], verified: [{ key: grace.key!, name: 'Grace' }] })), [], 'the same key is the same person');
});

test('at the join form, once the room came in, the person sees who is here', () => {
  const ready = (names: string[], signaling: RoomView['signaling'] = { kind: 'connected' }): RoomView =>
    state({ phase: 'ready', signaling, participants: names.map((name, i) => participant({ id: `peer_${i}_0123456789abcdef`, name, key: `${i}`.repeat(43) }, RULES)) });
  assert.equal(hereNowText(ready([], { kind: 'connecting', attempt: 0 })), null, 'not known yet');
  assert.equal(hereNowText(ready([])), 'Nobody else is here yet.');
  assert.equal(hereNowText(ready(['Grace'])), 'Grace is here.');
  assert.equal(hereNowText(ready(['Grace', 'Lin'])), 'Grace and Lin are here.');
  assert.equal(hereNowText(ready(['Grace', 'Lin', 'Ben', 'Cat', 'Dan'])), 'Grace, Lin, Ben, and 2 others are here.');
  assert.equal(hereNowText(state({})), null, 'once joined, the room itself shows them');
});

test('a member whose history of the room parted from ours, beyond what the fork rule settles, is named in a warning until the host is back', () => {
  const ben = { ...peer('connected'), id: 'ben_0123456789abcdef', name: 'Ben' };
  const [line] = statusLines(state({ participants: [peer('connected'), ben], overview: { ...JOINED.overview, splitWith: [ben.id] } }));
  assert.equal(line?.tone, 'warn');
  assert.match(line?.text ?? '', /^Your copy of the room's history differs from Ben's, and the two could not be reconciled/);
  assert.match(line?.text ?? '', /until the host is back/);
  const [two] = statusLines(state({ participants: [peer('connected'), ben], overview: { ...JOINED.overview, splitWith: [ben.id, 'peer_0123456789abcdef'] } }));
  assert.match(two?.text ?? '', /differs from those of Ben and Grace,/);
});

test('moved to a new link: said plainly, and one who was not handed it is told whom to ask', () => {
  assert.deepEqual(statusLines(state({ phase: 'moved', movedTo: 'https://porch.test/r/#x' })), [{ tone: 'info', text: 'Everyone here moved to a new link.' }]);
  const [line] = statusLines(state({ phase: 'moved', movedTo: null }));
  assert.equal(line?.tone, 'warn');
  assert.match(line?.text ?? '', /Ask someone in the room for it/);
});

test("a saved room sealed under a key we lack says who can let us in, until we hold the room's state", () => {
  const unsettled = { overview: overviewOf(initialRoomState, RULES, SELF_KEY, { settled: false, refusedActs: 0 }) };
  const sealedOut = { overview: overviewOf(initialRoomState, RULES, SELF_KEY, { settled: false, refusedActs: 0, sealedOut: true }), sealedOut: true };
  const waiting = statusLines(state(sealedOut));
  assert.equal(waiting.length, 1, 'not told of a lobby the room has not got');
  assert.match(waiting.map((line) => line.text).join(' '), /sealed for the people who were in it.*let in when one of them is back/);
  assert.deepEqual(liveness(state(sealedOut)), { text: 'Waiting', tone: 'warn' });
  assert.deepEqual(sealedOut.overview.permitted, [], 'nothing to do but wait');
  assert.doesNotMatch(statusLines(state(unsettled)).map((line) => line.text).join(' '), /sealed/);
  assert.deepEqual(statusLines(state({ sealedOut: true })), [], 'settled: nothing left to wait for');
});

test('a host whose saved room the server refused is told what is lost when everyone leaves', () => {
  const [line] = statusLines(state({ snapshotRefused: true }));
  assert.equal(line?.tone, 'warn');
  assert.match(line?.text ?? '', /would not keep this room's state.*only while someone is here/);
});

test('a listener in the tree reads how the stage reaches it, whether mixed, and whom it passes it on to', () => {
  const listener = roomView({}); // the host is someone else: we are a listener
  const route = (changes: Partial<RoomView['route']>): string | null =>
    routeText({ ...listener, route: { mode: 'tree', via: 2, serving: 0, mixed: false, mixing: false, ...changes } });
  assert.equal(route({}), 'Hearing the stage via 2 relays');
  assert.equal(route({ via: 0, serving: 1 }), 'Hearing the stage directly · passing it on to 1 person');
  assert.equal(route({ mixed: true, serving: 2 }), 'Hearing the stage via 2 relays, mixed into one stream · passing it on to 2 people');
  assert.equal(route({ via: 0, serving: 3, mixing: true }), 'Hearing the stage directly · passing it on to 3 people, mixed into one stream');
  assert.equal(route({ via: null }), 'Hearing the stage through a backup relay');
  assert.equal(routeText({ ...listener, route: { mode: 'mesh', via: 0, serving: 0, mixed: false, mixing: false } }), null, 'a mesh says nothing of it');
});
