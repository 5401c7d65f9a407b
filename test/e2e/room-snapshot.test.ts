/**
 * Rooms that outlive their members. The host saves the room's state to the server, sealed under
 * the room's current key; once everyone has left and the server has restarted, whoever comes back
 * finds the roles, the removal and the lock as they were, and the server's store reads as noise.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { closeAll, launchBrowser, openPerson, type Person, withLogsOf } from '../helpers/browser.ts';
import { createStageRoom, joinRoom, ownControl, personAction, waitForStatus } from '../helpers/room-page.ts';
import { pollUntil } from '../helpers/poll.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { waitUntilHears } from '../helpers/tones.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import { parseRoomFragment, roomIdOf, roomKeyOf } from '../../shared/room-link.ts';
import type { StoredSnapshot } from '../../shared/room-snapshot.ts';
import { checkSnapshot } from '../../shared/snapshot-content.ts';

const HAL = 440;
const ANN = 660;
const BEN = 550;
const TITLE = 'Thursday porch night';

const ownButton = (page: Page, name: string) => page.getByRole('button', { name, exact: true });

/** Every file the server's store holds (or only those `kept`), read as text. */
async function storeText(dir: string, kept: (name: string) => boolean = () => true): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile() && kept(entry.name)).map((entry) => join(entry.parentPath, entry.name));
  return (await Promise.all(files.map((file) => readFile(file, 'utf8')))).join('\n');
}

/** The one snapshot the store holds, as the server keeps it; null while it holds none. A save being written (a dot file beside it) is not it yet. */
async function storedSnapshot(dir: string): Promise<StoredSnapshot | null> {
  const text = await storeText(dir, (name) => !name.startsWith('.')).catch(() => '');
  return text === '' ? null : (JSON.parse(text) as StoredSnapshot);
}

describe('a room outlives its members', () => {
  let dataDir: string;
  let server: RunningServer;
  let browser: Browser;
  const people: Person[] = [];
  const withLogs = withLogsOf(people, () => server.output());

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'porch-snapshots-'));
    server = await startServer({ env: { DATA_DIR: dataDir } });
    browser = await launchBrowser();
  });

  after(async () => {
    await closeAll(browser);
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const arrive = async (url: string, name: string, toneHz: number): Promise<Person> => {
    const person = await openPerson(browser, url, { toneHz, label: name });
    people.push(person);
    return person;
  };

  test('roles, a removal and the lock are back when the host returns after everyone left and the server restarted; the store holds nothing readable', () =>
    withLogs(async () => {
      const hal = await arrive(server.url, 'Hal', HAL);
      const link = await createStageRoom(hal.page, 'Hal');
      await hal.page.getByLabel('Title').fill(TITLE);
      await ownButton(hal.page, 'Save').click();
      const ann = await arrive(link, 'Ann', ANN);
      await joinRoom(ann.page, 'Ann');
      const ben = await arrive(link, 'Ben', BEN);
      await joinRoom(ben.page, 'Ben');
      await waitUntilHears(ann, HAL);

      await (await personAction(hal.page, 'Ann', 'Make Ann a moderator')).click();
      await (await personAction(hal.page, 'Ben', 'Remove Ben')).click();
      await ben.page.getByText(/removed from this room/i).waitFor();
      await ownButton(hal.page, 'Lock room').click();
      await ownButton(ann.page, 'Unlock room').waitFor();

      await ownControl(ann.page, 'Leave').click();
      // The host saves a moment after the room changes, and what changed since as it leaves.
      await ownControl(hal.page, 'Leave').click();
      await hal.page.getByText(/You left the room/).waitFor();
      const lastVersion = Math.max(...hal.logs.map((line) => Number(/snapshot: version (\d+) (sent|goes as we leave)/.exec(line)?.[1] ?? 0)));
      assert.ok(lastVersion > 0, 'the host saved the room');
      await pollUntil(`version ${lastVersion} to be stored`, () => storedSnapshot(dataDir), (stored) => (stored?.version ?? 0) >= lastVersion, { everyMs: 100 });
      await server.stop();
      // The store holds a box the link's key does not open (names never go in the log; the title and the host key do).
      const stored = await storeText(dataDir);
      const secret = parseRoomFragment(new URL(link).hash);
      assert.ok(secret.ok);
      for (const text of [TITLE, 'porch night', toBase64Url(secret.value.hostKey)]) assert.ok(!stored.includes(text), `the store holds "${text}"`);
      const kept = (await storedSnapshot(dataDir))!;
      const underLink = checkSnapshot(kept, { roomId: roomIdOf(secret.value), rules: { hostKey: toBase64Url(secret.value.hostKey), stageMax: 8 } }, { bytes: roomKeyOf(secret.value), epoch: null }, 0);
      assert.equal(underLink.kind, 'sealed', 'sealed under the key of the lock’s epoch, which only those let in hold');
      server = await startServer({ port: server.port, env: { DATA_DIR: dataDir } });

      // Someone who was never here finds the saved room sealed for those who were, and waits for them.
      const cat = await arrive(link, 'Cat', 770);
      await joinRoom(cat.page, 'Cat');
      await waitForStatus(cat.page, /sealed for the people who were in it/);
      await cat.page.getByText("Until someone who was in this room is back, you don't hear the room").waitFor();

      await hal.page.reload();
      await joinRoom(hal.page, 'Hal');
      await ownButton(hal.page, 'Unlock room').waitFor();
      await hal.page.getByRole('heading', { name: TITLE }).waitFor();
      await waitForStatus(cat.page, /waiting in the lobby/i);

      await ann.page.reload();
      await joinRoom(ann.page, 'Ann');
      // Let in at the lock, and a moderator still: Ann hears the host and holds the lock's control.
      await waitUntilHears(ann, HAL);
      await ownButton(ann.page, 'Unlock room').waitFor();
      assert.equal(await (await personAction(hal.page, 'Ann', 'Make Ann a moderator')).count(), 0, 'Ann is a moderator again');

      // Ben is still removed: opening the link again, the room tells him so.
      await ben.page.reload();
      await ben.page.getByText(/removed from this room/i).waitFor();
    }));
});
