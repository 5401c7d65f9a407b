import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSE_CODES, MAX_BOX_CHARS, MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../shared/protocol.ts';
import { MAX_ERROR_FRAMES } from './limits.ts';
import { connect, join, randomId, randomResume, serverIsUp, withBystanders, within } from '../test/helpers/signaling-kit.ts';

test('an oversized frame closes that connection with 1009, and nothing else notices', async (t) => {
  const server = await withBystanders(t);
  const abuser = await join(t, server.wsUrl, randomId());
  abuser.send(JSON.stringify({ type: 'send', to: '*', box: 'x'.repeat(MAX_FRAME_BYTES) }));
  assert.equal((await abuser.closed).code, 1009);
  await server.callStillWorks();
  await serverIsUp(server);
});

test('malformed JSON is answered with bad-json and the connection stays usable', async (t) => {
  const server = await withBystanders(t);
  const abuser = await connect(t, server.wsUrl);
  abuser.send('{"type":"hello",');
  assert.equal((await abuser.next('error')).code, 'bad-json');
  await server.callStillWorks();
  abuser.send({ type: 'hello', v: PROTOCOL_VERSION, room: randomId(), resume: randomResume() });
  await abuser.next('welcome');
});

test('an unknown frame type is answered with bad-frame', async (t) => {
  const server = await withBystanders(t);
  const abuser = await join(t, server.wsUrl, randomId());
  abuser.send({ type: 'tree', tier: 1 });
  assert.equal((await abuser.next('error')).code, 'bad-frame');
  abuser.send({ type: 'send', to: '*', box: 'x', extra: true });
  assert.equal((await abuser.next('error')).code, 'bad-frame');
  await server.callStillWorks();
});

test('a binary frame is answered with bad-frame', async (t) => {
  const server = await withBystanders(t);
  const abuser = await join(t, server.wsUrl, randomId());
  abuser.send(Buffer.from(JSON.stringify({ type: 'send', to: '*', box: 'x' })));
  assert.equal((await abuser.next('error')).code, 'bad-frame');
  await server.callStillWorks();
});

test('a frame before hello is answered with not-joined, a second hello with already-joined', async (t) => {
  const server = await withBystanders(t);
  const abuser = await connect(t, server.wsUrl);
  abuser.send({ type: 'send', to: '*', box: 'too-early' });
  assert.equal((await abuser.next('error')).code, 'not-joined');
  const hello = { type: 'hello', v: PROTOCOL_VERSION, room: randomId(), resume: randomResume() };
  abuser.send(hello);
  await abuser.next('welcome');
  abuser.send(hello);
  assert.equal((await abuser.next('error')).code, 'already-joined');
  await server.callStillWorks();
});

test('text that is not UTF-8 closes that connection (1007) without harm', async (t) => {
  const server = await withBystanders(t);
  const abuser = await join(t, server.wsUrl, randomId());
  abuser.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
  assert.equal((await abuser.closed).code, 1007);
  await server.callStillWorks();
  await serverIsUp(server);
});

test(`a connection that earns more than ${MAX_ERROR_FRAMES} error replies is closed with 1008`, async (t) => {
  const server = await withBystanders(t);
  const abuser = await connect(t, server.wsUrl);
  for (let i = 0; i <= MAX_ERROR_FRAMES; i++) abuser.send('nope');
  for (let i = 0; i <= MAX_ERROR_FRAMES; i++) assert.equal((await abuser.next('error')).code, 'bad-json');
  assert.equal((await abuser.closed).code, CLOSE_CODES.policy);
  await server.callStillWorks();
});

test('a flood from one client is told rate-limited, then closed with 1008, while another call keeps routing', async (t) => {
  const server = await withBystanders(t, { rateLimitPerS: 40, rateBurst: 80 });
  const flooder = await join(t, server.wsUrl, randomId());
  const during = server.callStillWorks();
  for (let i = 0; i < 1000 && flooder.ws.readyState === flooder.ws.OPEN; i++) {
    flooder.send({ type: 'send', to: '*', box: `flood-${i}` });
  }
  await during;
  assert.equal((await flooder.next('error')).code, 'rate-limited');
  assert.equal((await flooder.closed).code, CLOSE_CODES.policy);
  assert.equal(flooder.received.filter((f) => f.type === 'error').length, 1, 'one warning per spell, not one per frame');
  await server.callStillWorks();
  await serverIsUp(server);
});

test('a socket that never says hello is closed at the hello deadline, while those that said hello stay', async (t) => {
  const server = await withBystanders(t, { helloTimeoutMs: 300 });
  const member = await join(t, server.wsUrl, randomId());
  // Opened after everyone else, so by the time it is closed every other deadline has passed too.
  const silent = await connect(t, server.wsUrl);
  assert.deepEqual(await within(silent.closed, 'the silent socket to be closed'), { code: CLOSE_CODES.policy, reason: 'no hello in time' });
  await server.callStillWorks();
  member.send({ type: 'ping' });
  await member.next('pong');
});

