import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentity, sign } from '../../shared/crypto.ts';
import { toBase64Url } from '../../shared/encoding.ts';
import { signAct, verifyAct, type ActBody } from '../../shared/room-acts.ts';
import { append, createLog, headOf, lengthOf, signNext, type RoomLog } from '../../shared/room-log.ts';
import { createActsAhead } from './acts-ahead.ts';

const ROOM_ID = 'roomid_0123456789abcd';
const SEAT: ActBody = { type: 'take-seat' };
const HAND: ActBody = { type: 'raise-hand' };

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup() {
  const host = createIdentity();
  const newcomer = createIdentity();
  const log = createLog(ROOM_ID, { hostKey: toBase64Url(host.publicKey), stageMax: 8 });
  const signatures: Uint8Array[] = [];
  const ahead = createActsAhead(newcomer, async (message) => {
    signatures.push(message);
    return sign(message, newcomer);
  });
  /** The log after the host made an act: the newcomer's next place has moved on. */
  const movedOn = (from: RoomLog): RoomLog => {
    const result = append(from, signNext(from, { type: 'set-info', title: 'Friday', description: '' }, host), { signedHere: true });
    assert.ok(result.ok);
    return result.log;
  };
  return { newcomer, log, ahead, signatures, movedOn };
}

test('an act signed ahead is taken for exactly the place it was signed for, once, and is the act signed then', async () => {
  const { newcomer, log, ahead, signatures } = setup();
  ahead.prepare(log, SEAT);
  ahead.prepare(log, SEAT);
  await settle();
  assert.equal(signatures.length, 1, 'the same act at the same place is signed once');
  const taken = ahead.take(log, SEAT);
  assert.ok(taken);
  assert.deepEqual(taken, signAct(SEAT, { n: lengthOf(log), prev: headOf(log) }, newcomer, ROOM_ID));
  assert.ok(verifyAct(taken, ROOM_ID));
  assert.equal(ahead.take(log, SEAT), null, 'taken once');
});

test('another act, or the log moved on, takes nothing, and leaves the act signed ahead for its own place', async () => {
  const { log, ahead, movedOn } = setup();
  ahead.prepare(log, SEAT);
  await settle();
  assert.equal(ahead.take(log, HAND), null, 'another act');
  assert.equal(ahead.take(movedOn(log), SEAT), null, 'another place');
  assert.ok(ahead.take(log, SEAT), 'still there for its own place');
});

test('taken before its signature came, the act is signed when made, and the signature coming later is for a place used now', async () => {
  const { log, ahead } = setup();
  ahead.prepare(log, SEAT);
  assert.equal(ahead.take(log, SEAT), null, 'still being signed');
  await settle();
  assert.equal(ahead.take(log, SEAT), null);
});

test('where the page cannot sign off the main thread, nothing is signed ahead', async () => {
  const { log, newcomer } = setup();
  const ahead = createActsAhead(newcomer, async () => null);
  ahead.prepare(log, SEAT);
  await settle();
  assert.equal(ahead.take(log, SEAT), null);
});

test('a newer wish makes an older signature useless, even one that comes after it', async () => {
  const { log, ahead, movedOn, signatures } = setup();
  ahead.prepare(log, SEAT);
  const next = movedOn(log);
  ahead.prepare(next, SEAT);
  await settle();
  assert.equal(signatures.length, 2);
  assert.equal(ahead.take(log, SEAT), null, 'the older place is no longer wanted');
  const taken = ahead.take(next, SEAT);
  assert.equal(taken?.n, lengthOf(next));
  assert.equal(taken?.prev, headOf(next));
});
