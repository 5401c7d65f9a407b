import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { closeAll, launchBrowser, openPerson } from '../helpers/browser.ts';
import { joinRoom, newRoomLink, waitForPeopleConnected, waitForStatus } from '../helpers/room-page.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

let server: RunningServer;
let browser: Browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await closeAll(browser);
  await server.stop();
});

/** Opens the Verify dialog for `name` and reads both numbers, then closes it. */
async function verifyNumbers(page: Page, name: string): Promise<{ own: string; theirs: string }> {
  await page.getByRole('button', { name: `Verify ${name}` }).click();
  const dialog = page.getByRole('dialog', { name: `Verify ${name}` });
  await dialog.waitFor();
  const own = (await dialog.getByTestId('own-number').textContent())?.trim() ?? '';
  const theirs = (await dialog.getByTestId('their-number').textContent())?.trim() ?? '';
  await dialog.getByRole('button', { name: 'Done' }).click();
  await dialog.waitFor({ state: 'hidden' });
  return { own, theirs };
}

test('both sides of a Verify dialog show the same two safety numbers, and an identity survives a reload', async () => {
  const link = newRoomLink(server.url);
  const ann = await openPerson(browser, link, { toneHz: 440, label: 'Ann' });
  const ben = await openPerson(browser, link, { toneHz: 660, label: 'Ben' });
  await joinRoom(ann.page, 'Ann');
  await joinRoom(ben.page, 'Ben');
  await waitForPeopleConnected(ann.page, ['Ben']);
  await waitForPeopleConnected(ben.page, ['Ann']);

  const atAnn = await verifyNumbers(ann.page, 'Ben');
  const atBen = await verifyNumbers(ben.page, 'Ann');
  assert.match(atAnn.own, /^\d{5} \d{5} \d{5} \d{5}$/);
  assert.notEqual(atAnn.own, atAnn.theirs, 'two browser profiles must have two identities');
  assert.equal(atAnn.own, atBen.theirs);
  assert.equal(atAnn.theirs, atBen.own);

  await ann.page.reload();
  await joinRoom(ann.page, 'Ann');
  await waitForPeopleConnected(ann.page, ['Ben']);
  await waitForPeopleConnected(ben.page, ['Ann']);
  const afterReload = await verifyNumbers(ann.page, 'Ben');
  assert.equal(afterReload.own, atAnn.own, 'the identity changed across a reload');
  assert.equal((await verifyNumbers(ben.page, 'Ann')).theirs, atAnn.own);
});

test('a person marked verified stays verified on the next visit, and someone else under their name is a warning', async () => {
  const link = newRoomLink(server.url);
  const ann = await openPerson(browser, link, { toneHz: 440, label: 'Ann' });
  const ben = await openPerson(browser, link, { toneHz: 660, label: 'Ben' });
  await joinRoom(ann.page, 'Ann');
  await joinRoom(ben.page, 'Ben');
  await waitForPeopleConnected(ann.page, ['Ben']);

  await ann.page.getByRole('button', { name: 'Verify Ben' }).click();
  const dialog = ann.page.getByRole('dialog', { name: 'Verify Ben' });
  await dialog.getByRole('button', { name: 'They match: mark as verified' }).click();
  await dialog.getByRole('status').filter({ hasText: 'You verified Ben' }).waitFor();
  await dialog.getByRole('button', { name: 'Done' }).click();

  await ann.page.reload();
  await joinRoom(ann.page, 'Ann');
  await waitForPeopleConnected(ann.page, ['Ben']);
  await ann.page.getByRole('button', { name: 'Verify Ben (Verified)' }).waitFor();

  // Another browser, so another key, under the same name.
  const impostor = await openPerson(browser, link, { toneHz: 880, label: 'Ben (impostor)' });
  await joinRoom(impostor.page, 'Ben');
  await waitForStatus(ann.page, /Ben is not the Ben you verified/);
  await ann.page.getByRole('button', { name: 'Verify Ben (Not verified: key changed)' }).waitFor();
  await ann.page.getByRole('button', { name: 'Verify Ben (Verified)' }).waitFor();
});
