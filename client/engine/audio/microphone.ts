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
}

const VOICE: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

export function createMicrophone(deps: MicrophoneDeps): Microphone {
  let stream: MediaStream | null = null;
  let status: MicrophoneStatus = 'off';
  let muted = false;
  let meter: { ctx: AudioContext; analyser: AnalyserNode } | null = null;
  let meterSource: MediaStreamAudioSourceNode | null = null;
  const samples = new Float32Array(1024);

  const currentTrack = (): MediaStreamTrack | null => stream?.getAudioTracks()[0] ?? null;

  function meterTrack(track: MediaStreamTrack): void {
    if (!meter) {
      const ctx = deps.createAudioContext();
      const analyser = ctx.createAnalyser();
      analyser.fftSize = samples.length;
      meter = { ctx, analyser };
    }
    meterSource?.disconnect();
    meterSource = meter.ctx.createMediaStreamSource(new MediaStream([track]));
    meterSource.connect(meter.analyser);
    void meter.ctx.resume();
  }

  async function capture(deviceId?: string): Promise<MediaStreamTrack> {
    const audio = deviceId ? { ...VOICE, deviceId: { exact: deviceId } } : VOICE;
    const captured = await deps.mediaDevices.getUserMedia({ audio, video: false });
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
      try {
        const track = await capture();
        stream = new MediaStream([track]);
        meterTrack(track);
        status = 'live';
      } catch (error) {
        const name = (error as { name?: string }).name;
        status = name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : 'unavailable';
      }
      return status;
    },
    async switchTo(deviceId) {
      if (!stream) return null;
      const old = currentTrack();
      const track = await capture(deviceId);
      if (old) {
        stream.removeTrack(old);
        old.stop();
      }
      stream.addTrack(track);
      meterTrack(track);
      return track;
    },
    setMuted(next) {
      muted = next;
      const track = currentTrack();
      if (track) track.enabled = !next;
    },
    level() {
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
      for (const track of stream?.getTracks() ?? []) track.stop();
      stream = null;
      status = 'off';
      if (meter) void meter.ctx.close();
      meter = null;
      meterSource = null;
    },
  };
}
