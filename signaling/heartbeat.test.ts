import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROTOCOL_VERSION } from '../shared/protocol.ts';
import { connect, join, randomId, randomResume, startTestServer, within } from '../test/helpers/signaling-kit.ts';

test('a connection that stops answering pings is cut, and its peer is then treated as dropped', async (t) => {
  const { wsUrl } = await startTestServer(t, { heartbeatMs: 30, leaveGraceMs: 0 });
  const room = randomId();
  const bob = await join(t, wsUrl, room);
  const silent = await connect(t, wsUrl, { autoPong: false });
  // It answers until welcomed, so a slow machine cannot have it cut before it joined.
  let welcomed = false;
  silent.ws.on('ping', () => {
    if (!welcomed) silent.ws.pong();
  });
  silent.send({ type: 'hello', v: PROTOCOL_VERSION, room, resume: randomResume() });
  const welcome = await silent.next('welcome');
  welcomed = true;

  assert.equal((await within(silent.closed, 'the silent socket to be cut')).code, 1006, 'cut without a close handshake');
  assert.deepEqual(await bob.next('left'), { type: 'left', peer: welcome.peer });
});

test('a connection that answers pings is kept through many heartbeats', async (t) => {
  const { wsUrl } = await startTestServer(t, { heartbeatMs: 20 });
  const client = await join(t, wsUrl, randomId());
  let pings = 0;
  const fivePings = new Promise<void>((resolve) => {
    client.ws.on('ping', () => {
      pings += 1;
      if (pings === 5) resolve();
    });
  });
  await within(fivePings, 'five pings');
  assert.equal(client.ws.readyState, client.ws.OPEN);
});
