import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARRIVALS_MS, createFrameSwitch, type Arrivals, type EncodedStreams, type ToWorker } from './frame-switch.ts';

type Frame = { label: string; copy?: true; data?: ArrayBuffer };
const asFrame = (frame: Frame) => frame as unknown as RTCEncodedAudioFrame;

/** One slot of a link as the browser gives it: frames we push in arrive, our own are made, and what the worker writes is kept. */
function slotStreams() {
  let arrive: (frame: Frame) => void = () => {};
  let make: (frame: Frame) => void = () => {};
  const decoded: Frame[] = [];
  const sent: Frame[] = [];
  const received: EncodedStreams = {
    readable: new ReadableStream({ start: (controller) => void (arrive = (frame) => controller.enqueue(asFrame(frame))) }),
    writable: new WritableStream({ write: (frame) => void decoded.push(frame as unknown as Frame) }),
  };
  const own = new ReadableStream<RTCEncodedAudioFrame>({ start: (controller) => void (make = (frame) => controller.enqueue(asFrame(frame))) });
  const out: EncodedStreams = { readable: own, writable: new WritableStream({ write: (frame) => void sent.push({ ...(frame as unknown as Frame) }) }) };
  return { received, sent: out, arrive: (frame: Frame) => arrive(frame), own: (frame: Frame) => make(frame), decoded, written: sent };
}

