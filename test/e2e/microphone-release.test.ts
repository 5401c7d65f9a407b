import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { closeAll, launchBrowser, openPerson, withLogsOf, type Person } from '../helpers/browser.ts';
import { joinRoom, newRoomLink, ownControl } from '../helpers/room-page.ts';
import { pollUntil } from '../helpers/poll.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

/**
 * After Leave the microphone is off: every track the page ever captured has ended, however
 * Leave interleaves with the browser still opening the microphone.
 */
describe('leaving turns the microphone off', () => {
  let browser: Browser;
  let server: RunningServer;

  before(async () => {
    browser = await launchBrowser();
    server = await startServer();
  });
  after(async () => {
    await closeAll(browser);
    await server?.stop();
  });

  const testApi = (person: Person) => ({
    capturedTracks: () => person.page.evaluate(() => window.__porchTest!.capturedTracks()),
    pendingCaptures: () => person.page.evaluate(() => window.__porchTest!.pendingCaptures()),
    holdCaptures: (hold: boolean) => person.page.evaluate((h) => window.__porchTest!.holdCaptures(h), hold),
  });

  const waitForPendingCaptures = (person: Person, count: number) =>
    pollUntil(`${count} getUserMedia call(s) waiting`, testApi(person).pendingCaptures, (n) => n === count);

  /** The Mute button is enabled once the microphone is live. */
  const waitForLiveMicrophone = (person: Person) =>
    pollUntil('the microphone to be live', () => ownControl(person.page, 'Mute').isEnabled(), (enabled) => enabled);

  /**
   * Once the page holds `count` captured tracks, every one has ended. The page releases a
   * track in the same task that hands it over, so there is nothing to wait for beyond that.
   */
  async function expectAllEnded(person: Person, count: number): Promise<void> {
    const states = await pollUntil(`${count} captured track(s)`, testApi(person).capturedTracks, (s) => s.length === count);
    assert.deepEqual(states, Array(count).fill('ended'), 'every track the page captured has ended');
  }

  /** Joins a fresh hangout alone, which seats the person on stage and opens the microphone. */
  async function joinOnStage(label: string): Promise<Person> {
    const person = await openPerson(browser, newRoomLink(server.url), { toneHz: 440, label, watchHz: [] });
    await joinRoom(person.page, label);
    await waitForLiveMicrophone(person);
    return person;
  }

  const withLogs = (person: Person) => withLogsOf([person], () => server.output());

  test('leaving from the stage ends the microphone track', async () => {
    const ann = await joinOnStage('Ann');
    await withLogs(ann)(async () => {
      await ownControl(ann.page, 'Leave').click();
      await expectAllEnded(ann, 1);
    });
  });

  test('leaving while the browser is still opening the microphone ends the track it opens', async () => {
    const ben = await openPerson(browser, newRoomLink(server.url), { toneHz: 440, label: 'Ben', watchHz: [] });
    await withLogs(ben)(async () => {
      await testApi(ben).holdCaptures(true);
      await joinRoom(ben.page, 'Ben');
      await waitForPendingCaptures(ben, 1);
      await ownControl(ben.page, 'Leave').click();
      await testApi(ben).holdCaptures(false);
      await expectAllEnded(ben, 1);
    });
  });

  test('leaving the stage and taking a seat again while the microphone opens, then leaving, ends every track', async () => {
    const cat = await openPerson(browser, newRoomLink(server.url), { toneHz: 440, label: 'Cat', watchHz: [] });
    await withLogs(cat)(async () => {
      await testApi(cat).holdCaptures(true);
      await joinRoom(cat.page, 'Cat');
      await waitForPendingCaptures(cat, 1);
      await ownControl(cat.page, 'Leave stage').click();
      await ownControl(cat.page, 'Take a seat').click();
      await waitForPendingCaptures(cat, 2);
      await testApi(cat).holdCaptures(false);
      await waitForLiveMicrophone(cat);
      await ownControl(cat.page, 'Leave').click();
      await expectAllEnded(cat, 2);
    });
  });

  test('leaving while another microphone is still being opened ends both tracks', async () => {
    const dan = await joinOnStage('Dan');
    await withLogs(dan)(async () => {
      await testApi(dan).holdCaptures(true);
      await dan.page.getByRole('region', { name: 'Your controls' }).getByRole('combobox').selectOption('tone');
      await waitForPendingCaptures(dan, 1);
      await ownControl(dan.page, 'Leave').click();
      await testApi(dan).holdCaptures(false);
      await expectAllEnded(dan, 2);
    });
  });
});
