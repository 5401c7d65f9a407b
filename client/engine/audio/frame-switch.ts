import { assertNever } from '../../../shared/result.ts';

/**
 * Where each encoded audio frame goes, run inside the frame worker (frame-worker.ts) so that a
 * busy page never holds the audio up: every frame that arrives goes on to the link's own decoder
 * and, as the latest routes say, unchanged onto a slot of each member we forward to. The page
 * learns only which links and slots brought frames (for failover), a batch at a time.
 */

/** One side of one slot of a link: what arrives (and its way on to the decoder), or what we send. */
export interface SlotSide {
  peer: string;
  link: number;
  slot: number;
  side: 'received' | 'sent';
  /**
   * What we send rides in the frames of a carrier, the sender's own track (Firefox, DESIGN.md): it
   * takes no frame written into it but its own, so forwarded frames go out as their payload.
   */
  carried?: boolean;
}

/** What the page tells the worker. */
export type ToWorker =
  | (SlotSide & { t: 'pipe'; streams: EncodedStreams })
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
/**
 * Forwarded payloads a carrier holds for its next frames, and its own frames held for the next
 * payloads: each pairs with the other's oldest, so neither cadence's jitter costs a frame; more
 * would only delay them (a frame is 20 ms).
 */
const CARRIER_WAITING_MAX = 2;
/** A carrier's own frames go out as they are once this many passed with nothing to carry (100 ms): it has stopped forwarding. */
const CARRIER_IDLE_FRAMES = 5;

export interface FrameSwitchDeps {
  /** A copy of a frame, to write it to several links. */
  copy(frame: RTCEncodedAudioFrame): RTCEncodedAudioFrame;
  post(message: Arrivals): void;
  later(ms: number, run: () => void): void;
}

type Writer = WritableStreamDefaultWriter<RTCEncodedAudioFrame>;

/** Where we send on one slot; a carrier keeps what it is to carry, its own frames waiting for it, and how many of those had nothing to. */
interface Sender {
  writer: Writer;
  carried: ArrayBuffer[] | null;
  waiting: RTCEncodedAudioFrame[];
  idle: number;
}

/** Adds to a queue of a carrier's, the oldest going past its bound. */
function enqueue<T>(queue: T[], item: T): void {
  queue.push(item);
  if (queue.length > CARRIER_WAITING_MAX) queue.shift();
}

export function createFrameSwitch({ copy, post, later }: FrameSwitchDeps): (message: ToWorker) => void {
  /** Each link's senders by slot, and whose link it is. */
  const links = new Map<number, { peer: string; senders: Sender[] }>();
  /** Each member's newest link: an older one still closing neither routes nor is routed to. */
  const current = new Map<string, number>();
  /** Links unpiped: a side of one that comes late (a transform made as it closed) is not taken up again. */
  const closed = new Set<number>();
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
      if (!sender) continue;
      if (!sender.carried) {
        write(sender.writer, copy(frame));
        continue;
      }
      // Ours to keep: the frame goes on to our own decoder, which may take its bytes.
      const payload = frame.data.slice(0);
      const own = sender.waiting.shift();
      if (own) carry(sender, own, payload);
      else enqueue(sender.carried, payload);
    }
  }

  function carry(sender: Sender, own: RTCEncodedAudioFrame, payload: ArrayBuffer): void {
    own.data = payload;
    sender.idle = 0;
    write(sender.writer, own);
  }

  /** One of our own frames: a carrier's carries the oldest payload waiting, or waits for the next; a frame of ours (our microphone, our mix) goes as it is. */
  function sendOwn(sender: Sender, frame: RTCEncodedAudioFrame): void {
    const payload = sender.carried?.shift();
    if (payload) return carry(sender, frame, payload);
    sender.idle += 1;
    // A carrier that has long had nothing to carry has stopped forwarding: its own frames go as they are.
    if (!sender.carried || sender.idle > CARRIER_IDLE_FRAMES) {
      sender.waiting = [];
      return write(sender.writer, frame);
    }
    enqueue(sender.waiting, frame);
  }

  function linkOf(peer: string, link: number): { peer: string; senders: Sender[] } {
    const entry = links.get(link) ?? { peer, senders: [] };
    links.set(link, entry);
    if ((current.get(peer) ?? -1) < link) current.set(peer, link);
    return entry;
  }

  function pipeSent({ peer, link, slot, streams, carried }: Extract<ToWorker, { t: 'pipe' }>): void {
    const sender: Sender = { writer: streams.writable.getWriter(), carried: carried ? [] : null, waiting: [], idle: CARRIER_IDLE_FRAMES + 1 };
    linkOf(peer, link).senders[slot] = sender;
    void streams.readable.pipeTo(new WritableStream({ write: (frame) => sendOwn(sender, frame) })).catch(() => {});
  }

  function pipeReceived({ peer, link, slot, streams }: Extract<ToWorker, { t: 'pipe' }>): void {
    linkOf(peer, link);
    const decoder = streams.writable.getWriter();
    const sink = new WritableStream<RTCEncodedAudioFrame>({
      write(frame) {
        if (current.get(peer) === link) {
          note(peer, slot);
          forward(peer, slot, frame);
        }
        write(decoder, frame);
      },
    });
    void streams.readable.pipeTo(sink).catch(() => {});
  }

  return (message) => {
    switch (message.t) {
      case 'pipe':
        if (closed.has(message.link)) return;
        return message.side === 'sent' ? pipeSent(message) : pipeReceived(message);
      case 'unpipe': {
        closed.add(message.link);
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
