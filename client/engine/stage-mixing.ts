import type { StageMix } from './audio/stage-mix.ts';
import type { RemotePlayer } from './audio/remote-player.ts';

/**
 * The remote player, with a relay's mix of the stage beside it: made while relay.ts says we mix,
 * stopped when it no longer does. What plays here goes into the mix, and nothing that does not
 * (a listener's slot, a speaker the log keeps silent), so the mix follows every choice the player
 * is told of, under the same keys.
 */
export interface StageMixing extends RemotePlayer {
  /** Whether we mix now (RelayStatus.mixing). */
  follow(mixing: boolean): void;
  /** What to send those we feed while we mix; null otherwise. */
  track(): MediaStreamTrack | null;
}

export function createStageMixing(player: RemotePlayer, create: () => StageMix): StageMixing {
  const streams = new Map<string, MediaStream>();
  /** As the player: audible unless told otherwise. */
  const inaudible = new Set<string>();
  let mix: StageMix | null = null;

  const feed = (key: string): void => mix?.set(key, inaudible.has(key) ? null : (streams.get(key) ?? null));
  const stop = (): void => {
    mix?.stop();
    mix = null;
  };

  return {
    follow(mixing) {
      if (mixing === (mix !== null)) return;
      if (!mixing) return stop();
      mix = create();
      for (const key of streams.keys()) feed(key);
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
