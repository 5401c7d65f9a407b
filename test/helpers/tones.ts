/**
 * Node-side waits and assertions over the in-page tone detector (tone-page.ts).
 *
 * Every failure names the page (its person's label) and the tone, and says what the detector
 * saw — peak and median dB, the loudest peak so far, how many remote tracks were tapped — so
 * "did not hear" can be told apart from "heard it too quietly" and "never got a track".
 */
import type { Frame, Page } from 'playwright-core';
import { DETECTOR, type ToneSnapshot, type TonePageState } from './tone-page.ts';

/** Distinct test tones: 220 Hz (~19 FFT bins) apart, and no one is in another's ±1.5 bins. */
export const TEST_TONES_HZ = [440, 660, 880, 1100, 1320] as const;

/**
 * A page, a frame in one (the detector runs in every frame: an embedded room hears in its
 * iframe), or either carried with a label (a Person from browser.ts).
 */
export type Listener = Page | Frame | { page: Page | Frame; label: string };

const POLL_MS = 25;
const labels = new WeakMap<Page, string>();

/** Names a page in failure messages (openPerson does this for you). */
export function labelPage(page: Page, label: string): void {
  labels.set(page, label);
}

function pageOf(target: Listener): Page | Frame {
  return 'page' in target && typeof target.page === 'object' ? target.page : (target as Page | Frame);
}

/** Where the detector is evaluated: the frame itself, or a page's main frame. */
function frameOf(target: Listener): Frame {
  const page = pageOf(target);
  return 'mainFrame' in page ? page.mainFrame() : page;
}

