import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { createIdentity, randomBytes, seal } from '../shared/crypto.ts';
import { toBase64Url, utf8 } from '../shared/encoding.ts';
import { PROTOCOL_VERSION } from '../shared/protocol.ts';
import { judgeSave, signSave, writerFor } from '../shared/room-snapshot.ts';
import { scrapeValue } from '../test/helpers/metrics-scrape.ts';
import { startServer } from '../test/helpers/server.ts';
import { connect, join, randomId, randomResume, startTestServer, type TestClient } from '../test/helpers/signaling-kit.ts';
import { MAX_ERROR_FRAMES } from './limits.ts';
import { NEW_ROOMS_PER_HOUR } from './new-room-quota.ts';

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
  assert.deepEqual(await host.next('saved'), { type: 'saved', version: 1 }, 'the host hears its save was kept');
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
  const handed = newcomer.received[0];
  assert.ok(handed?.type === 'snapshot');
  assert.deepEqual(handed, { ...save, type: 'snapshot' }, 'the save whole, and nothing the store keeps beside it');
  assert.equal(judgeSave(room, null, handed), 'saved', 'members can check its writer signed it');
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

/** Sends a connection as many bad frames as it may earn errors for: one more counted against it, of any kind, closes it. */
async function toTheLastError(client: TestClient): Promise<void> {
  for (let n = 0; n < MAX_ERROR_FRAMES; n += 1) client.send('not json');
  for (let n = 0; n < MAX_ERROR_FRAMES; n += 1) assert.equal((await client.next('error')).code, 'bad-json');
}

test('saves by a member who is not the room\'s writer are refused with save-refused, and not held against its connection', async (t) => {
  const { wsUrl, httpUrl } = await startTestServer(t);
  const room = randomId();
  const host = await join(t, wsUrl, room);
  const member = await join(t, wsUrl, room);
  host.send(saveFrame(writerFor(createIdentity(), room), room, 1, 'sealed'));
  await host.next('saved');
  await toTheLastError(member);
  const usurper = writerFor(createIdentity(), room);
  for (const version of [1, 2]) member.send(saveFrame(usurper, room, version, 'usurped'));
  for (const _ of [1, 2]) {
    assert.deepEqual(await member.next('error'), { type: 'error', code: 'save-refused', message: "this save is not from this room's writer" });
  }
  member.send({ type: 'send', to: host.peer, box: 'still-here' });
  assert.equal((await host.next('msg')).box, 'still-here');
  assert.equal(await scrapeValue(httpUrl, 'porch_snapshot_saves_total{outcome="not-writer"}'), 2);
  assert.equal(await scrapeValue(httpUrl, 'porch_snapshot_saves_total{outcome="saved"}'), 1);
});

test('saves past two at once are refused on arrival, not held against the connection, and never reach the store', async (t) => {
  const { wsUrl, httpUrl } = await startTestServer(t);
  const room = randomId();
  const writer = writerFor(createIdentity(), room);
  const host = await join(t, wsUrl, room);
  const member = await join(t, wsUrl, room);
  await toTheLastError(host);
  // Sent at once, the server takes them well within a second: only the first two reach the store.
  const BURST = 5;
  for (let version = 1; version <= BURST; version += 1) host.send(saveFrame(writer, room, version, `state-${version}`));
  for (let n = 2; n < BURST; n += 1) {
    assert.deepEqual(await host.next('error'), { type: 'error', code: 'save-refused', message: 'too many saves; wait a moment' });
  }
  // The second waited for the first to be written; both were kept.
  assert.deepEqual([await host.next('saved'), await host.next('saved')], [{ type: 'saved', version: 1 }, { type: 'saved', version: 2 }]);
  host.send({ type: 'send', to: member.peer, box: 'still-here' });
  assert.equal((await member.next('msg')).box, 'still-here');
  assert.equal(await scrapeValue(httpUrl, 'porch_snapshot_saves_total{outcome="too-fast"}'), BURST - 2);
  const newcomer = await join(t, wsUrl, room);
  assert.deepEqual(newcomer.received[0], { ...saveFrame(writer, room, 2, 'state-2'), type: 'snapshot' });
});

