import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AudioInput, Microphone, MicrophoneStatus } from './audio/microphone.ts';
import { createMicrophoneGate } from './microphone-gate.ts';

/** A promise the test settles. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A microphone whose start() and inputs() answer when the test says so, as a browser's do. */
class SlowMicrophone implements Microphone {
  status: MicrophoneStatus = 'off';
  stream: MediaStream | null = null;
  deviceId: string | null = null;
  readonly starts: ReturnType<typeof deferred<MicrophoneStatus>>[] = [];
  readonly listings: ReturnType<typeof deferred<AudioInput[]>>[] = [];
  stopped = 0;
  /** Each start goes live with its own track, unless stop() came first (as the real one does). */
  start(): Promise<MicrophoneStatus> {
    const answer = deferred<MicrophoneStatus>();
    this.starts.push(answer);
    const stopsBefore = this.stopped;
    return answer.promise.then((status) => {
      if (this.stopped !== stopsBefore) return this.status;
      this.status = status;
      if (status === 'live') {
        const track = { id: `track-${this.starts.length}` } as MediaStreamTrack;
        this.stream = { getAudioTracks: () => [track] } as unknown as MediaStream;
        this.deviceId = 'mic-1';
      }
      return status;
    });
  }
  async switchTo(): Promise<MediaStreamTrack | null> {
    return null;
  }
  setMuted(): void {}
  level(): number {
    return 0;
  }
  inputs(): Promise<AudioInput[]> {
    const answer = deferred<AudioInput[]>();
    this.listings.push(answer);
    return answer.promise;
  }
  stop(): void {
    this.stopped += 1;
    this.status = 'off';
    this.stream = null;
    this.deviceId = null;
  }
}

/** Lets every pending promise callback run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const MIC: AudioInput = { id: 'mic-1', label: 'Built-in microphone' };

function setup() {
  const microphone = new SlowMicrophone();
  const reports: { status: MicrophoneStatus; track: string | null; inputs?: number }[] = [];
  const gate = createMicrophoneGate({
    microphone,
    muted: () => false,
    active: () => true,
    onChange: ({ status, track, inputs }) => reports.push({ status, track: track?.id ?? null, ...(inputs.length ? { inputs: inputs.length } : {}) }),
  });
  return { gate, microphone, reports };
}

test('going off stage while the microphone opens reports it off, and nothing later reports it live', async () => {
  const { gate, microphone, reports } = setup();
  const up = gate.set(true);
  const down = gate.set(false);
  microphone.starts[0]?.resolve('live');
  await Promise.all([up, down]);
  assert.deepEqual(reports, [{ status: 'off', track: null }]);
  assert.equal(microphone.status, 'off');
  assert.equal(gate.track(), null);
});

test('the track is reported live as soon as the microphone opens, and the inputs once listed: sending waits for no list', async () => {
  const { gate, microphone, reports } = setup();
  const up = gate.set(true);
  microphone.starts[0]?.resolve('live');
  await settle();
  assert.deepEqual(reports, [{ status: 'live', track: 'track-1' }]);
  microphone.listings[0]?.resolve([MIC]);
  await up;
  assert.deepEqual(reports.at(-1), { status: 'live', track: 'track-1', inputs: 1 });
});

test('going off stage while the inputs are listed is not followed by another live report', async () => {
  const { gate, microphone, reports } = setup();
  const up = gate.set(true);
  microphone.starts[0]?.resolve('live');
  await settle();
  assert.equal(microphone.listings.length, 1, 'the gate now waits for the list of inputs');
  await gate.set(false);
  microphone.listings[0]?.resolve([MIC]);
  await up;
  assert.deepEqual(reports, [
    { status: 'live', track: 'track-1' },
    { status: 'off', track: null },
  ]);
  assert.equal(gate.track(), null);
});

test('off and on again while the first start is pending: the latest wish alone reports, live', async () => {
  const { gate, microphone, reports } = setup();
  const first = gate.set(true);
  const down = gate.set(false);
  const second = gate.set(true);
  // The newer start answers first; the overtaken one answers late.
  microphone.starts[1]?.resolve('live');
  await settle();
  microphone.listings[0]?.resolve([MIC]);
  await second;
  microphone.starts[0]?.resolve('live');
  await Promise.all([first, down]);
  assert.deepEqual(reports, [
    { status: 'off', track: null },
    { status: 'live', track: 'track-2' },
    { status: 'live', track: 'track-2', inputs: 1 },
  ]);
  assert.equal(gate.track()?.id, 'track-2');
});
