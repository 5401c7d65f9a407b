import type { Person } from '../test/helpers/browser.ts';
import { rtpReport } from '../test/helpers/rtp-stats.ts';

/** What a page played out: audio samples on all its links, and how many of them its receivers made up. */
export interface Playout {
  samples: number;
  concealed: number;
}

export async function played(person: Person): Promise<Playout> {
  const links = await rtpReport(person.page);
  return { samples: links.reduce((sum, l) => sum + l.samplesReceived, 0), concealed: links.reduce((sum, l) => sum + l.concealedSamples, 0) };
}

/** The share of what a page played out since `before` that was made up. */
export async function concealedSince(person: Person, before: Playout): Promise<number> {
  const now = await played(person);
  return (now.concealed - before.concealed) / Math.max(1, now.samples - before.samples);
}
