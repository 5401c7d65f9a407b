import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSE_CODES, PROTOCOL_VERSION, parseClientFrame, type ClientFrame, type ServerFrame } from '../../shared/protocol.ts';
import { createSignalingClient, type SignalingStatus } from './signaling-client.ts';
import { createFakeTimers } from '../../test/helpers/fake-timers.ts';
import { createTimers } from './timers.ts';
import { FakeSocket } from '../../test/helpers/fake-socket.ts';

const URL = 'wss://porch.example/ws';
const ROOM = 'room_0123456789abcdef';
const RESUME = 'r'.repeat(43);
const SELF = 'self_0123456789abcdef';
const OTHER = 'other_0123456789abcde';

const LIMITS = { framesPerS: 40, framesBurst: 80, copiesPerS: 200, copiesBurst: 400 };
const WELCOME: ServerFrame = { type: 'welcome', peer: SELF, peers: [OTHER], ice: [], limits: LIMITS };

function setup(randoms: number[] = []) {
  const sockets: FakeSocket[] = [];
  const frames: ServerFrame[] = [];
  const statuses: SignalingStatus[] = [];
  const timers = createFakeTimers();
  const client = createSignalingClient({
    url: URL,
    room: ROOM,
    resume: RESUME,
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    timers: createTimers(timers),
    random: () => randoms.shift() ?? 0.5,
    onFrame: (frame) => frames.push(frame),
  });
  client.status.subscribe((s) => statuses.push(s));
  const socket = (): FakeSocket => {
    const s = sockets.at(-1);
    assert.ok(s, 'no socket was opened');
    return s;
  };
  /** Opens the current socket and lets the server welcome us. */
  const joinCurrent = (): void => {
    socket().serverOpens();
    socket().serverSends(WELCOME);
  };
  return { client, sockets, frames, statuses, timers, socket, joinCurrent };
}

test('opening the socket sends hello with the protocol version, room and resume secret', () => {
  const { client, sockets, socket } = setup();
  client.connect();
  assert.equal(sockets.length, 1);
  assert.equal(socket().url, URL);
  assert.deepEqual(socket().sent, [], 'nothing may be sent before the socket opens');

  socket().serverOpens();
  assert.deepEqual(socket().sentFrames(), [{ type: 'hello', v: PROTOCOL_VERSION, room: ROOM, resume: RESUME }]);
  const [raw] = socket().sent;
  assert.ok(raw !== undefined && parseClientFrame(raw).ok, 'the server would refuse this hello');
});

test('status goes from connecting to connected when the server welcomes us', () => {
  const { client, socket, statuses, frames } = setup();
  assert.deepEqual(client.status.get(), { kind: 'idle' });
  client.connect();
  assert.deepEqual(client.status.get(), { kind: 'connecting', attempt: 0 });
  socket().serverOpens();
  assert.equal(client.status.get().kind, 'connecting', 'an open socket is not yet a joined room');
  socket().serverSends(WELCOME);
  assert.deepEqual(client.status.get(), { kind: 'connected' });
  assert.deepEqual(statuses, [{ kind: 'connecting', attempt: 0 }, { kind: 'connected' }]);
  assert.deepEqual(frames, [WELCOME]);
});

test('valid server frames are handed on in order', () => {
  const { client, socket, frames, joinCurrent } = setup();
  client.connect();
  joinCurrent();
  socket().serverSends({ type: 'joined', peer: OTHER });
  socket().serverSends({ type: 'msg', from: OTHER, box: 'sealed' });
  assert.deepEqual(frames, [WELCOME, { type: 'joined', peer: OTHER }, { type: 'msg', from: OTHER, box: 'sealed' }]);
});

