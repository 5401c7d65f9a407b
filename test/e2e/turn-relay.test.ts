/**
 * Hide my IP address, end to end: the signaling server mints TURN REST credentials, coturn
 * relays, and Chromium pages that ask for relayed paths only hear each other through it without
 * ever handing the other page a candidate that is not the relay's.
 *
 * How "no other candidate reaches the other page" is proved: candidates travel sealed, so they
 * are read where they arrive. Every page records (test/helpers/ice-candidates.ts) each candidate
 * passed to addIceCandidate and each a=candidate line of a remote description, and getStats
 * lists every remote candidate the browser knows, including peer-reflexive ones that were never
 * signaled but learned from connectivity checks. All of them must be relay candidates, and so
 * must both ends of the pair carrying the media.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { mintTurnServer } from '../../signaling/turn-credentials.ts';
import { closeAll, closePerson, launchBrowser, openPerson, type Person, withLogsOf } from '../helpers/browser.ts';
import { startCoturn, type RunningCoturn } from '../helpers/coturn.ts';
import { candidateReport, RECORD_CANDIDATES, type CandidateReport } from '../helpers/ice-candidates.ts';
import { joinRoom, newRoomLink, statusText, waitForPeopleConnected, waitForStatus, waitForTiles } from '../helpers/room-page.ts';
import { pollUntil } from '../helpers/poll.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { expectHearsExactly } from '../helpers/tones.ts';

const ANN = 440;
const BEN = 660;
const CAT = 880;
const DAN = 1100;

const hideAddress = (page: Page) => page.getByLabel('Hide my IP address');

/** Whether the browser has stored the choice (idb-keyval's own store): a reload before that would lose it. */
const storedHidden = (page: Page): Promise<boolean> =>
  page.evaluate(
    () =>
      new Promise<boolean>((resolve) => {
        const open = indexedDB.open('keyval-store');
        open.onerror = () => resolve(false);
        open.onsuccess = () => {
          const read = open.result.transaction('keyval', 'readonly').objectStore('keyval').get('porch:profile');
          read.onerror = () => resolve(false);
          read.onsuccess = () => resolve((read.result as { hideAddress?: boolean } | undefined)?.hideAddress === true);
        };
      }),
  );

/**
 * A person whose browser chose to hide its address (on another room's page of this server, where
 * nobody else is) opens the link with the page recording its candidates, and joins. The room
 * connects as soon as the link opens, so only a choice made before then covers every link.
 */
async function arriveHidden(browser: Browser, link: string, label: string, toneHz: number): Promise<Person> {
  const person = await openPerson(browser, newRoomLink(new URL(link).origin), { toneHz, label });
  // Enabled once the page has heard from /relay that the server offers a relay; remembered at once.
  await hideAddress(person.page).check({ timeout: 10_000 });
  await pollUntil(`${label}'s browser to store the choice`, () => storedHidden(person.page), (stored) => stored, { everyMs: 50 });
  await person.page.reload();
  assert.equal(await hideAddress(person.page).isChecked(), true, `${label}'s browser remembers the choice`);
  await person.page.goto('about:blank');
  await person.context.addInitScript({ content: RECORD_CANDIDATES });
  await person.page.goto(link);
  assert.equal(await hideAddress(person.page).isChecked(), true, `${label}'s browser remembers the choice`);
  await joinRoom(person.page, label);
  return person;
}

/** Every connection the page made, closed ones too, saw relay candidates only; the live one goes relay to relay. */
function assertOnlyRelay(label: string, reports: CandidateReport[]): void {
  const live = reports.filter((r) => r.connection === 'connected');
  assert.equal(live.length, 1, `${label} holds one live connection: ${JSON.stringify(reports)}`);
  for (const r of reports) {
    const seen = JSON.stringify(r);
    assert.equal(r.policy, 'relay', `${label} asked for relayed paths only: ${seen}`);
    assert.ok(r.gathered.every((t) => t === 'relay'), `${label} gathered only relay candidates: ${seen}`);
    assert.ok(r.signaled.every((t) => t === 'relay'), `only relay candidates reached ${label}: ${seen}`);
    assert.ok(r.remoteStats.every((t) => t === 'relay'), `${label} knows no remote candidate but relay ones: ${seen}`);
  }
  for (const r of live) {
    const seen = JSON.stringify(r);
    assert.ok(r.gathered.length > 0 && r.signaled.length > 0 && r.remoteStats.length > 0, `${label}'s live connection has candidates to judge: ${seen}`);
    assert.deepEqual(r.selected, { local: 'relay', remote: 'relay' }, `${label}'s media goes relay to relay: ${seen}`);
  }
}

