/**
 * Relay trees in Chromium: with PORCH_DIRECT_MAX=1 and PORCH_FANOUT=2 a host and six listeners
 * form a tree three levels deep, in which listeners forward the stage's encoded audio to others.
 * Every listener hears the stage, nobody uploads on more links than the plan allows, and the tree
 * heals when a relay's page crashes or a relay leaves.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { longestGap, watchGaps } from '../helpers/audio-gaps.ts';
import { closeAll, launchBrowser, openPerson, type Person, withLogsOf } from '../helpers/browser.ts';
import { createStageRoom, joinRoom, ownControl, personAction } from '../helpers/room-page.ts';
import { COLLECT_CONNECTIONS, rtpReport } from '../helpers/rtp-stats.ts';
import { pollUntil } from '../helpers/poll.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { setTone, waitUntilHears } from '../helpers/tones.ts';

const HOST = 440;
const PROMOTED = 660;
const FANOUT = 2;
const DIRECT_MAX = 1;
const LISTENERS = ['Ann', 'Ben', 'Cat', 'Dan', 'Eve', 'Fay'];

/** What a listener's page says about how the stage reaches it ("Hearing the stage via 2 relays · …"). */
const routeOf = async (page: Page): Promise<string> => ((await page.locator('.route').textContent({ timeout: 1000 }).catch(() => '')) ?? '').trim();
const viaOf = (route: string): number | null => {
  if (route.startsWith('Hearing the stage directly')) return 0;
  const via = /via (\d+) relay/.exec(route);
  return via ? Number(via[1]) : null;
};
const servesOthers = (route: string): boolean => /passing it on/.test(route);
/** Direct, via n relays, or on a backup for now (a parent that hiccuped under load counts as stalled). */
const saysHow = (route: string): boolean => viaOf(route) !== null || route.startsWith('Hearing the stage through a backup relay');

/** Polls until `probe` finds what it looks for (anything but null). */
const waitFor = <T>(what: string, probe: () => Promise<T | null>): Promise<T> =>
  pollUntil(what, probe, (found): found is T => found !== null, { timeoutMs: 20_000, everyMs: 200 });

/** Audio packets each of the page's connections sent over one second. */
async function sendingLinks(page: Page): Promise<number> {
  const before = await rtpReport(page);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const later = await rtpReport(page);
  return later.filter((link, i) => link.connection === 'connected' && link.packetsSent > (before[i]?.packetsSent ?? 0)).length;
}

