/**
 * npm run bench: prints tables and writes BENCHMARKS.md. Timings live here, never in tests.
 * The machine is shared and noisy; read p50/p95 over repeated runs, not single numbers.
 */
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { closeAll, launchBrowser } from '../test/helpers/browser.ts';
import { startServer } from '../test/helpers/server.ts';
import { envelopeRows } from './envelope.ts';
import { measureJoin } from './join-latency.ts';
import { measureStage } from './stage-latency.ts';
import { measureWidget } from './widget-ready.ts';
import { markdownTable, percentile, type Row } from './stats.ts';

const JOINS = Number(process.env.BENCH_JOINS ?? 10);

const server = await startServer();
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
    const rows: Row[] = [];
    for (const [label, size, target] of [['pair', 2, 500], ['three', 3, 1000]] as const) {
      const samples: number[] = [];
      for (let i = 0; i < JOINS; i++) {
        samples.push(await measureJoin(browser, server.url, size));
        process.stdout.write(`  ${label} join ${i + 1}/${JOINS}: ${samples.at(-1)} ms\n`);
      }
      rows.push({
        room: label,
        joins: samples.length,
        'p50 ms': percentile(samples, 50),
        'p95 ms': percentile(samples, 95),
        'min ms': Math.min(...samples),
        'max ms': Math.max(...samples),
        'target p50 ms': `≤ ${target}`,
      });
    }
    section(
      'Join → first audio heard',
      rows,
      'From the last person\'s Join click until every pair involving them hears each other (tone onset), loopback, real Chromium. Jam here: ~0.8 s pair, ~1.7 s three.',
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
  await server.stop();
}

const header = `# Benchmarks\n\nWritten by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}. The machine is shared and noisy; compare runs, not single numbers.\n`;
await writeFile('BENCHMARKS.md', `${header}\n${sections.join('\n')}`);
console.log('\nwrote BENCHMARKS.md');
