import { frameSwitchHere, type Arrivals, type EncodedStreams, type FrameRoute, type ToWorker } from './frame-switch.ts';

/**
 * The encoded audio frames of the links we relay on, handed to the frame worker
 * (frame-worker.ts): what arrives on each slot is copied onward there, unchanged, as the relay
 * routes it. No decoding and no re-encoding, so a hop adds next to no delay and the speaker's
 * bytes arrive intact; and none of it waits on the page's main thread, which a plan's new links,
 * sealing and rendering keep busy just when audio must not stop.
 *
 * Chromium's `encodedInsertableStreams` (DESIGN.md, "Testing recipe"): a connection opened with it
 * must pipe every sender and receiver, or nothing flows at all. Its streams can be transferred to
 * a worker; the standard RTCRtpScriptTransform cannot relay between connections in every browser.
 * A worker must come from the page's own origin, so a widget on another site's page (client/embed)
 * runs the same switch on its own thread.
 */
type WithEncodedStreams = { createEncodedStreams(): EncodedStreams };

/** Whether this browser can relay: it can take a connection's frames out and put others in. */
export const canRelayFrames = (): boolean =>
  typeof RTCRtpSender !== 'undefined' &&
  'createEncodedStreams' in RTCRtpSender.prototype &&
  typeof (globalThis as { RTCEncodedAudioFrame?: unknown }).RTCEncodedAudioFrame === 'function';

/** The configuration a connection needs before it can be piped. */
export const ENCODED_CONFIG = { encodedInsertableStreams: true } as const;

/** One link's pipes. */
export interface EncodedPipes {
  /** Pipes every transceiver not piped yet; call whenever transceivers may have been added. */
  adopt(transceivers: readonly RTCRtpTransceiver[]): void;
  close(): void;
}

export interface FrameRouter {
  /** The pipes of a link with a member, opened with ENCODED_CONFIG. */
  link(peer: string): EncodedPipes;
  /** Where frames go from now on (relay.ts decides). */
  route(routes: readonly FrameRoute[], targets: readonly string[]): void;
  close(): void;
}

/** Where the frame switch runs: the frame worker, or the page itself. */
type SwitchPort = Pick<Worker, 'postMessage' | 'terminate'>;

/** The switch on the page's own thread, where no worker can be had (a widget on another site's page). */
function inPage(onArrivals: (from: Arrivals['from']) => void): SwitchPort {
  const handle = frameSwitchHere((message) => onArrivals(message.from));
  return { postMessage: (message: ToWorker) => handle(message), terminate() {} };
}

/**
 * `onArrivals`: which members' links brought frames, on which slots, in the last moment.
 * `spawn`: the frame worker, or null where this page cannot load it; the page then switches frames itself.
 */
export function createFrameRouter(onArrivals: (from: Arrivals['from']) => void, spawn: () => Worker | null): FrameRouter {
  let worker: SwitchPort | null = null;
  let lastRoutes: Extract<ToWorker, { t: 'routes' }> = { t: 'routes', routes: [], targets: [] };
  let links = 0;
  let closed = false;

  /** Started with the first link that needs it, and told the routes so far. */
  function started(): SwitchPort {
    if (worker) return worker;
    const arrived = (from: Arrivals['from']): void => {
      if (!closed) onArrivals(from);
    };
    const spawned = spawnOrNull(spawn);
    if (spawned) spawned.onmessage = (event: MessageEvent<Arrivals>) => arrived(event.data.from);
    worker = spawned ?? inPage(arrived);
    worker.postMessage(lastRoutes);
    return worker;
  }

  return {
    link(peer) {
      const link = (links += 1);
      const piped = new WeakSet<RTCRtpTransceiver>();
      let open = true;
      return {
        adopt(transceivers) {
          transceivers.forEach((transceiver, slot) => {
            if (closed || !open || piped.has(transceiver) || transceiver.receiver.track.kind !== 'audio') return;
            piped.add(transceiver);
            const sent = (transceiver.sender as unknown as WithEncodedStreams).createEncodedStreams();
            const received = (transceiver.receiver as unknown as WithEncodedStreams).createEncodedStreams();
            const message: ToWorker = { t: 'pipe', peer, link, slot, received, sent };
            started().postMessage(message, [received.readable, received.writable, sent.readable, sent.writable] as unknown as Transferable[]);
          });
        },
        close() {
          if (!open) return;
          open = false;
          if (!closed) worker?.postMessage({ t: 'unpipe', link } satisfies ToWorker);
        },
      };
    },
    route(routes, targets) {
      lastRoutes = { t: 'routes', routes, targets };
      worker?.postMessage(lastRoutes);
    },
    close() {
      closed = true;
      worker?.terminate();
      worker = null;
    },
  };
}

/** A worker the page's content policy refuses throws as it is made: the page switches frames itself then. */
function spawnOrNull(spawn: () => Worker | null): Worker | null {
  try {
    return spawn();
  } catch {
    return null;
  }
}
