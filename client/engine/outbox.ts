import type { Box } from './sealed-codec.ts';

/**
 * Sends boxes in the order they were sealed. Most are ready at once and go straight out. One still
 * being signed holds back every box sealed after it, as those may need what it carries (our keys,
 * in an introduction). A box whose signing failed is dropped, said on `onDropped`, and the rest go on.
 */
export interface Outbox {
  send(box: Box, write: (box: string) => void): void;
  /** Signs here and now whatever is still being signed, and sends everything: the connection is about to close. */
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
          if (entry.ready === null) entry.dropped = true;
          onDropped(error);
          flush();
        },
      );
    },
    finish() {
      for (const entry of waiting) if (entry.ready === null && !entry.dropped && typeof entry.box !== 'string') entry.ready = entry.box.signHere();
      flush();
    },
  };
}
