/**
 * The frame worker: relays encoded audio off the page's main thread (frame-switch.ts), built on
 * its own as /frame-worker.js (build.mjs).
 */
import { createFrameSwitch, type Arrivals, type ToWorker } from './frame-switch.ts';

type FrameCopy = new (frame: RTCEncodedAudioFrame) => RTCEncodedAudioFrame;
const scope = globalThis as unknown as { RTCEncodedAudioFrame: FrameCopy; postMessage(message: Arrivals): void };

const handle = createFrameSwitch({
  copy: (frame) => new scope.RTCEncodedAudioFrame(frame),
  post: (message) => scope.postMessage(message),
  later: (ms, run) => void setTimeout(run, ms),
});
addEventListener('message', (event) => handle((event as MessageEvent<ToWorker>).data));