test('invalid frames from the server are ignored', () => {
  const { client, socket, frames } = setup();
  client.connect();
  socket().serverOpens();
  socket().serverSends('not json');
  socket().serverSends(JSON.stringify({ type: 'welcome', peer: 'short', peers: [], ice: [], limits: LIMITS }));
  socket().serverSends(JSON.stringify({ type: 'unheard-of' }));
  socket().serverSends(JSON.stringify({ type: 'joined', peer: OTHER, extra: 1 }));
  socket().serverSends(JSON.stringify({ type: 'msg', from: OTHER, box: 'x'.repeat(40 * 1024) }));
  socket().onmessage?.({ data: new ArrayBuffer(8) });
  assert.deepEqual(frames, []);
  assert.equal(client.status.get().kind, 'connecting');

  socket().serverSends(WELCOME);
  assert.deepEqual(frames, [WELCOME], 'a valid frame after bad ones is still handled');
});

test('after an unexpected close it reconnects after a short delay and says hello again', () => {
  const { client, sockets, socket, timers, joinCurrent } = setup([0.5]);
  client.connect();
  joinCurrent();
  socket().closes(1006);
  assert.deepEqual(client.status.get(), { kind: 'reconnecting', attempt: 1, retryInMs: 250 });

  timers.advance(249);
  assert.equal(sockets.length, 1, 'reconnected before the delay elapsed');
  timers.advance(1);
  assert.equal(sockets.length, 2);
  socket().serverOpens();
  assert.deepEqual(socket().sentFrames(), [{ type: 'hello', v: PROTOCOL_VERSION, room: ROOM, resume: RESUME }]);
  socket().serverSends(WELCOME);
  assert.deepEqual(client.status.get(), { kind: 'connected' });
});

test('reconnect delays grow, stay jittered around the base and stop growing at the cap', () => {
  const randoms = [0.5, 0, 0.999, 0.5, 0.25, 0.5, 0.5, 0, 0.999];
  const { client, sockets, socket, timers } = setup([...randoms]);
  client.connect();
  const delays: number[] = [];
  for (let i = 0; i < randoms.length; i++) {
    socket().closes(1006);
    const status = client.status.get();
    assert.equal(status.kind, 'reconnecting');
    if (status.kind !== 'reconnecting') return;
    assert.equal(status.attempt, i + 1);
    delays.push(status.retryInMs);
    timers.advance(status.retryInMs);
    assert.equal(sockets.length, i + 2, `attempt ${i + 1} did not reconnect after ${status.retryInMs} ms`);
  }
  // delay = round(min(5000, 250 · 2^n) · (0.75 + 0.5 · random)): the cap bounds the base, so
  // jitter keeps spreading a room's reconnects even at the cap (never more than 6.25 s).
  assert.deepEqual(delays, [250, 375, 1250, 2000, 3500, 5000, 5000, 3750, 6248]);
});

test('a welcome resets the backoff so the next outage starts with a short delay', () => {
  const { client, socket, timers, joinCurrent } = setup();
  client.connect();
  socket().closes(1006);
  timers.advance(250);
  socket().closes(1006);
  timers.advance(500);
  assert.deepEqual(client.status.get(), { kind: 'connecting', attempt: 2 });
  joinCurrent();
  socket().closes(1012);
  assert.deepEqual(client.status.get(), { kind: 'reconnecting', attempt: 1, retryInMs: 250 });
});

test('a room-full close ends the client without retrying', () => {
  const { client, sockets, socket, timers } = setup();
  client.connect();
  socket().serverOpens();
  socket().closes(CLOSE_CODES.roomFull);
  assert.deepEqual(client.status.get(), { kind: 'room-full' });
  assert.equal(timers.pendingCount(), 0);
  timers.advance(60_000);
  client.connect();
  assert.equal(sockets.length, 1);
});

test('a replaced close ends the client without retrying', () => {
  const { client, sockets, socket, timers, joinCurrent } = setup();
  client.connect();
  joinCurrent();
  socket().closes(CLOSE_CODES.replaced);
  assert.deepEqual(client.status.get(), { kind: 'replaced' });
  assert.equal(timers.pendingCount(), 0);
  timers.advance(60_000);
  assert.equal(sockets.length, 1);
});

