import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMicrophone } from './microphone.ts';

/** A captured track: records whether it was stopped, as a browser's does through readyState. */
class FakeTrack {
  readonly kind = 'audio';
  enabled = true;
  readyState: MediaStreamTrackState = 'live';
  constructor(
    readonly id: string,
    private readonly deviceId: string,
  ) {}
  stop(): void {
    this.readyState = 'ended';
  }
  getSettings(): MediaTrackSettings {
    return { deviceId: this.deviceId };
  }
}

class FakeStream {
  constructor(readonly tracks: FakeTrack[]) {}
  getTracks(): FakeTrack[] {
    return [...this.tracks];
  }
  getAudioTracks(): FakeTrack[] {
    return this.getTracks();
  }
  addTrack(track: FakeTrack): void {
    this.tracks.push(track);
  }
  removeTrack(track: FakeTrack): void {
    const at = this.tracks.indexOf(track);
    if (at >= 0) this.tracks.splice(at, 1);
  }
}

/** One getUserMedia call, answered only when the test says so. */
interface Request {
  deviceId: string;
  grant(): FakeTrack;
  refuse(errorName: string): void;
}

/** mediaDevices whose getUserMedia waits for the test, like a browser asking for permission. */
function fakeDevices() {
  const requests: Request[] = [];
  let made = 0;
  const mediaDevices = {
    getUserMedia(constraints?: MediaStreamConstraints): Promise<MediaStream> {
      const exact = ((constraints?.audio as MediaTrackConstraints).deviceId as { exact?: string } | undefined)?.exact;
      const deviceId = exact ?? 'default';
      return new Promise((resolve, reject) => {
        requests.push({
          deviceId,
          grant() {
            made += 1;
            const track = new FakeTrack(`track-${made}`, deviceId);
            resolve(new FakeStream([track]) as unknown as MediaStream);
            return track;
          },
          refuse(errorName) {
            reject(Object.assign(new Error('refused by the test'), { name: errorName }));
          },
        });
      });
    },
    enumerateDevices: async (): Promise<MediaDeviceInfo[]> => [],
  };
  /** The oldest unanswered request. */
  const next = (): Request => {
    const request = requests.shift();
    if (!request) throw new Error('no getUserMedia call is waiting');
    return request;
  };
  return { mediaDevices, next, waiting: () => requests.length };
}

/** Just enough of an AudioContext for the level meter; `closed` tells whether stop() released it. */
function fakeAudioContext() {
  const ctx = {
    closed: false,
    createAnalyser: () => ({ fftSize: 0, getFloatTimeDomainData: (into: Float32Array) => into.fill(0.5) }),
    createMediaStreamSource: () => ({ connect() {}, disconnect() {} }),
    resume: async () => {},
    close: async () => {
      ctx.closed = true;
    },
  };
  return ctx;
}

function setup() {
  const devices = fakeDevices();
  const contexts: ReturnType<typeof fakeAudioContext>[] = [];
  const microphone = createMicrophone({
    mediaDevices: devices.mediaDevices,
    createAudioContext: () => {
      const ctx = fakeAudioContext();
      contexts.push(ctx);
      return ctx as unknown as AudioContext;
    },
    createStream: (tracks) => new FakeStream(tracks as unknown as FakeTrack[]) as unknown as MediaStream,
  });
  const tracks = (): FakeTrack[] => (microphone.stream as unknown as FakeStream | null)?.getTracks() ?? [];
  /** Starts and lets the browser grant it; returns the captured track. */
  const startLive = async (): Promise<FakeTrack> => {
    const starting = microphone.start();
    const track = devices.next().grant();
    assert.equal(await starting, 'live');
    return track;
  };
  return { microphone, devices, contexts, tracks, startLive };
}

test('leaving while the browser is still opening the microphone leaves nothing capturing', async () => {
  const { microphone, devices } = setup();
  const starting = microphone.start();
  microphone.stop();
  const track = devices.next().grant();
  assert.equal(await starting, 'off');
  assert.equal(track.readyState, 'ended');
  assert.equal(microphone.status, 'off');
  assert.equal(microphone.stream, null);
});

test('a refusal that arrives after leaving does not report the microphone as blocked', async () => {
  const { microphone, devices } = setup();
  const starting = microphone.start();
  microphone.stop();
  devices.next().refuse('NotAllowedError');
  assert.equal(await starting, 'off');
  assert.equal(microphone.status, 'off');
});

test('a capture overtaken by a newer start is released, and only the newer one is ours', async () => {
  const { microphone, devices, tracks } = setup();
  const first = microphone.start();
  microphone.stop();
  const second = microphone.start();
  const late = devices.next().grant();
  const current = devices.next().grant();
  assert.equal(await first, 'off');
  assert.equal(await second, 'live');
  assert.equal(late.readyState, 'ended');
  assert.deepEqual(tracks(), [current]);
});