test('past its allowance an address makes no new room, while saves to rooms held and from other addresses go through', async (t) => {
  const { wsUrl, httpUrl } = await startTestServer(t);
  const hosts = [];
  for (let n = 0; n <= NEW_ROOMS_PER_HOUR; n += 1) {
    const room = randomId();
    hosts.push({ room, writer: writerFor(createIdentity(), room), client: await join(t, wsUrl, room) });
  }
  const [first, last] = [hosts[0]!, hosts.at(-1)!];
  for (const host of hosts.slice(0, -1)) {
    host.client.send(saveFrame(host.writer, host.room, 1, 'new-room'));
    await host.client.next('saved');
  }
  last.client.send(saveFrame(last.writer, last.room, 1, 'one-too-many'));
  assert.deepEqual(await last.client.next('error'), { type: 'error', code: 'save-refused', message: 'this address has saved too many new rooms; try later' });
  first.client.send(saveFrame(first.writer, first.room, 2, 'room-held'));
  assert.deepEqual(await first.client.next('saved'), { type: 'saved', version: 2 });
  const elsewhere = await join(t, wsUrl, last.room, undefined, { localAddress: '127.0.0.2' });
  elsewhere.send(saveFrame(last.writer, last.room, 1, 'another-address'));
  assert.deepEqual(await elsewhere.next('saved'), { type: 'saved', version: 1 });
  assert.equal(await scrapeValue(httpUrl, 'porch_snapshot_saves_total{outcome="too-many-rooms"}'), 1);
  assert.equal(await scrapeValue(httpUrl, 'porch_snapshot_saves_total{outcome="saved"}'), NEW_ROOMS_PER_HOUR + 2);
});

test('a server holding SNAPSHOT_MAX_ROOMS rooms saves no new one, but still saves the rooms it holds', async (t) => {
  const { wsUrl, httpUrl } = await startTestServer(t, { snapshotMaxRooms: 1 });
  const [held, refused] = [randomId(), randomId()];
  const writer = writerFor(createIdentity(), held);
  const host = await join(t, wsUrl, held);
  host.send(saveFrame(writer, held, 1, 'held'));
  await host.next('saved');
  const other = await join(t, wsUrl, refused);
  other.send(saveFrame(writerFor(createIdentity(), refused), refused, 1, 'refused'));
  assert.deepEqual(await other.next('error'), { type: 'error', code: 'save-refused', message: 'this server keeps as many rooms as it can; try later' });
  host.send(saveFrame(writer, held, 2, 'held-again'));
  assert.deepEqual(await host.next('saved'), { type: 'saved', version: 2 });
  assert.equal(await scrapeValue(httpUrl, 'porch_snapshot_saves_total{outcome="store-full"}'), 1);
});

test('a stale save and a forged one are refused, each saying why', async (t) => {
  const { wsUrl } = await startTestServer(t);
  const room = randomId();
  const writer = writerFor(createIdentity(), room);
  const host = await join(t, wsUrl, room);
  host.send(saveFrame(writer, room, 2, 'two'));
  host.send(saveFrame(writer, room, 2, 'two-again'));
  assert.match((await host.next('error')).message, /older than the snapshot kept/);
  // From another member: the host has made its two saves of this second.
  const member = await join(t, wsUrl, room);
  member.send({ ...saveFrame(writer, room, 3, 'three'), box: 'altered' });
  assert.match((await member.next('error')).message, /bad signature/);
  const newcomer = await join(t, wsUrl, room);
  assert.deepEqual(newcomer.received[0], { ...saveFrame(writer, room, 2, 'two'), type: 'snapshot' });
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