test('send refuses while not connected and delivers once welcomed', () => {
  const { client, socket, timers, joinCurrent } = setup();
  const frame = { type: 'send', to: '*', box: 'sealed' } as const;
  assert.equal(client.send(frame), false, 'before connect');
  client.connect();
  assert.equal(client.send(frame), false, 'while the socket is opening');
  socket().serverOpens();
  assert.equal(client.send(frame), false, 'before the welcome');
  socket().serverSends(WELCOME);
  assert.equal(client.send(frame), true);
  assert.deepEqual(socket().sentFrames().at(-1), frame);

  socket().closes(1006);
  assert.equal(client.send(frame), false, 'while reconnecting');
  timers.advance(250);
  socket().serverOpens();
  assert.equal(client.send(frame), false, 'on the new socket before its welcome');
  assert.deepEqual(socket().sentFrames().map((f) => (f as { type: string }).type), ['hello']);
  joinCurrent();
});

test('connect while a socket is open or a retry is pending opens nothing more', () => {
  const { client, sockets, socket } = setup();
  client.connect();
  client.connect();
  assert.equal(sockets.length, 1);
  socket().closes(1006);
  client.connect();
  assert.equal(sockets.length, 1);
});

test('close says bye, closes the socket, and is idempotent', () => {
  const { client, sockets, socket, joinCurrent } = setup();
  client.connect();
  joinCurrent();
  client.close();
  assert.deepEqual(socket().sentFrames().at(-1), { type: 'bye' });
  assert.deepEqual(socket().closeCalls, [1000]);
  assert.deepEqual(client.status.get(), { kind: 'closed' });

  client.close();
  assert.equal(socket().sentFrames().filter((f) => (f as { type: string }).type === 'bye').length, 1);
  assert.deepEqual(socket().closeCalls, [1000]);

  // The browser reports the close later; that must not bring the client back.
  socket().closes(1000);
  client.connect();
  assert.equal(sockets.length, 1);
  assert.deepEqual(client.status.get(), { kind: 'closed' });
});

test('close before the welcome closes without a bye', () => {
  const { client, socket } = setup();
  client.connect();
  socket().serverOpens();
  client.close();
  assert.deepEqual(socket().sentFrames(), [{ type: 'hello', v: PROTOCOL_VERSION, room: ROOM, resume: RESUME }]);
  assert.deepEqual(socket().closeCalls, [1000]);
  assert.deepEqual(client.status.get(), { kind: 'closed' });
});

test('close while waiting to reconnect cancels the retry', () => {
  const { client, sockets, socket, timers } = setup();
  client.connect();
  socket().closes(1006);
  assert.equal(timers.pendingCount(), 1);
  client.close();
  assert.equal(timers.pendingCount(), 0);
  assert.deepEqual(client.status.get(), { kind: 'closed' });
  timers.advance(60_000);
  assert.equal(sockets.length, 1);
});

test('while a retry is under way the status says connecting, with the attempt number', () => {
  const { client, socket, timers } = setup();
  client.connect();
  socket().closes(1006);
  timers.advance(250);
  assert.deepEqual(client.status.get(), { kind: 'connecting', attempt: 1 });
});

test('a connection that answers no pings is given up and redialled, though it never closed', () => {
  const { client, sockets, socket, timers, joinCurrent } = setup();
  client.connect();
  joinCurrent();
  const first = socket();
  timers.advance(10_000);
  timers.advance(10_000);
  assert.deepEqual(first.sentFrames().filter((f) => (f as { type: string }).type === 'ping').length, 2);
  assert.equal(sockets.length, 1, 'two unanswered pings are not yet enough');
  timers.advance(10_000);
  assert.equal(first.closeCalls.length, 1, 'the silent socket was closed');
  assert.equal(client.status.get().kind, 'reconnecting');
  timers.advance(client.status.get().kind === 'reconnecting' ? 500 : 0);
  assert.equal(sockets.length, 2, 'a new socket was dialled');
});

