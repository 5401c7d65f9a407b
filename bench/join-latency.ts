/**
 * Join → first audio heard, in real Chromium, timed the way a person uses the page: open the
 * link, take 1.5 s to type a name, click Join. Everyone but the newcomer is already in the room
 * (a hangout: everyone takes a seat); the clock starts at the newcomer's click and stops when
 * every pair involving them hears each other (the detector's onset: when the sustained tone first
 * appeared). Trials alternate with the floor, plain WebRTC (plain-webrtc.ts), in the same run.
 */
import type { Browser, Page } from 'playwright-core';
import { closePerson, openPerson, type Person } from '../test/helpers/browser.ts';
import { createRoomAs, joinRoom, waitForPeopleConnected } from '../test/helpers/room-page.ts';
import { pollUntil } from '../test/helpers/poll.ts';
import { timedClick } from '../test/helpers/timed-click.ts';
import { serverMetric } from '../test/helpers/server.ts';
import { resetOnsets, setTone, waitForOnset, waitUntilHears, waitUntilSilent } from '../test/helpers/tones.ts';
import type { PlainWebRtc } from './plain-webrtc.ts';
import { percentile, type Row } from './stats.ts';

/** A tone and a name per seat of a full hangout. */
const TONES = [440, 550, 660, 770, 880, 990, 1100, 1210];
const NAMES = ['Ann', 'Ben', 'Cat', 'Dan', 'Eve', 'Fay', 'Gus', 'Hal'];
/** The moment a person needs to type a name. */
const TYPING_MS = 1500;

/** Types the name over 1.5 s as soon as the form shows, and returns when Join is about to be clicked. */
async function typeName(page: Page, name: string): Promise<void> {
  const field = page.getByLabel('Your name');
  await field.waitFor();
  await field.pressSequentially(name, { delay: TYPING_MS / name.length });
}

/** Clicks Join; resolves to the click's own moment in the page's clock. */
const clickJoin = (page: Page): Promise<number> => timedClick(page.getByRole('button', { name: 'Join', exact: true }));

/** How long until the newcomer hears everyone and everyone hears the newcomer. */
async function heardBothWays(newcomer: Person, early: readonly Person[], clickedAt: number): Promise<number> {
  const onsets = await Promise.all([...early.map((p) => waitForOnset(newcomer, p.toneHz)), ...early.map((p) => waitForOnset(p, newcomer.toneHz))]);
  return Math.max(...onsets) - clickedAt;
}

export interface WaitingRoom {
  link: string;
  early: Person[];
  size: number;
  close(): Promise<void>;
}

/**
 * A hangout of size − 1 people, joined and hearing each other, waiting for a newcomer. The first
 * creates it and is its host, as a person would: the host's seat counts toward the stage's eight.
 */
export async function porchRoom(browser: Browser, serverUrl: string, size: number): Promise<WaitingRoom> {
  const early: Person[] = [];
  const watchHz = TONES.slice(0, size);
  const close = async (): Promise<void> => void (await Promise.all(early.map(closePerson)));
  let link = '';
  // One at a time, each heard by all before the next: a hangout of seven tone pages is about all two cores carry.
  try {
    for (let i = 0; i < size - 1; i++) {
      const person = await openPerson(browser, i === 0 ? serverUrl : link, { toneHz: TONES[i]!, label: NAMES[i]!, watchHz });
      early.push(person);
      if (i === 0) link = await createRoomAs(person.page, person.label, 'Hangout');
      else await joinRoom(person.page, person.label);
      for (const p of early) await waitForPeopleConnected(p.page, early.filter((o) => o !== p).map((o) => o.label), { timeoutMs: 60_000 });
    }
  } catch (error) {
    await close();
    // The first clause says what was awaited; the tiles that follow it are for the log.
    throw new Error(`the room of ${early.length} did not form: ${(error as Error).message.split(/[;\n]/)[0]}`, { cause: error });
  }
  return { link, early, size, close };
}

/** One newcomer opens the link, types, joins, is timed, and leaves (pagehide says bye at once). */
export async function porchJoin(browser: Browser, room: WaitingRoom, membersOnServer: () => Promise<number>): Promise<number> {
  return newcomerJoins(browser, room, () => pollUntil('the newcomer to be gone from the server', membersOnServer, (n) => n === room.size - 1));
}

async function newcomerJoins(browser: Browser, room: WaitingRoom, gone: () => Promise<unknown>): Promise<number> {
  const index = room.size - 1;
  const newcomer = await openPerson(browser, room.link, { toneHz: TONES[index]!, label: NAMES[index]!, watchHz: TONES.slice(0, room.size) });
  try {
    await typeName(newcomer.page, newcomer.label);
    await Promise.all([newcomer, ...room.early].map(resetOnsets));
    return await heardBothWays(newcomer, room.early, await clickJoin(newcomer.page));
  } finally {
    await newcomer.page.close();
    await closePerson(newcomer);
    await gone();
  }
}

