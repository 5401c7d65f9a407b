/**
 * A hop through a relay that mixes, beside a listener the stage feeds directly, in one room and
 * run: a host and a second speaker on the stage, and two listeners, with PORCH_STREAM_KBPS=600
 * so that no listener's upload carries both speakers' streams to anyone, but one mixed stream to
 * one (PORCH_DIRECT_MAX=1, PORCH_FANOUT=2). The first listener is the root the stage feeds, and
 * mixes for the second. Mouth-to-ear for both in alternating rounds, and how much of what each
 * played out its receivers made up.
 */
import type { Browser } from 'playwright-core';
import { closePerson, openPerson, type Person } from '../test/helpers/browser.ts';
import { pollUntil } from '../test/helpers/poll.ts';
import { createStageRoom, joinRoom, personAction, relaysBetween, routeOf, servesOthers } from '../test/helpers/room-page.ts';
import { setTone, waitUntilHears } from '../test/helpers/tones.ts';
import { compareHop } from './hop-compare.ts';
import { HOST, openListener } from './relay-tree.ts';
import type { Row } from './stats.ts';

export const MIXING_HOP_SETTINGS = { PORCH_DIRECT_MAX: '1', PORCH_FANOUT: '2', PORCH_STREAM_KBPS: '600' };
const SECOND_SPEAKER = 660;

export async function measureMixingHop(browser: Browser, serverUrl: string, rounds: number): Promise<Row[]> {
  const people: Person[] = [];
  try {
    const host = await openPerson(browser, serverUrl, { toneHz: HOST, label: 'Hal', watchHz: [SECOND_SPEAKER] });
    people.push(host);
    const link = await createStageRoom(host.page, 'Hal');
    const sam = await openListener(browser, link, 'Sam', SECOND_SPEAKER);
    people.push(sam);
    await joinRoom(sam.page, 'Sam');
    await (await personAction(host.page, 'Sam', 'Invite Sam to speak')).click();
    await sam.page.getByRole('button', { name: 'Accept', exact: true }).click();
    // The second speaker only needs to be on stage: what is mixed is the stage, tone or not.
    await setTone(sam, true);
    await waitUntilHears(host, SECOND_SPEAKER);
    await setTone(sam, false);
    const direct = await openListener(browser, link, 'Ann', 880);
    people.push(direct);
    await joinRoom(direct.page, 'Ann');
    const mixed = await openListener(browser, link, 'Ben', 990);
    people.push(mixed);
    await joinRoom(mixed.page, 'Ben');
    await pollUntil('Ann mixing for Ben', async () => [await routeOf(direct.page), await routeOf(mixed.page)], ([a, b]) => relaysBetween(a!) === 0 && servesOthers(a!) && /mixed/.test(a!) && relaysBetween(b!) === 1 && /mixed/.test(b!), { timeoutMs: 30_000, everyMs: 250 });
    return await compareHop(host, { person: direct, what: 'fed by the stage directly (and mixing)' }, { person: mixed, what: 'fed the mix, one relay down' }, rounds);
  } finally {
    await Promise.all(people.map(closePerson));
  }
}