describe('Hide my IP address, through coturn', () => {
  let browser: Browser;
  const turns: RunningCoturn[] = [];
  const servers: RunningServer[] = [];
  const people: Person[] = [];
  const withLogs = withLogsOf(people, () =>
    [...servers.map((s) => s.output()), ...turns.map((t) => `--- turnserver\n${t.output().split('\n').slice(-80).join('\n')}`)].join('\n'),
  );

  /** coturn, and a signaling server handing out credentials under `serverSecret` (default: coturn's). */
  async function startPair(serverSecret?: string): Promise<{ turn: RunningCoturn; server: RunningServer }> {
    const turn = await startCoturn();
    turns.push(turn);
    const server = await startServer({ env: { TURN_URLS: turn.url, TURN_SECRET: serverSecret ?? turn.secret, TURN_TTL: '600' } });
    servers.push(server);
    return { turn, server };
  }

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await closeAll(browser);
    await Promise.all([...servers.map((s) => s.stop()), ...turns.map((t) => t.stop())]);
  });

  test('coturn accepts the credentials the server mints, and refuses ones under another secret', async () => {
    const turn = await startCoturn();
    turns.push(turn);
    const allocate = (secret: string): number | null => {
      const { username, credential } = mintTurnServer({ urls: [turn.url], secret, ttlS: 60 });
      // coturn's own test client: allocates a relay with these credentials and sends a few packets through it.
      const run = spawnSync('turnutils_uclient', ['-y', '-n', '2', '-m', '1', '-u', username, '-w', credential, '-p', String(turn.port), '127.0.0.1'], {
        timeout: 20_000,
      });
      return run.status;
    };
    assert.equal(allocate(turn.secret), 0);
    assert.notEqual(allocate(randomBytes(24).toString('hex')), 0);
    await turn.stop();
  });

  test('two people who hide their IP address hear each other, and only relay candidates ever reach the other page', () =>
    withLogs(async () => {
      const { server } = await startPair();
      const link = newRoomLink(server.url);
      const ann = await arriveHidden(browser, link, 'Ann', ANN);
      people.push(ann);
      const ben = await arriveHidden(browser, link, 'Ben', BEN);
      people.push(ben);

      await expectHearsExactly(ann, [BEN], [ANN, CAT]);
      await expectHearsExactly(ben, [ANN], [BEN, CAT]);
      await waitForPeopleConnected(ann.page, ['Ben']);
      assert.doesNotMatch(await statusText(ann.page), /relay turned away/, 'a relay that takes the credentials is not blamed');
      assertOnlyRelay('Ann', await candidateReport(ann.page));
      assertOnlyRelay('Ben', await candidateReport(ben.page));

      // The choice is remembered for this server, like the name.
      const again = await ann.context.newPage();
      await again.goto(link);
      await again.getByText("people in the room don't learn your IP address").waitFor({ timeout: 10_000 });
      assert.equal(await hideAddress(again).isChecked(), true);
      await again.close();

      await Promise.all([closePerson(ann), closePerson(ben)]);
      people.length = 0;
    }));

  test('where the server and coturn disagree on the secret, relayed-only pages cannot connect, each shows the other with a connection problem, and says why', () =>
    withLogs(async () => {
      const { server } = await startPair(randomBytes(24).toString('hex'));
      const link = newRoomLink(server.url);
      const cat = await arriveHidden(browser, link, 'Cat', CAT);
      people.push(cat);
      const dan = await arriveHidden(browser, link, 'Dan', DAN);
      people.push(dan);

      const troubled = (name: string) => (tiles: { name: string; connection: string }[]) =>
        tiles.some((t) => t.name === name && /Reconnecting|failed/.test(t.connection));
      // A link that has not connected is given up after 15 s (client/engine/mesh.ts).
      await waitForTiles(cat.page, 'Dan shown with a connection problem', troubled('Dan'), { timeoutMs: 40_000 });
      await waitForTiles(dan.page, 'Cat shown with a connection problem', troubled('Cat'), { timeoutMs: 40_000 });
      for (const person of [cat, dan]) await waitForStatus(person.page, /relay turned away the credentials .*TURN secrets don't match/);
      await expectHearsExactly(cat, [], [DAN], { silentForMs: 1_000 });
      await expectHearsExactly(dan, [], [CAT], { silentForMs: 1_000 });
      // coturn refused every allocation, so nothing was gathered, and nothing reached the other page.
      for (const [label, person] of [['Cat', cat], ['Dan', dan]] as const) {
        const reports = await candidateReport(person.page);
        assert.ok(reports.length > 0, `${label} tried to connect`);
        for (const r of reports) {
          assert.equal(r.policy, 'relay', label);
          assert.deepEqual([r.gathered, r.signaled, r.remoteStats], [[], [], []], `${label}: ${JSON.stringify(r)}`);
        }
      }
      await Promise.all([closePerson(cat), closePerson(dan)]);
      people.length = 0;
    }));

  test('where the server offers no relay, the checkbox is off and says hiding is not available here', () =>
    withLogs(async () => {
      const server = await startServer();
      servers.push(server);
      const eve = await openPerson(browser, newRoomLink(server.url), { toneHz: ANN, label: 'Eve' });
      people.push(eve);
      const box = hideAddress(eve.page);
      await eve.page.getByText("Hiding your IP address isn't available here").waitFor({ timeout: 10_000 });
      assert.equal(await box.isDisabled(), true);
      assert.equal(await box.isChecked(), false);
      await closePerson(eve);
      people.length = 0;
    }));
});
