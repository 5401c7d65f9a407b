import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFrameRouter } from './encoded-pipes.ts';
import type { Arrivals, ToWorker } from './frame-switch.ts';

/** A transceiver as Chromium gives it to a connection opened with encoded streams: frames pushed in arrive at its receiver. */
function transceiver() {
  let arrive: (label: string) => void = () => {};
  const decoded: string[] = [];
  const streams = {
    received: {
      readable: new ReadableStream({ start: (controller) => void (arrive = (label) => controller.enqueue({ label })) }),
      writable: new WritableStream<{ label: string }>({ write: (frame) => void decoded.push(frame.label) }),
    },
    sent: { readable: new ReadableStream(), writable: new WritableStream() },
  };
  const value = {
    sender: { createEncodedStreams: () => streams.sent },
    receiver: { track: { kind: 'audio' }, createEncodedStreams: () => streams.received },
  } as unknown as RTCRtpTransceiver;
  return { value, arrive: (label: string) => arrive(label), decoded };
}

const settle = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

test('a relaying link’s streams go to the frame worker, moved there, with the routes so far', () => {
  const posted: { message: ToWorker; moved: number }[] = [];
  const worker = { postMessage: (message: ToWorker, transfer: unknown[] = []) => void posted.push({ message, moved: transfer.length }), terminate() {}, onmessage: null };
  const router = createFrameRouter({ onArrivals: () => {}, spawn: () => worker as unknown as Worker, path: 'streams' });
  router?.route([{ peer: 'parent', slot: 0, out: 1 }], ['child']);
  router?.link('parent').adopt([transceiver().value]);
  assert.deepEqual(posted.map((p) => p.message.t), ['routes', 'pipe', 'pipe']);
  assert.deepEqual(posted.slice(1).map((p) => [p.message.t === 'pipe' && p.message.side, p.moved]), [['received', 2], ['sent', 2]], 'both ends of the receiver and of the sender');
});

test('where no worker can be had, the page switches frames itself: each is decoded, and the relay hears where they came from', async () => {
  for (const spawn of [() => null, () => { throw new Error('refused by the content policy'); }]) {
    const arrivals: Arrivals['from'][] = [];
    const router = createFrameRouter({ onArrivals: (from) => arrivals.push(from), spawn, path: 'streams' });
    assert.ok(router);
    const link = transceiver();
    router.link('parent').adopt([link.value]);
    link.arrive('speaker');
    await settle(50);
    assert.deepEqual(link.decoded, ['speaker']);
    assert.deepEqual(arrivals, [[['parent', 0]]]);
    router.close();
  }
});

test('a page with no way to relay, or only transforms and no worker or track of its own to carry frames in, gets no router', () => {
  const worker = { terminate() {} } as unknown as Worker;
  const silence = () => ({ track: {} as MediaStreamTrack, stop() {} });
  assert.equal(createFrameRouter({ onArrivals: () => {}, spawn: () => worker, carrier: silence, path: null }), null);
  assert.equal(createFrameRouter({ onArrivals: () => {}, spawn: () => null, carrier: silence, path: 'transforms' }), null);
  assert.equal(createFrameRouter({ onArrivals: () => {}, spawn: () => worker, path: 'transforms' }), null);
});
