/**
 * Links are negotiated able to send whether or not there is a microphone, yet send no RTP
 * until given a track — so a listener sends nothing, and a listener brought on stage starts
 * (and stops) sending on every link without a new offer or answer.
 *
 * What is measured: RTCPeerConnection.getStats() outbound-rtp packetsSent, read from every
 * connection a page made (an init script collects them on window), and the tone detector.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { closeAll, launchBrowser, openPerson, type Person, withLogsOf } from '../helpers/browser.ts';
import { joinRoom, newRoomLink, waitForPeopleConnected, waitForStatus } from '../helpers/room-page.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { expectHearsExactly, waitUntilHears, waitUntilSilent } from '../helpers/tones.ts';
import { COLLECT_CONNECTIONS, rtpReport, type LinkReport } from '../helpers/rtp-stats.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Every connection of the page: connected, one audio transceiver negotiated sendrecv, one audio m-line. */
function assertSendReady(label: string, reports: LinkReport[], count: number): void {
  assert.equal(reports.length, count, `${label}: ${JSON.stringify(reports)}`);
  for (const r of reports) {
    assert.equal(r.connection, 'connected', `${label}: ${JSON.stringify(r)}`);
    assert.deepEqual(r.audioTransceivers, ['sendrecv'], `${label}: ${JSON.stringify(r)}`);
    assert.equal(r.audioMLines, 1, `${label}: ${JSON.stringify(r)}`);
  }
}

