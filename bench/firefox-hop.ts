/**
 * A hop through a Firefox relay, beside a direct link in the same room and run: a host (Chromium)
 * on the stage; a listener in Firefox, the one relay (the Chromium listeners' pages cannot relay,
 * or the planner would prefer them); a Chromium listener the stage feeds directly; and one fed
 * through Firefox (PORCH_DIRECT_MAX=2,
 * PORCH_FANOUT=2). Firefox forwards each frame as the payload of one of its own carrier's frames
 * (client/engine/audio/frame-switch.ts). Mouth-to-ear for both, in alternating rounds, and how
 * much of what each played out the receiver had to make up (concealed), over those rounds.
 */
import type { Browser } from 'playwright-core';
import { closePerson, openPerson, type Person } from '../test/helpers/browser.ts';
import { firefoxHears, firefoxRoute, joinInFirefox, launchFirefox, openFirefoxPerson } from '../test/helpers/firefox.ts';
import { pollUntil } from '../test/helpers/poll.ts';
import { createStageRoom, joinRoom, relaysBetween, routeOf, servesOthers } from '../test/helpers/room-page.ts';
import { compareHop } from './hop-compare.ts';
import { HOST, openListener } from './relay-tree.ts';
import type { Row } from './stats.ts';

export const FIREFOX_HOP_SETTINGS = { PORCH_DIRECT_MAX: '2', PORCH_FANOUT: '2' };

async function listener(browser: Browser, link: string, label: string, hz: number, people: Person[]): Promise<Person> {
  // Chromium listeners would relay first, forwarding unchanged: these cannot, so Firefox must.
  const person = await openListener(browser, link, label, hz, { cannotRelay: true });
  people.push(person);
  await joinRoom(person.page, label);
  return person;
}

export async function measureFirefoxHop(chromium: Browser, serverUrl: string, rounds: number): Promise<Row[]> {
  const firefox = await launchFirefox();
  const people: Person[] = [];
  try {
    const host = await openPerson(chromium, serverUrl, { toneHz: HOST, label: 'Hal', watchHz: [] });
    people.push(host);
    const link = await createStageRoom(host.page, 'Hal');
    const fox = await openFirefoxPerson(firefox, link, { label: 'Fox', toneHz: 660, watchHz: [HOST] });
    await joinInFirefox(fox, 'Fox');
    await firefoxHears(fox, HOST);
    const direct = await listener(chromium, link, 'Dee', 880, people);
    const through = await listener(chromium, link, 'Ann', 990, people);
    await pollUntil('Firefox to relay to Ann', async () => [await firefoxRoute(fox), await routeOf(direct.page), await routeOf(through.page)], ([f, d, a]) => servesOthers(f!) && relaysBetween(d!) === 0 && !servesOthers(d!) && relaysBetween(a!) === 1, { timeoutMs: 30_000, everyMs: 250 });
    return await compareHop(host, { person: direct, what: 'Chromium, fed by the stage directly' }, { person: through, what: 'Chromium, fed through a Firefox relay' }, rounds, '≤ 15 ms');
  } finally {
    await Promise.all(people.map(closePerson));
    await firefox.close().catch(() => undefined);
  }
}
