/**
 * The stage mixed into one track, for a relay whose upload cannot carry every speaker's stream
 * (shared/tree-plan.ts `mixes`): what plays here, summed in an audio graph and sent as a track of
 * our own, which the browser encodes as it would a microphone. Mixing costs a decode and an
 * encode, which is why the planner asks for it only where forwarding unchanged does not fit.
 *
 * In Chromium a remote track reaches an audio graph only while an element plays it too; the
 * remote player's elements do (remote-player.ts), and we mix only what they play.
 */
export interface StageMix {
  readonly track: MediaStreamTrack;
  /** What one input (keyed as the player keys it) brings to the mix; null takes it out. */
  set(key: string, stream: MediaStream | null): void;
  stop(): void;
}

export function createStageMix(createAudioContext: () => AudioContext = () => new AudioContext()): StageMix {
  const context = createAudioContext();
  const destination = context.createMediaStreamDestination();
  // Mono, as speakers send: a stereo mix would cost its listeners more upload for nothing.
  destination.channelCount = 1;
  destination.channelCountMode = 'explicit';
  const inputs = new Map<string, { stream: MediaStream; source: MediaStreamAudioSourceNode }>();
  void context.resume();
  const track = destination.stream.getAudioTracks()[0];
  if (!track) throw new Error('an audio destination gave no track');

  const remove = (key: string): void => {
    inputs.get(key)?.source.disconnect();
    inputs.delete(key);
  };

  return {
    track,
    set(key, stream) {
      if (inputs.get(key)?.stream === stream) return;
      remove(key);
      if (!stream || stream.getAudioTracks().length === 0) return;
      const source = context.createMediaStreamSource(stream);
      source.connect(destination);
      inputs.set(key, { stream, source });
    },
    stop() {
      for (const key of [...inputs.keys()]) remove(key);
      track.stop();
      void context.close();
    },
  };
}
