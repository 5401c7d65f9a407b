import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SignalData } from '../../shared/peer-message.ts';
import { createMesh, type Mesh, type PeerConnectionState } from './mesh.ts';
import type { LinkState, PeerLink, PeerLinkOptions } from './peer-adapter.ts';
import { createFakeTimers } from '../../test/helpers/fake-timers.ts';
import { createTimers } from './timers.ts';

// Ids compare as strings: LOW < SELF < HIGH, so SELF waits for LOW's offer and makes its own to HIGH.
const LOW = 'aaaaaaaaaaaaaaaa';
const SELF = 'bbbbbbbbbbbbbbbb';
const HIGH = 'cccccccccccccccc';

const OFFER: SignalData = { type: 'offer', sdp: 'v=0 offer' };
const ANSWER: SignalData = { type: 'answer', sdp: 'v=0 answer' };
const CANDIDATE: SignalData = { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 1 typ host' } };

class FakeLink implements PeerLink {
  readonly received: SignalData[] = [];
  readonly tracks: (MediaStreamTrack | null)[] = [];
  destroyed = false;
  level = 0;
  constructor(readonly options: PeerLinkOptions) {}
  signal(data: SignalData): void {
    this.received.push(data);
  }
  async setAudioTrack(track: MediaStreamTrack | null): Promise<void> {
    this.tracks.push(track);
  }
  remoteAudioLevels(): number[] {
    return [this.level];
  }
  /** Text sent on the link's data channel. */
  readonly messages: string[] = [];
  message(text: string): void {
    this.messages.push(text);
  }
  forward(): void {}
  sendStats(): Promise<null> {
    return Promise.resolve(null);
  }
  destroy(): void {
    this.destroyed = true;
  }
  emitSignal(data: SignalData): void {
    this.options.onSignal(data);
  }
  emitState(state: LinkState): void {
    this.options.onState(state);
  }
  emitStream(stream: MediaStream): void {
    this.options.onRemoteTrack(0, stream);
  }
}

function setup(selfId = SELF) {
  const links: FakeLink[] = [];
  const sent: { to: string; conn: string; data: SignalData }[] = [];
  const states: [string, PeerConnectionState][] = [];
  const streams: [string, MediaStream | null][] = [];
  const gone: string[] = [];
  const members = new Set([LOW, HIGH]);
  const timers = createFakeTimers();
  let connCount = 0;
  const mesh: Mesh = createMesh({
    selfId,
    createLink: (options) => {
      const link = new FakeLink(options);
      links.push(link);
      return link;
    },
    iceServers: () => [{ urls: 'stun:stun.example.org' }],
    sendSignal: (to, conn, data) => sent.push({ to, conn, data }),
    isMember: (peerId) => members.has(peerId),
    onRemoteTrack: (peerId, track) => streams.push([peerId, track?.stream ?? null]),
    onMessage: () => {},
    onState: (peerId, state) => states.push([peerId, state]),
    onGone: (peerId) => gone.push(peerId),
    newConnId: () => `conn${++connCount}`,
    timers: createTimers(timers),
  });
  const statesOf = (peerId: string): PeerConnectionState[] => states.filter(([p]) => p === peerId).map(([, s]) => s);
  const lastLink = (): FakeLink => {
    const link = links.at(-1);
    assert.ok(link, 'no link was created');
    return link;
  };
  return { mesh, links, sent, states, statesOf, streams, gone, members, timers, lastLink };
}

const fakeStream = (id: string): MediaStream => ({ id }) as unknown as MediaStream;

test('the member with the lower id makes the offer', () => {
  const { mesh, links, sent, statesOf, lastLink } = setup();
  mesh.connect(HIGH);
  assert.equal(links.length, 1);
  assert.equal(lastLink().options.initiator, true);
  assert.deepEqual(lastLink().options.iceServers, [{ urls: 'stun:stun.example.org' }]);
  assert.deepEqual(statesOf(HIGH), ['connecting']);

  lastLink().emitSignal(OFFER);
  assert.deepEqual(sent, [{ to: HIGH, conn: 'conn1', data: OFFER }]);
});

test('the member with the higher id waits for the offer instead of making one', () => {
  const { mesh, links, sent, statesOf } = setup();
  mesh.connect(LOW);
  assert.equal(links.length, 0);
  assert.deepEqual(sent, []);
  assert.deepEqual(statesOf(LOW), ['connecting']);
});

test('an offer from the lower-id member starts an answering link under its conn id', () => {
  const { mesh, links, sent, lastLink } = setup();
  mesh.connect(LOW);
  mesh.handleSignal(LOW, 'offer-1', OFFER);
  assert.equal(links.length, 1);
  assert.equal(lastLink().options.initiator, false);
  assert.deepEqual(lastLink().received, [OFFER]);

  lastLink().emitSignal(ANSWER);
  assert.deepEqual(sent, [{ to: LOW, conn: 'offer-1', data: ANSWER }]);
});

test('signals reach the attempt with the same conn id and stale conn ids are ignored', () => {
  const { mesh, links, lastLink } = setup();
  mesh.connect(HIGH);
  const link = lastLink();
  mesh.handleSignal(HIGH, 'conn1', ANSWER);
  mesh.handleSignal(HIGH, 'conn1', CANDIDATE);
  mesh.handleSignal(HIGH, 'old-conn', CANDIDATE);
  mesh.handleSignal(HIGH, 'old-conn', ANSWER);
  assert.deepEqual(link.received, [ANSWER, CANDIDATE]);
  assert.equal(links.length, 1);
});

test('a signal that claims to come from ourselves is ignored', () => {
  const { mesh, links } = setup();
  mesh.handleSignal(SELF, 'conn-x', OFFER);
  assert.equal(links.length, 0);
});

test('a new offer from the initiator replaces the old link', () => {
  const { mesh, links, sent, streams } = setup();
  mesh.handleSignal(LOW, 'first', OFFER);
  const first = links[0];
  assert.ok(first);
  mesh.handleSignal(LOW, 'second', OFFER);
  const second = links[1];
  assert.ok(second);

  assert.equal(first.destroyed, true);
  assert.equal(second.destroyed, false);
  assert.deepEqual(second.received, [OFFER]);

  mesh.handleSignal(LOW, 'first', CANDIDATE);
  mesh.handleSignal(LOW, 'second', CANDIDATE);
  assert.deepEqual(first.received, [OFFER]);
  assert.deepEqual(second.received, [OFFER, CANDIDATE]);

  // The replaced link's late events must not leak out under either attempt.
  first.emitSignal(ANSWER);
  first.emitStream(fakeStream('old'));
  assert.deepEqual(sent, []);
  assert.deepEqual(streams, []);
});

test('an offer from the member whose turn it is not is ignored', () => {
  const { mesh, links, states } = setup();
  mesh.handleSignal(HIGH, 'glare', OFFER);
  assert.equal(links.length, 0);
  assert.deepEqual(states, []);
});

test('a non-offer signal for an unknown attempt does not start a link', () => {
  const { mesh, links } = setup();
  mesh.handleSignal(LOW, 'unknown', ANSWER);
  mesh.handleSignal(LOW, 'unknown', CANDIDATE);
  assert.equal(links.length, 0);
});

test('the remote stream of the current link is reported, and cleared when the link closes', () => {
  const { mesh, streams, members, lastLink } = setup();
  mesh.connect(HIGH);
  const stream = fakeStream('remote');
  lastLink().emitStream(stream);
  assert.deepEqual(streams, [[HIGH, stream]]);
  members.delete(HIGH);
  lastLink().emitState('closed');
  assert.deepEqual(streams, [
    [HIGH, stream],
    [HIGH, null],
  ]);
});

test('after a closed link the initiator retries with a new conn id after a delay', () => {
  const { mesh, links, sent, statesOf, timers } = setup();
  mesh.connect(HIGH);
  const first = links[0];
  assert.ok(first);
  first.emitState('connected');
  first.emitState('closed');
  assert.deepEqual(statesOf(HIGH), ['connecting', 'connected', 'reconnecting']);

  timers.advance(499);
  assert.equal(links.length, 1, 'retried before the delay elapsed');
  timers.advance(1);
  assert.equal(links.length, 2);
  const second = links[1];
  assert.ok(second);
  assert.equal(second.options.initiator, true);

  second.emitSignal(OFFER);
  assert.deepEqual(sent.at(-1), { to: HIGH, conn: 'conn2', data: OFFER });
  mesh.handleSignal(HIGH, 'conn1', ANSWER);
  mesh.handleSignal(HIGH, 'conn2', CANDIDATE);
  assert.deepEqual(second.received, [CANDIDATE]);
  // Events from the closed link are no longer reported.
  first.emitState('connected');
  assert.equal(statesOf(HIGH).at(-1), 'reconnecting');
});

test('retries back off and the member shows as failed after three failures in a row', () => {
  const { mesh, links, statesOf, timers } = setup();
  mesh.connect(HIGH);
  const closeLatest = (): void => links.at(-1)?.emitState('closed');

  closeLatest();
  assert.equal(statesOf(HIGH).at(-1), 'reconnecting');
  timers.advance(500);
  assert.equal(links.length, 2);

  closeLatest();
  assert.equal(statesOf(HIGH).at(-1), 'reconnecting');
  timers.advance(999);
  assert.equal(links.length, 2, 'the second retry waits longer than the first');
  timers.advance(1);
  assert.equal(links.length, 3);

  closeLatest();
  assert.equal(statesOf(HIGH).at(-1), 'failed');
  timers.advance(1999);
  assert.equal(links.length, 3);
  timers.advance(1);
  assert.equal(links.length, 4, 'attempts continue after failed');

  links.at(-1)?.emitState('connected');
  assert.equal(statesOf(HIGH).at(-1), 'connected');
  // A success resets the count: the next failure is a short retry again, not 'failed'.
  closeLatest();
  assert.equal(statesOf(HIGH).at(-1), 'reconnecting');
  timers.advance(500);
  assert.equal(links.length, 5);
});

test('the retry delay stops growing at its cap', () => {
  const { mesh, links, timers } = setup();
  mesh.connect(HIGH);
  for (let i = 0; i < 8; i++) {
    links.at(-1)?.emitState('closed');
    timers.advance(8000);
  }
  const before = links.length;
  links.at(-1)?.emitState('closed');
  timers.advance(7999);
  assert.equal(links.length, before);
  timers.advance(1);
  assert.equal(links.length, before + 1);
});

test('the answering side does not retry on its own after a close', () => {
  const { mesh, links, statesOf, timers } = setup();
  mesh.handleSignal(LOW, 'offer-1', OFFER);
  links[0]?.emitState('closed');
  assert.equal(statesOf(LOW).at(-1), 'reconnecting');
  assert.equal(timers.pendingCount(), 0);
  timers.advance(60_000);
  assert.equal(links.length, 1);

  // The initiator's next offer is accepted under its new conn id.
  mesh.handleSignal(LOW, 'offer-2', OFFER);
  assert.equal(links.length, 2);
  assert.equal(statesOf(LOW).at(-1), 'connecting');
});

test('a link that closes for a member no longer in the room is forgotten', () => {
  const { mesh, links, gone, members, timers, statesOf } = setup();
  mesh.connect(HIGH);
  members.delete(HIGH);
  links[0]?.emitState('closed');
  assert.deepEqual(gone, [HIGH]);
  assert.deepEqual(statesOf(HIGH), ['connecting']);
  assert.equal(timers.pendingCount(), 0);
  assert.deepEqual([...mesh.audioLevels().keys()], []);
});

test('drop destroys the link, cancels a pending retry and forgets the member', () => {
  const { mesh, links, gone, timers } = setup();
  mesh.connect(HIGH);
  mesh.handleSignal(LOW, 'offer-1', OFFER);
  const [toHigh, fromLow] = links;
  assert.ok(toHigh && fromLow);

  mesh.drop(LOW);
  assert.equal(fromLow.destroyed, true);
  assert.deepEqual(gone, [LOW]);
  mesh.handleSignal(LOW, 'offer-1', CANDIDATE);
  assert.deepEqual(fromLow.received, [OFFER]);

  toHigh.emitState('closed');
  assert.equal(timers.pendingCount(), 1);
  mesh.drop(HIGH);
  assert.equal(timers.pendingCount(), 0);
  assert.deepEqual(gone, [LOW, HIGH]);
  timers.advance(60_000);
  assert.equal(links.length, 2);

  mesh.drop(HIGH);
  assert.deepEqual(gone, [LOW, HIGH], 'dropping an unknown member reports nothing');
});

test('connect is idempotent while a link exists or a retry is pending', () => {
  const { mesh, links, statesOf, timers } = setup();
  mesh.connect(HIGH);
  mesh.connect(HIGH);
  assert.equal(links.length, 1);
  assert.deepEqual(statesOf(HIGH), ['connecting']);

  links[0]?.emitState('closed');
  mesh.connect(HIGH);
  assert.equal(links.length, 1, 'connect jumped the retry delay');
  timers.advance(500);
  assert.equal(links.length, 2);
});

test('connect to ourselves does nothing', () => {
  const { mesh, links, states } = setup();
  mesh.connect(SELF);
  assert.equal(links.length, 0);
  assert.deepEqual(states, []);
});

test('destroy tears down every link and pending retry', () => {
  const { mesh, links, gone, timers } = setup();
  mesh.connect(HIGH);
  mesh.handleSignal(LOW, 'offer-1', OFFER);
  links[0]?.emitState('closed');
  mesh.connect('dddddddddddddddd');
  // The retry to HIGH, plus the connect timeouts of the links to LOW and to dddd.
  assert.equal(timers.pendingCount(), 3);

  mesh.destroy();
  assert.equal(links[1]?.destroyed, true, 'the live link to LOW was left open');
  assert.deepEqual(new Set(gone), new Set([HIGH, LOW, 'dddddddddddddddd']));
  assert.equal(timers.pendingCount(), 0);
  assert.deepEqual([...mesh.audioLevels()], []);
  mesh.destroy();
  assert.equal(gone.length, 3, 'a second destroy reports nothing more');
});

const track = (): MediaStreamTrack => ({ kind: 'audio' }) as unknown as MediaStreamTrack;

test('a track sent to one member goes on that link only', () => {
  const { mesh, links } = setup();
  mesh.connect(HIGH);
  mesh.handleSignal(LOW, 'offer-1', OFFER);
  const microphone = track();
  mesh.send(HIGH, microphone);
  assert.deepEqual(
    links.map((l) => l.tracks),
    [[microphone], []],
  );
});

test('a link made later sends what was chosen for its member, and nothing where nothing was', () => {
  const { mesh, links } = setup();
  const microphone = track();
  mesh.send(LOW, microphone);
  mesh.connect(HIGH);
  mesh.handleSignal(LOW, 'offer-1', OFFER);
  assert.deepEqual(
    links.map((l) => l.options.track),
    [null, microphone],
  );
});

test('taking a track away reaches its link, and sending the same again changes nothing', () => {
  const { mesh, links } = setup();
  const microphone = track();
  mesh.send(HIGH, microphone);
  mesh.connect(HIGH);
  mesh.send(HIGH, microphone);
  mesh.send(HIGH, null);
  mesh.send(HIGH, null);
  assert.deepEqual(
    links.map((l) => l.tracks),
    [[null]],
  );
});

test('a member dropped and linked again starts from sending nothing', () => {
  const { mesh, links } = setup();
  mesh.send(HIGH, track());
  mesh.connect(HIGH);
  mesh.drop(HIGH);
  mesh.connect(HIGH);
  assert.equal(links[1]?.options.track, null);
});

test('audio levels are reported per member and slot, none while a member has no link', () => {
  const { mesh, links } = setup();
  mesh.connect(HIGH);
  mesh.connect(LOW);
  const link = links[0];
  assert.ok(link);
  link.level = 0.5;
  assert.deepEqual(
    mesh.audioLevels(),
    new Map([
      [HIGH, [0.5]],
      [LOW, []],
    ]),
  );
});

test('an attempt that never connects is abandoned and retried', () => {
  const { mesh, links, states, timers } = setup();
  mesh.connect(HIGH);
  timers.advance(15_000);
  assert.equal(links[0]?.destroyed, true);
  assert.deepEqual(states.at(-1), [HIGH, 'reconnecting']);
  timers.advance(500);
  assert.equal(links.length, 2, 'a fresh attempt follows');
});

test('a welcome prunes members that left while signaling was down, but keeps live links', () => {
  const { mesh, links, gone } = setup();
  mesh.connect(HIGH);
  mesh.handleSignal(LOW, 'offer-1', OFFER);
  links[1]?.emitState('connected');
  mesh.prune(() => false);
  assert.deepEqual(gone, [HIGH]);
  assert.equal(links[1]?.destroyed, false);
});

test('a member whose offer never arrives is shown as failed', () => {
  const { mesh, links, states, timers } = setup();
  mesh.connect(LOW);
  timers.advance(15_000);
  assert.equal(links.length, 0);
  assert.deepEqual(states.at(-1), [LOW, 'failed']);
});

test('asking again while waiting for an offer neither restarts the wait nor says connecting again', () => {
  const { mesh, statesOf, timers } = setup();
  mesh.connect(LOW);
  timers.advance(10_000);
  mesh.connect(LOW);
  timers.advance(5_000);
  assert.deepEqual(statesOf(LOW), ['connecting', 'failed'], 'the first wait ran its full course');
});

test('an offer that never came stays shown as failed however often the link is asked for, until an offer arrives', () => {
  const { mesh, statesOf, timers, links } = setup();
  mesh.connect(LOW);
  timers.advance(15_000);
  mesh.connect(LOW);
  mesh.connect(LOW);
  assert.deepEqual(statesOf(LOW), ['connecting', 'failed']);
  mesh.handleSignal(LOW, 'offer-late', OFFER);
  assert.equal(links.length, 1);
  assert.deepEqual(statesOf(LOW), ['connecting', 'failed', 'connecting']);
});