describe('sending audio is a track swap, never a renegotiation', () => {
  let browser: Browser;
  let server: RunningServer;
  const people: Person[] = [];

  const withLogs = withLogsOf(people, () => server.output());

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await closeAll(browser);
    await server?.stop();
  });

  test('a person without a microphone sends no RTP at all, while the others hear each other and them', (t) =>
    withLogs(async () => {
      const link = newRoomLink(server.url);
      const open = async (label: string, toneHz: number, blocked = false): Promise<Person> => {
        const person = await openPerson(browser, 'about:blank', { toneHz, label });
        people.push(person);
        await person.context.addInitScript({ content: COLLECT_CONNECTIONS });
        if (blocked) {
          await person.context.addInitScript({
            content: `navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('blocked by the test', 'NotAllowedError'));`,
          });
        }
        await person.page.goto(link);
        return person;
      };
      const ann = await open('Ann', 440);
      const ben = await open('Ben', 660);
      const lee = await open('Lee', 880, true);
      await joinRoom(ann.page, 'Ann');
      await joinRoom(ben.page, 'Ben');
      await joinRoom(lee.page, 'Lee');
      await waitForStatus(lee.page, /Microphone access was blocked.*listen-only/);

      await expectHearsExactly(ann, [660], [880]);
      await expectHearsExactly(ben, [440], [880]);
      await expectHearsExactly(lee, [440, 660], [880]);
      await waitForPeopleConnected(ann.page, ['Ben', 'Lee']);
      await waitForPeopleConnected(lee.page, ['Ann', 'Ben']);
      // Long enough for dozens of 20 ms packets had anything been sent.
      await sleep(1_000);

      const fromLee = await rtpReport(lee.page);
      const fromAnn = await rtpReport(ann.page);
      t.diagnostic(`Lee: ${JSON.stringify(fromLee)}`);
      t.diagnostic(`Ann: ${JSON.stringify(fromAnn)}`);
      assertSendReady('Lee', fromLee, 2);
      assertSendReady('Ann', fromAnn, 2);
      for (const r of fromLee) {
        assert.equal(r.packetsSent, 0, `Lee sent RTP as ${r.role}er: ${JSON.stringify(r)}`);
        assert.ok(r.packetsReceived > 0, `Lee received nothing as ${r.role}er: ${JSON.stringify(r)}`);
      }
      for (const r of fromAnn) assert.ok(r.packetsSent > 0, `Ann sent nothing as ${r.role}er: ${JSON.stringify(r)}`);
    }));

  test('a link made without a track starts and stops sending when given one, with no new offer or answer', (t) =>
    withLogs(async () => {
      // The adapter bundled the way build.mjs bundles the app, on a page of its own.
      const bundle = await build({
        stdin: {
          contents: `import { createSimplePeerLink } from './client/engine/peer-adapter.ts';\nglobalThis.__porchAdapter = { createSimplePeerLink };`,
          resolveDir: REPO_ROOT,
          loader: 'ts',
        },
        absWorkingDir: REPO_ROOT,
        bundle: true,
        write: false,
        format: 'iife',
        target: ['chrome110'],
        define: { global: 'globalThis', 'process.env.NODE_DEBUG': 'false' },
        inject: ['client/shims/process.ts'],
        alias: {
          'readable-stream': './client/shims/stream.ts',
          debug: './client/shims/debug.cjs',
          randombytes: './client/shims/randombytes.cjs',
          buffer: './client/shims/buffer.ts',
        },
        logLevel: 'silent',
      });
      const script = bundle.outputFiles[0]?.text;
      assert.ok(script, 'the adapter did not bundle');

      const pat = await openPerson(browser, 'about:blank', { toneHz: 1100, label: 'Pat (two links in one page)' });
      people.push(pat);
      await pat.context.addInitScript({ content: COLLECT_CONNECTIONS });
      // Served by the test itself (no CSP); localhost keeps it a secure context for getUserMedia.
      const origin = 'http://localhost:9';
      await pat.context.route(`${origin}/**`, (route) => {
        const js = route.request().url().endsWith('.js');
        return route.fulfill({
          contentType: js ? 'text/javascript' : 'text/html',
          body: js ? script : '<!doctype html><script src="/adapter.js"></script>',
        });
      });
      await pat.page.goto(`${origin}/`);

      // Two links in the page, wired to each other, neither given a track.
      await pat.page.evaluate(`(() => {
        const { createSimplePeerLink } = window.__porchAdapter;
        const rig = { signals: [], states: { a: [], b: [] }, remote: { a: 0, b: 0 }, links: {} };
        const make = (name, other, initiator) => createSimplePeerLink({
          initiator,
          track: null,
          iceServers: [],
          onSignal: (data) => {
            rig.signals.push(data.type);
            setTimeout(() => rig.links[other].signal(data), 0);
          },
          onRemoteTrack: () => { rig.remote[name] += 1; },
          onState: (state) => rig.states[name].push(state),
        });
        rig.links.a = make('a', 'b', true);
        rig.links.b = make('b', 'a', false);
        window.__rig = rig;
      })()`);
      const rig = <T>(expression: string): Promise<T> => pat.page.evaluate(expression) as Promise<T>;
      const deadline = Date.now() + 15_000;
      while (!(await rig<boolean>(`__rig.states.a.includes('connected') && __rig.states.b.includes('connected')`))) {
        if (Date.now() > deadline) throw new Error(`links never connected: ${await rig<string>('JSON.stringify(__rig)')}`);
        await sleep(50);
      }
      const negotiation = await rig<string[]>(`__rig.signals.filter((type) => type !== 'candidate')`);
      assert.deepEqual(negotiation, ['offer', 'answer']);
      assert.deepEqual(await rig<unknown>('__rig.remote'), { a: 1, b: 1 }, 'each side got the remote audio once');

      await sleep(1_000);
      const idle = await rtpReport(pat.page);
      t.diagnostic(`no track yet: ${JSON.stringify(idle)}`);
      assertSendReady('idle', idle, 2);
      assert.deepEqual(idle.map((r) => [r.role, r.packetsSent]), [['offer', 0], ['answer', 0]]);

      await rig(`navigator.mediaDevices.getUserMedia({ audio: true }).then((s) => { window.__track = s.getAudioTracks()[0]; })`);
      const sentBy = async (index: number): Promise<number> => (await rtpReport(pat.page))[index]!.packetsSent;

      for (const [index, side, role] of [[0, 'a', 'initiator'], [1, 'b', 'answerer']] as const) {
        await rig(`__rig.links.${side}.setAudioTrack(window.__track)`);
        await waitUntilHears(pat, 1100);
        await sleep(1_000);
        const sending = await sentBy(index);
        assert.ok(sending > 0, `the ${role} sent no RTP after getting a track`);

        await rig(`__rig.links.${side}.setAudioTrack(null)`);
        await waitUntilSilent(pat, 1100);
        const stopped = await sentBy(index);
        await sleep(1_000);
        const later = await sentBy(index);
        t.diagnostic(`${role}: ${sending} packets sent a second after being heard, ${stopped} when silent, ${later} a second later`);
        assert.equal(later, stopped, `the ${role} kept sending RTP after its track was taken away`);
      }
      const other = await rtpReport(pat.page);
      t.diagnostic(`after both took turns: ${JSON.stringify(other)}`);
      assert.deepEqual(
        await rig<string[]>(`__rig.signals.filter((type) => type !== 'candidate')`),
        ['offer', 'answer'],
        'starting or stopping a track renegotiated',
      );
    }));
});
