/**
 * The local microphone: capture with voice processing, mute by disabling the track (the
 * connection keeps sending silence, so unmuting is instant), device switching and a level meter.
 */
export type MicrophoneStatus = 'off' | 'live' | 'denied' | 'unavailable';

export interface AudioInput {
  id: string;
  label: string;
}

export interface Microphone {
  /** The one stream handed to every peer; its track is swapped in place on device change. */
  readonly stream: MediaStream | null;
  readonly status: MicrophoneStatus;
  readonly deviceId: string | null;
  start(): Promise<MicrophoneStatus>;
  switchTo(deviceId: string): Promise<MediaStreamTrack | null>;
  setMuted(muted: boolean): void;
  /** Loudness of what we capture, 0..1 (RMS), for our own speaking indicator. */
  level(): number;
  inputs(): Promise<AudioInput[]>;
  stop(): void;
}

export interface MicrophoneDeps {
  mediaDevices: Pick<MediaDevices, 'getUserMedia' | 'enumerateDevices'>;
  createAudioContext: () => AudioContext;
  createStream: (tracks: MediaStreamTrack[]) => MediaStream;
}

const VOICE: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

export function createMicrophone(deps: MicrophoneDeps): Microphone {
  let stream: MediaStream | null = null;
  let status: MicrophoneStatus = 'off';
  let muted = false;
  let meter: { ctx: AudioContext; analyser: AnalyserNode } | null = null;
  let meterSource: MediaStreamAudioSourceNode | null = null;
  /** A track the meter has yet to hear: it starts on the first reading, as building an audio graph is no reason to send later. */
  let unmetered: MediaStreamTrack | null = null;
  const samples = new Float32Array(1024);
  // Every capture and every stop() takes the next generation. A capture that resolves under a
  // newer one lost a race (Leave while the browser was still asking, or a newer device choice):
  // it releases its track at once instead of becoming ours.
  let generation = 0;

  const currentTrack = (): MediaStreamTrack | null => stream?.getAudioTracks()[0] ?? null;

  function meterTrack(track: MediaStreamTrack): void {
    if (!meter) {
      const ctx = deps.createAudioContext();
      const analyser = ctx.createAnalyser();
      analyser.fftSize = samples.length;
      meter = { ctx, analyser };
    }
    meterSource?.disconnect();
    meterSource = meter.ctx.createMediaStreamSource(deps.createStream([track]));
    meterSource.connect(meter.analyser);
    void meter.ctx.resume();
  }

  /** A new track, or null when stop() or a newer capture came first (then nothing stays open). */
  async function capture(mine: number, deviceId?: string): Promise<MediaStreamTrack | null> {
    const audio = deviceId ? { ...VOICE, deviceId: { exact: deviceId } } : VOICE;
    const captured = await deps.mediaDevices.getUserMedia({ audio, video: false });
    if (mine !== generation) {
      for (const track of captured.getTracks()) track.stop();
      return null;
    }
    const track = captured.getAudioTracks()[0];
    if (!track) throw new Error('microphone returned no audio track');
    track.enabled = !muted;
    return track;
  }

  return {
    get stream() {
      return stream;
    },
    get status() {
      return status;
    },
    get deviceId() {
      return currentTrack()?.getSettings().deviceId ?? null;
    },
    async start() {
      if (status === 'live') return status;
      const mine = ++generation;
      try {
        const track = await capture(mine);
        if (!track) return status;
        stream = deps.createStream([track]);
        unmetered = track;
        status = 'live';
      } catch (error) {
        // Failing after stop() changes nothing: the microphone is off, as asked.
        if (mine !== generation) return status;
        const name = (error as { name?: string }).name;
        status = name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : 'unavailable';
      }
      return status;
    },
    async switchTo(deviceId) {
      const target = stream;
      if (!target) return null;
      const track = await capture(++generation, deviceId);
      // Overtaken: what is current now stays (nothing after stop(), or the newer choice).
      if (!track) return currentTrack();
      // Still this generation, so stop() has not run and `target` is still our stream.
      const old = currentTrack();
      if (old) {
        target.removeTrack(old);
        old.stop();
      }
      target.addTrack(track);
      unmetered = track;
      return track;
    },
    setMuted(next) {
      muted = next;
      const track = currentTrack();
      if (track) track.enabled = !next;
    },
    level() {
      if (unmetered) meterTrack(unmetered);
      unmetered = null;
      if (!meter || muted) return 0;
      meter.analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      return Math.sqrt(sum / samples.length);
    },
    async inputs() {
      const devices = await deps.mediaDevices.enumerateDevices();
      return devices
        .filter((d) => d.kind === 'audioinput')
        .map((d, i) => ({ id: d.deviceId, label: d.label || `Microphone ${i + 1}` }));
    },
    stop() {
      generation += 1;
      for (const track of stream?.getTracks() ?? []) track.stop();
      stream = null;
      status = 'off';
      if (meter) void meter.ctx.close();
      meter = null;
      meterSource = null;
      unmetered = null;
    },
  };
}
