import { test } from 'node:test';
import assert from 'node:assert/strict';
import { peerIdOf } from '../shared/peer-id.ts';
import { CLOSE_CODES, MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../shared/protocol.ts';
import { MAX_ERROR_FRAMES } from './limits.ts';
import { createLogger, roomTag } from './log.ts';
import { connect, join, randomId, randomResume, refusedUpgrade, startTestServer } from '../test/helpers/signaling-kit.ts';

/** Written into everything a client chooses: boxes, bad frames, ids that fail to parse. */
const MARKER = 'CLEARTEXT-MARKER';
const marked = (what: string): string => `${MARKER} ${what} ${randomId()}`;

/** Every run of six characters of `secret`: output holding one of them holds a piece of it. */
function pieces(secret: string): string[] {
  const runs: string[] = [];
  for (let start = 0; start + 6 <= secret.length; start += 1) runs.push(secret.slice(start, start + 6));
  return runs;
}

/** Connects as if through one reverse proxy, from a documentation address. */
const from = (address: string) => ({ headers: { 'X-Forwarded-For': address } });

test('rooms that share the start of their ids get different tags, and a tag holds no piece of its id', () => {
  const common = randomId().slice(0, 12);
  const rooms = Array.from({ length: 50 }, () => `${common}${randomId()}`);
  const tags = rooms.map(roomTag);
  assert.equal(new Set(tags).size, rooms.length);
  assert.deepEqual(rooms.map(roomTag), tags, 'one room keeps one tag');
  for (const [index, room] of rooms.entries()) {
    const tag = tags[index] ?? '';
    assert.equal(pieces(room).some((piece) => tag.includes(piece)), false, `${tag} names ${room}`);
  }
});

test('a whole session logged at trace holds no box, bad frame, room id, peer id, secret or address', async (t) => {
  const lines: string[] = [];
  const operatorLog = createLogger('trace', { write: (line: string) => void lines.push(line) });
  const { wsUrl, server, log } = await startTestServer(
    t,
    { trustedProxies: 1, maxConnectionsPerIp: 1, roomCapacity: 2, leaveGraceMs: 60_000 },
    {},
    operatorLog,
  );
  const room = randomId();
  const otherRoom = randomId();
  const resumes: string[] = [];
  const resume = (): string => {
    const secret = randomResume();
    resumes.push(secret);
    return secret;
  };

  // An ordinary call: envelopes to one peer and to everyone.
  const alice = await join(t, wsUrl, room, resume(), from('203.0.113.1'));
  const bob = await join(t, wsUrl, room, resume(), from('203.0.113.2'));
  const direct = marked('direct box');
  alice.send({ type: 'send', to: bob.peer, box: direct });
  await bob.next('msg', (f) => f.box === direct);
  const broadcast = marked('broadcast box');
  bob.send({ type: 'send', to: '*', box: broadcast });
  await alice.next('msg', (f) => f.box === broadcast);

  // Frames the server refuses, each carrying the marker where its sender put text.
  alice.send(`{"type":"send","box":"${marked('in bad JSON')}"`);
  assert.equal((await alice.next('error')).code, 'bad-json');
  alice.send({ type: 'send', to: bob.peer, box: marked('box'), note: marked('unknown field') });
  assert.equal((await alice.next('error')).code, 'bad-frame');
  alice.send(Buffer.from(marked('binary frame')));
  assert.equal((await alice.next('error')).code, 'bad-frame');
  alice.send({ type: 'send', to: randomId(), box: marked('to nobody') });
  assert.equal((await alice.next('error')).code, 'unknown-peer');
  alice.send({ type: 'hello', v: PROTOCOL_VERSION, room: otherRoom, resume: resume() });
  assert.equal((await alice.next('error')).code, 'already-joined');

  const carol = await connect(t, wsUrl, from('203.0.113.3'));
  carol.send({ type: 'hello', v: PROTOCOL_VERSION, room: marked('as a room id!'), resume: resume() });
  assert.equal((await carol.next('error')).code, 'bad-frame');
  carol.send(JSON.stringify({ type: 'send', to: '*', box: marked('oversized').repeat(MAX_FRAME_BYTES / 20) }));
  assert.equal((await carol.closed).code, 1009);

  // Upgrades refused before any WebSocket exists, and a hello refused for a full room.
  assert.equal(await refusedUpgrade(t, wsUrl, from('203.0.113.1')), 429);
  assert.equal(await refusedUpgrade(t, wsUrl, { origin: 'https://elsewhere.example', ...from('203.0.113.4') }), 403);
  assert.equal(await refusedUpgrade(t, wsUrl, { origin: `https://elsewhere.example/${MARKER}`, ...from('203.0.113.4') }), 403);
  const erin = await connect(t, wsUrl, from('203.0.113.5'));
  erin.send({ type: 'hello', v: PROTOCOL_VERSION, room, resume: resume() });
  assert.equal((await erin.next('error')).code, 'room-full');

  // A client closed for sending nothing but bad frames.
  const frank = await join(t, wsUrl, otherRoom, resume(), from('203.0.113.6'));
  for (let i = 0; i <= MAX_ERROR_FRAMES; i += 1) frank.send({ type: 'send', to: '*', box: marked('abuse'), extra: MARKER });
  assert.equal((await frank.closed).code, CLOSE_CODES.policy);
  await log.next('peer-away');

  // Leaving: one drops without a word, one says bye; then the server stops.
  bob.ws.terminate();
  assert.equal((await log.next('peer-away')).room, roomTag(room));
  alice.send({ type: 'bye' });
  await log.next('peer-left');
  await server.shutdown('shutdown');

  const output = lines.join('');
  const entries = lines.map((line) => JSON.parse(line) as { event?: unknown });
  const events = new Set(entries.map((entry) => entry.event));
  // The test sees the server's real output at its most verbose, not an empty log.
  for (const event of ['peer-joined', 'room-full', 'upgrade-refused', 'socket-error', 'policy-close', 'peer-away', 'peer-left', 'stopped']) {
    assert.ok(events.has(event), `no ${event} entry in:\n${output}`);
  }
  assert.ok(output.includes('https://elsewhere.example'), 'a refused page origin is named, for PORCH_ALLOWED_ORIGINS');

  assert.equal(output.toLowerCase().includes(MARKER.toLowerCase()), false, `the log holds text a client sent:\n${output}`);
  const peers = [alice.peer, bob.peer, frank.peer, ...resumes.map(peerIdOf)];
  for (const secret of [room, otherRoom, ...peers, ...resumes]) {
    const piece = pieces(secret).find((run) => output.includes(run));
    assert.equal(piece, undefined, `the log holds ${piece} of ${secret}:\n${output}`);
  }
  assert.equal(/\b\d{1,3}(?:\.\d{1,3}){3}\b/.test(output), false, `the log holds an IPv4 address:\n${output}`);
  assert.equal(/::1\b|::ffff:/i.test(output), false, `the log holds an IPv6 address:\n${output}`);
});
