import type { SilentTrack } from './silent-track.ts';
import { frameSwitchHere, type Arrivals, type EncodedStreams, type FrameRoute, type ToWorker } from './frame-switch.ts';
import { transformsRouter } from './transform-pipes.ts';

/**
 * The encoded audio frames of the links we relay on, handed to the frame worker
 * (frame-worker.ts): what arrives on each slot is copied onward there, unchanged, as the relay
 * routes it. No decoding and no re-encoding, so a hop adds next to no delay and the speaker's
 * bytes arrive intact; and none of it waits on the page's main thread, which a plan's new links,
 * sealing and rendering keep busy just when audio must not stop.
 *
 * Chromium's `encodedInsertableStreams` (DESIGN.md, "Testing recipe"): a connection opened with it
 * must pipe every sender and receiver, or nothing flows at all. Its streams can be transferred to
 * a worker. A worker must come from the page's own origin, so a widget on another site's page
 * (client/embed) runs the same switch on its own thread. Firefox has only RTCRtpScriptTransform,
 * which runs in a worker or not at all: a Firefox page without one does not relay.
 */
type WithEncodedStreams = { createEncodedStreams(): EncodedStreams };

/**
 * How this browser relays: by moving a connection's encoded streams to the switch (Chromium), or
 * through script transforms in the frame worker, forwarded frames riding in a carrier's own (Firefox,
 * whose senders take no frame but their own); or not at all.
 */
export type RelayPath = 'streams' | 'transforms' | null;

export function relayPath(): RelayPath {
  if (typeof RTCRtpSender === 'undefined') return null;
  const global = globalThis as { RTCEncodedAudioFrame?: unknown; RTCRtpScriptTransform?: unknown };
  if ('createEncodedStreams' in RTCRtpSender.prototype && typeof global.RTCEncodedAudioFrame === 'function') return 'streams';
  return typeof global.RTCRtpScriptTransform === 'function' ? 'transforms' : null;
}

/** The configuration a connection needs before it can be piped. */
export const ENCODED_CONFIG = { encodedInsertableStreams: true } as const;

/** One link's pipes. */
export interface EncodedPipes {
  /** Pipes every transceiver not piped yet; call whenever transceivers may have been added. */
  adopt(transceivers: readonly RTCRtpTransceiver[]): void;
  /**
   * What the page has just asked slot 0's sender to send (our microphone, a mix we make, or null),
   * told right after asking: where the router puts a track of its own on a sender (a Firefox
   * carrier), it leaves the page's alone and asks for its own only after the page's request.
   */
  sending(track: MediaStreamTrack | null): void;
  close(): void;
}

export interface FrameRouter {
  /** Whether frames can be forwarded here (a router whose worker failed cannot). */
  relays(): boolean;
  /** How: moving encoded streams (unchanged), or through transforms (each frame repacked in a carrier's). */
  readonly path: NonNullable<RelayPath>;
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

export interface FrameRouterDeps {
  /** Which members' links brought frames, on which slots, in the last moment. */
  onArrivals(from: Arrivals['from']): void;
  /** The frame worker, or null where this page cannot load it. */
  spawn(): Worker | null;
  /** A silent track of our own, for carriers: transforms relay only where there is one. */
  carrier?: () => SilentTrack;
  path?: RelayPath;
}

/**
 * A router for the frames of the links we relay on; null where this browser cannot relay here:
 * it has no way to, or only transforms, which need the frame worker this page cannot load.
 * Moving streams, a page without the worker switches frames itself.
 */
export function createFrameRouter(deps: FrameRouterDeps): FrameRouter | null {
  const path = deps.path ?? relayPath();
  if (path === 'streams') return streamsRouter(deps);
  if (path !== 'transforms' || !deps.carrier) return null;
  const worker = spawnOrNull(deps.spawn);
  return worker && transformsRouter(deps.onArrivals, deps.carrier, worker);
}

/** Chromium: each relaying link's encoded streams, moved to the switch. */
function streamsRouter({ onArrivals, spawn }: FrameRouterDeps): FrameRouter {
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
    relays: () => true,
    path: 'streams',
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
            const port = started();
            const moved = (streams: EncodedStreams): Transferable[] => [streams.readable, streams.writable] as unknown as Transferable[];
            port.postMessage({ t: 'pipe', peer, link, slot, side: 'received', streams: received } satisfies ToWorker, moved(received));
            port.postMessage({ t: 'pipe', peer, link, slot, side: 'sent', streams: sent } satisfies ToWorker, moved(sent));
          });
        },
        // Chromium's senders take forwarded frames beside their own: nothing of ours goes on a sender.
        sending() {},
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
