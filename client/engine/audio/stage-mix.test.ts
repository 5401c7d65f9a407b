import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStageMix } from './stage-mix.ts';

/** Just enough of an AudioContext to see which streams feed the destination. */
function fakeContext() {
  const track = { stopped: false, stop() { this.stopped = true; } };
  const connected = new Set<MediaStream>();
  const state = { closed: false };
  const destination = { channelCount: 2, channelCountMode: 'max', stream: { getAudioTracks: () => [track] } };
  const context = {
    createMediaStreamDestination: () => destination,
    createMediaStreamSource: (stream: MediaStream) => ({
      connect: (to: unknown) => (to === destination ? void connected.add(stream) : assert.fail('a source connects to the mix only')),
      disconnect: () => void connected.delete(stream),
    }),
    resume: async () => {},
    close: async () => void (state.closed = true),
  };
  return { context: context as unknown as AudioContext, track, connected, destination, state };
}

const stream = (tracks = 1): MediaStream => ({ getAudioTracks: () => Array.from({ length: tracks }, () => ({})) }) as unknown as MediaStream;

test('the mix sums what is put in it, one input per key, into one mono track', () => {
  const fake = fakeContext();
  const mix = createStageMix(() => fake.context);
  assert.equal(mix.track, fake.track as unknown as MediaStreamTrack);
  assert.deepEqual([fake.destination.channelCount, fake.destination.channelCountMode], [1, 'explicit']);
  const [a, b, a2] = [stream(), stream(), stream()];
  mix.set('ann', a);
  mix.set('ben', b);
  mix.set('ann', a);
  assert.deepEqual([...fake.connected], [a, b], 'the same stream again changes nothing');
  mix.set('ann', a2);
  assert.deepEqual([...fake.connected], [b, a2], "a key's new stream replaces its old one");
  mix.set('ben', null);
  mix.set('cat', stream(0));
  assert.deepEqual([...fake.connected], [a2], 'null takes an input out; a stream without audio brings none');
});

test('stopping the mix disconnects every input, ends its track and closes its audio graph', () => {
  const fake = fakeContext();
  const mix = createStageMix(() => fake.context);
  mix.set('ann', stream());
  mix.stop();
  assert.equal(fake.connected.size, 0);
  assert.equal(fake.track.stopped, true);
  assert.equal(fake.state.closed, true);
});
