/**
 * Relay trees in real Chromium. A host on the stage and four listeners, with PORCH_DIRECT_MAX=1
 * and PORCH_FANOUT=2, so the tree is two relays deep: the root hears the host directly, its two
 * children one hop down, and one of theirs two hops down.
 * - mouth-to-ear by depth: the host's tone switched on → each listener's onset, grouped by how
 *   many relays its page says are between it and the stage;
 * - upload per relay: the audio bytes each relay sends per second, and on how many links;
 * - the gap after a relay dies: the relay one hop down that feeds the listener two hops down
 *   crashes (its renderer killed); the longest silence that listener hears. A newcomer then
 *   joins, the tree takes its shape again, and the next round begins;
 * - the gap after a relay leaves: the same, but the relay clicks Leave, and hands over first.
 */
import type { Browser } from 'playwright-core';
import { longestGap, watchGaps } from '../test/helpers/audio-gaps.ts';
import { closePerson, openPerson, type Person } from '../test/helpers/browser.ts';
import { pollUntil } from '../test/helpers/poll.ts';
import { createStageRoom, joinRoom, ownControl, relaysBetween, routeOf, servesOthers } from '../test/helpers/room-page.ts';
import { COLLECT_CONNECTIONS, sentDuring } from '../test/helpers/rtp-stats.ts';
import { resetOnsets, setTone, waitForOnset, waitUntilHears, waitUntilSilent } from '../test/helpers/tones.ts';
import { percentile, type Row } from './stats.ts';

export const HOST = 440;
const LISTENER_TONE = 660;
export const TREE_SETTINGS = { PORCH_DIRECT_MAX: '1', PORCH_FANOUT: '2' };
const LISTENERS = ['Ann', 'Ben', 'Cat', 'Dan'];

export interface TreeFigures {
  /** Tone on → heard, per listener and round, by relays between it and the stage. */
  byDepth: Map<number, number[]>;
  /** Audio each page that forwards sends: kbps in all, and on how many links. */
  uploads: { who: string; depth: number; links: number; kbps: number }[];
  /** The longest silence under a relay that crashed, or left, per round; failed rounds counted apart. */
  gaps: Record<Loss, { ms: number[]; failed: number }>;
}

interface Tree {
  host: Person;
  listeners: Person[];
}

/** Every listener's route, once every one says how the stage reaches it and one is two relays down. */
async function settledRoutes(tree: Tree): Promise<Map<Person, string>> {
  const read = async () => new Map(await Promise.all(tree.listeners.map(async (p) => [p, await routeOf(p.page)] as const)));
  return pollUntil('a tree two relays deep', read, (routes) => [...routes.values()].every((r) => relaysBetween(r) !== null) && [...routes.values()].some((r) => relaysBetween(r) === 2), {
    timeoutMs: 60_000,
    everyMs: 250,
  });
}

/** A listener of the host's tone, silent itself, whose links' RTP statistics can be read, at the room's join form. */
export async function openListener(browser: Browser, link: string, label: string, toneHz = LISTENER_TONE, { cannotRelay = false } = {}): Promise<Person> {
  const person = await openPerson(browser, 'about:blank', { toneHz, toneOn: false, label, watchHz: [HOST], cannotRelay });
  await person.context.addInitScript({ content: COLLECT_CONNECTIONS });
  await person.page.goto(link);
  return person;
}

async function addListener(browser: Browser, link: string, tree: Tree, label: string): Promise<void> {
  const person = await openListener(browser, link, label);
  tree.listeners.push(person);
  await joinRoom(person.page, label);
}

async function mouthToEarByDepth(tree: Tree, rounds: number): Promise<Map<number, number[]>> {
  const byDepth = new Map<number, number[]>();
  for (let round = 0; round < rounds; round++) {
    // Read each round: a busy page may fail over and back between rounds.
    const depthOf = new Map([...(await settledRoutes(tree))].map(([p, route]) => [p, relaysBetween(route)!]));
    await setTone(tree.host, false);
    await Promise.all(tree.listeners.map((p) => waitUntilSilent(p, HOST, { forMs: 500 })));
    await Promise.all(tree.listeners.map(resetOnsets));
    const on = await setTone(tree.host, true);
    const onsets = await Promise.all(tree.listeners.map((p) => waitForOnset(p, HOST)));
    tree.listeners.forEach((p, i) => byDepth.set(depthOf.get(p)!, [...(byDepth.get(depthOf.get(p)!) ?? []), onsets[i]! - on]));
  }
  return byDepth;
}

/** Audio kbps a page sends over `ms`, and on how many connected links. */
async function upload(person: Person, ms: number): Promise<{ links: number; kbps: number }> {
  const sent = (await sentDuring(person.page, ms)).map((link) => link.bytes);
  return { links: sent.filter((bytes) => bytes > 0).length, kbps: Math.round((sent.reduce((a, b) => a + b, 0) * 8) / ms) };
}

type Loss = 'crash' | 'leave';

/**
 * The relay that feeds the listener two hops down crashes, or leaves; that listener's longest
 * silence, null if it did not hear again within 10 s, or the routes shown when the tree had no
 * such relay (nothing happened).
 */