test('leaving while a device switch is still opening releases the new track too', async () => {
  const { microphone, devices, startLive } = setup();
  const old = await startLive();
  const switching = microphone.switchTo('usb');
  microphone.stop();
  const track = devices.next().grant();
  assert.equal(await switching, null);
  assert.equal(track.readyState, 'ended');
  assert.equal(old.readyState, 'ended');
  assert.equal(microphone.status, 'off');
  assert.equal(microphone.stream, null);
});

test('switching device swaps the track inside the same stream and stops the old one', async () => {
  const { microphone, devices, tracks, startLive } = setup();
  const old = await startLive();
  const stream = microphone.stream;
  const switching = microphone.switchTo('usb');
  const request = devices.next();
  assert.equal(request.deviceId, 'usb');
  const track = request.grant();
  assert.equal(await switching, track);
  assert.equal(microphone.stream, stream);
  assert.deepEqual(tracks(), [track]);
  assert.equal(old.readyState, 'ended');
  assert.equal(track.readyState, 'live');
  assert.equal(microphone.deviceId, 'usb');
});

test('of two device choices still opening, the later one wins and the earlier is released', async () => {
  const { microphone, devices, tracks, startLive } = setup();
  const old = await startLive();
  const toUsb = microphone.switchTo('usb');
  const toHeadset = microphone.switchTo('headset');
  const usb = devices.next().grant();
  const headset = devices.next().grant();
  await Promise.all([toUsb, toHeadset]);
  assert.equal(usb.readyState, 'ended');
  assert.equal(old.readyState, 'ended');
  assert.deepEqual(tracks(), [headset]);
  assert.equal(headset.readyState, 'live');
});

test('a device choice overtaken by a newer one that arrived first hands back the newer track', async () => {
  const { microphone, devices, tracks, startLive } = setup();
  await startLive();
  const toUsb = microphone.switchTo('usb');
  const toHeadset = microphone.switchTo('headset');
  const usbRequest = devices.next();
  const headset = devices.next().grant();
  assert.equal(await toHeadset, headset);
  const usb = usbRequest.grant();
  // Whoever sends what switchTo returns must keep sending the newer track.
  assert.equal(await toUsb, headset);
  assert.equal(usb.readyState, 'ended');
  assert.deepEqual(tracks(), [headset]);
});

test('switching before the microphone is on asks the browser for nothing', async () => {
  const { microphone, devices } = setup();
  assert.equal(await microphone.switchTo('usb'), null);
  assert.equal(devices.waiting(), 0);
});

test('muting disables the track, and a track captured while muted starts disabled', async () => {
  const { microphone, devices, startLive } = setup();
  const first = await startLive();
  microphone.setMuted(true);
  assert.equal(first.enabled, false);
  assert.equal(microphone.level(), 0);

  const switching = microphone.switchTo('usb');
  const second = devices.next().grant();
  await switching;
  assert.equal(second.enabled, false);

  microphone.setMuted(false);
  assert.equal(second.enabled, true);
  assert.ok(microphone.level() > 0);

  // Muted while the browser is still asking: the track arrives disabled.
  microphone.stop();
  const starting = microphone.start();
  microphone.setMuted(true);
  const third = devices.next().grant();
  await starting;
  assert.equal(third.enabled, false);
});

test('a refused microphone reads denied, a missing or broken one unavailable, and asking again retries', async () => {
  const { microphone, devices } = setup();
  const cases: [string, string][] = [
    ['NotAllowedError', 'denied'],
    ['SecurityError', 'denied'],
    ['NotFoundError', 'unavailable'],
    ['NotReadableError', 'unavailable'],
  ];
  for (const [errorName, status] of cases) {
    const starting = microphone.start();
    devices.next().refuse(errorName);
    assert.equal(await starting, status, errorName);
    assert.equal(microphone.status, status, errorName);
    assert.equal(microphone.stream, null, errorName);
  }
});

test('the level meter starts at the first reading, not while the track is on its way out', async () => {
  const { microphone, contexts, startLive } = setup();
  await startLive();
  assert.equal(contexts.length, 0);
  microphone.level();
  assert.equal(contexts.length, 1);
});

test('stopping releases the track and the level meter, and starting while live asks nothing new', async () => {
  const { microphone, devices, contexts, startLive } = setup();
  const track = await startLive();
  assert.equal(await microphone.start(), 'live');
  assert.equal(devices.waiting(), 0);
  microphone.level();
  microphone.stop();
  assert.equal(track.readyState, 'ended');
  assert.deepEqual(
    contexts.map((ctx) => ctx.closed),
    [true],
  );
  assert.equal(microphone.status, 'off');
  assert.equal(microphone.stream, null);
  assert.equal(microphone.deviceId, null);
});
