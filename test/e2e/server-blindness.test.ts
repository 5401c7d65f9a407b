import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { toBase64Url } from '../../shared/encoding.ts';
import { parseRoomFragment, roomKeyOf } from '../../shared/room-link.ts';
import { closeAll, dumpLogs, launchBrowser, openPerson, type Person } from '../helpers/browser.ts';
import { startHostileProxy, type HostileProxy } from '../helpers/hostile-proxy.ts';
import { joinRoom, waitForPeopleConnected } from '../helpers/room-page.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { expectHearsExactly } from '../helpers/tones.ts';

const NAMES = ['Zebulon Quartermaine', 'Philippa Okonkwo', 'Ignatius Farthingale'] as const;
const TONES = [440, 660, 880] as const;
const TITLE = 'Moonlit marmalade symposium';

describe('what the signaling server gets to see of a call', () => {
  let server: RunningServer;
  let proxy: HostileProxy;
  let browser: Browser;
  const people: Person[] = [];

  const withLogs = async (step: () => Promise<void>): Promise<void> => {
    try {
      await step();
    } catch (error) {
      const frames = proxy.frames().map((f) => `${f.dir} ${f.peer ?? '?'} ${f.text}`).join('\n');
      throw new Error(
        `${(error as Error).message}\n${dumpLogs(people)}\n--- server\n${server.output()}\n--- frames\n${frames}`,
        { cause: error },
      );
    }
  };

  before(async () => {
    // Debug logging: the most the server will ever say about a room.
    server = await startServer({ env: { LOG_LEVEL: 'debug' } });
    proxy = await startHostileProxy(server.url);
    browser = await launchBrowser();
  });
  after(async () => {
    await closeAll(browser);
    await proxy?.close();
    await server?.stop();
  });

  test('names, title, room secret, room key and SDP never cross the server in the clear', () =>
    withLogs(async () => {
      const host = await openPerson(browser, proxy.url, { toneHz: TONES[0], label: NAMES[0] });
      people.push(host);
      await host.page.getByLabel('Room title (optional)').fill(TITLE);
      await host.page.getByRole('button', { name: 'Create room' }).click();
      await host.page.waitForURL(/\/r\/#[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
      const link = host.page.url();
      await joinRoom(host.page, NAMES[0]);
      for (const i of [1, 2] as const) {
        const guest = await openPerson(browser, link, { toneHz: TONES[i], label: NAMES[i] });
        people.push(guest);
        await joinRoom(guest.page, NAMES[i]);
      }

      for (const [i, person] of people.entries()) {
        await expectHearsExactly(person, TONES.filter((_, j) => j !== i), [TONES[i]!]);
      }
      await waitForPeopleConnected(people[1]!.page, [NAMES[0], NAMES[2]]);
      // The title reached the guests, so it was in the traffic — sealed.
      await people[2]!.page.getByRole('heading', { name: TITLE }).waitFor();

      const secret = parseRoomFragment(new URL(link).hash);
      assert.ok(secret.ok, `the created link ${link} has a valid fragment`);
      // The fragment is <secret>.<host key>; the host key is public, the secret half is not.
      const secretHalf = toBase64Url(secret.value.bytes);
      assert.equal(secret.value.text, `${secretHalf}.${toBase64Url(secret.value.hostKey)}`);
      const forbidden = new Map<string, string>([
        ['SDP version line', 'v=0'],
        ['DTLS fingerprint', 'a=fingerprint'],
        ['ICE candidate', 'candidate:'],
        ['ICE username fragment', 'ice-ufrag'],
        ['room title', TITLE],
        ['link secret', secretHalf],
        ['link fragment', secret.value.text],
        ['room key', toBase64Url(roomKeyOf(secret.value))],
        ...NAMES.map((name) => [`display name ${name}`, name] as const),
      ]);

      const frames = proxy.frames();
      const ups = frames.filter((f) => f.dir === 'up' && f.text.includes('"type":"send"'));
      const downs = frames.filter((f) => f.dir === 'down' && f.text.includes('"type":"msg"'));
      // Three links' worth of presence, offers, answers and candidates went through the proxy.
      assert.ok(ups.length >= 6 && downs.length >= 6, `expected envelopes both ways, saw ${ups.length} send and ${downs.length} msg frames`);
      for (const frame of frames) {
        for (const [what, text] of forbidden) {
          assert.ok(!frame.text.includes(text), `a ${frame.dir} frame carries the ${what} in the clear: ${frame.text}`);
        }
      }
      for (const line of proxy.requests()) {
        assert.ok(!line.includes(secretHalf), `an HTTP request carries the link secret: ${line}`);
      }

      const log = server.output();
      assert.ok(log.includes('"event"'), 'the server logged something to check');
      for (const what of ['room title', 'link secret', 'link fragment', 'room key', ...NAMES.map((n) => `display name ${n}`)]) {
        const text = forbidden.get(what)!;
        assert.ok(!log.includes(text), `the server log contains the ${what}`);
      }
    }));
});
