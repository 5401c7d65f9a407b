/** A sealed box, ready now or still being signed (an introduction signed off the main thread). */
export type Box = string | Promise<string>;

/**
 * Sends boxes in the order they were sealed. Most are ready at once and go straight out. One still
 * being signed holds back every box sealed after it, as those may need what it carries (our keys,
 * in an introduction). A box whose sealing failed is dropped, said on `onDropped`, and the rest go on.
 */
export interface Outbox {
  send(box: Box, write: (box: string) => void): void;
}

interface Waiting {
  box: string | null;
  dropped: boolean;
  write: (box: string) => void;
}

export function createOutbox(onDropped: (error: unknown) => void): Outbox {
  const waiting: Waiting[] = [];

  function flush(): void {
    while (waiting[0] && (waiting[0].box !== null || waiting[0].dropped)) {
      const next = waiting.shift()!;
      if (next.box !== null) next.write(next.box);
    }
  }

  return {
    send(box, write) {
      if (typeof box === 'string' && waiting.length === 0) return write(box);
      const entry: Waiting = { box: typeof box === 'string' ? box : null, dropped: false, write };
      waiting.push(entry);
      if (typeof box === 'string') return;
      box.then(
        (sealed) => {
          entry.box = sealed;
          flush();
        },
        (error: unknown) => {
          entry.dropped = true;
          onDropped(error);
          flush();
        },
      );
    },
  };
}
