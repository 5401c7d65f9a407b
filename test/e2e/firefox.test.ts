/**
 * Firefox beside Chromium: a person in Firefox (firefox-esr, driven over WebDriver BiDi) and a
 * person in Chromium meet in one room and hear each other. In a relay tree Firefox forwards the
 * stage through script transforms, each forwarded frame riding in one of its own (it takes no
 * other into a sender), and Chromium listeners fed by it hear the stage; where its upload carries
 * only one stream, it mixes the stage for them instead.
 */
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Browser as FirefoxBrowser } from 'puppeteer-core';
import assert from 'node:assert/strict';
import { closeAll, launchBrowser, openPerson, type Person, withLogsOf } from '../helpers/browser.ts';
import { firefoxHears, firefoxRoute, joinInFirefox, launchFirefox, openFirefoxPerson, type FirefoxPerson } from '../helpers/firefox.ts';
import { pollUntil } from '../helpers/poll.ts';
import { createStageRoom, joinRoom, newRoomLink, personAction, relaysBetween, routeOf, servesOthers } from '../helpers/room-page.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { resetOnsets, waitUntilHears } from '../helpers/tones.ts';

const CHROMIUM_TONE = 440;
const FIREFOX_TONE = 660;
const SECOND_SPEAKER = 880;

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

  test('in a relay tree where no Chromium listener can relay, a listener in Firefox relays the stage, its own frames carrying it, and listeners in Chromium hear it through Firefox', () =>
    withLogs(async () => {
      const host = await openPerson(chromium, await freshServer({ PORCH_DIRECT_MAX: '1', PORCH_FANOUT: '2' }), { toneHz: CHROMIUM_TONE, label: 'Hal', watchHz: [] });
      people.push(host);
      const link = await createStageRoom(host.page, 'Hal');
      // The one listener that can relay: the planner makes it the one root the stage feeds.
      const fox = await openFirefoxPerson(firefox, link, { label: 'Fox', toneHz: FIREFOX_TONE, watchHz: [CHROMIUM_TONE] });
      foxes.push(fox);
      await joinInFirefox(fox, 'Fox');
      await firefoxHears(fox, CHROMIUM_TONE);
      const listeners: Person[] = [];
      for (const label of ['Ann', 'Ben']) {
        // Chromium listeners would relay first, forwarding unchanged: these cannot, so Firefox must.
        const listener = await openPerson(chromium, link, { toneHz: 880, toneOn: false, label, watchHz: [CHROMIUM_TONE], cannotRelay: true });
        people.push(listener);
        listeners.push(listener);
        await joinRoom(listener.page, label);
      }
      const route = await pollUntil('Firefox to relay', () => firefoxRoute(fox), servesOthers, { timeoutMs: 20_000, everyMs: 250 });
      assert.equal(relaysBetween(route), 0, `the relay hears the stage directly: ${route}`);
      for (const listener of listeners) await pollUntil(`${listener.label} fed through Firefox`, () => routeOf(listener.page), (text) => relaysBetween(text) === 1, { timeoutMs: 20_000, everyMs: 250 });
      // Once whatever the stage sent them directly has long played out, they hear it through Firefox.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      for (const listener of listeners) {
        await resetOnsets(listener);
        await waitUntilHears(listener, CHROMIUM_TONE, { timeoutMs: 20_000 });
      }
    }));

  test('in a relay tree a listener in Firefox whose upload carries one stream but not two mixes the stage, and a listener in Chromium hears both speakers in the mix', () =>
    withLogs(async () => {
      // 1,000 kbit/s carries no listener two streams of 600, but one.
      const host = await openPerson(chromium, await freshServer({ PORCH_DIRECT_MAX: '1', PORCH_FANOUT: '2', PORCH_STREAM_KBPS: '600' }), { toneHz: CHROMIUM_TONE, label: 'Hal', watchHz: [SECOND_SPEAKER] });
      people.push(host);
      const link = await createStageRoom(host.page, 'Hal');
      const sam = await openPerson(chromium, link, { toneHz: SECOND_SPEAKER, label: 'Sam', watchHz: [] });
      people.push(sam);
      await joinRoom(sam.page, 'Sam');
      await (await personAction(host.page, 'Sam', 'Invite Sam to speak')).click();
      await sam.page.getByRole('button', { name: 'Accept', exact: true }).click();
      await waitUntilHears(host, SECOND_SPEAKER, { timeoutMs: 15_000 });
      const fox = await openFirefoxPerson(firefox, link, { label: 'Fox', toneHz: FIREFOX_TONE, watchHz: [CHROMIUM_TONE, SECOND_SPEAKER] });
      foxes.push(fox);
      await joinInFirefox(fox, 'Fox');
      await firefoxHears(fox, CHROMIUM_TONE);
      const ann = await openPerson(chromium, link, { toneHz: 990, toneOn: false, label: 'Ann', watchHz: [CHROMIUM_TONE, SECOND_SPEAKER] });
      people.push(ann);
      await joinRoom(ann.page, 'Ann');
      await pollUntil('Firefox mixing for Ann', () => firefoxRoute(fox), (route) => servesOthers(route) && /mixed into one stream/.test(route), { timeoutMs: 20_000, everyMs: 250 });
      await pollUntil('Ann hearing the mix through Firefox', () => routeOf(ann.page), (route) => relaysBetween(route) === 1 && /mixed into one stream/.test(route), { timeoutMs: 20_000, everyMs: 250 });
      // Once whatever the stage sent Ann directly, before the tree formed, has long played out, she hears the mix.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await resetOnsets(ann);
      await waitUntilHears(ann, CHROMIUM_TONE, { timeoutMs: 20_000 });
      await waitUntilHears(ann, SECOND_SPEAKER, { timeoutMs: 20_000 });
    }));
});
