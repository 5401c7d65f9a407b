/**
 * Firefox beside Chromium: a person in Firefox (firefox-esr, driven over WebDriver BiDi) and a
 * person in Chromium meet in one room and hear each other.
 */
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Browser as FirefoxBrowser } from 'puppeteer-core';
import { closeAll, launchBrowser, openPerson, type Person, withLogsOf } from '../helpers/browser.ts';
import { firefoxHears, joinInFirefox, launchFirefox, openFirefoxPerson, type FirefoxPerson } from '../helpers/firefox.ts';
import { joinRoom, newRoomLink } from '../helpers/room-page.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { waitUntilHears } from '../helpers/tones.ts';

const CHROMIUM_TONE = 440;
const FIREFOX_TONE = 660;

describe('Firefox beside Chromium', () => {
  let chromium: Browser;
  let firefox: FirefoxBrowser;
  const people: Person[] = [];
  const foxes: FirefoxPerson[] = [];
  let server: RunningServer;
  const withLogs = withLogsOf(people, () => `${server.output()}\n${foxes.map((f) => `--- ${f.label} (Firefox)\n${f.logs.join('\n')}`).join('\n')}`);

  before(async () => {
    chromium = await launchBrowser();
    firefox = await launchFirefox();
  });

  after(async () => {
    await closeAll(chromium);
    await firefox?.close().catch(() => undefined);
    await server?.stop();
  });

  test('a person in Firefox and a person in Chromium hear each other in a hangout', () =>
    withLogs(async () => {
      server = await startServer();
      const link = newRoomLink(server.url);
      const ann = await openPerson(chromium, link, { toneHz: CHROMIUM_TONE, label: 'Ann', watchHz: [FIREFOX_TONE] });
      people.push(ann);
      const fox = await openFirefoxPerson(firefox, link, { label: 'Fox', toneHz: FIREFOX_TONE, watchHz: [CHROMIUM_TONE] });
      foxes.push(fox);
      await joinRoom(ann.page, 'Ann');
      await joinInFirefox(fox, 'Fox');
      await waitUntilHears(ann, FIREFOX_TONE, { timeoutMs: 20_000 });
      await firefoxHears(fox, CHROMIUM_TONE);
    }));
});
