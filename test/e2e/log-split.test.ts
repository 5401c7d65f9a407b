/**
 * Histories that part silently. A hostile server keeps two members' messages from each other
 * while the host is away, so each raises a hand at the same place of the room log unseen by the
 * other; then it lets everything through again. Nobody acts after that, so no fork ever arrives
 * by itself: members find the parting by comparing where their logs stand, show it when the fork
 * rule cannot settle it, and the host's return settles it for everyone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { closeAll, launchBrowser, openPerson, type Person, withLogsOf } from '../helpers/browser.ts';
import { startHostileProxy, type HostileProxy } from '../helpers/hostile-proxy.ts';
import { createStageRoom, joinRoom, ownControl, statusText, waitForStatus, waitForTiles } from '../helpers/room-page.ts';
import { pollUntil } from '../helpers/poll.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

/** Longer than the fork rule's window (SETTLE_MS): a history this old gives way to no member's. */
const PARTED_FOR_MS = 7_000;
const PARTED = /history differs from (Ann|Ben)'s, and the two could not be reconciled/;

const handsShownTo = async (page: Page): Promise<string[]> =>
  ((await page.getByRole('list', { name: 'Raised hands' }).textContent({ timeout: 1000 }).catch(() => '')) ?? '').match(/Ann|Ben/g)?.sort() ?? [];

describe('histories that part silently', () => {
  let server: RunningServer;
  let proxy: HostileProxy;
  let browser: Browser;
  const people: Person[] = [];
  const withLogs = withLogsOf(people, () => server.output());

  before(async () => {
    server = await startServer();
    proxy = await startHostileProxy(server.url);
    browser = await launchBrowser();
  });

  after(async () => {
    await closeAll(browser);
    await proxy?.close();
    await server?.stop();
  });

  test('two members a hostile server kept apart are told within seconds that their histories differ, and the host’s return settles it', () =>
    withLogs(async () => {
      const hal = await openPerson(browser, proxy.url, { toneHz: 440, label: 'Hal' });
      people.push(hal);
      const link = await createStageRoom(hal.page, 'Hal');
      const [ann, ben] = await Promise.all(['Ann', 'Ben'].map((label, i) => openPerson(browser, link, { toneHz: 550 + 110 * i, label })));
      people.push(ann!, ben!);
      for (const [person, name] of [[ann!, 'Ann'], [ben!, 'Ben']] as const) await joinRoom(person.page, name);
      for (const page of [ann!.page, ben!.page]) await waitForTiles(page, 'Hal, Ann and Ben', (ts) => ts.length === 3);
      const [, annId, benId] = proxy.peers();
      assert.ok(annId && benId);

      await hal.page.close();
      for (const page of [ann!.page, ben!.page]) await waitForTiles(page, 'Hal gone', (ts) => !ts.some((t) => t.name === 'Hal'));
      proxy.withhold({ a: annId, b: benId });
      await ownControl(ann!.page, 'Raise hand').click();
      await ownControl(ben!.page, 'Raise hand').click();
      for (const page of [ann!.page, ben!.page]) await ownControl(page, 'Lower hand').waitFor();
      await new Promise((resolve) => setTimeout(resolve, PARTED_FOR_MS));
      proxy.stopAttacks();

      assert.match(await waitForStatus(ann!.page, PARTED, { timeoutMs: 30_000 }), /differs from Ben's/);
      assert.match(await waitForStatus(ben!.page, PARTED, { timeoutMs: 30_000 }), /differs from Ann's/);

      // The host is back: its history wins on both sides, and the hand it left out is raised again by its owner.
      const back = await hal.context.newPage();
      await back.goto(link);
      await joinRoom(back, 'Hal');
      await pollUntil('Hal to see both hands', () => handsShownTo(back), (hands) => hands.join() === 'Ann,Ben', { timeoutMs: 30_000 });
      for (const page of [ann!.page, ben!.page]) await pollUntil('the warning to go', () => statusText(page), (text) => !PARTED.test(text), { timeoutMs: 30_000 });
    }));
});
