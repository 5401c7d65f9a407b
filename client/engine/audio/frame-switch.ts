import { assertNever } from '../../../shared/result.ts';

/**
 * Where each encoded audio frame goes, run inside the frame worker (frame-worker.ts) so that a
 * busy page never holds the audio up: every frame that arrives goes on to the link's own decoder
 * and, as the latest routes say, unchanged onto a slot of each member we forward to. The page
 * learns only which links and slots brought frames (for failover), a batch at a time.
 */

/** What the page tells the worker. */
export type ToWorker =
  /** One slot of a link: what arrives (and its way on to the decoder), and what we send. */
  | { t: 'pipe'; peer: string; link: number; slot: number; received: EncodedStreams; sent: EncodedStreams }
  /** A link closed: its pipes are forgotten. */
  | { t: 'unpipe'; link: number }
  /** From whom, on which slot, a frame goes out on which of our slots; and to whom it goes. */
  | { t: 'routes'; routes: readonly FrameRoute[]; targets: readonly string[] };

/** What the worker tells the page: frames came from these members on these slots since the last batch. */
export interface Arrivals {
  t: 'arrivals';
  from: readonly (readonly [peer: string, slot: number])[];
}

export interface EncodedStreams {
  readable: ReadableStream<RTCEncodedAudioFrame>;
  writable: WritableStream<RTCEncodedAudioFrame>;
}

export interface FrameRoute {
  peer: string;
  slot: number;
  out: number;
}

/** How long arrivals gather before the page hears of them: well under failover's tick (feed-choice.ts). */
export const ARRIVALS_MS = 20;

export interface FrameSwitchDeps {
  /** A copy of a frame, to write it to several links. */
  copy(frame: RTCEncodedAudioFrame): RTCEncodedAudioFrame;
  post(message: Arrivals): void;
  later(ms: number, run: () => void): void;
}

type Writer = WritableStreamDefaultWriter<RTCEncodedAudioFrame>;

export function createFrameSwitch({ copy, post, later }: FrameSwitchDeps): (message: ToWorker) => void {
  /** Each link's senders by slot, and whose link it is. */
  const links = new Map<number, { peer: string; senders: Writer[] }>();
  /** Each member's newest link: an older one still closing neither routes nor is routed to. */
  const current = new Map<string, number>();
  let routes = new Map<string, Map<number, number>>();
  let targets: readonly string[] = [];
  const arrived = new Map<string, [string, number]>();
  let flushing = false;

  // A write fails only once its link is closing; the frame is then not wanted anywhere.
  const write = (writer: Writer, frame: RTCEncodedAudioFrame): void => void writer.write(frame).catch(() => {});

  function flush(): void {
    flushing = false;
    post({ t: 'arrivals', from: [...arrived.values()] });
    arrived.clear();
  }

  function note(peer: string, slot: number): void {
    arrived.set(`${peer} ${slot}`, [peer, slot]);
    if (flushing) return;
    flushing = true;
    later(ARRIVALS_MS, flush);
  }

  function forward(peer: string, slot: number, frame: RTCEncodedAudioFrame): void {
    const out = routes.get(peer)?.get(slot);
    if (out === undefined) return;
    for (const target of targets) {
      const sender = links.get(current.get(target) ?? -1)?.senders[out];
      if (sender) write(sender, copy(frame));
    }
  }

  function pipe({ peer, link, slot, received, sent }: Extract<ToWorker, { t: 'pipe' }>): void {
    const entry = links.get(link) ?? { peer, senders: [] };
    links.set(link, entry);
    if ((current.get(peer) ?? -1) < link) current.set(peer, link);
    const sender = sent.writable.getWriter();
    entry.senders[slot] = sender;
    // Our own microphone's frames, where this slot carries it.
    void sent.readable.pipeTo(new WritableStream({ write: (frame) => write(sender, frame) })).catch(() => {});
    const decoder = received.writable.getWriter();
    const sink = new WritableStream<RTCEncodedAudioFrame>({
      write(frame) {
        if (current.get(peer) === link) {
          note(peer, slot);
          forward(peer, slot, frame);
        }
        write(decoder, frame);
      },
    });
    void received.readable.pipeTo(sink).catch(() => {});
  }

  return (message) => {
    switch (message.t) {
      case 'pipe':
        return pipe(message);
      case 'unpipe': {
        const entry = links.get(message.link);
        links.delete(message.link);
        if (entry && current.get(entry.peer) === message.link) current.delete(entry.peer);
        return;
      }
      case 'routes':
        routes = new Map();
        for (const { peer, slot, out } of message.routes) routes.set(peer, (routes.get(peer) ?? new Map()).set(slot, out));
        targets = message.targets;
        return;
      default:
        return assertNever(message);
    }
  };
}

type FrameCopy = new (frame: RTCEncodedAudioFrame) => RTCEncodedAudioFrame;

/** The switch wired to where it runs (the frame worker, or a page that has none): the browser's frame copy and timers. */
export function frameSwitchHere(post: FrameSwitchDeps['post']): (message: ToWorker) => void {
  const Copy = (globalThis as unknown as { RTCEncodedAudioFrame: FrameCopy }).RTCEncodedAudioFrame;
  return createFrameSwitch({ copy: (frame) => new Copy(frame), post, later: (ms, run) => void setTimeout(run, ms) });
}
