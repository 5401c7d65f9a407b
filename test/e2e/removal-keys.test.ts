/**
 * A removed member keeps no key. The room's broadcasts move to a new epoch's key at a removal or
 * a lock, handed pairwise to those let in; everything else is sealed pairwise for each visit. A
 * modified client that is removed, and that a hostile server hands a copy of every envelope sent
 * in the room, reads nothing after its removal but the bare keys of someone arriving through the link.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { closeAll, launchBrowser, type Person, withLogsOf } from '../helpers/browser.ts';
import { startHostileProxy, type HostileProxy } from '../helpers/hostile-proxy.ts';
import { joinRoom, ownControl, personAction, tiles, waitForTiles } from '../helpers/room-page.ts';
import type { RogueMember } from '../helpers/rogue-member.ts';
import { stageWithRogue } from '../helpers/stage-with-rogue.ts';
import { pollUntil } from '../helpers/poll.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { waitUntilHears } from '../helpers/tones.ts';

const HAL = 440;
const CAT = 660;

const ownButton = (page: Page, name: string) => page.getByRole('button', { name, exact: true });
const names = async (page: Page): Promise<string[]> => (await tiles(page)).filter((tile) => !tile.self).map((tile) => tile.name).sort();

describe('a removed member keeps no key', () => {
  let server: RunningServer;
  let proxy: HostileProxy;
  let browser: Browser;
  const people: Person[] = [];
  const withLogs = withLogsOf(people, () => server.output());
  let rex: RogueMember | null = null;

  before(async () => {
    server = await startServer();
    proxy = await startHostileProxy(server.url);
    browser = await launchBrowser();
  });

  after(async () => {
    rex?.close();
    await closeAll(browser);
    await proxy?.close();
    await server?.stop();
  });

  test('a removed modified client, handed a copy of everything sent in the room, reads nothing after its removal, the old epoch’s key and all', (t: TestContext) =>
    withLogs(async () => {
      const room = await stageWithRogue(browser, proxy.url, people, { host: { name: 'Hal', toneHz: HAL }, listener: { name: 'Cat', toneHz: CAT }, rogue: 'Rex' });
      const { host: hal, listener: cat } = room;
      rex = room.rogue;

      // Locking starts an epoch; Rex is in the room then, so he is handed its key like everyone.
      await ownButton(hal.page, 'Lock room').click();
      await pollUntil('Rex to be handed the key of the lock’s epoch', () => rex!.epochKeys(), (keys) => keys >= 1);
      proxy.copyAllTo(rex.peerId()!);
      // While he is let in, the copies the server hands him read as they would for anyone: so the check below can fail.
      await ownControl(hal.page, 'Mute').click();
      await pollUntil(
        'Rex to read Hal’s presence in what the server copies him',
        () => rex!.heard().some(({ message }) => message.kind === 'presence' && message.name === 'Hal' && message.muted),
        (read) => read,
      );

      await (await personAction(hal.page, 'Rex', 'Remove Rex')).click();
      for (const page of [hal.page, cat.page]) await pollUntil(`Rex gone from ${page === hal.page ? 'Hal' : 'Cat'}’s page`, () => names(page), (shown) => !shown.includes('Rex'));
      // Whatever was on its way when the removal landed has arrived by now.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const removedAt = Date.now();
      const copiedBefore = copiedTo(proxy, rex.peerId()!);

      // The room goes on: Hal unmutes and mutes, Cat raises a hand, leaves and comes back through the link.
      await ownControl(hal.page, 'Unmute').click();
      await ownControl(cat.page, 'Raise hand').click();
      await (await personAction(hal.page, 'Cat', 'Invite Cat to speak')).waitFor();
      await ownControl(hal.page, 'Mute').click();
      await cat.page.reload();
      await joinRoom(cat.page, 'Cat');
      await waitForTiles(hal.page, 'Hal to show Cat back', (shown) => shown.some((tile) => tile.name === 'Cat'));
      await waitForTiles(cat.page, 'Cat, back, to show Hal muted', (shown) => shown.some((tile) => tile.name === 'Hal' && tile.muted));
      await ownControl(hal.page, 'Unmute').click();
      await waitForTiles(cat.page, 'Cat to show Hal unmuted: his presence under the new epoch reaches her', (shown) => shown.some((tile) => tile.name === 'Hal' && !tile.muted));
      await waitUntilHears(cat, HAL);

      // Asked outright, members hand a removed identity the log once, and only up to its removal.
      const removal = rex.logLength();
      rex.askForLog();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.equal(rex.logLength(), removal, 'no act of the room after his removal');

      const copied = copiedTo(proxy, rex.peerId()!) - copiedBefore;
      const read = rex.heard().filter(({ at }) => at >= removedAt);
      const news = read.filter(({ message }) => message.kind !== 'looking-in' && !(message.kind === 'acts' && message.entries.every((entry) => entry.n < removal)));
      t.diagnostic(`after the removal the server copied Rex ${copied} envelopes; he opened ${read.length}: ${read.map(({ message }) => message.kind).join(', ')}`);
      assert.ok(copied >= 10, `only ${copied} envelopes were copied to Rex: the room did too little to show anything`);
      // Cat's knock on coming back carries her keys only: no name, no state.
      assert.deepEqual(news, [], 'nothing Rex can read after his removal but the bare keys of someone arriving, and the log up to his removal');
    }));
});

/** Envelopes the proxy copied to `peer` that were not meant for it. */
const copiedTo = (proxy: HostileProxy, peer: string): number => proxy.frames().filter((f) => f.dir === 'down' && f.peer === peer && f.forged).length;
