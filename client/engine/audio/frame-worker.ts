/**
 * The frame worker: relays encoded audio off the page's main thread (frame-switch.ts), built on
 * its own as /frame-worker.js (build.mjs).
 */
import { frameSwitchHere, type Arrivals, type ToWorker } from './frame-switch.ts';

const scope = globalThis as unknown as { postMessage(message: Arrivals): void };
const handle = frameSwitchHere((message) => scope.postMessage(message));
addEventListener('message', (event) => handle((event as MessageEvent<ToWorker>).data));
