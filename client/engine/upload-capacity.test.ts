import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ASSUMED_UPLOAD_KBPS, createUploadCapacity, RETRY_AFTER_MS, type SendSample } from './upload-capacity.ts';

/** Two seconds of a 40 kbps stream to each member, with what each reports lost. */
function readings(lost: Record<string, number | null>, seconds: number): Map<string, SendSample> {
  return new Map(Object.entries(lost).map(([peer, fractionLost]) => [peer, { bytesSent: seconds * 5000, fractionLost }]));
}

test('a relay whose upload cannot keep up, as most of those it feeds report, offers only what got through', () => {
  const capacity = createUploadCapacity();
  assert.equal(capacity.kbps(), ASSUMED_UPLOAD_KBPS);
  capacity.sample(0, readings({ ann: 0, ben: 0, cat: 0 }, 0));
  assert.equal(capacity.sample(2000, readings({ ann: 0.5, ben: 0.5, cat: 0 }, 2)), false, 'one reading is a burst, not a verdict');
  assert.equal(capacity.sample(4000, readings({ ann: 0.5, ben: 0.5, cat: 0 }, 4)), true);
  // 40 kbps to each: 20 got through to Ann, 20 to Ben, 40 to Cat.
  assert.equal(capacity.kbps(), 80);
});

test("one member's own loss, or a single member fed, demotes nobody: the upload is not what fails them", () => {
  const capacity = createUploadCapacity();
  const alone = createUploadCapacity();
  for (let s = 0; s <= 10; s += 2) {
    capacity.sample(s * 1000, readings({ ann: 0.9, ben: 0, cat: 0 }, s));
    alone.sample(s * 1000, readings({ ann: 0.9 }, s));
  }
  assert.equal(capacity.kbps(), ASSUMED_UPLOAD_KBPS);
  assert.equal(alone.kbps(), ASSUMED_UPLOAD_KBPS);
});

test('heavy loss leaves less than one stream, so the planner makes the relay a leaf; after a while it offers its upload again', () => {
  const capacity = createUploadCapacity();
  for (let s = 0; s <= 4; s += 2) capacity.sample(s * 1000, readings({ ann: 0.8, ben: 0.8 }, s));
  assert.ok(capacity.kbps() < 40, `${capacity.kbps()} kbps`);
  // A leaf feeds nobody: its readings are empty from then on.
  capacity.sample(RETRY_AFTER_MS / 2, new Map());
  assert.ok(capacity.kbps() < 40);
  assert.equal(capacity.sample(4000 + RETRY_AFTER_MS, new Map()), true);
  assert.equal(capacity.kbps(), ASSUMED_UPLOAD_KBPS);
});

test('members whose counters went back (a new link) or are new since the last reading count for nothing sent', () => {
  const capacity = createUploadCapacity();
  capacity.sample(0, new Map([['ann', { bytesSent: 50_000, fractionLost: 0.5 }], ['ben', { bytesSent: 0, fractionLost: 0.5 }]]));
  const now = new Map([
    ['ann', { bytesSent: 10, fractionLost: 0.5 }],
    ['ben', { bytesSent: 10_000, fractionLost: 0.5 }],
    ['cat', { bytesSent: 10_000, fractionLost: 0.5 }],
  ]);
  assert.equal(capacity.sample(2000, now), true);
  // Only Ben's 40 kbps counts, half of it lost.
  assert.equal(capacity.kbps(), 20);
});
