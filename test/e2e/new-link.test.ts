/**
 * New link: staff move everyone here to a fresh link. Removal bans an identity, but keys are free
 * to make and the old link stays valid; after a move, those removed hold a link to an empty room.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { closeAll, launchBrowser, openPerson, type Person, withLogsOf } from '../helpers/browser.ts';
import { joinRoom, ownControl, personAction, tiles, waitForTiles } from '../helpers/room-page.ts';
import type { RogueMember } from '../helpers/rogue-member.ts';
import { stageWithRogue } from '../helpers/stage-with-rogue.ts';
import { pollUntil } from '../helpers/poll.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { waitUntilHears } from '../helpers/tones.ts';

const HAL = 440;
const ANN = 660;

describe('New link', () => {
  let server: RunningServer;
  let browser: Browser;
  const people: Person[] = [];
  const withLogs = withLogsOf(people, () => server.output());
  let rex: RogueMember | null = null;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    rex?.close();
    await closeAll(browser);
    await server?.stop();
  });

  test('after a removal the host is told the removed can come back, moves everyone to a new link, and the old link leads to an empty room', () =>
    withLogs(async () => {
      const room = await stageWithRogue(browser, server.url, people, { host: { name: 'Hal', toneHz: HAL }, listener: { name: 'Ann', toneHz: ANN }, rogue: 'Rex' });
      const { host: hal, listener: ann, link: oldLink } = room;
      rex = room.rogue;
      await (await personAction(hal.page, 'Rex', 'Remove Rex')).click();
      await hal.page.getByText(/Someone removed can come back under a new identity/).waitFor();

      await hal.page.getByRole('button', { name: 'Move everyone to a new link', exact: true }).click();
      await pollUntil('Hal on a new link', () => hal.page.url(), (url) => url !== oldLink && url.includes('/r/#'));
      const newLink = hal.page.url();
      await pollUntil('Ann on the same new link', () => ann.page.url(), (url) => url === newLink);
      // Both are in the new room as they were: the host on stage, Ann listening to him.
      await waitForTiles(ann.page, 'Hal in the new room', (ts) => ts.some((t) => t.name === 'Hal'), { timeoutMs: 20_000 });
      await waitUntilHears(ann, HAL);
      await ownControl(ann.page, 'Raise hand').waitFor();
      assert.ok(!rex.heard().some(({ message }) => message.kind === 'new-link'), 'the removed member is never handed the new link');

      // Someone who opens the old link finds nobody there.
      const max = await openPerson(browser, oldLink, { toneHz: 550, label: 'Max' });
      people.push(max);
      await joinRoom(max.page, 'Max');
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      assert.deepEqual((await tiles(max.page)).filter((t) => !t.self && t.name !== 'Rex').map((t) => t.name), [], 'nobody of the room is at the old link');
      assert.ok(!(await tiles(hal.page)).some((t) => t.name === 'Max'), 'nor does the old link lead into the new room');
    }));
});
