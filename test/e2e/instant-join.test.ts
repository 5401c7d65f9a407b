import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { closeAll, closePerson, launchBrowser, openPerson, withLogsOf, type Person } from '../helpers/browser.ts';
import { joinRoom, newRoomLink, tiles, waitForPeopleConnected } from '../helpers/room-page.ts';
import { COLLECT_CONNECTIONS, type LinkReport } from '../helpers/rtp-stats.ts';
import { pollUntil } from '../helpers/poll.ts';
import { serverMetric, startServer, type RunningServer } from '../helpers/server.ts';
import { expectHearsExactly, waitUntilHears } from '../helpers/tones.ts';

const ANN = 440;
const BEN = 660;

/**
 * Instant join: the room comes in while a person reads the page and types a name. Until they
 * click Join they hear nothing, send nothing, are shown to nobody, and their microphone stays
 * closed; the moment they click, they hear. A page closed before Join leaves nobody behind.
 */
describe('looking in before Join', () => {
  let browser: Browser;
  let server: RunningServer;
  const people: Person[] = [];
  const withLogs = withLogsOf(people, () => server.output());

  before(async () => {
    browser = await launchBrowser();
    server = await startServer();
  });
  after(async () => {
    await closeAll(browser);
    await server?.stop();
  });

  async function arrive(link: string, label: string, toneHz: number): Promise<Person> {
    const person = await openPerson(browser, 'about:blank', { toneHz, label, watchHz: [ANN, BEN] });
    people.push(person);
    await person.context.addInitScript({ content: COLLECT_CONNECTIONS });
    await person.page.goto(link);
    return person;
  }

  const links = (page: Page): Promise<LinkReport[]> => page.evaluate(() => window.__rtpReport!());
  const othersShown = async (page: Page): Promise<string[]> => (await tiles(page)).filter((t) => !t.self).map((t) => t.name);
  const captures = (page: Page) =>
    page.evaluate(() => ({ tracks: window.__porchTest!.capturedTracks().length, pending: window.__porchTest!.pendingCaptures() }));

  const membersOnServer = (): Promise<number> => serverMetric(server.url, 'porch_room_members');

  /** Ann alone in a new room, and how many members the server counts then. */
  async function annAlone(): Promise<{ link: string; ann: Person; before: number }> {
    const link = newRoomLink(server.url);
    const ann = await arrive(link, 'Ann', ANN);
    await joinRoom(ann.page, 'Ann');
    await ann.page.getByText(/1 person here/).waitFor();
    return { link, ann, before: await membersOnServer() };
  }


  test('someone who opened the link hears nothing, sends nothing and shows to nobody until Join; then they hear at once', () =>
    withLogs(async () => {
      const link = newRoomLink(server.url);
      const ann = await arrive(link, 'Ann', ANN);
      await joinRoom(ann.page, 'Ann');
      await ann.page.getByText(/1 person here/).waitFor();

      const ben = await arrive(link, 'Ben', BEN);
      await ben.page.getByText('Ann is here.').waitFor({ timeout: 15_000 });
      // The room is coming in: Ann's audio already arrives on a live link.
      const warm = await pollUntil('a live link bringing Ann', () => links(ben.page), (r) => r.some((l) => l.connection === 'connected' && l.packetsReceived > 0), { everyMs: 100 });
      await expectHearsExactly(ben, [], [ANN], { silentForMs: 2_000 });
      await expectHearsExactly(ann, [], [BEN], { silentForMs: 500 });
      const after = await links(ben.page);
      assert.ok(after.every((l) => l.packetsSent === 0), `Ben sends nothing before Join: ${JSON.stringify(after)}`);
      assert.deepEqual(await captures(ben.page), { tracks: 0, pending: 0 }, "Ben's microphone was never asked for");
      assert.deepEqual(await othersShown(ann.page), [], 'Ann is shown nobody');
      assert.match(await ann.page.locator('.count').innerText(), /1 person here/);

      await joinRoom(ben.page, 'Ben');
      await waitUntilHears(ben, ANN, { timeoutMs: 5_000 });
      await waitForPeopleConnected(ann.page, ['Ben']);
      await waitUntilHears(ann, BEN);
      const joined = await links(ben.page);
      assert.equal(joined.length, warm.length, `the link made before Join carries the room after it: ${JSON.stringify(joined)}`);
      await Promise.all(people.splice(0).map(closePerson));
    }));

  test('the seat Join takes is signed while the person types their name, off the main thread: the click only adds it', () =>
    withLogs(async () => {
      const { link, ann } = await annAlone();
      const ben = await arrive(link, 'Ben', BEN);
      await ben.page.getByText('Ann is here.').waitFor({ timeout: 15_000 });
      await ben.page.getByLabel('Your name').pressSequentially('Ben', { delay: 500 });
      await ben.page.getByRole('button', { name: 'Join', exact: true }).click();
      const seatTaken = (): string | undefined => ben.logs.find((line) => /log: take-seat at \d+ made/.test(line));
      const seat = await pollUntil("Ben's seat to be taken", seatTaken, (line) => line !== undefined, { everyMs: 20 });
      assert.match(seat!, /\(signed ahead\)$/, "Ben's seat was signed at the click, on the main thread");
      await waitUntilHears(ann, BEN);
      await Promise.all(people.splice(0).map(closePerson));
    }));

  test('a page closed before Join leaves no member behind', () =>
    withLogs(async () => {
      const { link, ann, before } = await annAlone();
      const ben = await arrive(link, 'Ben', BEN);
      await pollUntil('a live link between Ann and Ben', () => links(ben.page), (r) => r.some((l) => l.connection === 'connected'), { everyMs: 100 });
      assert.equal(await membersOnServer(), before + 1, 'Ben is connected, looking in');
      await ben.page.close();
      await pollUntil('the server to forget Ben', membersOnServer, (n) => n === before, { timeoutMs: 5_000, everyMs: 100 });
      await pollUntil("Ann's link with Ben to close", () => links(ann.page), (r) => r.every((l) => l.connection !== 'connected'), { everyMs: 100 });
      assert.deepEqual(await othersShown(ann.page), [], 'Ann was never shown Ben');
      await Promise.all(people.splice(0).map(closePerson));
    }));

  test('a page put in the back/forward cache before Join leaves, and restored shows the join form again, not Rejoin', () =>
    withLogs(async () => {
      const { link, ann, before } = await annAlone();
      const ben = await arrive(link, 'Ben', BEN);
      await pollUntil('Ben to look in', membersOnServer, (n) => n === before + 1, { everyMs: 100 });
      await ben.page.getByLabel('Your name').fill('Ben');
      // The events the browser fires around its back/forward cache; whether Chromium caches a page that held sockets varies.
      await ben.page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true })));
      await pollUntil('the server to forget Ben as the page is hidden', membersOnServer, (n) => n === before, { timeoutMs: 5_000, everyMs: 100 });
      await ben.page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })));
      await ben.page.getByRole('button', { name: 'Join', exact: true }).waitFor({ state: 'visible' });
      assert.equal(await ben.page.getByRole('button', { name: 'Rejoin' }).count(), 0, 'no Rejoin: Ben never joined');
      assert.equal(await ben.page.getByLabel('Your name').inputValue(), 'Ben', 'the name typed before is still there');
      await pollUntil('Ben to look in again', membersOnServer, (n) => n === before + 1, { everyMs: 100 });
      await ben.page.getByRole('button', { name: 'Join', exact: true }).click();
      await waitForPeopleConnected(ann.page, ['Ben']);
      await Promise.all(people.splice(0).map(closePerson));
    }));
});
