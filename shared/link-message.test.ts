import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeLinkMessage, FEED_SLOTS, parseLinkMessage, STAGE_MIX, type LinkMessage } from './link-message.ts';

const PEER = 'peer-0000000000000';

test('what a relay says over a link survives the trip', () => {
  const messages: LinkMessage[] = [
    { t: 'slots', slots: [PEER, null] },
    { t: 'slots', slots: [STAGE_MIX] },
    { t: 'tick', levels: [[PEER, 0.5]] },
    { t: 'feed', on: true },
    { t: 'tick' },
    { t: 'leaving' },
  ];
  for (const message of messages) {
    assert.deepEqual(parseLinkMessage(encodeLinkMessage(message)), { ok: true, value: message });
  }
});

test('anything else arriving on a link is refused with a reason', () => {
  for (const raw of [
    'not json',
    '{"t":"feed"}',
    '{"t":"tick","extra":1}',
    `{"t":"slots","slots":${JSON.stringify(Array(FEED_SLOTS + 1).fill(null))}}`,
    '{"t":"slots","slots":["bad id!"]}',
    '{"t":"slots","slots":["mixes"]}',
    '{"t":"slots","slots":["mix","mix"]}',
    `{"t":"slots","slots":["mix","${PEER}"]}`,
    `{"t":"slots","slots":["${PEER}",null,"${PEER}"]}`,
    `{"t":"tick","levels":[["${PEER}",1.5]]}`,
    `{"t":"tick","levels":[["${STAGE_MIX}",0.5]]}`,
    `{"t":"tick","levels":${JSON.stringify(Array(FEED_SLOTS + 1).fill([PEER, 0]))}}`,
    'x'.repeat(5000),
    new Uint8Array(4),
  ]) {
    const parsed = parseLinkMessage(raw);
    assert.equal(parsed.ok, false, `accepted ${String(raw).slice(0, 40)}`);
    assert.ok(!parsed.ok && parsed.error.code === 'bad-link-message' && parsed.error.message.length > 0);
  }
});
