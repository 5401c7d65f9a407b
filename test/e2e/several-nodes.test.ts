/**
 * Several signaling nodes on one real Redis, with a load balancer in front as the deployment docs
 * describe: people whose pages reach different nodes share a room and hear each other; when a
 * node stops (SIGTERM), the call keeps flowing, its people reconnect through the other node, and
 * the room's planner lease moves there.
 *
 * Each page goes through its own failover proxy (test/helpers/failover-proxy.ts), which prefers
 * one node and falls back on the other, so the test knows which node each page reached.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { longestGap, watchGaps } from '../helpers/audio-gaps.ts';
import { closeAll, launchBrowser, openPerson, type Person, withLogsOf } from '../helpers/browser.ts';
import { startFailoverProxy, type FailoverProxy } from '../helpers/failover-proxy.ts';
import { scrapeValue } from '../helpers/metrics-scrape.ts';
import { pollUntil } from '../helpers/poll.ts';
import { startRedis, type RunningRedis } from '../helpers/redis.ts';
import { joinRoom, newRoomLink, waitForPeopleConnected } from '../helpers/room-page.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { expectHearsExactly } from '../helpers/tones.ts';

const ANN = 440;
const BEN = 660;
const CAT = 880;

/** The same room link, opened through another front. */
const through = (link: string, front: FailoverProxy): string => {
  const url = new URL(link);
  return new URL(url.pathname + url.search + url.hash, front.url).href;
};

const members = (node: RunningServer): Promise<number | undefined> => scrapeValue(node.url, 'porch_room_members');
const leases = (node: RunningServer): Promise<number | undefined> => scrapeValue(node.url, 'porch_planner_leases');

describe('several signaling nodes on one Redis', () => {
  let browser: Browser;
  let redis: RunningRedis;
  const nodes: RunningServer[] = [];
  const fronts: FailoverProxy[] = [];
  const people: Person[] = [];
  const withLogs = withLogsOf(people, () => nodes.map((node, i) => `--- node ${i + 1}\n${node.output()}`).join('\n'));

  before(async () => {
    redis = await startRedis();
    for (let i = 0; i < 2; i++) nodes.push(await startServer({ env: { REDIS_URL: redis.url, LOG_LEVEL: 'debug' } }));
    const [one, two] = nodes.map((node) => node.port);
    fronts.push(await startFailoverProxy([one!, two!]), await startFailoverProxy([two!, one!]));
    browser = await launchBrowser();
  });

  after(async () => {
    await closeAll(browser);
    await Promise.all([...fronts.map((front) => front.close()), ...nodes.map((node) => node.stop())]);
    await redis.stop();
  });

  test('people on different nodes hear each other; one node stops and the call goes on through the other', () =>
    withLogs(async () => {
      const [one, two] = nodes as [RunningServer, RunningServer];
      const [viaOne, viaTwo] = fronts as [FailoverProxy, FailoverProxy];
      const link = newRoomLink(viaOne.url);
      const ann = await openPerson(browser, link, { toneHz: ANN, label: 'Ann' });
      people.push(ann);
      await joinRoom(ann.page, 'Ann');
      const ben = await openPerson(browser, through(link, viaTwo), { toneHz: BEN, label: 'Ben' });
      people.push(ben);
      await joinRoom(ben.page, 'Ben');

      await expectHearsExactly(ann, [BEN], [ANN, CAT]);
      await expectHearsExactly(ben, [ANN], [BEN, CAT]);
      assert.deepEqual([await members(one), await members(two)], [1, 1], 'Ann is on node one and Ben on node two');
      const ledByOne = await pollUntil(
        'exactly one node plans the room',
        async () => ((await leases(one)) ?? 0) * 10 + ((await leases(two)) ?? 0),
        (both) => both === 10 || both === 1,
      );
      const [leader, survivor, leaderPerson] = ledByOne === 10 ? [one, two, ann] : [two, one, ben];

      // The node holding the lease goes down; its member's page reconnects through its front's other node.
      const otherPerson = leaderPerson === ann ? ben : ann;
      await watchGaps(otherPerson.page, leaderPerson === ann ? ANN : BEN);
      await leader.stop();
      await pollUntil('both are on the surviving node', () => members(survivor), (n) => n === 2, { timeoutMs: 20_000 });
      await pollUntil('the surviving node took the planner lease', () => leases(survivor), (n) => n === 1, { timeoutMs: 10_000 });
      await waitForPeopleConnected(leaderPerson.page, [otherPerson === ann ? 'Ann' : 'Ben']);
      await expectHearsExactly(ann, [BEN], [ANN, CAT]);
      await expectHearsExactly(ben, [ANN], [BEN, CAT]);
      const gap = await longestGap(otherPerson.page);
      assert.ok(gap < 1_000, `the call kept flowing while the node went down: the longest silence was ${gap} ms`);

      // A newcomer whose front prefers the stopped node lands on the survivor and meets both.
      const cat = await openPerson(browser, through(link, leader === one ? viaOne : viaTwo), { toneHz: CAT, label: 'Cat' });
      people.push(cat);
      await joinRoom(cat.page, 'Cat');
      await expectHearsExactly(cat, [ANN, BEN], [CAT]);
      await waitForPeopleConnected(ann.page, ['Ben', 'Cat']);
    }));
});
