/**
 * npm run bench: prints tables and writes BENCHMARKS.md. Timings live here, never in tests.
 * The machine is shared and noisy; read p50/p95 over repeated runs, not single numbers.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { cpus } from 'node:os';
import { closeAll, launchBrowser } from '../test/helpers/browser.ts';
import { startServer } from '../test/helpers/server.ts';
import { envelopeRows } from './envelope.ts';
import { measureJoins } from './join-latency.ts';
import { FLOOD_ACTS, measureLongLog } from './long-log.ts';
import { startPlainWebRtc } from './plain-webrtc.ts';
import { measureTree, treeRows, TREE_SETTINGS } from './relay-tree.ts';
import { FIREFOX_HOP_SETTINGS, measureFirefoxHop } from './firefox-hop.ts';
import { measureMixingHop, MIXING_HOP_SETTINGS } from './mixing-hop.ts';
import { measureServerLoad } from './server-load.ts';
import { measureStage } from './stage-latency.ts';
import { measureWidget } from './widget-ready.ts';
import { markdownTable, percentile, type Row } from './stats.ts';

const JOINS = Number(process.env.BENCH_JOINS ?? 10);

/** The planner's table from the simulator, run as its own process so its CPU timings see no browser work of ours. */
async function planTimes(): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/tree-sim.ts', '--sizes', '10000,100000'], { maxBuffer: 1 << 20 });
  return stdout.trim();
}

const server = await startServer();
const treeServer = await startServer({ env: TREE_SETTINGS });
const firefoxServer = await startServer({ env: FIREFOX_HOP_SETTINGS });
const mixingServer = await startServer({ env: MIXING_HOP_SETTINGS });
const plain = await startPlainWebRtc();
const sections: string[] = [];
const section = (title: string, rows: Row[] | string, note = ''): void => {
  const text = `## ${title}\n\n${note ? `${note}\n\n` : ''}${typeof rows === 'string' ? rows : markdownTable(rows)}\n`;
  console.log(`\n${text}`);
  sections.push(text);
};

