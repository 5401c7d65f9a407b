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
import { createStageRoom, joinRoom, ownControl, personAction, relaysBetween, routeOf, servesOthers } from '../helpers/room-page.ts';
import { COLLECT_CONNECTIONS, rtpReport, sentDuring } from '../helpers/rtp-stats.ts';
import { pollUntil } from '../helpers/poll.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { setTone, waitUntilHears } from '../helpers/tones.ts';

const HOST = 440;
const PROMOTED = 660;
const FANOUT = 2;
const DIRECT_MAX = 1;
const LISTENERS = ['Ann', 'Ben', 'Cat', 'Dan', 'Eve', 'Fay'];

/** Direct, via n relays, or on a backup for now (a parent that hiccuped under load counts as stalled). */
const saysHow = (route: string): boolean => relaysBetween(route) !== null || route.startsWith('Hearing the stage through a backup relay');

/** How many of the page's links carried audio over one second. */
const sendingLinks = async (page: Page): Promise<number> => (await sentDuring(page, 1000)).filter((link) => link.packets > 0).length;

describe('a relay tree', () => {
  let server: RunningServer;
  let browser: Browser;
  let link: string;
  const people: Person[] = [];
  const listeners = (): Person[] => people.filter((p) => p.label !== 'Hal' && !p.page.isClosed());
  const listener = (label: string): Person => listeners().find((p) => p.label === label) ?? assert.fail(`${label} is not listening`);
  /** What each listener's page says, by name. */
  const routes = async (): Promise<Record<string, string>> => Object.fromEntries(await Promise.all(listeners().map(async (p) => [p.label, await routeOf(p.page)])));
  /** Polls the routes until `accept` holds: a busy page may not answer one poll in time. */
  const waitForRoutes = (what: string, accept: (routes: [string, string][]) => boolean, timeoutMs = 20_000): Promise<[string, string][]> =>
    pollUntil(what, async () => Object.entries(await routes()), accept, { timeoutMs, everyMs: 200 });

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
      const shape = await waitForRoutes('a listener two relays from the stage, and every listener saying how the stage reaches it', (now) =>
        now.some(([, route]) => relaysBetween(route) === 2) && now.every(([, route]) => saysHow(route)),
      );
      for (const [label, route] of shape) t.diagnostic(`${label}: ${route}`);
    }));

  test('nobody uploads on more links than the plan allows, and the host sends to the one root only', (t: TestContext) =>
    withLogs(async () => {
      const host = people[0]!;
      // A listener on its backup is fed from that relay's spare link until its parent is back (RETURN_MS, 3 s), so the plan's bound is read in a second when nobody is.
      const onBackup = (route: string): boolean => route.startsWith('Hearing the stage through a backup relay');
      const window = await pollUntil(
        'a second of sending while no listener hears the stage through a backup',
        async () => {
          const before = Object.values(await routes());
          const sends = await Promise.all(people.map(async (p) => [p.label, await sendingLinks(p.page)] as const));
          const after = Object.values(await routes());
          return { steady: ![...before, ...after].some(onBackup), sends };
        },
        (seen) => seen.steady,
        { timeoutMs: 30_000, everyMs: 200 },
      );
      const [, hostSends] = window.sends[0]!;
      t.diagnostic(`host sends on ${hostSends} links`);
      assert.equal(hostSends, Math.min(FANOUT, DIRECT_MAX), 'the stage feeds the roots only');
      assert.equal((await rtpReport(host.page)).filter((l) => l.connection === 'connected').length, 1, 'and links with nobody else');
      let relaying = 0;
      for (const [label, sends] of window.sends.slice(1)) {
        t.diagnostic(`${label} forwards on ${sends} links`);
        assert.ok(sends <= FANOUT, `${label} sends on ${sends} links, more than the fan-out`);
        if (sends > 0) relaying += 1;
      }
      assert.ok(relaying >= 2, 'listeners forward to listeners (so the check above can fail)');
      // A feed has nine m-lines: unbundled, its offer would trickle nine times the candidates and run into the server's rate limit.
      for (const person of people) {
        for (const link of await rtpReport(person.page)) assert.ok(link.candidateMids <= 1, `${person.label} gathered candidates for ${link.candidateMids} m-lines of one link`);
      }
    }));

  test('when a relay’s page crashes, everyone below it hears the stage again', (t: TestContext) =>
    withLogs(async () => {
      const relayOneHopDown = ([, route]: [string, string]): boolean => relaysBetween(route) === 1 && servesOthers(route);
      const current = await waitForRoutes('a relay one hop down', (now) => now.some(relayOneHopDown));
      const victim = listener(current.find(relayOneHopDown)![0]);
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
      const relayBelowRoot = ([, route]: [string, string]): boolean => servesOthers(route) && relaysBetween(route) !== 0;
      const current = await waitForRoutes('a relay below the root after the crash', (now) => now.some(relayBelowRoot));
      const leaver = listener(current.find(relayBelowRoot)![0]);
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

  test('a relay whose page is busy goes on forwarding, so those it feeds never turn to their backups', (t: TestContext) =>
    withLogs(async () => {
      const current = await waitForRoutes('a relay feeding others', (now) => now.some(([, route]) => servesOthers(route) && relaysBetween(route) !== null));
      const busy = listener(current.find(([, route]) => servesOthers(route))![0]);
      const others = listeners().filter((p) => p !== busy);
      for (const other of others) await watchGaps(other.page, HOST);
      // Its main thread does nothing else for two seconds, five times what failover waits (feed-choice.ts STALL_MS).
      await busy.page.evaluate(() => {
        const end = Date.now() + 2000;
        while (Date.now() < end);
      });
      const after = Object.entries(await routes());
      const gaps = await Promise.all(others.map(async (p) => [p.label, await longestGap(p.page)] as const));
      t.diagnostic(`longest gap while ${busy.label}'s page was busy: ${gaps.map(([who, ms]) => `${who} ${ms} ms`).join(', ')}`);
      const onBackup = after.filter(([, route]) => route.startsWith('Hearing the stage through a backup relay'));
      assert.deepEqual(onBackup, [], `listeners turned to their backups while ${busy.label}'s page was busy: its frames stopped`);
    }));

  test('a relay whose upload cannot keep up, as those it feeds report, is made a leaf, and everyone still hears', (t: TestContext) =>
    withLogs(async () => {
      const servesTwo = ([, route]: [string, string]): boolean => /passing it on to 2 people/.test(route);
      const current = await waitForRoutes('a relay feeding two', (now) => now.some(servesTwo));
      const slow = listener(current.find(servesTwo)![0]);
      // Its page stands in for a congested upload: every receiver report on its links says four fifths got lost.
      await slow.page.evaluate(() => {
        const getStats = RTCPeerConnection.prototype.getStats;
        RTCPeerConnection.prototype.getStats = async function (this: RTCPeerConnection, ...args: Parameters<typeof getStats>) {
          const report = await getStats.apply(this, args);
          const lossy = new Map<string, unknown>();
          report.forEach((stat: { type: string }, id: string) => lossy.set(id, stat.type === 'remote-inbound-rtp' ? { ...stat, fractionLost: 0.8 } : stat));
          return lossy as unknown as RTCStatsReport;
        };
      });
      // Receiver reports come every few seconds, and it takes two fresh rounds of them.
      const after = await waitForRoutes(`${slow.label} feeding nobody`, (now) => now.some(([who, route]) => who === slow.label && !servesOthers(route)), 45_000);
      t.diagnostic(`routes once ${slow.label} could not keep up: ${JSON.stringify(after)}`);
      for (const other of listeners()) await waitUntilHears(other, HOST, { timeoutMs: 15_000 });
    }));

  test('a listener deep in the tree is invited to the stage, and every listener hears it', () =>
    withLogs(async () => {
      const current = Object.entries(await routes());
      const deepest = listener(current.sort(([, a], [, b]) => (relaysBetween(b) ?? 0) - (relaysBetween(a) ?? 0))[0]![0]);
      const host = people[0]!;
      await (await personAction(host.page, deepest.label, `Invite ${deepest.label} to speak`)).click();
      await deepest.page.getByRole('button', { name: 'Accept', exact: true }).click();
      await setTone(deepest, true);
      await waitUntilHears(host, PROMOTED, { timeoutMs: 15_000 });
      for (const listener of listeners()) if (listener !== deepest) await waitUntilHears(listener, PROMOTED, { timeoutMs: 15_000 });
    }));
});
