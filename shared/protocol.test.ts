import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ERROR_CODES, MAX_BOX_CHARS, MAX_FRAME_BYTES, parseClientFrame, parseServerFrame, PROTOCOL_VERSION } from './protocol.ts';
import { accepted, refusal } from '../test/helpers/results.ts';

const json = (value: unknown): string => JSON.stringify(value);

const ID = 'peer_ID-0123456789ab'; // 20 characters from the id alphabet
const ROOM = 'abcdefghijklmnopqrstuv'; // 22, the length of a real room id
const RESUME = 'R'.repeat(43);
const HELLO = { type: 'hello', v: PROTOCOL_VERSION, room: ROOM, resume: RESUME };
const SEND = { type: 'send', to: ID, box: 'sealed' };
const BYE = { type: 'bye' };

// ---- client frames: accepted ----

const GOOD_CLIENT: [string, object][] = [
  ['a hello', HELLO],
  ['a send to one peer', SEND],
  ['a send to everyone', { ...SEND, to: '*' }],
  ['a bye', BYE],
  ['a hello with a 16-character room id', { ...HELLO, room: 'a'.repeat(16) }],
  ['a hello with a 64-character room id', { ...HELLO, room: 'a'.repeat(64) }],
  ['a send with a one-character box', { ...SEND, box: 'x' }],
  [`a send with a ${MAX_BOX_CHARS}-character box`, { ...SEND, box: 'x'.repeat(MAX_BOX_CHARS) }],
];

for (const [what, frame] of GOOD_CLIENT) {
  test(`the server accepts ${what} and returns it unchanged`, () => {
    assert.deepEqual(accepted(parseClientFrame(json(frame))), frame);
  });
}

// ---- client frames: refused ----

const BAD_JSON = ['', '{', '{"type":"bye"', "{'type':'bye'}", 'undefined', 'NaN', '{"type":"bye",}', 'bye'];
for (const raw of BAD_JSON) {
  test(`the server refuses the non-JSON text ${JSON.stringify(raw)} as bad-json`, () => {
    assert.equal(refusal(parseClientFrame(raw)), 'bad-json');
    assert.equal(refusal(parseServerFrame(raw)), 'bad-json');
  });
}

const NOT_AN_OBJECT = ['[]', '[{"type":"bye"}]', 'null', '42', '"bye"', 'true', '{}'];
for (const raw of NOT_AN_OBJECT) {
  test(`the top-level JSON ${raw} is refused as bad-frame by both parsers`, () => {
    assert.equal(refusal(parseClientFrame(raw)), 'bad-frame');
    assert.equal(refusal(parseServerFrame(raw)), 'bad-frame');
  });
}

const { room: _room, ...helloWithoutRoom } = HELLO;
const { resume: _resume, ...helloWithoutResume } = HELLO;
const { v: _v, ...helloWithoutVersion } = HELLO;
const { box: _box, ...sendWithoutBox } = SEND;
const { to: _to, ...sendWithoutTo } = SEND;

