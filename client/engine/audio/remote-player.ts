/** Plays each remote member's stream through its own audio element. */
export interface RemotePlayer {
  play(peerId: string, stream: MediaStream | null): void;
  destroy(): void;
}

export function createRemotePlayer(createElement: () => HTMLAudioElement = () => new Audio()): RemotePlayer {
  const elements = new Map<string, HTMLAudioElement>();
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
      // The Join click is the user gesture that allows playback; a rejection here means the
      // browser still blocked it, and the next user interaction retries via resume().
      el.play().catch(() => {});
    },
    destroy() {
      for (const el of elements.values()) el.srcObject = null;
      elements.clear();
    },
  };
}
