/**
 * Firefox beside Chromium: a person in Firefox (firefox-esr, driven over WebDriver BiDi) and a
 * person in Chromium meet in one room and hear each other. In a relay tree, where Firefox cannot
 * forward frames (it has no encoded streams to pipe between connections), it claims no upload,
 * so the planner makes it a leaf fed by a Chromium relay, and it hears the stage through it.
 */
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Browser as FirefoxBrowser } from 'puppeteer-core';
import assert from 'node:assert/strict';
import { closeAll, launchBrowser, openPerson, type Person, withLogsOf } from '../helpers/browser.ts';
import { firefoxHears, firefoxRoute, joinInFirefox, launchFirefox, openFirefoxPerson, type FirefoxPerson } from '../helpers/firefox.ts';
import { pollUntil } from '../helpers/poll.ts';
import { createStageRoom, joinRoom, newRoomLink, relaysBetween, routeOf, servesOthers } from '../helpers/room-page.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { waitUntilHears } from '../helpers/tones.ts';

const CHROMIUM_TONE = 440;
const FIREFOX_TONE = 660;

describe('Firefox beside Chromium', () => {
  let chromium: Browser;
  let firefox: FirefoxBrowser;
  const people: Person[] = [];
  const foxes: FirefoxPerson[] = [];
  let server: RunningServer | null = null;
  const withLogs = withLogsOf(people, () => `${server?.output() ?? ''}\n${foxes.map((f) => `--- ${f.label} (Firefox)\n${f.logs.join('\n')}`).join('\n')}`);

  before(async () => {
    chromium = await launchBrowser();
    firefox = await launchFirefox();
  });

  after(async () => {
    await closeAll(chromium);
    await firefox?.close().catch(() => undefined);
    await server?.stop();
  });

  /** Each test has a server of its own (the tree needs small settings), and starts from no people. */
  async function freshServer(env: Record<string, string> = {}): Promise<string> {
    await server?.stop();
    for (const person of people.splice(0)) await person.context.close();
    for (const fox of foxes.splice(0)) await fox.page.browserContext().close();
    server = await startServer({ env });
    return server.url;
  }

  test('a person in Firefox and a person in Chromium hear each other in a hangout', () =>
    withLogs(async () => {
      const link = newRoomLink(await freshServer());
      const ann = await openPerson(chromium, link, { toneHz: CHROMIUM_TONE, label: 'Ann', watchHz: [FIREFOX_TONE] });
      people.push(ann);
      const fox = await openFirefoxPerson(firefox, link, { label: 'Fox', toneHz: FIREFOX_TONE, watchHz: [CHROMIUM_TONE] });
      foxes.push(fox);
      await joinRoom(ann.page, 'Ann');
      await joinInFirefox(fox, 'Fox');
      await waitUntilHears(ann, FIREFOX_TONE, { timeoutMs: 20_000 });
      await firefoxHears(fox, CHROMIUM_TONE);
    }));

  test('in a relay tree a listener in Firefox is a leaf fed by a relay in Chromium, and hears the stage through it', () =>
    withLogs(async () => {
      const host = await openPerson(chromium, await freshServer({ PORCH_DIRECT_MAX: '1', PORCH_FANOUT: '2' }), { toneHz: CHROMIUM_TONE, label: 'Hal', watchHz: [] });
      people.push(host);
      const link = await createStageRoom(host.page, 'Hal');
      // Firefox comes first: had it claimed upload, time in the room would make it the one root the stage feeds.
      const fox = await openFirefoxPerson(firefox, link, { label: 'Fox', toneHz: FIREFOX_TONE, watchHz: [CHROMIUM_TONE] });
      foxes.push(fox);
      await joinInFirefox(fox, 'Fox');
      await firefoxHears(fox, CHROMIUM_TONE);
      for (const label of ['Ann', 'Ben']) {
        const listener = await openPerson(chromium, link, { toneHz: 880, toneOn: false, label, watchHz: [CHROMIUM_TONE] });
        people.push(listener);
        await joinRoom(listener.page, label);
        await waitUntilHears(listener, CHROMIUM_TONE, { timeoutMs: 20_000 });
      }
      const route = await pollUntil('Firefox fed through a relay', () => firefoxRoute(fox), (text) => (relaysBetween(text) ?? 0) >= 1, { timeoutMs: 20_000, everyMs: 250 });
      assert.ok(!servesOthers(route), `Firefox cannot forward, yet it says: ${route}`);
      const relaying = await Promise.all(people.slice(1).map((p) => routeOf(p.page)));
      assert.ok(relaying.some(servesOthers), `no Chromium listener relays: ${relaying.join(' | ')}`);
      // Once what the stage sent it directly has long played out, it hears the stage through the relay.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await firefoxHears(fox, CHROMIUM_TONE);
    }));
});