const BAD_CLIENT: [string, unknown][] = [
  ['an unknown type', { type: 'shout' }],
  ['a type in the wrong case', { type: 'Bye' }],
  ['a missing type', { room: ROOM }],
  ['a server frame type', { type: 'welcome', peer: ID, peers: [], ice: [] }],
  ['a hello with version 2', { ...HELLO, v: 2 }],
  ['a hello with version 0', { ...HELLO, v: 0 }],
  ['a hello with the version as a string', { ...HELLO, v: '1' }],
  ['a hello without a version', helloWithoutVersion],
  ['a hello without a room', helloWithoutRoom],
  ['a hello without a resume secret', helloWithoutResume],
  ['a hello with an extra field', { ...HELLO, name: 'Ada' }],
  ['a hello that claims a peer id', { ...HELLO, from: ID }],
  ['a send that claims a sender', { ...SEND, from: ID }],
  ['a bye with an extra field', { type: 'bye', reason: 'done' }],
  ['a send without a box', sendWithoutBox],
  ['a send without a recipient', sendWithoutTo],
  ['a hello with a 15-character room id', { ...HELLO, room: 'a'.repeat(15) }],
  ['a hello with a 65-character room id', { ...HELLO, room: 'a'.repeat(65) }],
  ['a hello with an empty room id', { ...HELLO, room: '' }],
  ['a hello with a + in the room id', { ...HELLO, room: `${ROOM.slice(1)}+` }],
  ['a hello with a / in the room id', { ...HELLO, room: `${ROOM.slice(1)}/` }],
  ['a hello with = padding in the room id', { ...HELLO, room: `${ROOM}==` }],
  ['a hello with a space in the room id', { ...HELLO, room: `${ROOM.slice(1)} ` }],
  ['a hello with a newline after the room id', { ...HELLO, room: `${ROOM}\n` }],
  ['a hello with a numeric room id', { ...HELLO, room: 1234567890123456 }],
  ['a hello with a 42-character resume secret', { ...HELLO, resume: RESUME.slice(1) }],
  ['a hello with a 44-character resume secret', { ...HELLO, resume: `${RESUME}R` }],
  ['a hello with a . in the resume secret', { ...HELLO, resume: `${RESUME.slice(1)}.` }],
  ['a send to a 15-character id', { ...SEND, to: 'a'.repeat(15) }],
  ['a send to an id with a bad character', { ...SEND, to: `${ID.slice(1)}!` }],
  ['a send to "all"', { ...SEND, to: 'all' }],
  ['a send to "**"', { ...SEND, to: '**' }],
  ['a send to nobody ("")', { ...SEND, to: '' }],
  ['a send to a list of ids', { ...SEND, to: [ID] }],
  ['a send with an empty box', { ...SEND, box: '' }],
  [`a send with a box of ${MAX_BOX_CHARS + 1} characters`, { ...SEND, box: 'x'.repeat(MAX_BOX_CHARS + 1) }],
  ['a send with an object as its box', { ...SEND, box: { sdp: 'v=0' } }],
];

for (const [what, frame] of BAD_CLIENT) {
  test(`the server refuses ${what} as bad-frame`, () => {
    assert.equal(refusal(parseClientFrame(json(frame))), 'bad-frame');
  });
}

test('a refusal message names the field at fault', () => {
  const r = parseClientFrame(json({ ...HELLO, room: 'short' }));
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error.message, /\broom\b/);
});

test(`a frame of exactly ${MAX_FRAME_BYTES} bytes is read, and one byte more is refused as too-large`, () => {
  const base = json(BYE);
  const exact = base + ' '.repeat(MAX_FRAME_BYTES - base.length);
  assert.equal(exact.length, MAX_FRAME_BYTES);
  assert.deepEqual(accepted(parseClientFrame(exact)), BYE);
  assert.equal(refusal(parseClientFrame(`${exact} `)), 'too-large');
  assert.equal(refusal(parseServerFrame(`${exact} `)), 'too-large');
});

test('an oversized frame is refused as too-large before it is parsed as JSON', () => {
  assert.equal(refusal(parseClientFrame('{'.repeat(MAX_FRAME_BYTES + 1))), 'too-large');
  assert.equal(refusal(parseServerFrame('x'.repeat(MAX_FRAME_BYTES * 4))), 'too-large');
});

test('a deeply nested value inside a frame is refused without throwing', () => {
  const deep = '['.repeat(10_000) + ']'.repeat(10_000);
  assert.equal(refusal(parseClientFrame(`{"type":"bye","x":${deep}}`)), 'bad-frame');
});

test('a duplicated key is read as its last value, so a bye cannot smuggle a send', () => {
  assert.equal(refusal(parseClientFrame('{"type":"send","to":"*","box":"x","type":"bye"}')), 'bad-frame');
});

test('a __proto__ key is refused as an extra field', () => {
  assert.equal(refusal(parseClientFrame('{"type":"bye","__proto__":{"type":"send"}}')), 'bad-frame');
});

