/**
 * How quickly the stage follows the room log, in real Chromium. A host and two listeners are in
 * a stage room; each round the host invites Lee, and:
 * - on stage → heard: from Lee's Accept click until the host and Liz both hear Lee's tone
 *   (includes signing the act, capturing the microphone and starting to send on live links);
 * - host mute → silent: from the host's Mute click until neither hears Lee any more (the
 *   detector's last moment of hearing it).
 * Then the host allows unmuting, Lee unmutes and leaves the stage, and the next round begins.
 * With `flood`, a modified client sits in the room and floods the log all the while (hand toggles
 * under throwaway identities, as fast as the host takes them), so the host's acts compete with it.
 */
import type { Browser } from 'playwright-core';
import { closePerson, openPerson, type Person } from '../test/helpers/browser.ts';
import { joinRoom, ownControl, personAction } from '../test/helpers/room-page.ts';
import { resetOnsets, toneState, waitForOnset, waitUntilSilent } from '../test/helpers/tones.ts';
import { timedClick } from '../test/helpers/timed-click.ts';
import { joinAsRogue, type RogueMember } from '../test/helpers/rogue-member.ts';

const HOST = 440;
const LEE = 660;
const LIZ = 880;

export interface StageFigures {
  upMs: number[];
  muteMs: number[];
  /** Places the log had at the end: what a flood got in. */
  logLength: number | null;
}

export async function measureStage(browser: Browser, serverUrl: string, rounds: number, { flood = false } = {}): Promise<StageFigures> {
  const people: Person[] = [];
  const upMs: number[] = [];
  const muteMs: number[] = [];
  const stopFlood = new AbortController();
  let rogue: RogueMember | null = null;
  let flooding: Promise<void> = Promise.resolve();
  try {
    const host = await openPerson(browser, serverUrl, { toneHz: HOST, label: 'Hal', watchHz: [LEE] });
    people.push(host);
    await host.page.getByRole('radio', { name: 'Stage' }).check();
    await host.page.getByRole('button', { name: 'Create room' }).click();
    await host.page.waitForURL(/\/r\/#/);
    await joinRoom(host.page, 'Hal');
    const link = host.page.url();
    const [lee, liz] = await Promise.all(
      [['Lee', LEE], ['Liz', LIZ]].map(async ([label, toneHz]) => {
        const person = await openPerson(browser, link, { toneHz: toneHz as number, label: label as string, watchHz: [LEE] });
        people.push(person);
        await joinRoom(person.page, label as string);
        return person;
      }),
    ) as [Person, Person];
    const audience = [host, liz];
    let floodFailed: Error | null = null;
    if (flood) {
      rogue = await joinAsRogue(link, 'Mal');
      flooding = rogue.flood(Infinity, stopFlood.signal).catch((error: unknown) => void (floodFailed = error as Error));
    }

    for (let round = 0; round < rounds; round++) {
      await (await personAction(host.page, 'Lee', 'Invite Lee to speak')).click();
      const accept = lee.page.getByRole('button', { name: 'Accept', exact: true });
      await accept.waitFor();
      await Promise.all(audience.map(resetOnsets));
      const acceptedAt = await timedClick(accept);
      const onsets = await Promise.all(audience.map((p) => waitForOnset(p, LEE)));
      upMs.push(Math.max(...onsets) - acceptedAt);

      // The menu opens before the clock starts: the figure is the mute's, not the menu's.
      const mute = await personAction(host.page, 'Lee', 'Mute Lee');
      const mutedAt = await timedClick(mute);
      await Promise.all(audience.map((p) => waitUntilSilent(p, LEE, { forMs: 500 })));
      const lastHeard = await Promise.all(audience.map(async (p) => (await toneState(p)).tones.find((t) => t.hz === LEE)?.lastHeardAt ?? mutedAt));
      muteMs.push(Math.max(0, Math.max(...lastHeard) - mutedAt));

      await (await personAction(host.page, 'Lee', 'Allow Lee to unmute')).click();
      await ownControl(lee.page, 'Unmute').click();
      await ownControl(lee.page, 'Leave stage').click();
      await Promise.all(audience.map((p) => waitUntilSilent(p, LEE, { forMs: 300 })));
    }
    // Figures taken while no flood ran are not a flood's.
    if (floodFailed) throw new Error(`the flood stopped: ${(floodFailed as Error).message}`);
    return { upMs, muteMs, logLength: rogue?.logLength() ?? null };
  } finally {
    stopFlood.abort();
    await flooding;
    rogue?.close();
    await Promise.all(people.map(closePerson));
  }
}
