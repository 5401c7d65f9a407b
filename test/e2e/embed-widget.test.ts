import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Frame, Page } from 'playwright-core';
import { closeAll, launchBrowser, openPerson, type Person, withLogsOf } from '../helpers/browser.ts';
import { elementPage, framePage, recordedEvents, serveHostPage, waitForEvents, type HostPage, type RecordedEvent } from '../helpers/host-page.ts';
import { joinRoom, newRoomLink, waitForTiles } from '../helpers/room-page.ts';
import { pollUntil } from '../helpers/poll.ts';
import { serverMetric, startServer, type RunningServer } from '../helpers/server.ts';
import { expectHearsExactly, waitUntilHears, waitUntilSilent } from '../helpers/tones.ts';

const ANN = 440;
const BEN = 660;
const CAT = 880;
const DANA = 1100;
const EVE = 1320;
/** Everything a careless or hostile site could do to the element itself from its own style sheet. */
const HOSTILE_CSS = `
  html { font-size: 2px !important; }
  *:not(html):not(body) { display: none !important; font-size: 2px !important; color: transparent !important; }
  porch-room { width: 0 !important; height: 0 !important; opacity: 0 !important; visibility: hidden !important; overflow: hidden !important; }
`;

/** The iframe a framing page shows the room in, once it has loaded /embed/. */
function embedFrame(page: Page): Frame {
  const frame = page.frames().find((f) => f.url().includes('/embed/'));
  assert.ok(frame, `no /embed/ frame on ${page.url()}`);
  return frame;
}

/** Whether a page can open the server's WebSocket: 'open', or 'refused' when the upgrade fails. */
const tryWebSocket = (page: Page, serverUrl: string): Promise<string> =>
  page.evaluate(
    (url) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(url);
        socket.onopen = () => {
          socket.close();
          resolve('open');
        };
        socket.onerror = () => resolve('refused');
      }),
    `${serverUrl.replace('http', 'ws')}/ws`,
  );

const types = (events: RecordedEvent[]): string[] => events.map((e) => e.type);