test('any frame from the server, a pong included, keeps the connection alive and pongs never reach the engine', () => {
  const { client, frames, sockets, socket, timers, joinCurrent } = setup();
  client.connect();
  joinCurrent();
  const received = frames.length;
  for (let i = 0; i < 5; i++) {
    timers.advance(10_000);
    socket().serverSends({ type: 'pong' });
  }
  assert.equal(sockets.length, 1);
  assert.equal(client.status.get().kind, 'connected');
  assert.equal(frames.length, received, 'a pong was handed to the engine');
  assert.ok(parseClientFrame(socket().sent.at(-1)!).ok, 'the ping is a valid frame');
});

test('past the budget the server told it, frames wait their turn in order rather than being dropped by the server', () => {
  const { client, socket, joinCurrent, timers } = setup();
  client.connect();
  joinCurrent();
  const sent = () => (socket().sentFrames() as ClientFrame[]).filter((f) => f.type === 'send');
  for (let i = 0; i < 200; i++) assert.equal(client.send({ type: 'send', to: OTHER, box: `box-${i}` }), true);
  const atOnce = sent().length;
  assert.ok(atOnce <= LIMITS.framesBurst * 0.75 && atOnce >= LIMITS.framesBurst / 2, `a burst well within the server's (${atOnce} sent at once)`);
  timers.advance(1000);
  assert.ok(sent().length - atOnce < LIMITS.framesPerS, 'then slower than the rate it allows');
  assert.ok(sent().length - atOnce >= LIMITS.framesPerS * 0.8, 'though not much slower');
  timers.advance(2000);
  timers.advance(3000);
  assert.deepEqual(
    sent().map((f) => f.type === 'send' && f.box),
    Array.from({ length: 200 }, (_, i) => `box-${i}`),
    'all of them, in the order given',
  );
});

test('a broadcast costs one copy per member the server lists, joined and left included', () => {
  const { client, socket } = setup();
  client.connect();
  socket().serverOpens();
  const many = Array.from({ length: 300 }, (_, i) => `peer_${String(i).padStart(16, '0')}`);
  socket().serverSends({ ...WELCOME, peers: many });
  socket().serverSends({ type: 'joined', peer: 'late_0123456789abcdef' });
  const broadcasts = () => (socket().sentFrames() as ClientFrame[]).filter((f) => f.type === 'send').length;
  client.send({ type: 'send', to: '*', box: 'first' });
  assert.equal(broadcasts(), 1, '301 copies go at once within a burst of 400');
  client.send({ type: 'send', to: '*', box: 'second' });
  assert.equal(broadcasts(), 1, 'another 301 do not: it waits');
});

test('closing sends what the budget allows before the goodbye, and the goodbye last; a dropped connection drops what waits', () => {
  const { client, socket, joinCurrent, timers } = setup();
  client.connect();
  joinCurrent();
  const sends = () => (socket().sentFrames() as ClientFrame[]).filter((f) => f.type === 'send');
  for (let i = 0; i < 100; i++) client.send({ type: 'send', to: OTHER, box: `box-${i}` });
  socket().closes(1006);
  timers.advance(10_000);
  joinCurrent();
  timers.advance(10_000);
  assert.equal(sends().length, 0, 'nothing meant for the old connection goes on the new one');
  for (let i = 0; i < 100; i++) client.send({ type: 'send', to: OTHER, box: `box-${i}` });
  const atOnce = sends().length;
  timers.advance(500);
  client.close();
  const frames = socket().sentFrames() as ClientFrame[];
  assert.ok(sends().length > atOnce && sends().length < 100, `what the budget allowed went (${sends().length}), the rest was dropped rather than get the goodbye refused`);
  assert.deepEqual(
    sends().map((f) => f.type === 'send' && f.box),
    Array.from({ length: sends().length }, (_, i) => `box-${i}`),
  );
  assert.equal(frames.at(-1)?.type, 'bye');
});
