/**
 * Join → first audio heard, in real Chromium: everyone but the last person is already in the
 * room; the clock starts at the last person's Join click and stops when every pair involving
 * them hears each other (the detector's onset: when the sustained tone first appeared).
 */
import type { Browser } from 'playwright-core';
import { closePerson, openPerson, type Person } from '../test/helpers/browser.ts';
import { joinRoom, newRoomLink, waitForPeopleConnected } from '../test/helpers/room-page.ts';
import { resetOnsets, waitForOnset } from '../test/helpers/tones.ts';

const TONES = [440, 660, 880, 1100];
const NAMES = ['Ann', 'Ben', 'Cat', 'Dan'];

export async function measureJoin(browser: Browser, serverUrl: string, roomSize: number): Promise<number> {
  const link = newRoomLink(serverUrl);
  const people: Person[] = [];
  try {
    for (let i = 0; i < roomSize; i++) {
      people.push(await openPerson(browser, link, { toneHz: TONES[i]!, label: NAMES[i]!, watchHz: TONES.slice(0, roomSize) }));
    }
    const early = people.slice(0, -1);
    const last = people.at(-1)!;
    for (const p of early) await joinRoom(p.page, p.label);
    for (const p of early) await waitForPeopleConnected(p.page, early.filter((o) => o !== p).map((o) => o.label));
    for (const p of people) await resetOnsets(p);

    await last.page.getByLabel('Your name').fill(last.label);
    const clickedAt = await last.page.evaluate(() => Date.now());
    await last.page.getByRole('button', { name: 'Join', exact: true }).click();

    const onsets = await Promise.all([
      ...early.map((p) => waitForOnset(last, p.toneHz)),
      ...early.map((p) => waitForOnset(p, last.toneHz)),
    ]);
    return Math.max(...onsets) - clickedAt;
  } finally {
    await Promise.all(people.map(closePerson));
  }
}
