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

  test('the next person to open the link of a full room is told so at once, before typing a name', async () => {
    const server = await serve({ env: { ROOM_CAPACITY: '2' } });
    const link = newRoomLink(server.url);
    const [ann, ben] = await Promise.all(['Ann', 'Ben'].map((label, i) => openPerson(browser, link, { toneHz: [440, 660][i]!, label })));
    await joinRoom(ann!.page, 'Ann');
    await joinRoom(ben!.page, 'Ben');
    await waitForPeopleConnected(ann!.page, ['Ben']);
    const cat = await openPerson(browser, link, { toneHz: 880, label: 'Cat' });
    await waitForStatus(cat.page, /This room is full/);
    assert.equal(await cat.page.getByLabel('Your name').count(), 0, 'no join form for a room that cannot take Cat');
    await expectHearsExactly(ann!, [660], [880]);
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
