/**
 * The in-page half of the tone tooling, installed with `context.addInitScript` before any app
 * code runs. Each test person "speaks" a sine tone instead of a microphone and "hears" through
 * one AnalyserNode fed by every remote WebRTC audio track the page receives.
 *
 * Why it is shaped this way (see DESIGN.md, "Testing recipe"):
 * - getUserMedia returns an OscillatorNode → MediaStreamAudioDestinationNode track, so no fake
 *   device flags are needed and the tone can be gated (gain 0/1) without ending the track.
 * - In Chromium a remote WebRTC track only reaches Web Audio while it is also attached to a
 *   muted `new Audio()` element, which must stay referenced or it is garbage collected.
 * - Detection: fftSize 4096, every 10 ms; "hears f" = the peak within ±1.5 bins of f is above
 *   −50 dB and ≥ 50 dB above the spectrum's median, sustained 250 ms (garbled decodes make
 *   short tonal bursts). Bin width comes from ctx.sampleRate, never an assumed 48000.
 * - Onset: dated by the sound, not by the poll that found it. The poll runs on the page's main
 *   thread, which a busy page holds up while the audio plays on regardless; so the waveform heard
 *   (at least the last 0.68 s, kept by a second analyser) is searched for where it began.
 *
 * `installTonePage` runs inside the browser, so it must be self-contained: no imports, no
 * closures over Node values. tsx (esbuild keepNames) wraps inner functions in `__name(...)`,
 * which does not exist in the page; `toneInitScript` defines a local stand-in.
 */

export interface TonePageOptions {
  toneHz: number;
  /** Whether the tone sounds from the start (default true). */
  toneOn: boolean;
  /** Peak amplitude of the sine (default 0.2, so five summed tones stay below full scale). */
  amplitude: number;
  /** Frequencies the detector watches from page load, so no early onset is missed. */
  watchHz: number[];
}

/** What the detector knows about one watched frequency, for waits and for error messages. */
export interface ToneSnapshot {
  hz: number;
  heard: boolean;
  /**
   * Date.now() when the tone began to sound, for the first sustained detection since the last
   * reset: found in the analyser's waveform at the poll that first saw it (see `began`), so
   * neither the detector's window filling nor a late poll delays it. A tone the poll found only
   * after more than the waveform kept (~0.68 s) is dated at its start. A tone that began before
   * the last reset gives none.
   */
  onsetAt: number | null;
  /** Date.now() of the last poll at which the tone counted as heard. */
  lastHeardAt: number | null;
  watchedSince: number;
  peakDb: number;
  medianDb: number;
  /** Loudest peak at this frequency since watch/resetOnsets, to tell "quiet" from "absent". */
  maxPeakDb: number;
}

export interface TonePageState {
  /** The page's Date.now() when the state was taken. */
  now: number;
  toneHz: number;
  toneOn: boolean;
  toneOnAt: number | null;
  sampleRate: number | null;
  contextState: string;
  tappedTracks: number;
  liveTappedTracks: number;
  tones: ToneSnapshot[];
}

export interface PorchTestApi {
  setTone(on: boolean): number;
  toneOnAt(): number | null;
  watch(hz: number[]): void;
  heard(hz: number): boolean;
  onsetAt(hz: number): number | null;
  resetOnsets(): void;
  snapshot(hz: number): ToneSnapshot | null;
  state(): TonePageState;
  /** While held, getUserMedia waits (as a browser does while asking); releasing answers every call. */
  holdCaptures(hold: boolean): void;
  /** getUserMedia calls still waiting. */
  pendingCaptures(): number;
  /** The readyState of every audio track getUserMedia handed to the page, in order. */
  capturedTracks(): MediaStreamTrackState[];
  /** Date.now() terms of the latest click's own moment (its event's timestamp), or null: when the person clicked, not when a harness asked. */
  lastClickAt(): number | null;
}

declare global {
  interface Window {
    __porchTest?: PorchTestApi;
  }
}

export const DETECTOR = {
  fftSize: 4096,
  pollMs: 10,
  minPeakDb: -50,
  minAboveMedianDb: 50,
  sustainMs: 250,
  halfWidthBins: 1.5,
  /**
   * Where a tone began: the waveform kept (at least this long, in a power of two of samples, up to
   * an analyser's 32768: above 48 kHz it keeps less), and the tone's level in windows of this many
   * samples, this many apart (~6 ms at 48 kHz).
   */
  waveformMs: 680,
  onsetWindow: 1024,
  onsetHop: 256,
} as const;

