import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFrameCommand } from './frame-messages.ts';

test('the page can tell the frame to join, leave, mute and unmute', () => {
  for (const command of ['join', 'leave', 'mute', 'unmute'] as const) assert.equal(parseFrameCommand({ porch: command }), command);
});

test("anything else posted to the frame is not a command, whatever its shape", () => {
  for (const data of [null, undefined, 'join', 42, [], {}, { porch: 'perform' }, { porch: 'constructor' }, { porch: 'toString' }, { type: 'join' }, { porch: ['join'] }]) {
    assert.equal(parseFrameCommand(data), null, JSON.stringify(data));
  }
});
