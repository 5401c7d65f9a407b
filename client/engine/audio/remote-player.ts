/**
 * Plays each remote member's stream through its own audio element.
 *
 * A member can be made inaudible (say, a listener who is not on stage): their tracks are
 * disabled, which renders silence wherever the audio goes, and their element is muted, not
 * detached, so making them audible again is instant and needs no new play() — which the
 * browser might refuse without a fresh user gesture. The choice is kept per member and applies
 * to a stream that arrives later too.
 */
export interface RemotePlayer {
  play(peerId: string, stream: MediaStream | null): void;
  /** Whether this member is heard (default true); remembered until destroy. */
  setAudible(peerId: string, audible: boolean): void;
  destroy(): void;
}

export function createRemotePlayer(createElement: () => HTMLAudioElement = () => new Audio()): RemotePlayer {
  const elements = new Map<string, HTMLAudioElement>();
  const inaudible = new Set<string>();
  const apply = (peerId: string, el: HTMLAudioElement): void => {
    const audible = !inaudible.has(peerId);
    el.muted = !audible;
    const stream = el.srcObject as MediaStream | null;
    for (const track of stream?.getAudioTracks() ?? []) track.enabled = audible;
  };
  return {
    play(peerId, stream) {
      let el = elements.get(peerId);
      if (!stream) {
        if (el) el.srcObject = null;
        elements.delete(peerId);
        return;
      }
      if (!el) {
        el = createElement();
        el.autoplay = true;
        elements.set(peerId, el);
      }
      if (el.srcObject !== stream) el.srcObject = stream;
      apply(peerId, el);
      // The Join click is the user gesture that allows playback; a rejection here means the
      // browser still blocked it, and the next user interaction retries via resume().
      el.play().catch(() => {});
    },
    setAudible(peerId, audible) {
      if (audible) inaudible.delete(peerId);
      else inaudible.add(peerId);
      const el = elements.get(peerId);
      if (!el) return;
      apply(peerId, el);
      // Muted, it may have started before any user gesture; if the browser refused even that, Join is one.
      if (audible && el.paused) el.play().catch(() => {});
    },
    destroy() {
      for (const el of elements.values()) el.srcObject = null;
      elements.clear();
      inaudible.clear();
    },
  };
}
