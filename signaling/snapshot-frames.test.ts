import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { createIdentity, randomBytes, seal } from '../shared/crypto.ts';
import { toBase64Url, utf8 } from '../shared/encoding.ts';
import { PROTOCOL_VERSION } from '../shared/protocol.ts';
import { signSave, writerFor } from '../shared/room-snapshot.ts';
import { scrapeValue } from '../test/helpers/metrics-scrape.ts';
import { startServer } from '../test/helpers/server.ts';
import { connect, join, randomId, randomResume, startTestServer, type TestClient } from '../test/helpers/signaling-kit.ts';
import { MAX_ERROR_FRAMES } from './limits.ts';

/** What only the room's members may read: it goes to the server sealed under a key it never sees. */
const ROOM_NAME = 'Thursday night choir practice';
const sealedName = (): string => toBase64Url(seal(utf8(ROOM_NAME), randomBytes(32)));

const saveFrame = (writer: ReturnType<typeof writerFor>, room: string, version: number, box: string) => ({ type: 'save', ...signSave(writer, room, version, box) });

/** Frames to one socket are handled in order, so after the pong the server has acted on everything sent before. */
async function flush(client: TestClient): Promise<void> {
  client.send({ type: 'ping' });
  await client.next('pong');
}

function filesUnder(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(joinPath(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
}

test('a room\'s snapshot outlives its members and a restart: the next to arrive gets it just before its welcome', { timeout: 60_000 }, async (t) => {
  const dataDir = mkdtempSync(joinPath(tmpdir(), 'porch-data-restart-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { DATA_DIR: dataDir, HOST: '127.0.0.1', LOG_LEVEL: 'debug' };
  const wsOf = (url: string): string => `${url.replace(/^http/, 'ws')}/ws`;
  const room = randomId();
  const writer = writerFor(createIdentity(), room);
  const save = saveFrame(writer, room, 1, sealedName());

  const first = await startServer({ script: 'signaling/main.ts', env });
  t.after(() => first.stop());
  const host = await join(t, wsOf(first.url), room);
  const guest = await join(t, wsOf(first.url), room);
  host.send(save);
  await flush(host);
  // Judged after the host's save, which the store finished first: so it is kept.
  guest.send(saveFrame(writerFor(createIdentity(), room), room, 2, sealedName()));
  assert.equal((await guest.next('error')).code, 'save-refused');
  for (const member of [host, guest]) {
    member.send({ type: 'bye' });
    await member.closed;
  }
  await first.stop();

  const second = await startServer({ script: 'signaling/main.ts', env });
  t.after(() => second.stop());
  const newcomer = await join(t, wsOf(second.url), room);
  assert.deepEqual(newcomer.received.slice(0, 2).map((f) => f.type), ['snapshot', 'welcome']);
  assert.deepEqual(newcomer.received[0], { type: 'snapshot', box: save.box });
  assert.equal(await scrapeValue(second.url, 'porch_snapshots_handed_out_total'), 1);
  const other = await join(t, wsOf(second.url), randomId());
  assert.equal(other.received[0]?.type, 'welcome', 'a room never saved has no snapshot');
  await second.stop();

  const stored = filesUnder(dataDir);
  assert.ok(stored.includes(save.box), 'the box is kept as it came');
  assert.equal(stored.includes(ROOM_NAME), false, 'and nothing in it can be read');
  const logs = first.output() + second.output();
  assert.match(logs, /"event":"snapshot-saved"/);
  for (const secret of [room, save.box, save.writer, save.sig]) assert.equal(logs.includes(secret), false, 'the logs carry none of the save');
});

test('a save before hello is refused with not-joined', async (t) => {
  const { wsUrl } = await startTestServer(t);
  const stranger = await connect(t, wsUrl);
  const room = randomId();
  stranger.send(saveFrame(writerFor(createIdentity(), room), room, 1, 'sealed'));
  assert.equal((await stranger.next('error')).code, 'not-joined');
});

test('saves by a member who is not the room\'s writer are refused with save-refused, and the connection stays open', async (t) => {
  const { wsUrl, httpUrl } = await startTestServer(t);
  const room = randomId();
  const host = await join(t, wsUrl, room);
  const member = await join(t, wsUrl, room);
  host.send(saveFrame(writerFor(createIdentity(), room), room, 1, 'sealed'));
  await flush(host);
  const usurper = writerFor(createIdentity(), room);
  // More refusals than the error frames that close a connection: none is held against it.
  for (let version = 1; version <= MAX_ERROR_FRAMES + 1; version += 1) {
    member.send(saveFrame(usurper, room, version, 'usurped'));
    const refusal = await member.next('error');
    assert.deepEqual(refusal, { type: 'error', code: 'save-refused', message: "this save is not from this room's writer" });
  }
  member.send({ type: 'send', to: host.peer, box: 'still-here' });
  assert.equal((await host.next('msg')).box, 'still-here');
  assert.equal(await scrapeValue(httpUrl, 'porch_snapshot_saves_total{outcome="not-writer"}'), MAX_ERROR_FRAMES + 1);
  assert.equal(await scrapeValue(httpUrl, 'porch_snapshot_saves_total{outcome="saved"}'), 1);
});

test('a stale save and a forged one are refused, each saying why', async (t) => {
  const { wsUrl } = await startTestServer(t);
  const room = randomId();
  const writer = writerFor(createIdentity(), room);
  const host = await join(t, wsUrl, room);
  host.send(saveFrame(writer, room, 2, 'two'));
  host.send(saveFrame(writer, room, 2, 'two-again'));
  assert.match((await host.next('error')).message, /older than the snapshot kept/);
  host.send({ ...saveFrame(writer, room, 3, 'three'), box: 'altered' });
  assert.match((await host.next('error')).message, /bad signature/);
  const newcomer = await join(t, wsUrl, room);
  assert.deepEqual(newcomer.received[0], { type: 'snapshot', box: 'two' });
});

test('a store that cannot be read or written costs a member only the snapshot', async (t) => {
  const notADirectory = joinPath(mkdtempSync(joinPath(tmpdir(), 'porch-data-broken-')), 'file');
  writeFileSync(notADirectory, '');
  t.after(() => rmSync(joinPath(notADirectory, '..'), { recursive: true, force: true }));
  const { wsUrl, log } = await startTestServer(t, { dataDir: notADirectory });
  const room = randomId();
  const host = await connect(t, wsUrl);
  host.send({ type: 'hello', v: PROTOCOL_VERSION, room, resume: randomResume() });
  await host.next('welcome');
  assert.equal((await log.next('snapshot-store-failed')).what, 'load');
  host.send(saveFrame(writerFor(createIdentity(), room), room, 1, 'sealed'));
  assert.deepEqual(await host.next('error'), { type: 'error', code: 'save-refused', message: 'the snapshot could not be stored; try again later' });
  assert.deepEqual(await log.next('snapshot-store-failed'), { event: 'snapshot-store-failed', what: 'save', code: 'ENOTDIR' });
  await flush(host);
});
