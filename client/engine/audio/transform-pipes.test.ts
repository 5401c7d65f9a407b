import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ToWorker } from './frame-switch.ts';
import { transformsRouter } from './transform-pipes.ts';

class FakeTransform {
  constructor(
    readonly worker: unknown,
    readonly options: unknown,
  ) {}
}
const global = globalThis as { RTCRtpScriptTransform?: unknown };
global.RTCRtpScriptTransform = FakeTransform;
after(() => delete global.RTCRtpScriptTransform);

/** A sender whose replaceTrack settles a moment later, in the order called, as a browser's does. */
function transceiver(track: MediaStreamTrack | null = null) {
  const asked: (string | null)[] = [];
  let chain = Promise.resolve();
  const sender = {
    transform: null as unknown,
    track,
    replaceTrack(next: MediaStreamTrack | null) {
      asked.push(next?.id ?? null);
      chain = chain.then(() => new Promise((resolve) => setTimeout(resolve, 1))).then(() => void (sender.track = next));
      return chain;
    },
  };
  const receiver = { transform: null as unknown, track: { kind: 'audio' } };
  return { value: { sender, receiver } as unknown as RTCRtpTransceiver, sender, receiver, asked, settled: () => chain };
}

function setup() {
  const posted: ToWorker[] = [];
  let terminated = false;
  const worker = { postMessage: (message: ToWorker) => void posted.push(message), terminate: () => void (terminated = true), onmessage: null, onerror: null as null | (() => void) };
  let made = 0;
  let stopped = 0;
  const router = transformsRouter(() => {}, () => (made++, { track: { kind: 'audio', id: 'silence' } as MediaStreamTrack, stop: () => void (stopped += 1) }), worker as unknown as Worker);
  return { router, worker, posted, made: () => made, stopped: () => stopped, terminated: () => terminated };
}

const microphone = { kind: 'audio', id: 'microphone' } as MediaStreamTrack;
const side = (value: unknown) => value as { worker: unknown; options: unknown } | null;

test('each slot side of a relaying link gets a script transform in the frame worker, told which slot side it is', () => {
  const { router, worker } = setup();
  const link = transceiver();
  router.link('parent').adopt([link.value]);
  assert.equal(side(link.receiver.transform)?.worker, worker);
  assert.deepEqual(side(link.receiver.transform)?.options, { peer: 'parent', link: 1, slot: 0, side: 'received' });
  assert.deepEqual(side(link.sender.transform)?.options, { peer: 'parent', link: 1, slot: 0, side: 'sent', carried: true });
});

test('our senders carry our silence exactly while their slot forwards to a member we feed; our microphone is never displaced', async () => {
  const { router, made } = setup();
  const parent = transceiver();
  const child = [transceiver(microphone), transceiver(), transceiver()];
  router.link('parent').adopt([parent.value]);
  const toChild = router.link('child');
  toChild.adopt(child.map((t) => t.value));
  // As the peer adapter does: it asks its sender for the track, then tells the pipes.
  toChild.sending(microphone);
  assert.equal(made(), 0, 'no silence is made before anything forwards');
  router.route([{ peer: 'parent', slot: 0, out: 0 }, { peer: 'parent', slot: 1, out: 1 }], ['child']);
  await Promise.all(child.map((t) => t.settled()));
  assert.deepEqual(child.map((t) => t.sender.track?.id ?? null), ['microphone', 'silence', null]);
  assert.equal(parent.sender.track, null, 'nothing goes back to whom we hear');
  const later = transceiver();
  router.link('child').adopt([later.value]);
  await later.settled();
  assert.equal(later.sender.track?.id, 'silence', 'a link made after the routes that name it carries at once');
  router.route([], []);
  await Promise.all(child.map((t) => t.settled()));
  assert.deepEqual(child.map((t) => t.sender.track?.id ?? null), ['microphone', null, null]);
  assert.equal(made(), 1);
});

test('routes that change faster than a sender takes its track leave it as the latest asked: on then off, and off then on', async () => {
  const { router } = setup();
  const onOff = transceiver();
  const offOn = transceiver();
  router.link('a').adopt([onOff.value]);
  router.link('b').adopt([offOn.value]);
  router.route([{ peer: 'x', slot: 0, out: 0 }], ['b']);
  await offOn.settled();
  router.route([{ peer: 'x', slot: 0, out: 0 }], ['a']);
  router.route([{ peer: 'x', slot: 0, out: 0 }], ['b']);
  await Promise.all([onOff.settled(), offOn.settled()]);
  assert.equal(onOff.sender.track, null, 'turned on and off before its silence arrived: it sends nothing');
  assert.equal(offOn.sender.track?.id, 'silence', 'turned off and on again before its silence left: it carries');
});

test('leaving stops our silence and the worker', async () => {
  const { router, stopped, terminated } = setup();
  const child = transceiver();
  router.link('child').adopt([child.value]);
  router.route([{ peer: 'x', slot: 0, out: 0 }], ['child']);
  router.close();
  assert.equal(stopped(), 1);
  assert.equal(terminated(), true);
  router.route([{ peer: 'x', slot: 0, out: 0 }], ['child']);
  await child.settled();
  assert.equal(child.sender.track, null, 'nothing carries after leaving');
});

test('a frame worker that fails to load takes every transform off again, and the page relays no more', () => {
  const { router, worker } = setup();
  const link = transceiver();
  router.link('parent').adopt([link.value]);
  assert.equal(router.relays(), true);
  worker.onerror?.();
  assert.equal(router.relays(), false);
  assert.equal(link.receiver.transform, null, 'the link plays what arrives, untouched');
  assert.equal(link.sender.transform, null);
  const next = transceiver();
  router.link('child').adopt([next.value]);
  assert.equal(next.receiver.transform, null, 'and later links are left alone');
});

test('what the page sends on slot 0 comes and goes as it asks, however routes and replacements interleave: the carrier fills in only while the page sends nothing', async () => {
  const { router } = setup();
  const mix = { kind: 'audio', id: 'mix' } as MediaStreamTrack;
  const slot = transceiver();
  const pipes = router.link('child');
  pipes.adopt([slot.value]);
  /** As the peer adapter asks: its sender first, then the pipes. */
  const pageSends = (track: MediaStreamTrack | null): void => {
    void slot.sender.replaceTrack(track);
    pipes.sending(track);
  };
  router.route([{ peer: 'parent', slot: 0, out: 0 }], ['child']);
  pageSends(mix);
  await slot.settled();
  assert.equal(slot.sender.track?.id, 'mix', 'forwarding, then mixing: the mix, not the carrier');
  pageSends(null);
  await slot.settled();
  assert.equal(slot.sender.track?.id, 'silence', 'mixing, then forwarding a mix: the carrier again');
  pageSends(mix);
  router.route([{ peer: 'parent', slot: 0, out: 0 }], ['child']);
  await slot.settled();
  assert.equal(slot.sender.track?.id, 'mix', 'routes that come after the page asked leave its track');
  router.route([], []);
  pageSends(null);
  await slot.settled();
  assert.equal(slot.sender.track, null, 'nothing forwarded and nothing of the page: nothing at all');
});