async function gapAfter(loss: Loss, tree: Tree): Promise<number | null | { noVictim: string }> {
  const routes = await settledRoutes(tree);
  const victim = [...routes].find(([, r]) => relaysBetween(r) === 1 && servesOthers(r))?.[0];
  const below = [...routes].filter(([, r]) => relaysBetween(r) === 2).map(([p]) => p);
  if (!victim || below.length === 0) return { noVictim: [...routes.values()].join(' | ') };
  await Promise.all(below.map((p) => watchGaps(p.page, HOST)));
  if (loss === 'leave') await ownControl(victim.page, 'Leave').click();
  // The renderer dies mid-call, so the command never answers.
  else void (await victim.page.context().newCDPSession(victim.page)).send('Page.crash').catch(() => undefined);
  tree.listeners.splice(tree.listeners.indexOf(victim), 1);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  try {
    for (const p of below) await waitUntilHears(p, HOST, { timeoutMs: 10_000 });
  } catch {
    return null;
  } finally {
    await closePerson(victim);
  }
  return Math.max(...(await Promise.all(below.map((p) => longestGap(p.page)))));
}

export async function measureTree(browser: Browser, serverUrl: string, rounds: number, log: (line: string) => void): Promise<TreeFigures> {
  const host = await openPerson(browser, 'about:blank', { toneHz: HOST, label: 'Hal', watchHz: [LISTENER_TONE] });
  const tree: Tree = { host, listeners: [] };
  try {
    await host.context.addInitScript({ content: COLLECT_CONNECTIONS });
    await host.page.goto(serverUrl);
    const link = await createStageRoom(host.page, 'Hal');
    for (const label of LISTENERS) await addListener(browser, link, tree, label);
    for (const p of tree.listeners) await waitUntilHears(p, HOST, { timeoutMs: 60_000 });
    log('relay tree: formed; mouth-to-ear by depth');
    const byDepth = await mouthToEarByDepth(tree, rounds);
    const routes = await settledRoutes(tree);
    const uploads = [];
    for (const [p, route] of routes) if (servesOthers(route)) uploads.push({ who: p.label, depth: relaysBetween(route)!, ...(await upload(p, 3000)) });
    uploads.push({ who: 'host (the stage)', depth: -1, ...(await upload(host, 3000)) });
    const gaps: TreeFigures['gaps'] = { crash: { ms: [], failed: 0 }, leave: { ms: [], failed: 0 } };
    let newcomers = 0;
    for (let round = 0; round < 2 * rounds; round++) {
      const loss: Loss = round % 2 === 0 ? 'crash' : 'leave';
      log(`relay tree: ${loss} ${Math.floor(round / 2) + 1} of ${rounds}`);
      const gap = await gapAfter(loss, tree);
      // The pages show a shape the plan has already left (a busy page lags): nothing happened, so the round is not counted.
      if (gap !== null && typeof gap === 'object') {
        log(`relay tree: no relay one hop down above a listener, round skipped: ${gap.noVictim}`);
        continue;
      }
      if (gap === null) gaps[loss].failed += 1;
      else gaps[loss].ms.push(gap);
      await addListener(browser, link, tree, `New${(newcomers += 1)}`);
    }
    return { byDepth, uploads, gaps };
  } finally {
    await Promise.all([host, ...tree.listeners].map(closePerson));
  }
}

const depthName = (depth: number): string => (depth === 0 ? 'direct from the stage' : `${depth} relay${depth === 1 ? '' : 's'} down`);

export function treeRows(figures: TreeFigures, plainEarP50: number): { ear: Row[]; upload: Row[]; gap: Row[] } {
  const direct = percentile(figures.byDepth.get(0) ?? [], 50);
  const ear = [...figures.byDepth].sort(([a], [b]) => a - b).map(([depth, samples]) => ({
    listener: depthName(depth),
    samples: samples.length,
    'p50 ms': percentile(samples, 50),
    'p95 ms': percentile(samples, 95),
    'added per hop, p50 ms': depth === 0 || Number.isNaN(direct) ? '—' : Math.round((percentile(samples, 50) - direct) / depth),
    'p50 ÷ plain WebRTC': (percentile(samples, 50) / plainEarP50).toFixed(2),
    target: depth === 0 ? '' : '≤ 15 ms per hop',
  }));
  const upload = figures.uploads.map(({ who, depth, links, kbps }) => ({
    page: depth < 0 ? who : `${who}, ${depthName(depth)}`,
    'links sending': links,
    'kbps sent': kbps,
    'kbps per link': links ? Math.round(kbps / links) : '—',
  }));
  const gap = (['crash', 'leave'] as const).map((loss) => {
    const { ms, failed } = figures.gaps[loss];
    return {
      'the relay': loss === 'crash' ? 'crashes' : 'leaves (Leave)',
      rounds: ms.length + failed,
      'not heard again in 12 s': failed,
      'p50 ms': ms.length ? percentile(ms, 50) : '—',
      'p95 ms': ms.length ? percentile(ms, 95) : '—',
      'max ms': ms.length ? Math.max(...ms) : '—',
      target: loss === 'crash' ? '≤ 1000 (p95)' : 'no audio missed',
    };
  });
  return { ear, upload, gap };
}