// ---- client frames: properties ----

const id = fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/);
const validClientFrame = fc.oneof(
  fc.record({
    type: fc.constant('hello' as const),
    v: fc.constant(PROTOCOL_VERSION),
    room: id,
    resume: fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
  }, { noNullPrototype: true }),
  fc.record({
    type: fc.constant('send' as const),
    to: fc.oneof(id, fc.constant('*')),
    box: fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }),
  }, { noNullPrototype: true }),
  fc.constant({ type: 'bye' as const }),
);

test('every well-formed client frame is accepted unchanged', () => {
  fc.assert(
    fc.property(validClientFrame, (frame) => {
      assert.deepEqual(accepted(parseClientFrame(json(frame))), frame);
    }),
  );
});

test('every well-formed client frame with one extra field is refused', () => {
  fc.assert(
    fc.property(validClientFrame, fc.string({ minLength: 1 }), fc.jsonValue(), (frame, key, value) => {
      fc.pre(!(key in frame));
      assert.equal(refusal(parseClientFrame(json({ ...frame, [key]: value }))), 'bad-frame');
    }),
  );
});

const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.json(),
  fc.anything().map((v) => JSON.stringify(v) ?? 'undefined'),
  fc.anything({ withObjectString: true, withNullPrototype: true }).map((v) => JSON.stringify(v) ?? 'undefined'),
);
const CODES = new Set(['bad-json', 'bad-frame', 'too-large']);

test('parseClientFrame never throws and refuses with a known code, whatever the text', () => {
  fc.assert(
    fc.property(anyText, (raw) => {
      const r = parseClientFrame(raw);
      if (!r.ok) assert.ok(CODES.has(r.error.code), r.error.code);
    }),
    { numRuns: 2000 },
  );
});

test('any text that is not JSON is refused as bad-json by the server', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 50 }), (raw) => {
      let isJson = true;
      try {
        JSON.parse(raw);
      } catch {
        isJson = false;
      }
      fc.pre(!isJson);
      assert.equal(refusal(parseClientFrame(raw)), 'bad-json');
    }),
  );
});

// ---- server frames ----

const LIMITS = { framesPerS: 40, framesBurst: 80, copiesPerS: 200, copiesBurst: 400 };
const WELCOME = { type: 'welcome', peer: ID, peers: [], ice: [], limits: LIMITS };
const GOOD_SERVER: [string, object][] = [
  ['a welcome to an empty room', WELCOME],
  [
    'a welcome with peers and ICE servers',
    {
      ...WELCOME,
      peers: ['a'.repeat(16), 'b'.repeat(64)],
      ice: [
        { urls: 'stun:stun.example:3478' },
        { urls: ['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349'], username: 'u', credential: 'c' },
        { urls: [] },
      ],
    },
  ],
  ['a joined', { type: 'joined', peer: ID }],
  ['a left', { type: 'left', peer: ID }],
  ['a msg', { type: 'msg', from: ID, box: 'sealed' }],
  [`a msg with a ${MAX_BOX_CHARS}-character box`, { type: 'msg', from: ID, box: 'x'.repeat(MAX_BOX_CHARS) }],
  ['a closing for restart', { type: 'closing', reason: 'restart' }],
  ['a closing for shutdown', { type: 'closing', reason: 'shutdown' }],
  ...ERROR_CODES.map((code): [string, object] => [`an error with code ${code}`, { type: 'error', code, message: 'm' }]),
  ['an error with an empty message', { type: 'error', code: 'bad-frame', message: '' }],
];

for (const [what, frame] of GOOD_SERVER) {
  test(`the browser accepts ${what} and returns it unchanged`, () => {
    assert.deepEqual(accepted(parseServerFrame(json(frame))), frame);
  });
}