function setup() {
  const posted: Arrivals[] = [];
  const timers: (() => void)[] = [];
  const handle = createFrameSwitch({
    copy: (frame) => asFrame({ ...(frame as unknown as Frame), copy: true }),
    post: (message) => void posted.push(message),
    later: (ms, run) => {
      assert.equal(ms, ARRIVALS_MS);
      timers.push(run);
    },
  });
  /** A slot of a link, both sides; `carried`: our sender's own frames carry what we forward (Firefox). */
  const pipe = (peer: string, link: number, slot: number, carried = false) => {
    const streams = slotStreams();
    handle({ t: 'pipe', peer, link, slot, side: 'received', streams: streams.received } satisfies ToWorker);
    handle({ t: 'pipe', peer, link, slot, side: 'sent', streams: streams.sent, ...(carried ? { carried } : {}) } satisfies ToWorker);
    return streams;
  };
  const flush = () => timers.splice(0).forEach((run) => run());
  return { handle, pipe, posted, flush };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

test('a frame goes on to its own decoder, and as routed, copied unchanged onto our slot towards each member we feed', async () => {
  const { handle, pipe } = setup();
  const parent = pipe('parent', 1, 2);
  const childA = pipe('child-a', 2, 5);
  const childB = pipe('child-b', 3, 5);
  handle({ t: 'routes', routes: [{ peer: 'parent', slot: 2, out: 5 }], targets: ['child-a', 'child-b'] });
  parent.arrive({ label: 'speaker' });
  await settle();
  assert.deepEqual(parent.decoded, [{ label: 'speaker' }], 'we hear it ourselves');
  assert.deepEqual(childA.written, [{ label: 'speaker', copy: true }]);
  assert.deepEqual(childB.written, [{ label: 'speaker', copy: true }]);
});

test('a frame from a slot with no route is decoded but goes nowhere else', async () => {
  const { handle, pipe } = setup();
  const backup = pipe('backup', 1, 0);
  const child = pipe('child', 2, 0);
  handle({ t: 'routes', routes: [{ peer: 'parent', slot: 0, out: 0 }], targets: ['child'] });
  backup.arrive({ label: 'standing by' });
  await settle();
  assert.deepEqual(backup.decoded, [{ label: 'standing by' }]);
  assert.deepEqual(child.written, []);
});

test('the page hears which members and slots brought frames, once per batch', async () => {
  const { pipe, posted, flush } = setup();
  const parent = pipe('parent', 1, 0);
  const other = pipe('parent', 1, 3);
  parent.arrive({ label: 'a' });
  parent.arrive({ label: 'b' });
  other.arrive({ label: 'c' });
  await settle();
  assert.deepEqual(posted, [], 'not per frame');
  flush();
  assert.deepEqual(posted, [{ t: 'arrivals', from: [['parent', 0], ['parent', 3]] }]);
});

test('only a member’s newest link routes and is routed to; one unpiped is forgotten', async () => {
  const { handle, pipe, posted, flush } = setup();
  const oldChild = pipe('child', 1, 0);
  const newChild = pipe('child', 2, 0);
  const oldParent = pipe('parent', 3, 0);
  const parent = pipe('parent', 4, 0);
  handle({ t: 'routes', routes: [{ peer: 'parent', slot: 0, out: 0 }], targets: ['child'] });
  oldParent.arrive({ label: 'stale' });
  parent.arrive({ label: 'fresh' });
  await settle();
  assert.deepEqual(oldChild.written, []);
  assert.deepEqual(newChild.written, [{ label: 'fresh', copy: true }]);
  assert.deepEqual(oldParent.decoded, [{ label: 'stale' }], 'an old link still plays out');
  handle({ t: 'unpipe', link: 2 });
  parent.arrive({ label: 'after' });
  await settle();
  assert.deepEqual(newChild.written, [{ label: 'fresh', copy: true }], 'nothing is written to a closed link');
  flush();
  assert.deepEqual(posted.at(-1)?.from, [['parent', 0]]);
});

const bytes = (...values: number[]): ArrayBuffer => Uint8Array.from(values).buffer;
const payloadOf = (frame: Frame): number[] => [...new Uint8Array(frame.data ?? new ArrayBuffer(0))];

test('where our sender takes only its own frames, what we forward rides in them: each carries the next forwarded payload, in order', async () => {
  const { handle, pipe } = setup();
  const parent = pipe('parent', 1, 0);
  const child = pipe('child', 2, 1, true);
  handle({ t: 'routes', routes: [{ peer: 'parent', slot: 0, out: 1 }], targets: ['child'] });
  parent.arrive({ label: 'speaker 1', data: bytes(1) });
  parent.arrive({ label: 'speaker 2', data: bytes(2) });
  await settle();
  assert.deepEqual(child.written, [], 'nothing is written into the sender but its own frames');
  child.own({ label: 'carrier', data: bytes(0) });
  child.own({ label: 'carrier', data: bytes(0) });
  await settle();
  assert.deepEqual(child.written.map(payloadOf), [[1], [2]]);
  assert.deepEqual(parent.decoded.map(payloadOf), [[1], [2]], 'and we hear it ourselves, bytes and all');
});

test("a carrier's own frames that come before a forwarded one wait for it, and carry it as soon as it comes", async () => {
  const { handle, pipe } = setup();
  const parent = pipe('parent', 1, 0);
  const child = pipe('child', 2, 0, true);
  handle({ t: 'routes', routes: [{ peer: 'parent', slot: 0, out: 0 }], targets: ['child'] });
  parent.arrive({ label: 'speaker', data: bytes(1) });
  await settle();
  child.own({ label: 'carrier', data: bytes(0) });
  child.own({ label: 'carrier', data: bytes(0) });
  await settle();
  assert.deepEqual(child.written.map(payloadOf), [[1]], 'the second waits');
  parent.arrive({ label: 'speaker', data: bytes(2) });
  await settle();
  assert.deepEqual(child.written.map(payloadOf), [[1], [2]]);
});

test("a carrier's own silence waits between forwarded frames, and goes out again once it has long had nothing to carry", async () => {
  const { handle, pipe } = setup();
  const parent = pipe('parent', 1, 0);
  const child = pipe('child', 2, 0, true);
  child.own({ label: 'before any forwarding', data: bytes(0) });
  await settle();
  handle({ t: 'routes', routes: [{ peer: 'parent', slot: 0, out: 0 }], targets: ['child'] });
  parent.arrive({ label: 'speaker', data: bytes(7) });
  await settle();
  for (let i = 0; i < 7; i++) child.own({ label: 'carrier', data: bytes(0) });
  await settle();
  assert.deepEqual(child.written.map(payloadOf), [[0], [7], [0]], 'its own before, the one carried, five of its own waiting in vain, then its own again');
});

test('a carrier holds two forwarded frames at most: the oldest go, so what it carries stays current', async () => {
  const { handle, pipe } = setup();
  const parent = pipe('parent', 1, 0);
  const child = pipe('child', 2, 0, true);
  handle({ t: 'routes', routes: [{ peer: 'parent', slot: 0, out: 0 }], targets: ['child'] });
  for (let i = 1; i <= 5; i++) parent.arrive({ label: 'speaker', data: bytes(i) });
  await settle();
  for (let i = 0; i < 3; i++) child.own({ label: 'carrier', data: bytes(0) });
  await settle();
  assert.deepEqual(child.written.map(payloadOf), [[4], [5]]);
});

test('a sender that is no carrier sends its own frames as they are: our microphone', async () => {
  const { pipe } = setup();
  const parent = pipe('parent', 1, 0);
  parent.own({ label: 'microphone', data: bytes(9) });
  await settle();
  assert.deepEqual(parent.written.map(payloadOf), [[9]]);
});
