/**
 * A relay tree whose relays cannot carry every speaker's stream, in Chromium. With
 * PORCH_STREAM_KBPS=600 a listener's assumed upload (1,000 kbit/s) carries two speakers' streams
 * (1,200) to nobody, but one mixed stream (600) to one listener; with PORCH_DIRECT_MAX=1 the
 * stage feeds one root. So the root mixes the stage for the next listener, who forwards that mix
 * unchanged to the third. Everyone hears both speakers, each relay sends one stream per link, and
 * the speaking indicators still tell the speakers apart at the end of the chain.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { closeAll, launchBrowser, openPerson, type Person, withLogsOf } from '../helpers/browser.ts';
import { createStageRoom, joinRoom, personAction, relaysBetween, routeOf, waitForTiles } from '../helpers/room-page.ts';
import { COLLECT_CONNECTIONS, sentDuring } from '../helpers/rtp-stats.ts';
import { pollUntil } from '../helpers/poll.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { setTone, waitUntilHears } from '../helpers/tones.ts';

const HOST = 440;
const SPEAKER = 660;
const LISTENERS = ['Ann', 'Ben', 'Cat'];
const MIXED = /mixed into one stream/;

describe('a relay tree that mixes the stage', () => {
  let server: RunningServer;
  let browser: Browser;
  const people: Person[] = [];
  const listeners = (): Person[] => people.filter((p) => LISTENERS.includes(p.label));
  const withLogs = withLogsOf(people, () => server.output());

  before(async () => {
    server = await startServer({ env: { PORCH_DIRECT_MAX: '1', PORCH_FANOUT: '2', PORCH_STREAM_KBPS: '600' } });
    browser = await launchBrowser();
  });

  after(async () => {
    await closeAll(browser);
    await server?.stop();
  });

  test('two speakers, and three listeners who each relay one mixed stream: everyone hears both', (t: TestContext) =>
    withLogs(async () => {
      const open = async (label: string, toneHz: number, toneOn: boolean): Promise<Person> => {
        const person = await openPerson(browser, 'about:blank', { toneHz, toneOn, label, watchHz: [HOST, SPEAKER] });
        people.push(person);
        await person.context.addInitScript({ content: COLLECT_CONNECTIONS });
        return person;
      };
      const host = await open('Hal', HOST, true);
      await host.page.goto(server.url);
      const link = await createStageRoom(host.page, 'Hal');
      const sam = await open('Sam', SPEAKER, false);
      await sam.page.goto(link);
      await joinRoom(sam.page, 'Sam');
      await (await personAction(host.page, 'Sam', 'Invite Sam to speak')).click();
      await sam.page.getByRole('button', { name: 'Accept', exact: true }).click();
      await setTone(sam, true);
      await waitUntilHears(host, SPEAKER, { timeoutMs: 15_000 });
      for (const label of LISTENERS) {
        const person = await open(label, SPEAKER, false);
        await person.page.goto(link);
        await joinRoom(person.page, label);
      }
      for (const listener of listeners()) {
        await waitUntilHears(listener, HOST, { timeoutMs: 30_000 });
        await waitUntilHears(listener, SPEAKER, { timeoutMs: 15_000 });
      }
      const routes = await pollUntil(
        'a root that mixes, and a listener hearing the mix two relays down',
        () => Promise.all(listeners().map(async (p) => [p.label, await routeOf(p.page)] as const)),
        (now) => now.some(([, r]) => relaysBetween(r) === 0 && MIXED.test(r)) && now.some(([, r]) => relaysBetween(r) === 2 && MIXED.test(r)),
        { timeoutMs: 20_000, everyMs: 200 },
      );
      for (const [label, route] of routes) t.diagnostic(`${label}: ${route}`);
    }));

  test('a relay sends one stream on each link it feeds, whether it mixes or forwards a mix', (t: TestContext) =>
    withLogs(async () => {
      let relaying = 0;
      for (const listener of listeners()) {
        const links = (await sentDuring(listener.page, 1000)).filter((l) => l.packets > 0);
        t.diagnostic(`${listener.label} sends on ${links.length} links: ${links.map((l) => `${l.streams} streams, ${Math.round((l.bytes * 8) / 1000)} kbit/s`).join('; ')}`);
        for (const sent of links) assert.equal(sent.streams, 1, `${listener.label} sends ${sent.streams} streams on one link`);
        if (links.length > 0) relaying += 1;
      }
      assert.equal(relaying, 2, 'the root and the middle of the chain relay (so the check above can fail)');
    }));

  test('at the end of the chain, the speaking indicators still tell the two speakers apart', () =>
    withLogs(async () => {
      const routes = await Promise.all(listeners().map(async (p) => [p, await routeOf(p.page)] as const));
      const [deepest] = routes.find(([, r]) => relaysBetween(r) === 2 && MIXED.test(r)) ?? assert.fail('nobody hears a mix two relays down');
      const speaking = (name: string) => (tiles: { name: string; speaking: boolean }[]) => tiles.find((tile) => tile.name === name)?.speaking === true;
      await waitForTiles(deepest.page, 'both speakers speaking', (tiles) => speaking('Hal')(tiles) && speaking('Sam')(tiles));
      await setTone(people.find((p) => p.label === 'Sam')!, false);
      await waitForTiles(deepest.page, 'Sam silent while Hal speaks', (tiles) => speaking('Hal')(tiles) && !speaking('Sam')(tiles));
    }));
});
