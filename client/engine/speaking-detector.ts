import type { Cancel, Timers } from './timers.ts';

/**
 * Decides who is speaking from sampled levels, ten times a second. A short hold keeps the
 * indicator from flickering between syllables.
 */
export interface SpeakingDetectorOptions {
  sample: () => { self: number; remote: Map<string, number> };
  onChange: (self: boolean, remote: ReadonlySet<string>) => void;
  intervalMs?: number;
  holdMs?: number;
  threshold?: number;
  timers: Timers;
}

export interface SpeakingDetector {
  start(): void;
  stop(): void;
}

export function createSpeakingDetector(options: SpeakingDetectorOptions): SpeakingDetector {
  const intervalMs = options.intervalMs ?? 100;
  const holdMs = options.holdMs ?? 400;
  const threshold = options.threshold ?? 0.02;
  const { timers } = options;
  const lastLoud = new Map<string, number>();
  let cancel: Cancel | null = null;
  /** Who spoke at the last tick; self is the id '', so the key must keep an empty id visible. */
  let previous = '[]';

  function tick(): void {
    const t = timers.now();
    const { self, remote } = options.sample();
    const levels = new Map(remote).set('', self);
    for (const [id, level] of levels) if (level >= threshold) lastLoud.set(id, t);
    const speaking = new Set<string>();
    for (const [id, at] of lastLoud) {
      if (t - at <= holdMs && levels.has(id)) speaking.add(id);
      else lastLoud.delete(id);
    }
    const key = JSON.stringify([...speaking].sort());
    if (key === previous) return;
    previous = key;
    const selfSpeaking = speaking.delete('');
    options.onChange(selfSpeaking, speaking);
  }

  return {
    start() {
      cancel ??= timers.every(intervalMs, tick);
    },
    stop() {
      cancel?.();
      cancel = null;
    },
  };
}