try {
  section(
    'End-to-end encrypted envelopes',
    envelopeRows(),
    'Overhead = sealed bytes − plaintext body. Pair messages (SDP, ICE, everything after the introductions): nonce 24 + MAC 16 + header 12. Introductions (presence, once per member and newcomer) add an ed25519 signature 64, the identity key 32 and the session key 32. Target ≤ 120 B per envelope. The wire carries base64url, which adds a third on top.',
  );
  section(
    'Signaling server under load',
    await measureServerLoad(),
    "One node on loopback, its limits on connections and rates lifted, beside a bare `ws` relay (bench/bare-relay-server.mjs: no validation, limits, crypto or logs) in the same run. Idle: the server's resident memory before and after 10,000 clients joined rooms of ten. Routing: 50 pairs of clients, each keeping 50 envelopes of 300 characters in flight to its partner for 5 s; latency includes that queue. The bench's clients share the machine's cores with the server, so both figures are floors. Per s of server CPU: envelopes routed per second of the server processes' own CPU time (user and system, read from /proc), which is what one core given to the server routes, whatever the clients took beside it; for two nodes, both nodes' time (Redis's not counted).",
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
      "Timed as a person uses the page, in real Chromium on loopback: open the link, take 1.5 s to type a name, click Join. Everyone else is already in the hangout; from the newcomer's click (the click event's own timestamp, so the harness's time to find the button and send the click counts for no one) until every pair involving them hears each other (tone onset, dated by the waveform each page heard: a page busy joining does not delay it, as it does not delay the sound). The floor is plain WebRTC: two pages connecting an RTCPeerConnection through a bare WebSocket relay at the click, with no crypto and no room logic, timed the same way; its trials alternate with Porch's pair in the same run. The hangout of five has no target: it is there to show whether this machine's two cores carry five, beside the eight they may not. Beside both, the same plain pages in full meshes of five and of eight through the same relay, joined the same way: no target, they show what this machine carries without any of Porch. Porch does its work before the click (it looks in while the name is typed), so it can beat the floor. Jam, measured earlier from before the harness clicked and with onsets as first noticed (both later than here): ~220 ms pair, ~0.66 s three; plain WebRTC then ~260 ms.",
    );
    section(
      'Join into a room with a long history',
      await measureLongLog(browser, server.url, JOINS, (line) => process.stdout.write(`${line}\n`)),
      `Two hangouts, each with its host in it and a modified client sitting in. In one, that client first floods the log live with ${FLOOD_ACTS.toLocaleString('en')} hand toggles under throwaway identities, 40 to a message, which the host takes (checking every signature) and checkpoints every 50 places; the other's log is empty. Then, alternating between the rooms, a newcomer opens the link, takes 1.5 s to type a name and clicks Join; from the click until the newcomer and the host hear each other. A newcomer is handed the host's latest checkpoint and the acts after it, not the history.`,
    );
    section(
      'Mouth-to-ear on a live link',
      joins.mouthToEar,
      "The speaker's tone switched on → the listener hears it, two people already in. The onset is dated by the waveform the listener's page heard, where the tone began, not by when its detector noticed (test/helpers/tone-page.ts).",
    );

    const stage = await measureStage(browser, server.url, JOINS);
    const flooded = await measureStage(browser, server.url, JOINS, { flood: true });
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
      [
        stageRow('on stage → heard', stage.upMs, ''),
        stageRow('host mute → silent', stage.muteMs, '≤ 1000'),
        stageRow('on stage → heard, a member flooding the log', flooded.upMs, ''),
        stageRow('host mute → silent, a member flooding the log', flooded.muteMs, 'as without'),
      ],
      `A host and two listeners in a stage room. On stage → heard: from the invited listener's Accept click until the host and the other listener hear its tone (signing the act, capturing the microphone, sending on the links it already has). Host mute → silent: from the host's Mute click until the last moment either still heard it. Flooding: a modified client in the same room sends hand toggles under throwaway identities, 40 to a message, as fast as the host takes them (every page checks every signature); the log had ${flooded.logLength ?? '—'} places at the end.`,
    );

    const tree = treeRows(await measureTree(browser, treeServer.url, JOINS, (line) => process.stdout.write(`${line}\n`)), percentile(joins.plainEarMs, 50));
    section(
      'Relay tree: mouth-to-ear by depth',
      tree.ear,
      "A host on the stage and four listeners with PORCH_DIRECT_MAX=1 and PORCH_FANOUT=2, so the tree is two relays deep. The host's tone switched on → each listener's onset, by how many relays its page says it hears the stage through. Relays forward the encoded frames unchanged. Plain WebRTC: the mouth-to-ear p50 of the plain pair above, in the same run.",
    );
    section(
      'Relay tree: upload per relay',
      tree.upload,
      "Audio bytes (payload and headers) each page that forwards sent over 3 s on its links, while the host's tone plays: one Opus stream per speaker and link. The host's row is what the stage uploads to the whole audience.",
    );
    section(
      'Relay tree: the gap after a relay crashes or leaves',
      tree.gap,
      "The relay one hop down that feeds the listener two hops down crashes (its renderer killed, no goodbye), or, in alternate rounds, clicks Leave (it tells those it feeds, forwards 800 ms more, then says goodbye); the longest silence that listener hears before its backup, then its new parent, carry the stage again. A newcomer then restores the tree for the next round. The machine's two cores carry all six pages.",
    );
    section(
      'Relay tree: a hop through Firefox',
      await measureFirefoxHop(browser, firefoxServer.url, JOINS),
      "A host on the stage (Chromium); a listener in Firefox, the one relay (the Chromium listeners' pages are made unable to relay: the planner prefers relays that forward unchanged); a Chromium listener the stage feeds directly and one fed through Firefox (PORCH_DIRECT_MAX=2, PORCH_FANOUT=2), in one room. Firefox takes no frame into a sender but its own, so it forwards each frame as the payload of one of its silent carrier's. Tone on → heard, alternating between the two listeners; audio concealed: the share of what each played out over those rounds that its receiver made up for frames lost or late.",
    );
    section(
      'Relay tree: a hop through a relay that mixes',
      await measureMixingHop(browser, mixingServer.url, JOINS),
      "A host and a second speaker (silent) on the stage, two Chromium listeners, PORCH_STREAM_KBPS=600 (no listener's upload carries both speakers' streams to anyone, but one mixed stream to one), PORCH_DIRECT_MAX=1, PORCH_FANOUT=2. The stage feeds the first listener, which mixes what it plays into one stream its browser encodes for the second. Tone on → heard, alternating between the two; audio concealed as above. Target: none beyond the ≤ 15 ms per forwarding hop; mixing is the fallback where forwarding does not fit.",
    );
  } finally {
    await closeAll(browser);
  }
  section('Relay-tree planner: plan time', await planTimes(), 'From `npm run sim -- --sizes 10000,100000` (the planner alone, under churn; see its own notes). Target: plan ≤ 50 ms at 10,000 members.');
} finally {
  await Promise.all([server.stop(), treeServer.stop(), firefoxServer.stop(), mixingServer.stop(), plain.stop()]);
}

const header = `# Benchmarks\n\nWritten by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}. The machine is shared and noisy; compare runs, not single numbers.\n`;
await writeFile('BENCHMARKS.md', `${header}\n${sections.join('\n')}`);
console.log('\nwrote BENCHMARKS.md');
