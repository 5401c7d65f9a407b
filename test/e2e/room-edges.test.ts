import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { closeAll, launchBrowser, openPerson } from '../helpers/browser.ts';
import { joinRoom, newRoomLink, waitForPeopleConnected, waitForStatus, waitForTiles, ownControl } from '../helpers/room-page.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { expectHearsExactly } from '../helpers/tones.ts';

describe('what a person is told when things are not normal', () => {
  let browser: Browser;
  const servers: RunningServer[] = [];
  const serve = async (options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> => {
    const server = await startServer(options);
    servers.push(server);
    return server;
  };

  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await closeAll(browser);
    await Promise.all(servers.map((s) => s.stop()));
  });

  test('a person whose microphone is blocked joins listen-only, is told so, and still hears the room', async () => {
    const server = await serve();
    const link = newRoomLink(server.url);
    const ann = await openPerson(browser, link, { toneHz: 440, label: 'Ann' });
    const lee = await openPerson(browser, 'about:blank', { toneHz: 660, label: 'Lee' });
    await lee.context.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('blocked by the test', 'NotAllowedError'));
    });
    await lee.page.goto(link);
    await joinRoom(ann.page, 'Ann');
    await joinRoom(lee.page, 'Lee');
    await waitForStatus(lee.page, /Microphone access was blocked.*listen-only/);
    await expectHearsExactly(lee, [440], [660]);
    await waitForPeopleConnected(ann.page, ['Lee']);
    await expectHearsExactly(ann, [], [660]);
    assert.equal(await ownControl(lee.page, 'Mute').isDisabled(), true);
  });

  test('the next person into a full room is told the room is full', async () => {
    const server = await serve({ env: { ROOM_CAPACITY: '2' } });
    const link = newRoomLink(server.url);
    const people = await Promise.all(
      ['Ann', 'Ben', 'Cat'].map((label, i) => openPerson(browser, link, { toneHz: [440, 660, 880][i]!, label })),
    );
    await joinRoom(people[0]!.page, 'Ann');
    await joinRoom(people[1]!.page, 'Ben');
    await waitForPeopleConnected(people[0]!.page, ['Ben']);
    await joinRoom(people[2]!.page, 'Cat');
    await waitForStatus(people[2]!.page, /This room is full/);
    await expectHearsExactly(people[0]!, [660], [880]);
  });

  test('while the server cannot be reached the page says so, and joins once it is back', async () => {
    const first = await serve();
    const link = newRoomLink(first.url);
    const ann = await openPerson(browser, link, { toneHz: 440, label: 'Ann' });
    await first.stop();
    await joinRoom(ann.page, 'Ann');
    await waitForStatus(ann.page, /Can't reach the room server — retrying/);

    await serve({ port: first.port });
    const ben = await openPerson(browser, link, { toneHz: 660, label: 'Ben' });
    await joinRoom(ben.page, 'Ben');
    await waitForStatus(ann.page, /^$/, { timeoutMs: 20_000 });
    await expectHearsExactly(ann, [660], [440]);
  });

  test('a damaged room link explains itself instead of showing a blank page', async () => {
    const server = await serve();
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/r/#not-a-real-room`);
    await page.getByRole('alert').getByText('This room link is incomplete').waitFor();
  });

  test('a created room carries its title to the people who join, and a name is remembered', async () => {
    const server = await serve();
    const host = await openPerson(browser, server.url, { toneHz: 440, label: 'Host' });
    await host.page.getByLabel('Room title (optional)').fill('Friday porch');
    assert.equal(await host.page.getByRole('radio', { name: 'Hangout' }).isChecked(), true);
    await host.page.getByRole('button', { name: 'Create room' }).click();
    await host.page.waitForURL(/\/r\/#[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    await host.page.getByRole('button', { name: 'Copy link' }).waitFor();
    await host.page.getByRole('img', { name: 'QR code of the room link' }).waitFor();
    const link = host.page.url();
    await joinRoom(host.page, 'Hana');

    const guest = await openPerson(browser, link, { toneHz: 660, label: 'Guest' });
    await joinRoom(guest.page, 'Gus');
    await guest.page.getByRole('heading', { name: 'Friday porch' }).waitFor();
    await expectHearsExactly(guest, [440], [660]);

    await host.page.reload();
    assert.equal(await host.page.getByLabel('Your name').inputValue(), 'Hana');
    await waitForTiles(guest.page, 'the host gone after reloading', (ts) => !ts.some((t) => t.name === 'Hana'));
  });
});
