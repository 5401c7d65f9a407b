import type { Introduction } from '../../shared/peer-message.ts';

/** More than a real room ever has in flight; a server inventing peers cannot grow it further. */
const MAX_EARLY = 16;

/**
 * The latest introduction from peers the server has not listed (yet): relayed paths can deliver
 * a member's introduction before the server's `joined`, and a replay of it would then be refused.
 * Bounded, oldest out first.
 */
export class EarlyPresence {
  private readonly byPeer = new Map<string, Introduction>();

  keep(peerId: string, message: Introduction): void {
    this.byPeer.delete(peerId);
    this.byPeer.set(peerId, message);
    for (const oldest of this.byPeer.keys()) {
      if (this.byPeer.size <= MAX_EARLY) break;
      this.byPeer.delete(oldest);
    }
  }

  /** The introduction kept for this peer, forgotten as it is handed over. */
  take(peerId: string): Introduction | null {
    const message = this.byPeer.get(peerId) ?? null;
    this.byPeer.delete(peerId);
    return message;
  }

  forget(peerId: string): void {
    this.byPeer.delete(peerId);
  }

  clear(): void {
    this.byPeer.clear();
  }
}
