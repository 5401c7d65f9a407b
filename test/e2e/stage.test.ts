/**
 * A stage room, end to end in Chromium with a tone per person: the host brings people up,
 * listeners are receive-only, and moderation holds because every honest page enforces the
 * signed room log itself.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { closeAll, launchBrowser, openPerson, type Person, withLogsOf } from '../helpers/browser.ts';
import { createStageRoom, joinRoom, ownControl, personAction, waitForStatus } from '../helpers/room-page.ts';
import { COLLECT_CONNECTIONS, rtpReport } from '../helpers/rtp-stats.ts';
import { joinAsRogue } from '../helpers/rogue-member.ts';
import { pollUntil } from '../helpers/poll.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { expectHearsExactly, waitUntilHears, waitUntilSilent } from '../helpers/tones.ts';

const HOST = 440;
const SAM = 660;
const SUE = 880;
const LEE = 1100;
const LIZ = 1320;

/** A listener's app patched to send its microphone on every link anyway. */
const SEND_ANYWAY = `(() => {
  const Base = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Base {
    constructor(...args) {
      super(...args);
      this.addEventListener('connectionstatechange', async () => {
        if (this.connectionState !== 'connected') return;
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        for (const t of this.getTransceivers()) await t.sender.replaceTrack(stream.getAudioTracks()[0]);
      });
    }
  };
})();`;

/** Every one of these tones falls silent for the listener, and stays so. */
async function silenced(listener: Person, tones: number[]): Promise<void> {
  await Promise.all(tones.map((hz) => waitUntilSilent(listener, hz)));
  await expectHearsExactly(listener, [], tones, { silentForMs: 1_500 });
}

const ownButton = (page: Page, name: string) => page.getByRole('button', { name, exact: true });

