import type { FrameRouter } from './encoded-pipes.ts';
import type { Arrivals, SlotSide, ToWorker } from './frame-switch.ts';
import type { SilentTrack } from './silent-track.ts';

type ScriptTransform = new (worker: Worker, options: SlotSide) => unknown;
type WithTransform = { transform: unknown };

interface Adopted {
  peer: string;
  transceivers: RTCRtpTransceiver[];
  /** What the page sends on slot 0 (our microphone, or a mix we make): never displaced. */
  pageTrack: MediaStreamTrack | null;
}

/**
 * Firefox's way to relay (encoded-pipes.ts): a script transform on each slot side of a relaying
 * link, in the frame worker, where frame-switch.ts routes frames. Firefox's senders take no frame
 * but their own, so a sender that forwards carries a silent track of ours, and its frames carry the
 * forwarded payloads; it does so exactly while its slot forwards to a member we feed, so no
 * sender of ours sends anything otherwise, and what the page sends on slot 0 (our microphone, or a
 * mix we make), as the link tells us, stays: a carrier goes on that slot only while it sends nothing. A
 * worker that fails to load takes every transform off again: links then carry what they would
 * without us relaying, and `relays()` says no more.
 */
export function transformsRouter(onArrivals: (from: Arrivals['from']) => void, carrier: () => SilentTrack, worker: Worker): FrameRouter {
  const Transform = (globalThis as unknown as { RTCRtpScriptTransform: ScriptTransform }).RTCRtpScriptTransform;
  const adopted = new Map<number, Adopted>();
  /** Senders we gave our silence, by what we asked last: a replacement may still be under way. */
  const carrying = new WeakSet<RTCRtpSender>();
  let silence: SilentTrack | null = null;
  let forwarding = { slots: new Set<number>(), targets: [] as readonly string[] };
  let links = 0;
  let usable = true;
  worker.onmessage = (event: MessageEvent<Arrivals>) => void (usable && onArrivals(event.data.from));
  worker.onerror = () => stop();

  function giveCarrier(sender: RTCRtpSender, wanted: boolean, pageTrack: MediaStreamTrack | null): void {
    // What the page sends is never displaced, nor taken off: its replacement is already asked for.
    if (pageTrack !== null) {
      carrying.delete(sender);
      return;
    }
    if (wanted === carrying.has(sender)) return;
    if (wanted) carrying.add(sender);
    else carrying.delete(sender);
    if (wanted) silence ??= carrier();
    // A link closing meanwhile refuses it, and is gone anyway.
    sender.replaceTrack(wanted ? silence!.track : null).catch(() => {});
  }

  function carriersAsRouted({ peer, transceivers, pageTrack }: Adopted): void {
    transceivers.forEach((transceiver, slot) => giveCarrier(transceiver.sender, forwarding.targets.includes(peer) && forwarding.slots.has(slot), slot === 0 ? pageTrack : null));
  }

  function stop(): void {
    if (!usable) return;
    usable = false;
    for (const { transceivers, pageTrack } of adopted.values()) {
      transceivers.forEach(({ sender, receiver }, slot) => {
        giveCarrier(sender, false, slot === 0 ? pageTrack : null);
        (sender as unknown as WithTransform).transform = null;
        (receiver as unknown as WithTransform).transform = null;
      });
    }
    adopted.clear();
    worker.terminate();
    silence?.stop();
    silence = null;
  }

  return {
    relays: () => usable,
    path: 'transforms',
    link(peer) {
      const link = (links += 1);
      const entry: Adopted = { peer, transceivers: [], pageTrack: null };
      if (usable) adopted.set(link, entry);
      return {
        adopt(transceivers) {
          if (!adopted.has(link)) return;
          transceivers.forEach((transceiver, slot) => {
            if (entry.transceivers.includes(transceiver) || transceiver.receiver.track.kind !== 'audio') return;
            entry.transceivers[slot] = transceiver;
            (transceiver.receiver as unknown as WithTransform).transform = new Transform(worker, { peer, link, slot, side: 'received' });
            (transceiver.sender as unknown as WithTransform).transform = new Transform(worker, { peer, link, slot, side: 'sent', carried: true });
          });
          // A link made after the routes that name it carries from its first frame.
          carriersAsRouted(entry);
        },
        sending(track) {
          entry.pageTrack = track;
          if (adopted.has(link)) carriersAsRouted(entry);
        },
        close() {
          if (adopted.delete(link)) worker.postMessage({ t: 'unpipe', link } satisfies ToWorker);
        },
      };
    },
    route(routes, targets) {
      if (!usable) return;
      worker.postMessage({ t: 'routes', routes, targets } satisfies ToWorker);
      forwarding = { slots: new Set(routes.map((route) => route.out)), targets };
      for (const entry of adopted.values()) carriersAsRouted(entry);
    },
    close: stop,
  };
}
