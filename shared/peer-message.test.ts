import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { batchesOf, MAX_NAME_LENGTH, MAX_TITLE_LENGTH, parsePeerMessage, type PeerMessage } from './peer-message.ts';
import { createIdentity, randomBytes, sign } from './crypto.ts';
import { toBase64Url, utf8 } from './encoding.ts';
import { sealPairMessage } from './envelope.ts';
import { MAX_BOX_CHARS } from './protocol.ts';
import { MAX_DESCRIPTION_LENGTH, signAct } from './room-acts.ts';
import { startVisit } from './visit-key.ts';
import { accepted, refusal } from '../test/helpers/results.ts';

const PRESENCE = { kind: 'presence', name: 'Ada', muted: false };
const CONN = 'conn_0001';
const signal = (data: unknown) => ({ kind: 'signal', conn: CONN, data });
const OFFER = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
const CANDIDATE = {
  type: 'candidate',
  candidate: { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host', sdpMLineIndex: 0, sdpMid: '0', usernameFragment: 'abcd' },
};

const GOOD: [string, unknown][] = [
  ['a presence without a title', PRESENCE],
  ['a presence with a title', { ...PRESENCE, muted: true, title: 'Friday jam' }],
  ['a presence with an empty title', { ...PRESENCE, title: '' }],
  [`a presence with a ${MAX_NAME_LENGTH}-character name`, { ...PRESENCE, name: 'n'.repeat(MAX_NAME_LENGTH) }],
  [`a presence with a ${MAX_TITLE_LENGTH}-character title`, { ...PRESENCE, title: 't'.repeat(MAX_TITLE_LENGTH) }],
  ['an offer', signal(OFFER)],
  ['an answer', signal({ type: 'answer', sdp: 'v=0' })],
  ['an answer with an empty sdp', signal({ type: 'answer', sdp: '' })],
  [`an offer with an sdp of ${16 * 1024} characters`, signal({ type: 'offer', sdp: 's'.repeat(16 * 1024) })],
  ['a candidate', signal(CANDIDATE)],
  ['a candidate with only its candidate line', signal({ type: 'candidate', candidate: { candidate: 'candidate:1' } })],
  ['an end-of-candidates marker with null fields', signal({ type: 'candidate', candidate: { candidate: '', sdpMLineIndex: null, sdpMid: null, usernameFragment: null } })],
  ['a renegotiate', signal({ type: 'renegotiate', renegotiate: true })],
  ['a signal with an 8-character conn id', { ...signal(OFFER), conn: 'a'.repeat(8) }],
  ['a signal with a 32-character conn id', { ...signal(OFFER), conn: 'a'.repeat(32) }],
];

for (const [what, message] of GOOD) {
  test(`${what} is accepted unchanged`, () => {
    assert.deepEqual(accepted(parsePeerMessage(message)), message);
  });
}

test('a name and title are trimmed', () => {
  const message = accepted(parsePeerMessage({ ...PRESENCE, name: '  Ada \n', title: '\tFriday jam  ' }));
  assert.deepEqual(message, { ...PRESENCE, name: 'Ada', title: 'Friday jam' });
});

test(`a name padded beyond ${MAX_NAME_LENGTH} characters is accepted when trimmed to ${MAX_NAME_LENGTH}`, () => {
  const message = accepted(parsePeerMessage({ ...PRESENCE, name: `   ${'n'.repeat(MAX_NAME_LENGTH)}   ` }));
  assert.equal(message.kind === 'presence' && message.name, 'n'.repeat(MAX_NAME_LENGTH));
});

test('the input object is not changed by trimming', () => {
  const input = { ...PRESENCE, name: ' Ada ' };
  parsePeerMessage(input);
  assert.equal(input.name, ' Ada ');
});

const { muted: _muted, ...presenceWithoutMuted } = PRESENCE;
const { name: _name, ...presenceWithoutName } = PRESENCE;

const BAD: [string, unknown][] = [
  ['null', null],
  ['undefined', undefined],
  ['a number', 42],
  ['a string', 'presence'],
  ['an array', [PRESENCE]],
  ['an empty object', {}],
  ['an unknown kind', { kind: 'chat', text: 'hi' }],
  ['a kind in the wrong case', { ...PRESENCE, kind: 'Presence' }],
  ['a presence with an empty name', { ...PRESENCE, name: '' }],
  ['a presence whose name is only spaces', { ...PRESENCE, name: '   ' }],
  ['a presence whose name is only a newline and a tab', { ...PRESENCE, name: '\n\t' }],
  [`a presence with a ${MAX_NAME_LENGTH + 1}-character name`, { ...PRESENCE, name: 'n'.repeat(MAX_NAME_LENGTH + 1) }],
  [`a presence with a ${MAX_TITLE_LENGTH + 1}-character title`, { ...PRESENCE, title: 't'.repeat(MAX_TITLE_LENGTH + 1) }],
  ['a presence without a name', presenceWithoutName],
  ['a presence without muted', presenceWithoutMuted],
  ['a presence with muted as a string', { ...PRESENCE, muted: 'false' }],
  ['a presence with a numeric name', { ...PRESENCE, name: 7 }],
  ['a presence with a null title', { ...PRESENCE, title: null }],
  ['a presence with an extra field', { ...PRESENCE, avatar: 'x.png' }],
  ['a presence that claims a peer id', { ...PRESENCE, from: 'peer_ID-0123456789ab' }],
  ['a signal with a 7-character conn id', { ...signal(OFFER), conn: 'a'.repeat(7) }],
  ['a signal with a 33-character conn id', { ...signal(OFFER), conn: 'a'.repeat(33) }],
  ['a signal with a + in its conn id', { ...signal(OFFER), conn: 'conn+0001' }],
  ['a signal with a space in its conn id', { ...signal(OFFER), conn: 'conn 0001' }],
  ['a signal with a numeric conn id', { ...signal(OFFER), conn: 12345678 }],
  ['a signal without a conn id', { kind: 'signal', data: OFFER }],
  ['a signal without data', { kind: 'signal', conn: CONN }],
  ['a signal with an extra field', { ...signal(OFFER), to: 'someone' }],
  ['an offer with an extra field', signal({ ...OFFER, sdpType: 'x' })],
  ['an offer without an sdp', signal({ type: 'offer' })],
  [`an offer with an sdp of ${16 * 1024 + 1} characters`, signal({ type: 'offer', sdp: 's'.repeat(16 * 1024 + 1) })],
  [`an answer with an sdp of ${16 * 1024 + 1} characters`, signal({ type: 'answer', sdp: 's'.repeat(16 * 1024 + 1) })],
  ['a pranswer', signal({ type: 'pranswer', sdp: 'v=0' })],
  ['a rollback', signal({ type: 'rollback', sdp: '' })],
  ['an unknown signal type', signal({ type: 'transceiverRequest', transceiverRequest: {} })],
  ['a candidate with an extra field', signal({ ...CANDIDATE, extra: 1 })],
  ['a candidate whose inner object has an extra field', signal({ type: 'candidate', candidate: { ...CANDIDATE.candidate, port: 1 } })],
  ['a candidate without its candidate line', signal({ type: 'candidate', candidate: { sdpMid: '0' } })],
  ['a candidate line of 1025 characters', signal({ type: 'candidate', candidate: { candidate: 'c'.repeat(1025) } })],
  ['a candidate with an sdpMid of 65 characters', signal({ type: 'candidate', candidate: { candidate: 'c', sdpMid: 'm'.repeat(65) } })],
  ['a candidate with a usernameFragment of 257 characters', signal({ type: 'candidate', candidate: { candidate: 'c', usernameFragment: 'u'.repeat(257) } })],
  ['a candidate with a string sdpMLineIndex', signal({ type: 'candidate', candidate: { candidate: 'c', sdpMLineIndex: '0' } })],
  ['a renegotiate set to false', signal({ type: 'renegotiate', renegotiate: false })],
  ['a renegotiate without its flag', signal({ type: 'renegotiate' })],
];

for (const [what, message] of BAD) {
  test(`${what} is refused as bad-message`, () => {
    assert.equal(refusal(parsePeerMessage(message)), 'bad-message');
  });
}

test('a candidate line of 1024 characters and a usernameFragment of 256 are accepted', () => {
  const message = signal({ type: 'candidate', candidate: { candidate: 'c'.repeat(1024), sdpMid: 'm'.repeat(64), usernameFragment: 'u'.repeat(256) } });
  assert.deepEqual(accepted(parsePeerMessage(message)), message);
});

test('any name that trims to 1–40 characters is accepted, trimmed', () => {
  const name = fc.string({ maxLength: MAX_NAME_LENGTH, unit: 'binary' }).filter((s) => s.trim().length >= 1);
  const pad = fc.constantFrom('', ' ', '\t', '  \n');
  fc.assert(
    fc.property(name, pad, pad, fc.boolean(), (n, before, after, muted) => {
      const message = accepted(parsePeerMessage({ kind: 'presence', name: before + n + after, muted }));
      assert.deepEqual(message, { kind: 'presence', name: n.trim(), muted });
    }),
  );
});

test('any name that trims to more than 40 characters is refused', () => {
  fc.assert(
    fc.property(fc.string({ minLength: MAX_NAME_LENGTH + 1, maxLength: 100 }), (n) => {
      fc.pre(n.trim().length > MAX_NAME_LENGTH);
      assert.equal(refusal(parsePeerMessage({ ...PRESENCE, name: n })), 'bad-message');
    }),
  );
});

test('parsePeerMessage never throws and refuses only as bad-message, whatever the value', () => {
  const anyValue = fc.oneof(
    fc.anything({ withObjectString: true, withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true }),
    fc.jsonValue(),
    fc.record({ kind: fc.constantFrom('presence', 'signal'), name: fc.anything(), muted: fc.anything(), conn: fc.anything(), data: fc.anything(), title: fc.anything() }, { requiredKeys: ['kind'] }),
    fc.record({ kind: fc.constant('signal'), conn: fc.constant(CONN), data: fc.record({ type: fc.constantFrom('offer', 'answer', 'candidate', 'renegotiate'), sdp: fc.anything(), candidate: fc.anything(), renegotiate: fc.anything() }, { requiredKeys: ['type'] }) }),
  );
  fc.assert(
    fc.property(anyValue, (value) => {
      const r = parsePeerMessage(value);
      if (!r.ok) assert.equal(r.error.code, 'bad-message');
    }),
    { numRuns: 2000 },
  );
});

test('every well-formed message is accepted, and what is accepted survives a JSON round trip', () => {
  const opts = { noNullPrototype: true } as const;
  const name = fc.string({ minLength: 1, maxLength: MAX_NAME_LENGTH }).filter((s) => s.trim() === s && s.length > 0);
  const presence = fc.record(
    { kind: fc.constant('presence'), name, muted: fc.boolean(), title: fc.string({ maxLength: MAX_TITLE_LENGTH }).map((s) => s.trim()) },
    { ...opts, requiredKeys: ['kind', 'name', 'muted'] },
  );
  const data = fc.oneof(
    fc.record({ type: fc.constantFrom('offer', 'answer'), sdp: fc.string({ maxLength: 2000 }) }, opts),
    fc.record(
      {
        type: fc.constant('candidate'),
        candidate: fc.record(
          {
            candidate: fc.string({ maxLength: 1024 }),
            sdpMLineIndex: fc.option(fc.nat(16)),
            sdpMid: fc.option(fc.string({ maxLength: 64 })),
            usernameFragment: fc.option(fc.string({ maxLength: 256 })),
          },
          { ...opts, requiredKeys: ['candidate'] },
        ),
      },
      opts,
    ),
    fc.constant({ type: 'renegotiate', renegotiate: true }),
  );
  const sig = fc.record({ kind: fc.constant('signal'), conn: fc.stringMatching(/^[A-Za-z0-9_-]{8,32}$/), data }, opts);
  fc.assert(
    fc.property(fc.oneof(presence, sig), (message) => {
      const r = parsePeerMessage(message);
      assert.deepEqual(accepted(r), message);
      assert.deepEqual(parsePeerMessage(JSON.parse(JSON.stringify(message))), r);
    }),
  );
});

test('acts travel in messages of at most forty, each sealing into one box even when every act is a title and description at full length', async () => {
  const host = createIdentity();
  const hostsVisit = await startVisit(host.publicKey, async (message) => sign(message, host), 'roomid_0123456789abcd');
  const prev = toBase64Url(new Uint8Array(32));
  const toggles = Array.from({ length: 100 }, (_, n) => signAct({ type: 'raise-hand' }, { n, prev }, host, 'roomid_0123456789abcd'));
  assert.deepEqual(batchesOf(toggles).map((b) => b.length), [40, 40, 20]);
  // Three bytes of UTF-8 for every character the limits count.
  const info = { type: 'set-info', title: '語'.repeat(MAX_TITLE_LENGTH), description: '語'.repeat(MAX_DESCRIPTION_LENGTH) } as const;
  const long = Array.from({ length: 40 }, (_, n) => signAct(info, { n: 2 ** 31 - 40 + n, prev }, hostsVisit, 'roomid_0123456789abcd'));
  const batches = batchesOf(long);
  assert.ok(batches.length > 1, 'forty such acts were sent as one message');
  assert.deepEqual(batches.flat(), long);
  for (const entries of batches) {
    const message: PeerMessage = { kind: 'acts', entries };
    assert.equal(parsePeerMessage(message).ok, true);
    const box = sealPairMessage('bbbb_0123456789abcdef', { seq: 2 ** 31, ts: Date.now() }, utf8(JSON.stringify(message)), randomBytes(32));
    assert.ok(box.length <= MAX_BOX_CHARS, `${box.length} characters`);
  }
});
