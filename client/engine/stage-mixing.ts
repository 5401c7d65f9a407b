import type { StageMix } from './audio/stage-mix.ts';
import type { RemotePlayer } from './audio/remote-player.ts';

/**
 * The remote player, with a relay's mix of the stage beside it: made when relay.ts decides to mix,
 * stopped when it no longer does. What plays here goes into the mix, and nothing that does not
 * (a listener's slot, a speaker the log keeps silent), so the mix follows every choice the player
 * is told of, under the same keys.
 */
export interface StageMixing extends RemotePlayer {
  /** Makes the mix unless it is made already; false where this page cannot (no audio graph here), now or later. */
  start(): boolean;
  /** We no longer mix. */
  stop(): void;
  /** Leaving on purpose: the player falls silent, but the mix keeps what it has while those we feed switch over. */
  handOver(): void;
  /** What to send those we feed while we mix; null otherwise. */
  track(): MediaStreamTrack | null;
}

export function createStageMixing(player: RemotePlayer, create: () => StageMix): StageMixing {
  const streams = new Map<string, MediaStream>();
  /** As the player: audible unless told otherwise. */
  const inaudible = new Set<string>();
  let mix: StageMix | null = null;
  let unable = false;
  let handingOver = false;

  const feed = (key: string): void => mix?.set(key, inaudible.has(key) ? null : (streams.get(key) ?? null));
  const stop = (): void => {
    mix?.stop();
    mix = null;
  };

  return {
    start() {
      if (mix || unable) return !unable;
      try {
        mix = create();
      } catch {
        // Out of audio graphs, or none at all: this page forwards each speaker instead.
        unable = true;
        return false;
      }
      for (const key of streams.keys()) feed(key);
      return true;
    },
    stop,
    handOver() {
      handingOver = true;
    },
    track: () => mix?.track ?? null,
    play(key, stream) {
      player.play(key, stream);
      if (stream) streams.set(key, stream);
      else streams.delete(key);
      feed(key);
    },
    setAudible(key, audible) {
      player.setAudible(key, audible);
      if (handingOver) return;
      if (audible) inaudible.delete(key);
      else inaudible.add(key);
      feed(key);
    },
    destroy() {
      player.destroy();
      stop();
      streams.clear();
      inaudible.clear();
    },
  };
}