const BAD_SERVER: [string, unknown][] = [
  ['an unknown type', { type: 'shout' }],
  ['a client frame type', BYE],
  ['a hello', HELLO],
  ['a welcome without ice', { type: 'welcome', peer: ID, peers: [], limits: LIMITS }],
  ['a welcome without peers', { type: 'welcome', peer: ID, ice: [], limits: LIMITS }],
  ['a welcome without limits', { type: 'welcome', peer: ID, peers: [], ice: [] }],
  ['a welcome with a limit of zero', { ...WELCOME, limits: { ...LIMITS, framesPerS: 0 } }],
  ['a welcome with a limit that is not a number', { ...WELCOME, limits: { ...LIMITS, copiesBurst: '400' } }],
  ['a welcome with a bad own id', { ...WELCOME, peer: 'short' }],
  ['a welcome listing a bad peer id', { ...WELCOME, peers: [ID, 'no spaces allowed here'] }],
  ['a welcome with peers as a string', { ...WELCOME, peers: ID }],
  ['a welcome with an extra field', { ...WELCOME, room: ROOM }],
  ['an ICE server with an extra field', { ...WELCOME, ice: [{ urls: 'stun:x', credentialType: 'password' }] }],
  ['an ICE server without urls', { ...WELCOME, ice: [{ username: 'u' }] }],
  ['an ICE server with numeric urls', { ...WELCOME, ice: [{ urls: 3478 }] }],
  ['an ICE server with a null username', { ...WELCOME, ice: [{ urls: 'stun:x', username: null }] }],
  ['a joined with an id of 15 characters', { type: 'joined', peer: 'a'.repeat(15) }],
  ['a joined without a peer', { type: 'joined' }],
  ['a left with an id of 65 characters', { type: 'left', peer: 'a'.repeat(65) }],
  ['a msg from "*"', { type: 'msg', from: '*', box: 'x' }],
  ['a msg without a sender', { type: 'msg', box: 'x' }],
  ['a msg with an empty box', { type: 'msg', from: ID, box: '' }],
  [`a msg with a box of ${MAX_BOX_CHARS + 1} characters`, { type: 'msg', from: ID, box: 'x'.repeat(MAX_BOX_CHARS + 1) }],
  ['a msg that also names a recipient', { type: 'msg', from: ID, to: ID, box: 'x' }],
  ['an error with an unknown code', { type: 'error', code: 'teapot', message: 'm' }],
  ['an error without a message', { type: 'error', code: 'bad-frame' }],
  ['an error with a numeric message', { type: 'error', code: 'bad-frame', message: 1 }],
  ['a closing with an unknown reason', { type: 'closing', reason: 'maintenance' }],
  ['a closing without a reason', { type: 'closing' }],
];

for (const [what, frame] of BAD_SERVER) {
  test(`the browser refuses ${what} as bad-frame`, () => {
    assert.equal(refusal(parseServerFrame(json(frame))), 'bad-frame');
  });
}

test('the server refuses every server frame type and the browser every client frame type', () => {
  for (const [, frame] of GOOD_SERVER) assert.equal(refusal(parseClientFrame(json(frame))), 'bad-frame');
  for (const [, frame] of GOOD_CLIENT) assert.equal(refusal(parseServerFrame(json(frame))), 'bad-frame');
});

test('parseServerFrame never throws and refuses with a known code, whatever the text', () => {
  fc.assert(
    fc.property(anyText, (raw) => {
      const r = parseServerFrame(raw);
      if (!r.ok) assert.ok(CODES.has(r.error.code), r.error.code);
    }),
    { numRuns: 2000 },
  );
});

test('every well-formed msg frame is accepted unchanged', () => {
  fc.assert(
    fc.property(id, fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }), (from, box) => {
      const frame = { type: 'msg', from, box };
      assert.deepEqual(accepted(parseServerFrame(json(frame))), frame);
    }),
  );
});

test('the frame size cap counts UTF-8 bytes, not characters', () => {
  const raw = JSON.stringify({ type: 'send', to: '*', box: '€'.repeat(11000) });
  const parsed = parseClientFrame(raw);
  assert.equal(parsed.ok, false);
  assert.equal(!parsed.ok && parsed.error.code, 'too-large');
});