function labelOf(target: Listener): string {
  if ('label' in target && typeof target.label === 'string') return target.label;
  const page = pageOf(target);
  return ('mainFrame' in page ? labels.get(page) : undefined) ?? page.url();
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function inPage<T>(target: Listener, what: string, run: (page: Frame) => Promise<T>): Promise<T> {
  try {
    return await run(frameOf(target));
  } catch (error) {
    throw new Error(`[${labelOf(target)}] ${what}: ${(error as Error).message}`, { cause: error });
  }
}

/** Starts detecting these frequencies (idempotent; the waits below call it themselves). */
export async function watchTones(target: Listener, hz: readonly number[]): Promise<void> {
  await inPage(target, 'watch tones', (page) =>
    page.evaluate((list) => window.__porchTest!.watch(list), [...hz]),
  );
}

/** Switches this page's own tone on or off; resolves to the page's Date.now() at the switch. */
export async function setTone(target: Listener, on: boolean): Promise<number> {
  return inPage(target, `set tone ${on ? 'on' : 'off'}`, (page) =>
    page.evaluate((value) => window.__porchTest!.setTone(value), on),
  );
}

export async function toneState(target: Listener): Promise<TonePageState> {
  return inPage(target, 'read tone state', (page) => page.evaluate(() => window.__porchTest!.state()));
}

/** Date.now() at which the first sustained detection of hz began since the last reset, or null. */
export async function onsetAt(target: Listener, hz: number): Promise<number | null> {
  return inPage(target, `read onset of ${hz} Hz`, (page) =>
    page.evaluate((f) => window.__porchTest!.onsetAt(f), hz),
  );
}

/** Forgets onsets: only detections that begin after this count for onsetAt. */
export async function resetOnsets(target: Listener): Promise<void> {
  await inPage(target, 'reset onsets', (page) => page.evaluate(() => window.__porchTest!.resetOnsets()));
}

const db = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(1)} dB` : `${value} dB`);

function describeTone(tone: ToneSnapshot | undefined, hz: number): string {
  if (!tone) return `${hz} Hz is not watched`;
  return (
    `${hz} Hz ${tone.heard ? 'heard' : 'not heard'}: peak ${db(tone.peakDb)}, median ${db(tone.medianDb)} ` +
    `(needs > ${DETECTOR.minPeakDb} dB and ≥ ${DETECTOR.minAboveMedianDb} dB above median for ${DETECTOR.sustainMs} ms), ` +
    `loudest so far ${db(tone.maxPeakDb)}`
  );
}

/** One line of what the page's detector sees, for error messages and test logs. */
export function describeState(state: TonePageState, focusHz: number): string {
  const focus = state.tones.find((t) => t.hz === focusHz);
  const others = state.tones
    .filter((t) => t.hz !== focusHz)
    .map((t) => `${t.hz} ${t.heard ? 'heard' : 'absent'} (${db(t.peakDb)})`)
    .join(', ');
  return (
    `${describeTone(focus, focusHz)}; ${state.tappedTracks} remote audio track(s) tapped, ` +
    `${state.liveTappedTracks} live; AudioContext ${state.contextState} at ${state.sampleRate ?? '?'} Hz; ` +
    `own tone ${state.toneHz} Hz ${state.toneOn ? 'on' : 'off'}` +
    (others ? `; others: ${others}` : '')
  );
}

async function failure(target: Listener, message: string, hz: number): Promise<Error> {
  let seen: string;
  try {
    seen = describeState(await toneState(target), hz);
  } catch (error) {
    seen = `(detector state unavailable: ${(error as Error).message})`;
  }
  return new Error(`[${labelOf(target)}] ${message} — ${seen}`);
}

/** Waits until the page hears hz (sustained detection); resolves to the detector's snapshot. */
export async function waitUntilHears(
  target: Listener,
  hz: number,
  { timeoutMs = 15_000 }: { timeoutMs?: number } = {},
): Promise<ToneSnapshot> {
  await watchTones(target, [hz]);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tone = await inPage(target, `poll ${hz} Hz`, (page) =>
      page.evaluate((f) => window.__porchTest!.snapshot(f), hz),
    );
    if (tone?.heard) return tone;
    if (Date.now() >= deadline) throw await failure(target, `did not hear ${hz} Hz within ${timeoutMs} ms`, hz);
    await sleep(POLL_MS);
  }
}

/** How long (ms) hz has gone unheard, in the page's clock; 0 while heard. */
function silentForMs(state: TonePageState, hz: number): number {
  const tone = state.tones.find((t) => t.hz === hz);
  if (!tone) return 0;
  if (tone.heard) return 0;
  return state.now - Math.max(tone.lastHeardAt ?? 0, tone.watchedSince);
}

/** Waits until hz has been absent continuously for forMs (default 1.5 s). */
export async function waitUntilSilent(
  target: Listener,
  hz: number,
  { forMs = 1_500, timeoutMs = 15_000 }: { forMs?: number; timeoutMs?: number } = {},
): Promise<void> {
  await watchTones(target, [hz]);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await toneState(target);
    if (silentForMs(state, hz) >= forMs) return;
    if (Date.now() >= deadline) {
      throw await failure(target, `${hz} Hz did not fall silent for ${forMs} ms within ${timeoutMs} ms`, hz);
    }
    await sleep(POLL_MS);
  }
}

/** Waits for the first onset of hz after the last resetOnsets; resolves to its Date.now(). */
export async function waitForOnset(
  target: Listener,
  hz: number,
  { timeoutMs = 15_000 }: { timeoutMs?: number } = {},
): Promise<number> {
  await watchTones(target, [hz]);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const at = await onsetAt(target, hz);
    if (at !== null) return at;
    if (Date.now() >= deadline) throw await failure(target, `no onset of ${hz} Hz within ${timeoutMs} ms`, hz);
    await sleep(POLL_MS);
  }
}

/**
 * Waits until every tone in hearHz is heard, then checks that every tone in silentHz stays
 * absent for silentForMs (default 1.5 s) while the heard ones keep sounding.
 */
export async function expectHearsExactly(
  target: Listener,
  hearHz: readonly number[],
  silentHz: readonly number[],
  { timeoutMs = 15_000, silentForMs: windowMs = 1_500 }: { timeoutMs?: number; silentForMs?: number } = {},
): Promise<void> {
  await watchTones(target, [...hearHz, ...silentHz]);
  const started = Date.now();
  for (const hz of hearHz) {
    await waitUntilHears(target, hz, { timeoutMs: Math.max(0, timeoutMs - (Date.now() - started)) });
  }
  const windowStart = (await toneState(target)).now;
  for (;;) {
    const state = await toneState(target);
    for (const hz of silentHz) {
      const tone = state.tones.find((t) => t.hz === hz);
      if (tone?.heard || (tone?.lastHeardAt ?? 0) >= windowStart) {
        const expected = hearHz.length > 0 ? `only ${hearHz.join(', ')} Hz` : 'silence';
        throw await failure(target, `heard ${hz} Hz, which should be silent (expected ${expected})`, hz);
      }
    }
    if (state.now - windowStart >= windowMs) {
      for (const hz of hearHz) {
        const tone = state.tones.find((t) => t.hz === hz);
        // A 250 ms re-detection after a brief dropout is fine; a tone gone for longer is not.
        if (!tone || tone.lastHeardAt === null || state.now - tone.lastHeardAt > 500) {
          throw await failure(target, `${hz} Hz stopped being heard while checking for silence`, hz);
        }
      }
      return;
    }
    await sleep(POLL_MS);
  }
}