describe('a room embedded on other websites', () => {
  let server: RunningServer;
  let browser: Browser;
  const link = (): string => room;
  let room = '';
  let secret = '';
  const sites: HostPage[] = [];
  const people: Person[] = [];
  const ann = (): Person => people[0]!;
  const ben = (): Person => people[1]!;
  const cat = (): Person => people[2]!;
  const withLogs = withLogsOf(people, () => server.output());

  before(async () => {
    // Sites are started first, so the server can list them; their pages name the server when asked.
    const serverUrl = (): string => server.url;
    const elementSite = await serveHostPage(() => elementPage(serverUrl(), link(), { attributes: 'name="Ann" role="speaker"' }));
    const frameSite = await serveHostPage(() => framePage(serverUrl(), `${secret}&name=Ben&role=speaker`));
    const hostileSite = await serveHostPage(() => elementPage(serverUrl(), link(), { css: HOSTILE_CSS }));
    const unlistedSite = await serveHostPage(() => framePage(serverUrl(), secret));
    sites.push(elementSite, frameSite, hostileSite, unlistedSite);
    server = await startServer({ env: { PORCH_ALLOWED_ORIGINS: [elementSite, frameSite, hostileSite].map((s) => s.origin).join(',') } });
    room = newRoomLink(server.url);
    secret = new URL(room).hash.slice(1);
    browser = await launchBrowser();
  });

  after(async () => {
    await closeAll(browser);
    await server?.stop();
    await Promise.all(sites.map((site) => site.stop()));
  });

  test('three people hear each other: the element on one site, the iframe on another, and the app', () =>
    withLogs(async () => {
      people.push(await openPerson(browser, sites[0]!.url, { toneHz: ANN, label: 'Ann (element)' }));
      people.push(await openPerson(browser, sites[1]!.url, { toneHz: BEN, label: 'Ben (iframe)' }));
      people.push(await openPerson(browser, link(), { toneHz: CAT, label: 'Cat (app)' }));
      // The sites offered their names: each person only clicks Join.
      await ann().page.getByRole('button', { name: 'Join', exact: true }).click();
      await ben().page.frameLocator('iframe').getByRole('button', { name: 'Join', exact: true }).click();
      await joinRoom(cat().page, 'Cat');
      await expectHearsExactly(ann(), [BEN, CAT], [ANN]);
      await expectHearsExactly({ page: embedFrame(ben().page), label: ben().label }, [ANN, CAT], [BEN]);
      await expectHearsExactly(cat(), [ANN, BEN], [CAT]);
      await waitForTiles(cat().page, 'Ann and Ben on stage', (ts) => ['Ann', 'Ben'].every((n) => ts.some((t) => t.name === n)));
    }));

  test('the element tells its page, in order and once each, that it is ready, joined and speaking', () =>
    withLogs(async () => {
      const events = await waitForEvents(ann().page, 'Ann speaking', (es) => es.some((e) => e.type === 'porch-speaking' && e.detail['self'] === true));
      const order = types(events).filter((type, i, all) => all.indexOf(type) === i);
      assert.deepEqual(order.slice(0, 3), ['porch-ready', 'porch-join', 'porch-speaking']);
      assert.equal(types(events).filter((t) => t === 'porch-ready').length, 1);
      assert.equal(types(events).filter((t) => t === 'porch-join').length, 1);
      assert.deepEqual(events.find((e) => e.type === 'porch-join')?.detail, { name: 'Ann' });
      assert.ok(!types(events).includes('porch-error'), JSON.stringify(events));
    }));

  test('moving the element within its page keeps its person in the room', () =>
    withLogs(async () => {
      await ann().page.evaluate(() => document.body.prepend(document.querySelector('porch-room')!));
      await ann().page.waitForTimeout(1_000);
      await waitUntilHears(cat(), ANN);
      assert.ok(!types(await recordedEvents(ann().page)).includes('porch-leave'));
    }));

  test('the iframe carries the same events to its page and obeys mute and unmute, but lets no script of the page in', () =>
    withLogs(async () => {
      const events = await waitForEvents(ben().page, 'Ben joined', (es) => types(es).includes('porch-join'));
      assert.deepEqual(types(events).slice(0, 2), ['porch-ready', 'porch-join']);
      const reach = await ben().page.evaluate(() => {
        const frame = document.querySelector('iframe')!;
        try {
          return frame.contentDocument === null ? 'no document' : `read ${frame.contentWindow!.document.querySelectorAll('*').length} elements`;
        } catch (error) {
          return `refused: ${(error as Error).name}`;
        }
      });
      assert.equal(reach, 'no document', "the site's script reached into the room's frame");
      await ben().page.evaluate(() => document.querySelector('iframe')!.contentWindow!.postMessage({ porch: 'mute' }, '*'));
      await waitUntilSilent(cat(), BEN);
      await waitUntilHears(cat(), ANN);
      await ben().page.evaluate(() => document.querySelector('iframe')!.contentWindow!.postMessage({ porch: 'unmute' }, '*'));
      await waitUntilHears(cat(), BEN);
    }));

  test("leave() takes the element's person out: the page hears porch-leave and nobody hears them any more", () =>
    withLogs(async () => {
      await ann().page.evaluate(() => document.querySelector('porch-room')!.leave());
      const events = await waitForEvents(ann().page, 'Ann left', (es) => types(es).includes('porch-leave'));
      assert.deepEqual(events.at(-1), { type: 'porch-leave', detail: { reason: 'left' } });
      await Promise.all([waitUntilSilent(cat(), ANN), waitUntilSilent({ page: embedFrame(ben().page), label: ben().label }, ANN)]);
      await waitForTiles(cat().page, 'Ann gone', (ts) => !ts.some((t) => t.name === 'Ann'));
    }));

  test('join() after leaving brings the person back into the room', () =>
    withLogs(async () => {
      await ann().page.evaluate(() => document.querySelector('porch-room')!.join());
      await waitForEvents(ann().page, 'Ann joined again', (es) => types(es).filter((t) => t === 'porch-join').length === 2);
      await waitUntilHears(cat(), ANN);
    }));

  const connections = (): Promise<number> => serverMetric(server.url, 'porch_connections');
  /** A reader on the site with the widget, and the server's connection count before they came; the reader leaves after `scene`. */
  const withReader = (scene: (reader: Person, before: number) => Promise<void>) =>
    withLogs(async () => {
      const before = await connections();
      const reader = await openPerson(browser, sites[2]!.url, { toneHz: EVE, label: 'a reader' });
      try {
        await scene(reader, before);
      } finally {
        await reader.context.close();
      }
    });

  test('a site that embeds a room connects its reader to it only once they turn to the widget, and its leave() before Join ends that', () =>
    withReader(async (reader, before) => {
      await reader.page.getByRole('button', { name: 'Join', exact: true }).waitFor({ state: 'visible' });
      await reader.page.waitForTimeout(1_500);
      assert.equal(await connections(), before, 'reading the page opens no connection to the room');
      await reader.page.getByLabel('Your name').hover();
      await pollUntil('pointing at the join form to look in', connections, (n) => n === before + 1, { timeoutMs: 10_000 });
      await reader.page.getByLabel('Your name').fill('Rea');
      // The site says leave before the reader joined: they stop looking in, and the form stays, with what they typed.
      await reader.page.mouse.move(0, 0);
      await reader.page.evaluate(() => (document.querySelector('porch-room') as unknown as { leave(): void }).leave());
      await pollUntil("the site's leave() to end the look-in", connections, (n) => n === before, { timeoutMs: 10_000 });
      await reader.page.getByRole('button', { name: 'Join', exact: true }).waitFor({ state: 'visible' });
      assert.equal(await reader.page.getByLabel('Your name').inputValue(), 'Rea');
      await reader.page.waitForTimeout(1_000);
      assert.equal(await connections(), before, 'and nothing looks in again until the reader turns to the widget');
    }));

  test('a reader whose page goes into the back/forward cache before Join leaves, and finds the form again when it is restored', () =>
    withReader(async (reader, before) => {
      await reader.page.getByLabel('Your name').fill('Rea');
      await pollUntil('typing to look in', connections, (n) => n === before + 1, { timeoutMs: 10_000 });
      // The events the browser fires around its back/forward cache; whether Chromium caches a page that held sockets varies.
      await reader.page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true })));
      await pollUntil('the hidden page to stop looking in', connections, (n) => n === before, { timeoutMs: 10_000 });
      await reader.page.mouse.move(0, 0);
      await reader.page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })));
      await reader.page.getByRole('button', { name: 'Join', exact: true }).waitFor({ state: 'visible' });
      assert.equal(await reader.page.getByRole('button', { name: 'Rejoin' }).count(), 0, 'no Rejoin: the reader never joined');
      assert.equal(await reader.page.getByLabel('Your name').inputValue(), 'Rea');
    }));

  test("a site's hostile CSS neither hides nor shrinks the widget, and it still joins", () =>
    withLogs(async () => {
      const dana = await openPerson(browser, sites[2]!.url, { toneHz: DANA, label: 'Dana (hostile site)', viewport: { width: 800, height: 700 } });
      people.push(dana);
      const join = dana.page.getByRole('button', { name: 'Join', exact: true });
      await dana.page.getByLabel('Your name').fill('Dana');
      await join.waitFor({ state: 'visible' });
      const box = await dana.page.locator('porch-room').boundingBox();
      assert.ok(box && box.width >= 280 && box.height >= 200, `the widget's box: ${JSON.stringify(box)}`);
      const fontPx = await join.evaluate((button) => parseFloat(getComputedStyle(button).fontSize));
      assert.ok(fontPx >= 12, `the Join button's text is ${fontPx}px`);
      await join.click();
      await waitForTiles(cat().page, 'Dana here', (ts) => ts.some((t) => t.name === 'Dana'));
    }));

  test('a site not listed in PORCH_ALLOWED_ORIGINS can neither frame the room nor open the WebSocket', () =>
    withLogs(async () => {
      const eve = await openPerson(browser, sites[3]!.url, { toneHz: EVE, label: 'Eve (unlisted site)' });
      people.push(eve);
      // The page's load waited for its iframe: refused, the frame holds the browser's error page.
      assert.deepEqual(
        eve.page.frames().slice(1).map((frame) => frame.url()),
        ['chrome-error://chromewebdata/'],
        'the unlisted site shows no room in its iframe',
      );
      assert.equal(await tryWebSocket(eve.page, server.url), 'refused');
      // The same two checks pass for a listed site, so they can tell the difference.
      assert.equal(await embedFrame(ben().page).evaluate(() => document.querySelector('porch-room') !== null), true);
      assert.equal(await tryWebSocket(ben().page, server.url), 'open');
      assert.ok(!(await recordedEvents(eve.page)).some((e) => e.type === 'porch-ready'), 'no widget came up');
    }));
});