describe('a relay tree', () => {
  let server: RunningServer;
  let browser: Browser;
  let link: string;
  const people: Person[] = [];
  const listeners = (): Person[] => people.filter((p) => p.label !== 'Hal' && !p.page.isClosed());
  const routes = async (): Promise<Map<Person, string>> => new Map(await Promise.all(listeners().map(async (p) => [p, await routeOf(p.page)] as const)));

  const withLogs = withLogsOf(people, () => server.output());

  before(async () => {
    server = await startServer({ env: { PORCH_DIRECT_MAX: String(DIRECT_MAX), PORCH_FANOUT: String(FANOUT) } });
    browser = await launchBrowser();
    const host = await openPerson(browser, 'about:blank', { toneHz: HOST, label: 'Hal', watchHz: [PROMOTED] });
    people.push(host);
    await host.context.addInitScript({ content: COLLECT_CONNECTIONS });
    await host.page.goto(server.url);
    link = await createStageRoom(host.page, 'Hal');
  });

  after(async () => {
    await closeAll(browser);
    await server?.stop();
  });

  test('a host and six listeners form a tree two relays deep, and every listener hears the stage', (t: TestContext) =>
    withLogs(async () => {
      for (const label of LISTENERS) {
        const person = await openPerson(browser, 'about:blank', { toneHz: PROMOTED, toneOn: false, label, watchHz: [HOST, PROMOTED] });
        people.push(person);
        await person.context.addInitScript({ content: COLLECT_CONNECTIONS });
        await person.page.goto(link);
        await joinRoom(person.page, label);
      }
      for (const listener of listeners()) await waitUntilHears(listener, HOST, { timeoutMs: 30_000 });
      const shape = await waitFor('a listener two relays from the stage', async () => {
        const now = await routes();
        return [...now.values()].some((route) => viaOf(route) === 2) ? now : null;
      });
      for (const [person, route] of shape) t.diagnostic(`${person.label}: ${route}`);
      assert.ok([...shape.values()].every(saysHow), 'every listener says how the stage reaches it');
    }));

  test('nobody uploads on more links than the plan allows, and the host sends to the one root only', (t: TestContext) =>
    withLogs(async () => {
      const host = people[0]!;
      const hostSends = await sendingLinks(host.page);
      t.diagnostic(`host sends on ${hostSends} links`);
      assert.equal(hostSends, Math.min(FANOUT, DIRECT_MAX), 'the stage feeds the roots only');
      assert.equal((await rtpReport(host.page)).filter((l) => l.connection === 'connected').length, 1, 'and links with nobody else');
      let relaying = 0;
      for (const listener of listeners()) {
        const sends = await sendingLinks(listener.page);
        t.diagnostic(`${listener.label} forwards on ${sends} links`);
        assert.ok(sends <= FANOUT, `${listener.label} sends on ${sends} links, more than the fan-out`);
        if (sends > 0) relaying += 1;
      }
      assert.ok(relaying >= 2, 'listeners forward to listeners (so the check above can fail)');
    }));

  test('when a relay’s page crashes, everyone below it hears the stage again', (t: TestContext) =>
    withLogs(async () => {
      const current = await routes();
      const [victim] = [...current].find(([, route]) => viaOf(route) === 1 && servesOthers(route)) ?? [];
      assert.ok(victim, `no relay one hop down: ${[...current.values()].join(' | ')}`);
      const others = listeners().filter((p) => p !== victim);
      for (const other of others) await watchGaps(other.page, HOST);
      const cdp = await victim.page.context().newCDPSession(victim.page);
      // The renderer dies mid-call, so the command never answers.
      void cdp.send('Page.crash').catch(() => undefined);
      people.splice(people.indexOf(victim), 1);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      for (const other of others) await waitUntilHears(other, HOST, { timeoutMs: 10_000 });
      const gaps = await Promise.all(others.map(async (p) => [p.label, await longestGap(p.page)] as const));
      t.diagnostic(`longest gap after ${victim.label}'s page crashed: ${gaps.map(([who, ms]) => `${who} ${ms} ms`).join(', ')}`);
    }));

  test('a relay that leaves hands over first, and the tree goes on', (t: TestContext) =>
    withLogs(async () => {
      // Not the root: with PORCH_DIRECT_MAX=1 the whole audience hangs from it, and no backup outside it exists.
      const current = await waitFor('a relay below the root after the crash', async () => {
        const now = await routes();
        return [...now.values()].some((route) => servesOthers(route) && viaOf(route) !== 0) ? now : null;
      });
      const [leaver] = [...current].find(([, route]) => servesOthers(route) && viaOf(route) !== 0) ?? [];
      assert.ok(leaver);
      const others = listeners().filter((p) => p !== leaver);
      for (const other of others) await watchGaps(other.page, HOST);
      await ownControl(leaver.page, 'Leave').click();
      await new Promise((resolve) => setTimeout(resolve, 3000));
      for (const other of others) await waitUntilHears(other, HOST, { timeoutMs: 10_000 });
      const gaps = await Promise.all(others.map(async (p) => [p.label, await longestGap(p.page)] as const));
      t.diagnostic(`longest gap after ${leaver.label} left: ${gaps.map(([who, ms]) => `${who} ${ms} ms`).join(', ')}`);
      await leaver.context.close();
      people.splice(people.indexOf(leaver), 1);
    }));

  test('a listener deep in the tree is invited to the stage, and every listener hears it', () =>
    withLogs(async () => {
      const current = await routes();
      const [deepest] = [...current].sort(([, a], [, b]) => (viaOf(b) ?? 0) - (viaOf(a) ?? 0))[0] ?? [];
      assert.ok(deepest);
      const host = people[0]!;
      await (await personAction(host.page, deepest.label, `Invite ${deepest.label} to speak`)).click();
      await deepest.page.getByRole('button', { name: 'Accept', exact: true }).click();
      await setTone(deepest, true);
      await waitUntilHears(host, PROMOTED, { timeoutMs: 15_000 });
      for (const listener of listeners()) if (listener !== deepest) await waitUntilHears(listener, PROMOTED, { timeoutMs: 15_000 });
    }));
});