/** Runs in the page. Self-contained: see the note at the top of the file. */
export function installTonePage(options: TonePageOptions, detector: typeof DETECTOR): void {
  if (window.__porchTest) return;
  const mediaDevices = navigator.mediaDevices;
  const OriginalPC = window.RTCPeerConnection;

  let ctx: AudioContext | null = null;
  let gain: GainNode | null = null;
  let analyser: AnalyserNode | null = null;
  /** Keeps the waveform heard, for dating onsets; computes no spectrum. */
  let recorder: AnalyserNode | null = null;
  let spectrum: Float32Array<ArrayBuffer> | null = null;
  let sorted: Float32Array<ArrayBuffer> | null = null;
  let waveform: Float32Array<ArrayBuffer> | null = null;
  /** The Hann window levelAt weighs samples by, computed once: a poll must be quick. */
  const hann = new Float32Array(detector.onsetWindow).map((_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (detector.onsetWindow - 1)));
  let toneOn = options.toneOn;
  let toneOnAt: number | null = toneOn ? Date.now() : null;
  // Keeps each tap (element + source node) referenced for as long as its track lives.
  const taps = new Map<string, { track: MediaStreamTrack; el: HTMLAudioElement; source: MediaStreamAudioSourceNode }>();
  let tappedTracks = 0;
  const captured: MediaStreamTrack[] = [];
  let held: (() => void)[] | null = null;
  let lastClickAt: number | null = null;
  // In Date.now() terms, as onsets are: the event's timestamp is on the page's monotonic clock.
  window.addEventListener('click', (event) => event.isTrusted && (lastClickAt = Date.now() - (performance.now() - event.timeStamp)), { capture: true });

  interface Watched {
    hz: number;
    candidateSince: number | null;
    /** When the sound of the current candidate began, by its waveform. */
    candidateBegan: number | null;
    /** The last poll that found the tone absent. */
    absentAt: number | null;
    heard: boolean;
    onsetAt: number | null;
    /** Detections whose window opened before this (Date.now()) give no onset. */
    onsetAfter: number;
    lastHeardAt: number | null;
    watchedSince: number;
    peakDb: number;
    medianDb: number;
    maxPeakDb: number;
  }
  const watched = new Map<number, Watched>();
  let timer: ReturnType<typeof setInterval> | null = null;

  function audio(): { ctx: AudioContext; gain: GainNode; analyser: AnalyserNode } {
    if (!ctx || !gain || !analyser) {
      ctx = new AudioContext();
      const osc = ctx.createOscillator();
      osc.type = 'sine';
      osc.frequency.value = options.toneHz;
      gain = ctx.createGain();
      gain.gain.value = toneOn ? options.amplitude : 0;
      osc.connect(gain);
      osc.start();
      analyser = ctx.createAnalyser();
      analyser.fftSize = detector.fftSize;
      analyser.smoothingTimeConstant = 0;
      // Pulled through a silent gain so the analyser is processed on every render quantum.
      const sink = ctx.createGain();
      sink.gain.value = 0;
      recorder = ctx.createAnalyser();
      recorder.fftSize = Math.min(32768, 2 ** Math.ceil(Math.log2((ctx.sampleRate * detector.waveformMs) / 1000)));
      analyser.connect(recorder);
      recorder.connect(sink);
      sink.connect(ctx.destination);
      spectrum = new Float32Array(analyser.frequencyBinCount);
      sorted = new Float32Array(analyser.frequencyBinCount);
      waveform = new Float32Array(recorder.fftSize);
      void ctx.resume();
    }
    if (ctx.state === 'suspended') void ctx.resume();
    return { ctx, gain, analyser };
  }

  function toneTrack(): MediaStreamTrack {
    // A fresh destination per call: the app may stop() a track it no longer needs.
    const a = audio();
    const dest = a.ctx.createMediaStreamDestination();
    a.gain.connect(dest);
    const track = dest.stream.getAudioTracks()[0];
    if (!track) throw new Error('tone destination has no audio track');
    track.addEventListener('ended', () => a.gain.disconnect(dest));
    return track;
  }

  const originalGetUserMedia = mediaDevices?.getUserMedia?.bind(mediaDevices);
  if (mediaDevices) {
    mediaDevices.getUserMedia = async (constraints?: MediaStreamConstraints): Promise<MediaStream> => {
      const waiting = held;
      if (waiting) await new Promise<void>((resolve) => waiting.push(resolve));
      const tracks: MediaStreamTrack[] = [];
      if (constraints?.video && originalGetUserMedia) {
        const video = await originalGetUserMedia({ video: constraints.video });
        tracks.push(...video.getVideoTracks());
      }
      if (constraints?.audio || tracks.length === 0) {
        const track = toneTrack();
        captured.push(track);
        tracks.push(track);
      }
      return new MediaStream(tracks);
    };
    mediaDevices.enumerateDevices = async (): Promise<MediaDeviceInfo[]> => {
      const device = { deviceId: 'tone', kind: 'audioinput', label: 'Test tone', groupId: 'tone' };
      return [{ ...device, toJSON: () => device } as MediaDeviceInfo];
    };
  }

  function tap(track: MediaStreamTrack): void {
    if (track.kind !== 'audio' || taps.has(track.id)) return;
    const a = audio();
    const stream = new MediaStream([track]);
    const el = new Audio();
    el.muted = true;
    el.srcObject = stream;
    void el.play().catch(() => undefined);
    const source = a.ctx.createMediaStreamSource(stream);
    source.connect(a.analyser);
    taps.set(track.id, { track, el, source });
    tappedTracks += 1;
    track.addEventListener('ended', () => {
      source.disconnect();
      el.srcObject = null;
      taps.delete(track.id);
    });
  }

  if (OriginalPC) {
    class TappedPeerConnection extends OriginalPC {
      constructor(config?: RTCConfiguration) {
        super(config);
        this.addEventListener('track', (event) => tap(event.track));
      }
    }
    Object.defineProperty(TappedPeerConnection, 'name', { value: 'RTCPeerConnection' });
    window.RTCPeerConnection = TappedPeerConnection;
    (window as unknown as { webkitRTCPeerConnection?: unknown }).webkitRTCPeerConnection = TappedPeerConnection;
  }

  /**
   * The median, by selection in place: a full sort at every poll took most of a page's
   * script time, and a hangout of eight tone pages needs every bit of two cores.
   */
  function middle(values: Float32Array): number {
    const k = values.length >> 1;
    let lo = 0;
    let hi = values.length - 1;
    while (lo < hi) {
      const pivot = values[(lo + hi) >> 1]!;
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (values[i]! < pivot) i++;
        while (values[j]! > pivot) j--;
        if (i <= j) {
          const swap = values[i]!;
          values[i++] = values[j]!;
          values[j--] = swap;
        }
      }
      if (k <= j) hi = j;
      else if (k >= i) lo = i;
      else break;
    }
    return values[k] ?? -Infinity;
  }

  /** How loud `hz` is in a window of samples from `start`: a Hann-windowed Goertzel filter. */
  function levelAt(samples: Float32Array, start: number, hz: number, sampleRate: number): number {
    const coeff = 2 * Math.cos((2 * Math.PI * hz) / sampleRate);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < hann.length; i++) {
      const s0 = samples[start + i]! * hann[i]! + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    return Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - coeff * s1 * s2));
  }

  /**
   * When `hz` began to sound, in Date.now() terms: the middle of the earliest window from which
   * its level stays at least half its latest, the newest sample kept being the moment it is read
   * (not the poll's start: a loaded page can lose the CPU in between). Dated at the waveform's
   * start where it sounds throughout.
   */
  function began(hz: number): number {
    if (!recorder || !waveform || !ctx) return Date.now();
    recorder.getFloatTimeDomainData(waveform);
    const readAt = Date.now();
    const { onsetWindow: size, onsetHop: hop } = detector;
    const levels: number[] = [];
    for (let start = 0; start + size <= waveform.length; start += hop) levels.push(levelAt(waveform, start, hz, ctx.sampleRate));
    const latest = levels[levels.length - 1] ?? 0;
    let first = levels.length - 1;
    while (first > 0 && levels[first - 1]! >= latest / 2) first -= 1;
    const sample = first === 0 ? 0 : first * hop + size / 2;
    return Math.round(readAt - ((waveform.length - sample) / ctx.sampleRate) * 1000);
  }

  function poll(): void {
    if (!analyser || !spectrum || !sorted || !ctx) return;
    analyser.getFloatFrequencyData(spectrum);
    const now = Date.now();
    sorted.set(spectrum);
    const median = middle(sorted);
    const binHz = ctx.sampleRate / detector.fftSize;
    for (const w of watched.values()) {
      const centre = w.hz / binHz;
      const lo = Math.max(0, Math.ceil(centre - detector.halfWidthBins));
      const hi = Math.min(spectrum.length - 1, Math.floor(centre + detector.halfWidthBins));
      let peak = -Infinity;
      for (let i = lo; i <= hi; i++) peak = Math.max(peak, spectrum[i] ?? -Infinity);
      w.peakDb = peak;
      w.medianDb = median;
      if (peak > w.maxPeakDb) w.maxPeakDb = peak;
      const present = peak > detector.minPeakDb && peak - median >= detector.minAboveMedianDb;
      if (!present) {
        w.candidateSince = null;
        w.candidateBegan = null;
        w.absentAt = now;
        w.heard = false;
        continue;
      }
      if (w.candidateSince === null) {
        w.candidateSince = now;
        // No earlier than the detector's own window at the last poll that found it absent.
        const notBefore = w.absentAt === null ? -Infinity : w.absentAt - (detector.fftSize / ctx.sampleRate) * 1000;
        w.candidateBegan = Math.max(began(w.hz), Math.round(notBefore));
      }
      if (now - w.candidateSince >= detector.sustainMs) {
        w.heard = true;
        w.lastHeardAt = now;
        // A tone that began before the reset gives no onset, however late it was found.
        const beganAt = w.candidateBegan ?? w.candidateSince;
        if (w.onsetAt === null && beganAt >= w.onsetAfter) w.onsetAt = beganAt;
      }
    }
  }

  function snapshot(w: Watched): ToneSnapshot {
    return {
      hz: w.hz,
      heard: w.heard,
      onsetAt: w.onsetAt,
      lastHeardAt: w.lastHeardAt,
      watchedSince: w.watchedSince,
      peakDb: w.peakDb,
      medianDb: w.medianDb,
      maxPeakDb: w.maxPeakDb,
    };
  }

  function watch(list: number[]): void {
    audio();
    for (const hz of list) {
      if (watched.has(hz)) continue;
      watched.set(hz, {
        hz,
        candidateSince: null,
        candidateBegan: null,
        absentAt: null,
        heard: false,
        onsetAt: null,
        onsetAfter: 0,
        lastHeardAt: null,
        watchedSince: Date.now(),
        peakDb: -Infinity,
        medianDb: -Infinity,
        maxPeakDb: -Infinity,
      });
    }
    timer ??= setInterval(poll, detector.pollMs);
  }

  const api: PorchTestApi = {
    setTone(on) {
      const a = audio();
      toneOn = on;
      a.gain.gain.setValueAtTime(on ? options.amplitude : 0, a.ctx.currentTime);
      const now = Date.now();
      if (on) toneOnAt = now;
      return now;
    },
    toneOnAt: () => toneOnAt,
    watch,
    heard(hz) {
      watch([hz]);
      return watched.get(hz)?.heard ?? false;
    },
    onsetAt(hz) {
      watch([hz]);
      return watched.get(hz)?.onsetAt ?? null;
    },
    resetOnsets() {
      const now = Date.now();
      for (const w of watched.values()) {
        w.onsetAt = null;
        w.maxPeakDb = -Infinity;
        // Only a detection that starts after the reset counts: a tone still sounding gets an
        // onset once it has been absent and comes back, never one from before the reset.
        w.onsetAfter = now;
      }
    },
    snapshot(hz) {
      const w = watched.get(hz);
      return w ? snapshot(w) : null;
    },
    state() {
      let live = 0;
      for (const t of taps.values()) if (t.track.readyState === 'live') live += 1;
      return {
        now: Date.now(),
        toneHz: options.toneHz,
        toneOn,
        toneOnAt,
        sampleRate: ctx?.sampleRate ?? null,
        contextState: ctx?.state ?? 'not created',
        tappedTracks,
        liveTappedTracks: live,
        tones: [...watched.values()].map(snapshot),
      };
    },
    holdCaptures(hold) {
      if (hold) {
        held ??= [];
        return;
      }
      const waiting = held ?? [];
      held = null;
      for (const answer of waiting) answer();
    },
    pendingCaptures: () => held?.length ?? 0,
    capturedTracks: () => captured.map((track) => track.readyState),
    lastClickAt: () => lastClickAt,
  };
  window.__porchTest = api;
  // Only the top frame listens from the start; an iframe can still be asked to watch.
  if (options.watchHz.length > 0 && window === window.top) watch(options.watchHz);
}

/** The init script text for `context.addInitScript({ content })`. */
export function toneInitScript(options: {
  toneHz: number;
  toneOn?: boolean;
  amplitude?: number;
  watchHz?: number[];
}): string {
  const full: TonePageOptions = {
    toneHz: options.toneHz,
    toneOn: options.toneOn ?? true,
    amplitude: options.amplitude ?? 0.2,
    watchHz: options.watchHz ?? [],
  };
  return `(() => {
  const __name = (target) => target;
  (${installTonePage.toString()})(${JSON.stringify(full)}, ${JSON.stringify(DETECTOR)});
})();`;
}
