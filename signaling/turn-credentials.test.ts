import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIceServers, mintTurnServer, offersRelay, type MintDeps, type TurnSettings } from './turn-credentials.ts';

const SETTINGS: TurnSettings = {
  urls: ['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349'],
  secret: 'correct horse battery staple',
  ttlS: 86_400,
};
/** 2023-11-14T22:13:20Z */
const NOW_MS = 1_700_000_000_000;
const fixed = (id = 'AAECAwQFBgcICQoL', nowMs = NOW_MS): MintDeps => ({ nowMs: () => nowMs, randomId: () => id });

test('the credential is the base64 HMAC-SHA1 of the username under the shared secret (what coturn recomputes)', () => {
  // Computed apart from this code:
  //   printf '%s' '1700086400:AAECAwQFBgcICQoL' | openssl dgst -sha1 -hmac 'correct horse battery staple' -binary | base64
  const minted = mintTurnServer(SETTINGS, fixed());
  assert.deepEqual(minted, {
    urls: ['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349'],
    username: '1700086400:AAECAwQFBgcICQoL',
    credential: '+ne4Y7UncFWEEeJSAUB2JZUnU+Y=',
  });
});

test('the username expires the configured number of seconds after minting, in whole unix seconds', () => {
  const expiry = (nowMs: number, ttlS: number): number => Number(mintTurnServer({ ...SETTINGS, ttlS }, fixed('id', nowMs)).username.split(':')[0]);
  assert.equal(expiry(NOW_MS, 3600), 1_700_003_600);
  assert.equal(expiry(NOW_MS + 999, 3600), 1_700_003_600, 'a fraction of a second does not round up');
  assert.equal(expiry(NOW_MS + 1000, 60), 1_700_000_061);
});

test('a different secret or a different username gives a different credential', () => {
  const base = mintTurnServer(SETTINGS, fixed()).credential;
  assert.notEqual(mintTurnServer({ ...SETTINGS, secret: 'another secret entirely' }, fixed()).credential, base);
  assert.notEqual(mintTurnServer(SETTINGS, fixed('AAECAwQFBgcICQoM')).credential, base);
  assert.notEqual(mintTurnServer(SETTINGS, fixed(undefined, NOW_MS + 1000)).credential, base);
});

test('the username is an expiry and a random id only: nothing of the person or the room', () => {
  const a = mintTurnServer(SETTINGS);
  const b = mintTurnServer(SETTINGS);
  assert.match(a.username, /^\d{10}:[A-Za-z0-9_-]{16}$/);
  assert.notEqual(a.username.split(':')[1], b.username.split(':')[1], 'each welcome gets its own id');
});

test('welcomes offer ICE_SERVERS first, then a TURN entry minted afresh for each', () => {
  const stun = { urls: 'stun:stun.example:3478' };
  let n = 0;
  const iceServers = createIceServers([stun], SETTINGS, { nowMs: () => NOW_MS, randomId: () => `id${++n}` });
  const first = iceServers();
  const second = iceServers();
  assert.equal(first.length, 2);
  assert.deepEqual(first[0], stun);
  assert.equal(first[1]?.username, '1700086400:id1');
  assert.equal(second[1]?.username, '1700086400:id2');
});

test('without TURN settings welcomes offer ICE_SERVERS alone', () => {
  assert.deepEqual(createIceServers([{ urls: 'stun:stun.example' }], null)(), [{ urls: 'stun:stun.example' }]);
  assert.deepEqual(createIceServers([], null)(), []);
});

test('a relay is offered where any server has a turn: or turns: URL, and not by STUN alone', () => {
  assert.equal(offersRelay([]), false);
  assert.equal(offersRelay([{ urls: 'stun:stun.example' }, { urls: ['stun:a.example', 'stun:b.example'] }]), false);
  assert.equal(offersRelay([{ urls: ['stun:a.example', 'turns:b.example'] }]), true);
  assert.equal(offersRelay([{ urls: 'turn:a.example', username: 'u', credential: 'c' }]), true);
});
