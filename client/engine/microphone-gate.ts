import type { AudioInput, Microphone, MicrophoneStatus } from './audio/microphone.ts';

/**
 * Captures the microphone only while we are on stage: a listener is never asked for it and
 * sends nothing. Going up or down may happen while the browser is still asking; the last
 * wish wins and nothing is left capturing.
 */
export interface MicrophoneGate {
  set(onStage: boolean): Promise<void>;
  /** The track every link should send, or null. */
  track(): MediaStreamTrack | null;
}

export interface MicrophoneGateDeps {
  microphone: Microphone;
  muted(): boolean;
  /** Still in the room (a session that ended must not start capturing). */
  active(): boolean;
  onChange(change: { status: MicrophoneStatus; inputs: readonly AudioInput[]; inputId: string | null; track: MediaStreamTrack | null }): void;
}

export function createMicrophoneGate(deps: MicrophoneGateDeps): MicrophoneGate {
  let wanted = false;
  // Each change of wish takes a turn. A call that finds after an await that a newer one has
  // taken over reports nothing: the newer one stopped or restarted the microphone (which
  // releases whatever the older capture brings) and reports for itself. Leaving the room
  // comes through set(false) too.
  let turn = 0;
  const track = (): MediaStreamTrack | null => (wanted ? (deps.microphone.stream?.getAudioTracks()[0] ?? null) : null);
  return {
    track,
    async set(onStage) {
      const want = onStage && deps.active();
      if (want === wanted) return;
      wanted = want;
      const mine = ++turn;
      if (!want) {
        deps.microphone.stop();
        deps.onChange({ status: 'off', inputs: [], inputId: null, track: null });
        return;
      }
      const status = await deps.microphone.start();
      if (mine !== turn) return;
      deps.microphone.setMuted(deps.muted());
      const change = { status, inputs: [], inputId: deps.microphone.deviceId, track: track() };
      // The track goes out first: listing the inputs is another round trip to the browser.
      deps.onChange(change);
      if (status !== 'live') return;
      const inputs = await deps.microphone.inputs();
      if (mine === turn) deps.onChange({ ...change, inputs, inputId: deps.microphone.deviceId });
    },
  };
}
