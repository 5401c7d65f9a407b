/**
 * Self-test of the tone tooling, no app needed: one static page connects two
 * RTCPeerConnections to each other (A sends getUserMedia's track to B), so the page hears its
 * own tone through real WebRTC. Proves the detector says yes, says no, and says when.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { closeAll, dumpLogs, launchBrowser, openPerson, type Person } from '../helpers/browser.ts';
import {
  expectHearsExactly,
  resetOnsets,
  setTone,
  toneState,
  waitForOnset,
  waitUntilHears,
  waitUntilSilent,
} from '../helpers/tones.ts';

const LOOPBACK_PAGE = `<!doctype html>
<meta charset="utf-8">
<title>loopback</title>
<script type="module">
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  a.onicecandidate = (e) => { if (e.candidate) void b.addIceCandidate(e.candidate); };
  b.onicecandidate = (e) => { if (e.candidate) void a.addIceCandidate(e.candidate); };
  for (const track of stream.getAudioTracks()) a.addTrack(track, stream);
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription);
  window.loopback = { a, b, devices: await navigator.mediaDevices.enumerateDevices() };
</script>`;

let server: Server;
let browser: Browser;
let person: Person;

before(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(LOOPBACK_PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  browser = await launchBrowser();
  person = await openPerson(browser, `http://localhost:${port}/`, { toneHz: 440, label: 'loopback' });
});

after(async () => {
  await closeAll(browser);
  await new Promise((resolve) => server?.close(resolve));
});

test('a page hears its own tone through WebRTC and no tone that nobody plays', async (t) => {
  try {
    await expectHearsExactly(person, [440], [660, 880, 1100, 1320]);
  } catch (error) {
    t.diagnostic(dumpLogs([person]));
    throw error;
  }
  const state = await toneState(person);
  assert.equal(state.tappedTracks, 1, 'exactly the one remote track is tapped');
  assert.equal(state.contextState, 'running');
  const devices = await person.page.evaluate(() =>
    (window as unknown as { loopback: { devices: MediaDeviceInfo[] } }).loopback.devices.map((d) => d.label),
  );
  assert.deepEqual(devices, ['Test tone']);
});

test('switching the tone off falls silent, and on again gives an onset after the switch', async (t) => {
  await waitUntilHears(person, 440);
  await setTone(person, false);
  await waitUntilSilent(person, 440, { forMs: 1_500 });
  await resetOnsets(person);
  const switchedOnAt = await setTone(person, true);
  const onset = await waitForOnset(person, 440);
  assert.ok(onset >= switchedOnAt, `onset ${onset} precedes switching on at ${switchedOnAt}`);
  t.diagnostic(`tone on → onset after ${onset - switchedOnAt} ms (loopback, one hop)`);
});

test('a page too busy to look when the tone comes still dates its onset by the sound, not by when it looked', async (t) => {
  await waitUntilHears(person, 440);
  await setTone(person, false);
  await waitUntilSilent(person, 440, { forMs: 1_500 });
  await resetOnsets(person);
  // The tone goes on and the page's main thread stays busy 250 ms: no poll can see it before then.
  const { switchedOnAt, busyUntil } = await person.page.evaluate((busyMs) => {
    const on = window.__porchTest!.setTone(true);
    while (Date.now() < on + busyMs);
    return { switchedOnAt: on, busyUntil: Date.now() };
  }, 250);
  const onset = await waitForOnset(person, 440);
  t.diagnostic(`tone on → onset ${onset - switchedOnAt} ms, the page busy for ${busyUntil - switchedOnAt} ms`);
  assert.ok(onset >= switchedOnAt, `onset ${onset} precedes switching on at ${switchedOnAt}`);
  assert.ok(onset <= busyUntil - 50, `onset ${onset - switchedOnAt} ms after switching on: dated by the poll, ${busyUntil - switchedOnAt} ms, not by the sound`);
});

test('a page that loses the CPU while it looks dates the onset by the sound, not by when it began to look', async (t) => {
  /** Tone off until silent, then on: when it went on, and how long after that the onset is dated. */
  const onsetAfterSwitch = async (): Promise<{ switchedOnAt: number; afterMs: number }> => {
    await setTone(person, false);
    await waitUntilSilent(person, 440, { forMs: 1_000 });
    await resetOnsets(person);
    const switchedOnAt = await setTone(person, true);
    return { switchedOnAt, afterMs: (await waitForOnset(person, 440)) - switchedOnAt };
  };
  await waitUntilHears(person, 440);
  const idle = (await onsetAfterSwitch()).afterMs;
  // A loaded machine takes the CPU from the page in the middle of a look: here, just before the
  // first waveform read after the tone goes on. Dated from when the look began, the onset would
  // come out as early as the detector's bounds allow (the last look without it, less its window).
  await person.page.evaluate((stalledMs) => {
    const read = AnalyserNode.prototype.getFloatTimeDomainData;
    const page = window as Window & { stalledAt?: number };
    AnalyserNode.prototype.getFloatTimeDomainData = function (this: AnalyserNode, array: Float32Array<ArrayBuffer>) {
      AnalyserNode.prototype.getFloatTimeDomainData = read;
      page.stalledAt = Date.now();
      while (Date.now() < page.stalledAt + stalledMs);
      read.call(this, array);
    };
  }, 200);
  const { switchedOnAt, afterMs: stalled } = await onsetAfterSwitch();
  const stalledAt = await person.page.evaluate(() => (window as Window & { stalledAt?: number }).stalledAt ?? null);
  assert.ok(stalledAt !== null && stalledAt >= switchedOnAt, `the stall came before the tone went on (at ${stalledAt}, on at ${switchedOnAt})`);
  t.diagnostic(`tone on → onset ${idle} ms idle, ${stalled} ms with the look stalled 200 ms`);
  assert.ok(stalled >= idle - 30, `onset dated ${idle - stalled} ms earlier than an idle page's (${idle} ms): the waveform read late was dated from when the look began`);
});

test('a tone that is not there fails with the page, the tone and what the detector saw', async () => {
  await assert.rejects(waitUntilHears(person, 880, { timeoutMs: 500 }), (error: Error) => {
    assert.match(error.message, /^\[loopback\] did not hear 880 Hz within 500 ms/);
    assert.match(error.message, /peak -?\d+(\.\d)? dB, median -?[\d.]+|Infinity/);
    assert.match(error.message, /1 remote audio track\(s\) tapped/);
    return true;
  });
});