describe('a stage room', () => {
  let server: RunningServer;
  let browser: Browser;
  let link: string;
  const people: Person[] = [];
  const byName = (label: string): Person => people.find((p) => p.label === label)!;

  const withLogs = withLogsOf(people, () => server.output());

  /** Opens the room for one more person; every page records its connections for RTP stats. */
  async function arrive(label: string, toneHz: number): Promise<Person> {
    const person = await openPerson(browser, 'about:blank', { toneHz, label });
    people.push(person);
    await person.context.addInitScript({ content: COLLECT_CONNECTIONS });
    await person.page.goto(link);
    await joinRoom(person.page, label);
    return person;
  }

  async function bringUp(host: Person, who: Person): Promise<void> {
    await (await personAction(host.page, who.label, `Invite ${who.label} to speak`)).click();
    await ownButton(who.page, 'Accept').click();
  }

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    // The host creates the room from the landing page, choosing Stage.
    const host = await openPerson(browser, server.url, { toneHz: HOST, label: 'Hal' });
    people.push(host);
    await host.context.addInitScript({ content: COLLECT_CONNECTIONS });
    await host.page.reload();
    link = await createStageRoom(host.page, 'Hal');
  });

  after(async () => {
    await closeAll(browser);
    await server?.stop();
  });

  test('host, two speakers and two listeners: all hear the stage, nobody hears the listeners, who send no RTP', (t: TestContext) =>
    withLogs(async () => {
      const host = byName('Hal');
      const sam = await arrive('Sam', SAM);
      const sue = await arrive('Sue', SUE);
      const lee = await arrive('Lee', LEE);
      const liz = await arrive('Liz', LIZ);
      await bringUp(host, sam);
      await bringUp(host, sue);

      await expectHearsExactly(host, [SAM, SUE], [LEE, LIZ]);
      await expectHearsExactly(sam, [HOST, SUE], [LEE, LIZ]);
      await expectHearsExactly(sue, [HOST, SAM], [LEE, LIZ]);
      await expectHearsExactly(lee, [HOST, SAM, SUE], [LIZ]);
      await expectHearsExactly(liz, [HOST, SAM, SUE], [LEE]);
      for (const listener of [lee, liz]) {
        const links = await rtpReport(listener.page);
        t.diagnostic(`${listener.label}: ${JSON.stringify(links.map((l) => ({ sent: l.packetsSent, received: l.packetsReceived })))}`);
        assert.ok(links.length >= 3, `${listener.label} has links to the stage`);
        for (const l of links) assert.equal(l.packetsSent, 0, `${listener.label} sent RTP: ${JSON.stringify(l)}`);
        assert.ok(links.some((l) => l.packetsReceived > 0), `${listener.label} received nothing`);
      }
      const fromSam = await rtpReport(sam.page);
      assert.ok(fromSam.some((l) => l.packetsSent > 0), 'a speaker sends RTP (so the check above can fail)');
    }));

  test('a listener raises a hand, is invited, accepts and is heard; after leaving the stage nobody hears it', () =>
    withLogs(async () => {
      const [host, sam, lee, liz] = ['Hal', 'Sam', 'Lee', 'Liz'].map(byName) as [Person, Person, Person, Person];
      await ownButton(lee.page, 'Raise hand').click();
      await host.page.getByRole('list', { name: 'Raised hands' }).getByText('Lee').waitFor();
      await bringUp(host, lee);
      await Promise.all([host, sam, liz].map((p) => waitUntilHears(p, LEE)));
      await ownButton(lee.page, 'Leave stage').click();
      await Promise.all([host, sam, liz].map((p) => waitUntilSilent(p, LEE)));
    }));

  test('the host mutes a speaker: nobody hears it, and it cannot unmute until allowed', () =>
    withLogs(async () => {
      const [host, sam, sue, lee] = ['Hal', 'Sam', 'Sue', 'Lee'].map(byName) as [Person, Person, Person, Person];
      await (await personAction(host.page, 'Sam', 'Mute Sam')).click();
      await Promise.all([host, sue, lee].map((p) => waitUntilSilent(p, SAM)));
      await waitForStatus(sam.page, /muted you/i);
      assert.equal(await ownControl(sam.page, 'Unmute').isDisabled(), true, 'Sam can unmute himself');
      await (await personAction(host.page, 'Sam', 'Allow Sam to unmute')).click();
      await ownControl(sam.page, 'Unmute').click();
      await Promise.all([host, sue, lee].map((p) => waitUntilHears(p, SAM)));
    }));

  test('a locked room keeps a newcomer in the lobby, hearing nothing, until admitted', () =>
    withLogs(async () => {
      const host = byName('Hal');
      await ownButton(host.page, 'Lock room').click();
      // A listener's own tone is never heard, so Nat can borrow Liz's.
      const nat = await arrive('Nat', LIZ);
      await waitForStatus(nat.page, /lobby/i);
      await expectHearsExactly(nat, [], [HOST, SAM, SUE], { silentForMs: 2_000 });
      await ownButton(host.page, 'Admit Nat').click();
      await expectHearsExactly(nat, [HOST, SAM, SUE], [LEE]);
      await ownButton(host.page, 'Unlock room').click();
    }));

  test('the host removes a listener: it is told, cannot come back with the same identity, others carry on', () =>
    withLogs(async () => {
      const [host, sam, liz] = ['Hal', 'Sam', 'Liz'].map(byName) as [Person, Person, Person];
      await (await personAction(host.page, 'Liz', 'Remove Liz')).click();
      await liz.page.getByText(/removed from this room/i).waitFor();
      await silenced(liz, [HOST, SAM, SUE]);
      // Opening the link again, she learns it from the room's log before she can even type a name.
      await liz.page.reload();
      await liz.page.getByText(/removed from this room/i).waitFor();
      assert.equal(await liz.page.getByLabel('Your name').count(), 0, 'no join form for someone removed');
      await expectHearsExactly(liz, [], [HOST, SAM, SUE], { silentForMs: 2_000 });
      await expectHearsExactly(sam, [HOST, SUE], [LEE, LIZ]);
    }));

  test('a modified client that signs acts without the right, or sends audio as a listener, is ignored by every honest page', (t: TestContext) =>
    withLogs(async () => {
      const [host, sam, lee] = ['Hal', 'Sam', 'Lee'].map(byName) as [Person, Person, Person];
      const mal = await joinAsRogue(link, 'Mal');
      try {
        await pollUntil('Mal to learn the room log', () => mal.logLength() > 0, (learned) => learned, { everyMs: 100 });
        await (await personAction(host.page, 'Mal', 'Make Mal a moderator')).waitFor();
        mal.forge({ type: 'make-moderator', target: mal.key });
        mal.forge({ type: 'lock' });
        for (const p of [host, sam, lee]) await waitForStatus(p.page, /were ignored/);
        assert.equal(await ownButton(host.page, 'Lock room').isVisible(), true, 'the room stays unlocked');
        assert.equal(await (await personAction(host.page, 'Mal', 'Make Mal a moderator')).isVisible(), true, 'Mal is still no moderator');
      } finally {
        mal.close();
      }

      // Max's app is patched to send his microphone on every link though he only listens.
      const max = await openPerson(browser, 'about:blank', { toneHz: LIZ, label: 'Max' });
      people.push(max);
      await max.context.addInitScript({ content: COLLECT_CONNECTIONS });
      await max.context.addInitScript({ content: SEND_ANYWAY });
      await max.page.goto(link);
      await joinRoom(max.page, 'Max');
      await expectHearsExactly(max, [HOST, SAM, SUE], [LIZ]);
      await pollUntil('Max to send RTP', async () => (await rtpReport(max.page)).some((l) => l.packetsSent > 50), (sending) => sending, { everyMs: 100 });
      t.diagnostic(`Max sent ${JSON.stringify((await rtpReport(max.page)).map((l) => l.packetsSent))} packets`);
      for (const p of [host, sam, lee]) await expectHearsExactly(p, [], [LIZ], { silentForMs: 2_000 });
    }));

  test('the host reloads the page and is host again', () =>
    withLogs(async () => {
      const [host, sam, lee] = ['Hal', 'Sam', 'Lee'].map(byName) as [Person, Person, Person];
      await host.page.reload();
      await joinRoom(host.page, 'Hal');
      await Promise.all([sam, lee].map((p) => waitUntilHears(p, HOST)));
      await (await personAction(host.page, 'Lee', 'Invite Lee to speak')).waitFor();
      await ownButton(host.page, 'Lock room').waitFor();
    }));

  test('the host ends the room: everyone is disconnected and told why', () =>
    withLogs(async () => {
      const [host, sam, lee] = ['Hal', 'Sam', 'Lee'].map(byName) as [Person, Person, Person];
      await ownButton(host.page, 'End room').click();
      await ownButton(host.page, 'End room for everyone').click();
      for (const p of [sam, lee]) await p.page.getByText(/host ended this room/i).first().waitFor();
      await silenced(lee, [HOST, SAM, SUE]);
    }));
});
