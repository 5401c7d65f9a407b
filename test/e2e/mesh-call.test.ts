import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { closeAll, closePerson, launchBrowser, openPerson, type Person, withLogsOf } from '../helpers/browser.ts';
import { joinRoom, newRoomLink, waitForPeopleConnected, waitForStatus, waitForTiles, ownControl } from '../helpers/room-page.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { expectHearsExactly, waitUntilHears, waitUntilSilent } from '../helpers/tones.ts';

const ANN = 440;
const BEN = 660;
const CAT = 880;
const DAN = 1100;

describe('a full-mesh call on one link', () => {
  let server: RunningServer;
  let browser: Browser;
  let link: string;
  const people: Person[] = [];
  const ann = (): Person => people[0]!;
  const ben = (): Person => people[1]!;
  const cat = (): Person => people[2]!;

  const withLogs = withLogsOf(people, () => server.output());

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    link = newRoomLink(server.url);
    for (const [label, toneHz] of [['Ann', ANN], ['Ben', BEN], ['Cat', CAT]] as const) {
      people.push(await openPerson(browser, link, { toneHz, label }));
    }
  });

  after(async () => {
    await closeAll(browser);
    await server?.stop();
  });

  test('three people join one link and each hears exactly the other two', () =>
    withLogs(async () => {
      for (const p of people) await joinRoom(p.page, p.label);
      await expectHearsExactly(ann(), [BEN, CAT], [ANN, DAN]);
      await expectHearsExactly(ben(), [ANN, CAT], [BEN, DAN]);
      await expectHearsExactly(cat(), [ANN, BEN], [CAT, DAN]);
      await waitForPeopleConnected(ann().page, ['Ben', 'Cat']);
    }));

  test('a person who mutes falls silent for everyone and is heard again after unmuting', () =>
    withLogs(async () => {
      await ownControl(ann().page, 'Mute').click();
      await Promise.all([waitUntilSilent(ben(), ANN), waitUntilSilent(cat(), ANN)]);
      await waitUntilHears(ben(), CAT);
      await waitForTiles(ben().page, 'Ann shown as muted', (ts) => ts.some((t) => t.name === 'Ann' && t.muted));

      await ownControl(ann().page, 'Unmute').click();
      await Promise.all([waitUntilHears(ben(), ANN), waitUntilHears(cat(), ANN)]);
      await waitForTiles(ben().page, 'Ann shown unmuted', (ts) => ts.some((t) => t.name === 'Ann' && !t.muted));
    }));

  test('the M key toggles mute', () =>
    withLogs(async () => {
      await ben().page.locator('body').press('m');
      await waitUntilSilent(ann(), BEN);
      await ben().page.locator('body').press('m');
      await waitUntilHears(ann(), BEN);
    }));

  test('when the server restarts mid-call audio continues and a newcomer hears everyone', () =>
    withLogs(async () => {
      const port = server.port;
      await server.stop();
      await waitForStatus(ann().page, /room server/);
      // With the server gone, the established call still carries audio.
      await expectHearsExactly(ann(), [BEN, CAT], [DAN], { silentForMs: 1000 });

      server = await startServer({ port });
      for (const p of people) await waitForStatus(p.page, /^$/);
      people.push(await openPerson(browser, link, { toneHz: DAN, label: 'Dan' }));
      const dan = people[3]!;
      await joinRoom(dan.page, 'Dan');
      await expectHearsExactly(dan, [ANN, BEN, CAT], [DAN]);
      await Promise.all(people.slice(0, 3).map((p) => waitUntilHears(p, DAN)));
      await waitForPeopleConnected(dan.page, ['Ann', 'Ben', 'Cat']);
    }));

  test('a person who leaves disappears for the others, who still hear each other', () =>
    withLogs(async () => {
      await ownControl(cat().page, 'Leave').click();
      await waitForTiles(ann().page, 'Cat gone', (ts) => !ts.some((t) => t.name === 'Cat'));
      await waitForTiles(ben().page, 'Cat gone', (ts) => !ts.some((t) => t.name === 'Cat'));
      await Promise.all([waitUntilSilent(ann(), CAT), waitUntilSilent(ben(), CAT)]);
      await expectHearsExactly(ann(), [BEN, DAN], [CAT]);
      await expectHearsExactly(ben(), [ANN, DAN], [CAT]);
      await closePerson(cat());
    }));
});
