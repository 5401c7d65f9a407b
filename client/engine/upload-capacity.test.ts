import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STREAM_KBPS } from '../../shared/tree-plan.ts';
import { ASSUMED_UPLOAD_KBPS, createUploadCapacity, RETRY_AFTER_MS, type FeedReading } from './upload-capacity.ts';

/** What those we feed report lost; `round`: how many reports each has sent so far. */
function reading(lost: Record<string, number | null>, round: number | null, streams = 1): FeedReading {
  return { links: new Map(Object.entries(lost).map(([peer, fractionLost]) => [peer, { fractionLost, reports: round }])), streams };
}

test('a relay whose upload cannot keep up, as most of those it feeds report, offers only what reached them whole', () => {
  const capacity = createUploadCapacity();
  assert.equal(capacity.kbps(), ASSUMED_UPLOAD_KBPS);
  capacity.sample(0, reading({ ann: 0, ben: 0, cat: 0 }, 1, 2));
  assert.equal(capacity.sample(2000, reading({ ann: 0.5, ben: 0.5, cat: 0 }, 2, 2)), false, 'one round of reports is a burst, not a verdict');
  assert.equal(capacity.sample(4000, reading({ ann: 0.5, ben: 0.5, cat: 0 }, 2, 2)), false, 'the same reports read again are no second round');
  assert.equal(capacity.sample(6000, reading({ ann: 0.5, ben: 0.5, cat: 0 }, 3, 2)), false);
  assert.equal(capacity.sample(8000, reading({ ann: 0.5, ben: 0.5, cat: 0 }, 4, 2)), true);
  // Half of Ann, half of Ben and all of Cat: two members, two speakers each.
  assert.equal(capacity.kbps(), 2 * 2 * STREAM_KBPS);
});

test('what reached them is offered at what the planner counts per stream, so the planner gives back as many members', () => {
  const capacity = createUploadCapacity();
  for (let round = 1; round <= 4; round += 1) capacity.sample(round * 2000, reading({ ann: 0, ben: 0.9, cat: 0.9 }, round, 3), 200);
  assert.equal(capacity.kbps(), 1 * 3 * 200, 'one member reached whole, three streams of 200 kbit/s');
});

test('members report at their own times: their latest reports count together', () => {
  const capacity = createUploadCapacity();
  const links = (annReports: number, benReports: number): FeedReading => ({
    links: new Map([
      ['ann', { fractionLost: 0.9, reports: annReports }],
      ['ben', { fractionLost: 0.9, reports: benReports }],
    ]),
    streams: 1,
  });
  capacity.sample(0, links(1, 1));
  capacity.sample(2000, links(2, 1));
  capacity.sample(4000, links(2, 2));
  capacity.sample(6000, links(3, 2));
  assert.equal(capacity.kbps(), 0);
});

test("one member's own loss, or a single member fed, demotes nobody: the upload is not what fails them", () => {
  const capacity = createUploadCapacity();
  const alone = createUploadCapacity();
  for (let round = 1; round <= 6; round += 1) {
    capacity.sample(round * 5000, reading({ ann: 0.9, ben: 0, cat: 0 }, round));
    alone.sample(round * 5000, reading({ ann: 0.9 }, round));
  }
  assert.equal(capacity.kbps(), ASSUMED_UPLOAD_KBPS);
  assert.equal(alone.kbps(), ASSUMED_UPLOAD_KBPS);
});

test('heavy loss leaves less than one member reached whole, so the planner makes the relay a leaf; it offers its upload again after a while, later at each repeat', () => {
  const capacity = createUploadCapacity();
  let at = 0;
  const demote = (): void => {
    for (let round = 1; round <= 4; round += 1) capacity.sample((at += 5000), reading({ ann: 0.8, ben: 0.8 }, at));
  };
  demote();
  assert.equal(capacity.kbps(), 0);
  // A leaf feeds nobody: its readings are empty from then on.
  capacity.sample((at += RETRY_AFTER_MS / 2), reading({}, null));
  assert.equal(capacity.kbps(), 0);
  assert.equal(capacity.sample((at += RETRY_AFTER_MS / 2), reading({}, null)), true);
  assert.equal(capacity.kbps(), ASSUMED_UPLOAD_KBPS);
  demote();
  assert.equal(capacity.kbps(), 0, 'demoted again');
  capacity.sample((at += RETRY_AFTER_MS), reading({}, null));
  assert.equal(capacity.kbps(), 0, 'a relay that failed again waits longer');
  capacity.sample((at += RETRY_AFTER_MS), reading({}, null));
  assert.equal(capacity.kbps(), ASSUMED_UPLOAD_KBPS);
});

test('where the browser does not count reports, every reading counts as a fresh round', () => {
  const capacity = createUploadCapacity();
  for (let at = 0; at <= 4000; at += 2000) capacity.sample(at, reading({ ann: 0.5, ben: 0.5 }, null));
  assert.equal(capacity.kbps(), STREAM_KBPS);
});
