import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { closeAll, launchBrowser, openPerson } from '../helpers/browser.ts';
import { joinRoom, newRoomLink, waitForPeopleConnected, waitForStatus } from '../helpers/room-page.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { createIdentity } from '../../shared/crypto.ts';
import { safetyNumberOf } from '../../shared/safety-number.ts';

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

/**
 * Plays a script with the page's own powers (an injected one, or an extension): everything it
 * finds of the stored profile, and whether it can get the identity's secret out of it.
 */
function lootProfile(page: Page): Promise<{ fields: string[]; secretBytes: number; key: { type: string; extractable: boolean; algorithm: string } | null; exported: string[] }> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('keyval-store');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const profile = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const read = db.transaction('keyval', 'readonly').objectStore('keyval').get('porch:profile');
      read.onsuccess = () => resolve(read.result as Record<string, unknown>);
      read.onerror = () => reject(read.error);
    });
    db.close();
    const values = Object.values(profile);
    // A secret as bytes: tweetnacl's 64 (seed and public key) or a bare 32-byte seed beside another 32.
    const secretBytes = values.filter((value) => value instanceof Uint8Array && value.length === 64).length;
    const found = values.find((value): value is CryptoKey => value instanceof CryptoKey) ?? null;
    const exported: string[] = [];
    for (const format of ['pkcs8', 'jwk', 'raw'] as const) {
      if (found) await crypto.subtle.exportKey(format, found).then(() => exported.push(format), () => undefined);
    }
    const key = found && { type: found.type, extractable: found.extractable, algorithm: found.algorithm.name };
    return { fields: Object.keys(profile).sort(), secretBytes, key, exported };
  });
}

test("a script on the page finds the identity only as a key it cannot export, and a profile kept as bytes before moves into one, the same identity", async () => {
  const link = newRoomLink(server.url);
  const ann = await openPerson(browser, link, { toneHz: 440, label: 'Ann' });
  const ben = await openPerson(browser, link, { toneHz: 660, label: 'Ben' });
  await joinRoom(ann.page, 'Ann');
  const loot = await lootProfile(ann.page);
  assert.deepEqual(loot.key, { type: 'private', extractable: false, algorithm: 'Ed25519' });
  assert.deepEqual(loot.exported, [], 'the identity key came out of WebCrypto');
  assert.equal(loot.secretBytes, 0);
  assert.ok(!loot.fields.includes('identitySecretKey'), loot.fields.join(', '));

  // Ben's browser holds a profile from before WebCrypto kept identities: tweetnacl's secret bytes.
  const before = createIdentity();
  await ben.page.evaluate(async (secret) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('keyval-store');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    // The page keeps a new profile of its own as it opens: written over once it is there.
    for (let waited = 0; waited < 10_000; waited += 50) {
      const count = await new Promise<number>((resolve, reject) => {
        const read = db.transaction('keyval', 'readonly').objectStore('keyval').count('porch:profile');
        read.onsuccess = () => resolve(read.result);
        read.onerror = () => reject(read.error);
      });
      if (count > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise<void>((resolve, reject) => {
      const write = db.transaction('keyval', 'readwrite').objectStore('keyval').put({ name: 'Ben', identitySecretKey: Uint8Array.from(secret) }, 'porch:profile');
      write.onsuccess = () => resolve();
      write.onerror = () => reject(write.error);
    });
    db.close();
  }, [...before.secretKey]);
  await ben.page.reload();
  await joinRoom(ben.page, 'Ben');
  await waitForPeopleConnected(ann.page, ['Ben']);
  assert.equal((await verifyNumbers(ann.page, 'Ben')).theirs, safetyNumberOf(before.publicKey), 'Ben came back as someone else');
  const moved = await lootProfile(ben.page);
  assert.deepEqual(moved.key, { type: 'private', extractable: false, algorithm: 'Ed25519' });
  assert.equal(moved.secretBytes, 0, 'the old secret bytes are still kept');
  assert.deepEqual(moved.exported, []);
});
