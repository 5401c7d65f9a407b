import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSilentTrack } from './silent-track.ts';

/** Just enough of an AudioContext: a constant source of zero into a destination with one track. */
function fakeContext() {
  const track = { stopped: false, stop() { this.stopped = true; } };
  const state = { closed: false, offset: -1, started: false, connected: false };
  const context = {
    createMediaStreamDestination: () => ({ stream: { getAudioTracks: () => [track] } }),
    createConstantSource: () => ({
      offset: { set value(v: number) { state.offset = v; } },
      connect: () => void (state.connected = true),
      start: () => void (state.started = true),
    }),
    resume: async () => {},
    close: async () => void (state.closed = true),
  };
  return { context: context as unknown as AudioContext, track, state };
}

test('a silent track is fed zeros for as long as it lives, and stopping it ends the track and its audio graph', () => {
  const fake = fakeContext();
  const silent = createSilentTrack(() => fake.context);
  assert.equal(silent.track, fake.track as unknown as MediaStreamTrack);
  assert.deepEqual(fake.state, { closed: false, offset: 0, started: true, connected: true });
  silent.stop();
  assert.equal(fake.track.stopped, true);
  assert.equal(fake.state.closed, true);
});
