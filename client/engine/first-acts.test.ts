import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentity } from '../../shared/crypto.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import { append, createLog, signNext, type RoomLog } from '../../shared/room-log.ts';
import type { ActBody } from '../../shared/room-acts.ts';
import { firstActs } from './first-acts.ts';

const host = createIdentity();
const ann = createIdentity();
const HOST = toBase64Url(host.publicKey);
const ANN = toBase64Url(ann.publicKey);
const empty = createLog('roomid_0123456789abcd', { hostKey: HOST, stageMax: 2 });

function act(log: RoomLog, who: typeof host, body: ActBody): RoomLog {
  const result = append(log, signNext(log, body, who));
  assert.ok(result.ok, JSON.stringify(body));
  return result.log;
}

test('the creator of a stage room declares it and its title the first time', () => {
  assert.deepEqual(firstActs(empty, HOST, { kind: 'stage', title: 'Book club' }), [
    { type: 'set-kind', kind: 'stage' },
    { type: 'set-info', title: 'Book club', description: '' },
  ]);
});

test('a hangout needs no declaring, and the host never takes a seat: it is on stage already', () => {
  assert.deepEqual(firstActs(empty, HOST, { kind: 'hangout' }), []);
});

test('once the room has a type and title, a returning host leaves them as they are', () => {
  const told = act(act(empty, host, { type: 'set-kind', kind: 'stage' }), host, { type: 'set-info', title: 'Old', description: '' });
  const switched = act(told, host, { type: 'set-kind', kind: 'hangout' });
  assert.deepEqual(firstActs(switched, HOST, { kind: 'stage', title: 'Book club' }), []);
});

test('in a hangout a newcomer takes a seat; in a stage room it listens', () => {
  assert.deepEqual(firstActs(empty, ANN, {}), [{ type: 'take-seat' }]);
  assert.deepEqual(firstActs(act(empty, host, { type: 'set-kind', kind: 'stage' }), ANN, {}), []);
});

test('someone already on stage takes no seat again', () => {
  assert.deepEqual(firstActs(act(empty, ann, { type: 'take-seat' }), ANN, {}), []);
});

test('what the creator chose means nothing to anyone else', () => {
  assert.deepEqual(firstActs(empty, ANN, { kind: 'stage', title: 'Hijack' }), [{ type: 'take-seat' }]);
});

test('a newcomer who asked to listen stays in the audience of a hangout too', () => {
  assert.deepEqual(firstActs(empty, ANN, {}, false), []);
  assert.deepEqual(firstActs(empty, HOST, { kind: 'stage', title: 'Book club' }, false), [
    { type: 'set-kind', kind: 'stage' },
    { type: 'set-info', title: 'Book club', description: '' },
  ]);
});
