/**
 * npm run bench: prints tables and writes BENCHMARKS.md. Timings live here, never in tests.
 * The machine is shared and noisy; read p50/p95 over repeated runs, not single numbers.
 */
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { closeAll, launchBrowser } from '../test/helpers/browser.ts';
import { startServer } from '../test/helpers/server.ts';
import { envelopeRows } from './envelope.ts';
import { measureJoins } from './join-latency.ts';
import { startPlainWebRtc } from './plain-webrtc.ts';
import { measureStage } from './stage-latency.ts';
import { measureWidget } from './widget-ready.ts';
import { markdownTable, percentile, type Row } from './stats.ts';

const JOINS = Number(process.env.BENCH_JOINS ?? 10);

const server = await startServer();
const plain = await startPlainWebRtc();
const sections: string[] = [];
const section = (title: string, rows: Row[], note = ''): void => {
  const text = `## ${title}\n\n${note ? `${note}\n\n` : ''}${markdownTable(rows)}\n`;
  console.log(`\n${text}`);
  sections.push(text);
};

try {
  section(
    'End-to-end encrypted envelopes',
    envelopeRows(),
    'Overhead = sealed bytes − plaintext body. Pair messages (SDP, ICE, everything after the introductions): nonce 24 + MAC 16 + header 12. Introductions (presence, once per member and newcomer) add an ed25519 signature 64, the identity key 32 and the session key 32. Target ≤ 120 B per envelope. The wire carries base64url, which adds a third on top.',
  );
  const browser = await launchBrowser();
  try {
    const widget = await measureWidget(browser, JOINS);
    section(
      'Client JavaScript: what loads before Join shows',
      widget.sizes,
      'Every script the page requests until its Join button is visible, cold cache: gzip sizes of the built files, and what the server actually sent (Chromium asks for brotli). Never before it: what only the room shows (room-parts-….js), fetched as joining draws near (a name typed, the form pointed at, Join), and the QR code of the share panel (dist-….js), fetched once the panel is shown beside the Join button: the app shows it open on its join page, the widget closed (and fetches the panel itself, share-panel-….js, on first opening). Target ≤ 60 KB gz; Jam, the closest open peer: 205 KB gz.',
    );
    section(
      'Embed widget: page → visible Join button',
      widget.ready,
      'A host page on another origin with `<script type="module" src=…/embed.js>` and `<porch-room>`, beside the app\'s own room page, alternating, fresh browser context (cold cache) each load. From script request: from the moment the browser asked for embed.js (app.js) until the first frame with a visible Join button.',
    );
    const joins = await measureJoins(browser, server.url, plain, JOINS, (line) => process.stdout.write(`${line}\n`));
    section(
      'Join → first audio heard',
      joins.joins,
      "Timed as a person uses the page, in real Chromium on loopback: open the link, take 1.5 s to type a name, click Join. Everyone else is already in the hangout; from the newcomer's click until every pair involving them hears each other (tone onset). The floor is plain WebRTC: two pages connecting an RTCPeerConnection through a bare WebSocket relay at the click, with no crypto and no room logic, timed the same way; its trials alternate with Porch's pair in the same run. Porch does its work before the click (it looks in while the name is typed), so it can beat the floor. Jam, measured this way earlier: ~220 ms pair, ~0.66 s three; plain WebRTC then ~260 ms.",
    );
    section(
      'Mouth-to-ear on a live link',
      joins.mouthToEar,
      "The speaker's tone switched on → the listener's detector hears it (its onset), two people already in; includes the detector's own ~30 ms.",
    );

    const stage = await measureStage(browser, server.url, JOINS);
    const stageRow = (what: string, samples: number[], target: string): Row => ({
      'stage change': what,
      rounds: samples.length,
      'p50 ms': percentile(samples, 50),
      'p95 ms': percentile(samples, 95),
      'min ms': Math.min(...samples),
      'max ms': Math.max(...samples),
      target,
    });
    section(
      'Stage changes → what people hear',
      [stageRow('on stage → heard', stage.upMs, ''), stageRow('host mute → silent', stage.muteMs, '≤ 1000')],
      'A host and two listeners in a stage room. On stage → heard: from the invited listener\'s Accept click until the host and the other listener hear its tone (signing the act, capturing the microphone, sending on the links it already has). Host mute → silent: from the host\'s Mute click until the last moment either still heard it.',
    );
  } finally {
    await closeAll(browser);
  }
} finally {
  await Promise.all([server.stop(), plain.stop()]);
}

const header = `# Benchmarks\n\nWritten by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}. The machine is shared and noisy; compare runs, not single numbers.\n`;
await writeFile('BENCHMARKS.md', `${header}\n${sections.join('\n')}`);
console.log('\nwrote BENCHMARKS.md');
