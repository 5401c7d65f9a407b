/**
 * A track of silence made on the page: in Firefox, forwarded frames go out only as the payload of
 * frames a track of our own produced (encoded-pipes.ts, DESIGN.md). `stop` ends it and its audio graph.
 */
export interface SilentTrack {
  track: MediaStreamTrack;
  stop(): void;
}

export function createSilentTrack(createAudioContext: () => AudioContext = () => new AudioContext()): SilentTrack {
  const context = createAudioContext();
  const destination = context.createMediaStreamDestination();
  // A source that never stops keeps the graph, and so the track, producing frames.
  const source = context.createConstantSource();
  source.offset.value = 0;
  source.connect(destination);
  source.start();
  void context.resume();
  const track = destination.stream.getAudioTracks()[0];
  if (!track) throw new Error('an audio destination gave no track');
  return {
    track,
    stop() {
      track.stop();
      void context.close();
    },
  };
}
