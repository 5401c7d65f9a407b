/**
 * The frame worker: relays encoded audio off the page's main thread (frame-switch.ts), built on
 * its own as /frame-worker.js (build.mjs). Chromium's pages move their links' streams here in
 * messages; Firefox's script transforms hand them over as `rtctransform` events, each with the
 * slot side it was made for (encoded-pipes.ts).
 */
import { frameSwitchHere, type Arrivals, type EncodedStreams, type SlotSide, type ToWorker } from './frame-switch.ts';

interface TransformEvent extends Event {
  transformer: EncodedStreams & { options: SlotSide };
}

const scope = globalThis as unknown as { postMessage(message: Arrivals): void };
const handle = frameSwitchHere((message) => scope.postMessage(message));
addEventListener('message', (event) => handle((event as MessageEvent<ToWorker>).data));
addEventListener('rtctransform', (event) => {
  const { readable, writable, options } = (event as TransformEvent).transformer;
  handle({ t: 'pipe', ...options, streams: { readable, writable } });
});
