/**
 * The longest stretch a page went without hearing a tone, polled every 10 ms from its detector
 * (tone-page.ts): how a failover sounds to the person. A poll counts as hearing when the tone's
 * peak passes the detector's level tests at that instant; no sustain is needed, so a gap is
 * measured from the last moment the tone was there to the first moment it is back.
 */
import type { Page } from 'playwright-core';
import { DETECTOR } from './tone-page.ts';

declare global {
  interface Window {
    __porchGaps?: { longestMs: number; currentSince: number | null; stop: () => void };
  }
}

// A string, not a function: tsx would wrap inner functions in a __name() the page lacks.
const START = `((hz, minPeakDb, minAboveMedianDb) => {
  window.__porchGaps?.stop();
  const gaps = { longestMs: 0, currentSince: null, stop: () => clearInterval(timer) };
  const timer = setInterval(() => {
    const tone = window.__porchTest.snapshot(hz);
    const now = Date.now();
    const heard = tone !== null && tone.peakDb > minPeakDb && tone.peakDb - tone.medianDb >= minAboveMedianDb;
    if (!heard) { if (gaps.currentSince === null) gaps.currentSince = now; return; }
    if (gaps.currentSince !== null) gaps.longestMs = Math.max(gaps.longestMs, now - gaps.currentSince);
    gaps.currentSince = null;
  }, 10);
  window.__porchGaps = gaps;
})`;

/** Starts measuring from now (forgetting any earlier measurement). */
export async function watchGaps(page: Page, hz: number): Promise<void> {
  await page.evaluate(`${START}(${hz}, ${DETECTOR.minPeakDb}, ${DETECTOR.minAboveMedianDb})`);
}

/** The longest gap so far, counting one still open; stops measuring. */
export async function longestGap(page: Page): Promise<number> {
  return page.evaluate(() => {
    const gaps = window.__porchGaps;
    if (!gaps) throw new Error('watchGaps was not called on this page');
    gaps.stop();
    const open = gaps.currentSince === null ? 0 : Date.now() - gaps.currentSince;
    return Math.max(gaps.longestMs, open);
  });
}