test('a member flooding broadcasts loses its frames, then its connection, while its slow room-mates stay and still hear a third member', async (t) => {
  // A generous frame rate stands in for a flood at the default rate kept up for longer: either
  // way more arrives than a member on a slow link reads (here: members that stopped reading).
  // A small fan-out budget keeps the flood short.
  const server = await withBystanders(t, { rateLimitPerS: 1000, rateBurst: 2000, fanoutPerS: 50, fanoutBurst: 100 });
  const room = randomId();
  const flooder = await join(t, server.wsUrl, room);
  const carol = await join(t, server.wsUrl, room);
  const slow = [await join(t, server.wsUrl, room), await join(t, server.wsUrl, room)];
  for (const member of slow) member.ws.pause();
  const box = 'x'.repeat(MAX_BOX_CHARS);
  for (let i = 0; i < 300 && flooder.ws.readyState === flooder.ws.OPEN; i++) flooder.send({ type: 'send', to: '*', box });

  assert.equal((await within(flooder.closed, 'the flooder to be closed')).code, CLOSE_CODES.policy);
  assert.equal((await flooder.next('error')).code, 'rate-limited', 'told before being closed');
  for (const member of slow) member.ws.resume();
  carol.send({ type: 'send', to: '*', box: 'still-here' });
  for (const member of slow) await member.next('msg', (f) => f.from === carol.peer && f.box === 'still-here');
  await server.callStillWorks();
});

test('one member\'s flood at a slow member is dropped for that member, who stays and still hears a third member', async (t) => {
  // Limits this high let the flood through the sender's own budgets, so only the receiver's side is tested.
  const server = await withBystanders(t, { rateLimitPerS: 1000, rateBurst: 2000, fanoutPerS: 1000, fanoutBurst: 2000 });
  const room = randomId();
  const flooder = await join(t, server.wsUrl, room);
  const carol = await join(t, server.wsUrl, room);
  const slow = await join(t, server.wsUrl, room);
  slow.ws.pause();
  const box = 'x'.repeat(MAX_BOX_CHARS);
  const flood = 400;
  for (let i = 0; i < flood; i++) flooder.send({ type: 'send', to: slow.peer, box });
  // Frames are handled in order, so the pong says the whole flood went through the server.
  flooder.send({ type: 'ping' });
  await flooder.next('pong');

  slow.ws.resume();
  carol.send({ type: 'send', to: slow.peer, box: 'still-here' });
  await slow.next('msg', (f) => f.from === carol.peer && f.box === 'still-here');
  const flooded = slow.received.filter((f) => f.type === 'msg' && f.from === flooder.peer).length;
  assert.ok(flooded < flood, `the slow member got all ${flood} flood messages`);
  await server.callStillWorks();
});

test('in a full room of 50, a newcomer\'s broadcast and a moderator\'s act sent to everyone reach everyone', async (t) => {
  const server = await withBystanders(t, { roomCapacity: 50 });
  const room = randomId();
  const members = [];
  for (let i = 0; i < 49; i++) members.push(await join(t, server.wsUrl, room));
  const [moderator, ...others] = members;
  assert.ok(moderator);
  const newcomer = await join(t, server.wsUrl, room);
  newcomer.send({ type: 'send', to: '*', box: 'presence' });
  for (const member of members) await member.next('msg', (f) => f.from === newcomer.peer && f.box === 'presence');
  // Acts are sealed per pair, so an act is one message to each member, here with a broadcast beside it.
  const everyoneElse = [...others, newcomer];
  for (const member of everyoneElse) moderator.send({ type: 'send', to: member.peer, box: 'act' });
  moderator.send({ type: 'send', to: '*', box: 'presence' });
  for (const member of everyoneElse) {
    for (const box of ['act', 'presence']) await member.next('msg', (f) => f.from === moderator.peer && f.box === box);
  }
  assert.equal(moderator.received.some((f) => f.type === 'error'), false);
});

test('the log never holds a box, a resume secret or a whole room id', async (t) => {
  const server = await withBystanders(t, { leaveGraceMs: 0 });
  const room = randomId();
  const resume = randomResume();
  const box = `secret-box-${randomId()}`;
  const alice = await join(t, server.wsUrl, room, resume);
  const bob = await join(t, server.wsUrl, room);
  alice.send({ type: 'send', to: bob.peer, box });
  await bob.next('msg');
  alice.send({ type: 'send', to: 'nobody-here-at-all', box });
  await alice.next('error');
  alice.send(`{"type":"send","box":"${box}"`);
  await alice.next('error');
  alice.send({ type: 'hello', v: PROTOCOL_VERSION, room, resume });
  await alice.next('error');
  alice.ws.terminate();
  await bob.next('left');
  await server.callStillWorks();

  const logged = server.log.entries.map((entry) => JSON.stringify(entry)).join('\n');
  assert.ok(server.log.entries.length > 0);
  for (const secret of [box, resume, room]) assert.equal(logged.includes(secret), false);
});
