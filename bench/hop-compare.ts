import type { Person } from '../test/helpers/browser.ts';
import { rtpReport } from '../test/helpers/rtp-stats.ts';
import { mouthToEar } from './join-latency.ts';
import { percentile, type Row } from './stats.ts';

/** What a page played out: audio samples on all its links, and how many of them its receivers made up. */
interface Playout {
  samples: number;
  concealed: number;
}

async function played(person: Person): Promise<Playout> {
  const links = await rtpReport(person.page);
  return { samples: links.reduce((sum, l) => sum + l.samplesReceived, 0), concealed: links.reduce((sum, l) => sum + l.concealedSamples, 0) };
}

/** The share of what a page played out since `before` that was made up. */
async function concealedSince(person: Person, before: Playout): Promise<number> {
  const now = await played(person);
  return (now.concealed - before.concealed) / Math.max(1, now.samples - before.samples);
}

export interface HopListener {
  person: Person;
  /** How the row names it. */
  what: string;
}

/**
 * What one hop costs a listener, beside one the stage feeds directly in the same room: mouth-to-ear
 * for both in alternating rounds, and how much of what each played out over those rounds its
 * receivers made up (concealed). `target`, where the hop has one, is shown on its row.
 */
export async function compareHop(host: Person, direct: HopListener, through: HopListener, rounds: number, target = ''): Promise<Row[]> {
  const ms = { direct: [] as number[], through: [] as number[] };
  const before = { direct: await played(direct.person), through: await played(through.person) };
  for (let round = 0; round < rounds; round++) {
    ms.direct.push(...(await mouthToEar(host, direct.person, 1)));
    ms.through.push(...(await mouthToEar(host, through.person, 1)));
  }
  const row = async (side: 'direct' | 'through', { person, what }: HopListener): Promise<Row> => ({
    listener: what,
    rounds: ms[side].length,
    'p50 ms': percentile(ms[side], 50),
    'p95 ms': percentile(ms[side], 95),
    'p50 − direct ms': percentile(ms[side], 50) - percentile(ms.direct, 50),
    'audio concealed': `${((await concealedSince(person, before[side])) * 100).toFixed(1)} %`,
    ...(target ? { 'target p50 added': side === 'through' ? target : '' } : {}),
  });
  return [await row('direct', direct), await row('through', through)];
}
