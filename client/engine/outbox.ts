import type { PeerMessage } from '../../shared/peer-message.ts';
import type { EnvelopeCodec } from './sealed-codec.ts';
import type { SignalingClient } from './signaling-client.ts';

/** A sealed box, ready now, or an introduction still being signed off the main thread, which can be sealed on the page at once instead. */
export type Box = string | { signed: Promise<string>; sealNow(): string };

/**
 * Sends boxes in the order they were sealed. Most are ready at once and go straight out. One still
 * being signed holds back every box sealed after it, as those may need what it carries (our keys,
 * in an introduction). A box whose signing failed is dropped, said on `onDropped`, and the rest go on.
 */
export interface Outbox {
  send(box: Box, write: (box: string) => void): void;
  /** Seals on the page now whatever is still being signed, and sends everything: the connection is about to close. */
  finish(): void;
}

interface Waiting {
  box: Box;
  ready: string | null;
  dropped: boolean;
  write: (box: string) => void;
}

export function createOutbox(onDropped: (error: unknown) => void): Outbox {
  const waiting: Waiting[] = [];

  function flush(): void {
    while (waiting[0] && (waiting[0].ready !== null || waiting[0].dropped)) {
      const next = waiting.shift()!;
      if (next.ready !== null) next.write(next.ready);
    }
  }

  return {
    send(box, write) {
      if (typeof box === 'string' && waiting.length === 0) return write(box);
      const entry: Waiting = { box, ready: typeof box === 'string' ? box : null, dropped: false, write };
      waiting.push(entry);
      if (typeof box === 'string') return;
      box.signed.then(
        (sealed) => {
          entry.ready ??= sealed;
          flush();
        },
        (error: unknown) => {
          // Sealed on the page already, before the connection closed: nothing was lost.
          if (entry.ready !== null) return;
          entry.dropped = true;
          onDropped(error);
          flush();
        },
      );
    },
    finish() {
      for (const entry of waiting) if (entry.ready === null && !entry.dropped && typeof entry.box !== 'string') entry.ready = entry.box.sealNow();
      flush();
    },
  };
}

/** Sends peer messages sealed, in the order they were sealed. */
export interface SealedSender {
  send(to: string, message: PeerMessage): void;
  /** Closes the connection, after everything still being signed (our seat given up, the room ended). */
  close(last?: Parameters<SignalingClient['close']>[0]): void;
}

/** A box names the peer id we were given when it was sealed: one the server has since replaced it with would not accept it. */
export function sealedSender(codec: () => EnvelopeCodec, connection: () => SignalingClient | null, selfId: () => string | null): SealedSender {
  const outbox = createOutbox((error) => console.warn('porch: a message could not be sealed', error));
  return {
    send(to, message) {
      const by = selfId();
      outbox.send(codec().sealInBackground(to, message), (box) => {
        if (selfId() === by) connection()?.send({ type: 'send', to, box });
      });
    },
    close(last) {
      outbox.finish();
      connection()?.close(last);
    },
  };
}