/**
 * Plain WebRTC's room of size − 1 pages, joined one at a time and hearing each other, waiting for
 * a newcomer: the same shape as Porch's, with a bare relay and a full mesh of plain connections.
 */
export async function plainRoom(browser: Browser, plain: PlainWebRtc, name: string, size: number): Promise<WaitingRoom> {
  const link = plain.url(name);
  const early: Person[] = [];
  const close = async (): Promise<void> => void (await Promise.all(early.map(closePerson)));
  try {
    for (let i = 0; i < size - 1; i++) {
      const person = await openPerson(browser, link, { toneHz: TONES[i]!, label: `plain ${NAMES[i]}`, watchHz: TONES.slice(0, size) });
      early.push(person);
      await clickJoin(person.page);
      await pollUntil('the page to capture', () => person.page.evaluate(() => window.__porchTest!.capturedTracks().length), (n) => n === 1);
      for (const p of early) for (const o of early) if (o !== p) await waitUntilHears(p, o.toneHz, { timeoutMs: 60_000 });
    }
  } catch (error) {
    await close();
    throw new Error(`the plain room of ${early.length} did not form: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  return { link, early, size, close };
}

/** A newcomer to a plain room opens its page, types, joins, is timed, and closes the page. */
export const plainJoin = (browser: Browser, room: WaitingRoom): Promise<number> => newcomerJoins(browser, room, async () => {});

/** The floor: one page has joined, the other opens, types and joins; both close after. */
async function plainPairJoin(browser: Browser, plain: PlainWebRtc, trial: number): Promise<number> {
  const room = await plainRoom(browser, plain, `trial-${trial}`, 2);
  return plainJoin(browser, room).finally(() => room.close());
}

/** Tone switched on → tone heard, on a live link from `speaker` to `listener`, `rounds` times. */
export async function mouthToEar(speaker: Person, listener: Person, rounds: number): Promise<number[]> {
  const samples: number[] = [];
  // Silence counts only once the link has carried the tone.
  await waitUntilHears(listener, speaker.toneHz);
  for (let i = 0; i < rounds; i++) {
    await setTone(speaker, false);
    await waitUntilSilent(listener, speaker.toneHz, { forMs: 500 });
    await resetOnsets(listener);
    const on = await setTone(speaker, true);
    samples.push((await waitForOnset(listener, speaker.toneHz)) - on);
  }
  return samples;
}

/** Plain WebRTC's pair, joined and live, for mouth-to-ear beside Porch's. */
export async function plainPair(browser: Browser, plain: PlainWebRtc): Promise<{ speaker: Person; listener: Person; close(): Promise<void> }> {
  const url = plain.url('mouth-to-ear');
  const watchHz = TONES.slice(0, 2);
  const speaker = await openPerson(browser, url, { toneHz: TONES[0]!, label: 'plain speaker', watchHz });
  const listener = await openPerson(browser, url, { toneHz: TONES[1]!, label: 'plain listener', watchHz });
  await clickJoin(speaker.page);
  await pollUntil('the speaker to capture', () => speaker.page.evaluate(() => window.__porchTest!.capturedTracks().length), (n) => n === 1);
  await clickJoin(listener.page);
  await waitForOnset(listener, speaker.toneHz);
  return { speaker, listener, close: async () => void (await Promise.all([closePerson(speaker), closePerson(listener)])) };
}

/** Members in the server's rooms: a newcomer that left is gone from here at once. */
const membersOn = (serverUrl: string): Promise<number> => serverMetric(serverUrl, 'porch_room_members');

/** Target p50 ÷ floor; none for the five, there to show whether this machine carries five, beside the eight it may not. */
const ROOMS: readonly { room: string; size: number; target?: number }[] = [
  { room: 'pair', size: 2, target: 0.6 },
  { room: 'room of three', size: 3, target: 0.6 },
  { room: 'hangout of five', size: 5 },
  { room: 'hangout of eight', size: 8, target: 1 },
];
/** Plain WebRTC's full meshes beside Porch's larger hangouts: what the machine carries without any of Porch. */
const MESHES = [5, 8] as const;

export interface JoinFigures {
  joins: Row[];
  mouthToEar: Row[];
  /** Plain WebRTC's mouth-to-ear samples, the baseline for other links measured in the run. */
  plainEarMs: number[];
}

/**
 * Every room size, `trials` newcomers each; plain WebRTC's pair alternates with Porch's pair
 * (the same background load: one page waiting in each). Mouth-to-ear on a live direct link of
 * each, between two people already in.
 */
export async function measureJoins(browser: Browser, serverUrl: string, plain: PlainWebRtc, trials: number, log: (line: string) => void): Promise<JoinFigures> {
  const porch = new Map<string, Samples>();
  const floor: Samples = { ms: [], failed: 0 };
  let porchEar: number[] = [];
  /** A trial that fails (a link the loaded machine could not bring up in time) is counted, not fatal. */
  const trial = async (what: string, samples: Samples, run: () => Promise<number>): Promise<void> => {
    try {
      samples.ms.push(await run());
      log(`  ${what}: ${samples.ms.at(-1)} ms`);
    } catch (error) {
      samples.failed += 1;
      log(`  ${what} failed: ${(error as Error).message.split('\n')[0]}`);
    }
  };
  /** `trials` rounds of `join` in the room `form` makes; a room that does not form is noted in `samples`. */
  const measure = async (label: string, samples: Samples, form: () => Promise<WaitingRoom>, join: (room: WaitingRoom, i: number) => Promise<unknown>): Promise<void> => {
    const room = await form().catch((error: unknown) => {
      samples.unformed = (error as Error).message;
      log(`  ${label}: ${samples.unformed}`);
      return null;
    });
    try {
      for (let i = 0; room && i < trials; i++) await join(room, i);
    } finally {
      await room?.close();
    }
  };
  for (const { room: label, size } of ROOMS) {
    const samples: Samples = { ms: [], failed: 0 };
    porch.set(label, samples);
    await measure(label, samples, () => porchRoom(browser, serverUrl, size), async (room, i) => {
      if (size === 3 && i === 0) porchEar = await mouthToEar(room.early[0]!, room.early[1]!, trials);
      await trial(`${label} join ${i + 1}/${trials}`, samples, () => porchJoin(browser, room, () => membersOn(serverUrl)));
      if (size === 2) await trial(`plain WebRTC join ${i + 1}/${trials}`, floor, () => plainPairJoin(browser, plain, i));
    });
    await pollUntil('the room to empty', () => membersOn(serverUrl), (n) => n === 0);
  }
  // Eight pages in a full mesh may be more than the machine carries: the same meshes of plain connections show whether they are.
  const meshes = new Map<number, Samples>();
  for (const size of MESHES) {
    const mesh: Samples = { ms: [], failed: 0 };
    meshes.set(size, mesh);
    await measure(`plain WebRTC, mesh of ${size}`, mesh, () => plainRoom(browser, plain, `mesh of ${size}`, size), (room, i) => trial(`plain WebRTC mesh of ${size} join ${i + 1}/${trials}`, mesh, () => plainJoin(browser, room)));
  }
  const pair = await plainPair(browser, plain);
  const plainEar = await mouthToEar(pair.speaker, pair.listener, trials).finally(() => pair.close());
  return { joins: joinRows(porch, floor, meshes), mouthToEar: [earRow('Porch, direct link', porchEar, '≤ 150'), earRow('plain WebRTC', plainEar, '')], plainEarMs: plainEar };
}

interface Samples {
  ms: number[];
  failed: number;
  /** Why the room could not be formed to measure in, if it could not. */
  unformed?: string;
}

function joinRows(porch: Map<string, Samples>, floor: Samples, meshes: Map<number, Samples>): Row[] {
  const [floor50, floor95] = [percentile(floor.ms, 50), percentile(floor.ms, 95)];
  // A room that could not be measured shows a dash, not NaN.
  const ratio = (a: number, b: number): string => (Number.isNaN(a / b) ? '—' : (a / b).toFixed(2));
  const ms = (n: number): number | string => (Number.isNaN(n) ? '—' : n);
  const row = (join: string, { ms: samples, failed, unformed }: Samples, target: string): Row => {
    const [p50, p95] = [percentile(samples, 50), percentile(samples, 95)];
    return { join, trials: samples.length, failed: unformed ? `not measured: ${unformed}` : failed, 'p50 ms': ms(p50), 'p95 ms': ms(p95), 'p50 ÷ floor': ratio(p50, floor50), 'p95 ÷ floor': ratio(p95, floor95), 'target p50 ÷ floor': target };
  };
  return [
    ...ROOMS.map(({ room, target }) => row(`Porch, ${room}`, porch.get(room) ?? { ms: [], failed: 0 }, target === undefined ? '' : `≤ ${target}`)),
    row('floor: plain WebRTC, pair', floor, ''),
    ...[...meshes].map(([size, mesh]) => row(`plain WebRTC, mesh of ${size} (no target: what the machine carries)`, mesh, '')),
  ];
}

const earRow = (link: string, samples: number[], target: string): Row => ({
  link,
  rounds: samples.length,
  'p50 ms': percentile(samples, 50),
  'p95 ms': percentile(samples, 95),
  'min ms': Math.min(...samples),
  'target p50 ms': target,
});
