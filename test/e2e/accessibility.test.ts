/**
 * Accessibility in Chromium: axe-core audits the landing page and a room page (a host and Ben,
 * the host's menu on Ben open) and finds nothing serious or critical. axe reads the lit
 * components' open shadow roots when run on the document; the audit is checked to have seen
 * inside them. Staff actions name the person, so the only button named "Mute" is your own. A
 * room of five hundred is drawn as a count and a few tiles.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, ImpactValue } from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { closeAll, launchBrowser, openPerson, type Person, withLogsOf } from '../helpers/browser.ts';
import { joinRoom, ownControl, personAction, waitForPeopleConnected, waitForStatus } from '../helpers/room-page.ts';
import { participant, roomView } from '../helpers/room-view.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const BLOCKING: readonly ImpactValue[] = ['serious', 'critical'];

interface Audit {
  violations: { id: string; impact: ImpactValue | null; help: string; nodes: { target: string; summary: string }[] }[];
  /** The markup of every element a rule checked and passed. */
  passedHtml: string[];
  /** How many of those sit in a shadow root (axe gives their target as a path through the hosts). */
  passedInShadow: number;
}

/** Runs axe on the whole document, shadow roots included. */
async function audit(page: Page): Promise<Audit> {
  // The app's CSP forbids inline scripts (so no addScriptTag); evaluation through the debugger protocol is not subject to it.
  await page.evaluate(AXE_SOURCE);
  const results: AxeResults = await page.evaluate(() => (window as unknown as { axe: typeof import('axe-core') }).axe.run(document));
  const passed = results.passes.flatMap((rule) => rule.nodes);
  return {
    violations: results.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: JSON.stringify(n.target), summary: n.failureSummary ?? '' })),
    })),
    passedHtml: passed.map((n) => n.html),
    passedInShadow: passed.filter((n) => Array.isArray(n.target[0])).length,
  };
}

/** Fails on serious or critical violations, printing them; reports the rest. */
function expectNothingSerious(t: TestContext, what: string, { violations }: Audit): void {
  const print = (vs: Audit['violations']): string =>
    vs.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `  ${n.target}\n    ${n.summary.replaceAll('\n', '\n    ')}`).join('\n')}`).join('\n');
  const minor = violations.filter((v) => !BLOCKING.includes(v.impact));
  if (minor.length) t.diagnostic(`${what}, minor:\n${print(minor)}`);
  const blocking = violations.filter((v) => BLOCKING.includes(v.impact));
  assert.equal(blocking.length, 0, `${what}:\n${print(blocking)}`);
}

/**
 * A room of `size` seen by a listener in it, all others listening: two with hands up, three who
 * arrived a moment ago, the rest here for a while.
 */
function crowdView(size: number) {
  const now = Date.now();
  const others = Array.from({ length: size - 1 }, (_, i) => {
    const someone = participant({ id: `peer_${i}`, name: `Guest ${i}` });
    if (i === 100 || i === 200) return { ...someone, standing: { ...someone.standing, hand: i / 100 - 1 } };
    return i >= size - 4 ? { ...someone, arrivedAt: now - 5_000 } : someone;
  });
  return roomView({ participants: others });
}

/**
 * Replaces the app with a room page alone, fed a fixed view as the engine would. A string: tsx
 * would wrap the functions of a callback in a helper the page does not have.
 */
const MOUNT_ROOM_PAGE = `(view) => {
  document.querySelector('porch-app')?.remove();
  const page = document.createElement('porch-room-page');
  page.room = { state: { get: () => view, subscribe: () => () => {} }, lookIn: () => {} };
  document.body.appendChild(document.createElement('main')).appendChild(page);
}`;

/** Waits until the element with focus, found through shadow roots, has this label or text. */
async function expectFocusOn(page: Page, name: string | undefined): Promise<void> {
  const focused = (): Promise<string> =>
    page.evaluate(() => {
      let el = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      return el?.getAttribute('aria-label') ?? el?.textContent?.trim() ?? '';
    });
  const deadline = Date.now() + 2_000;
  let last = await focused();
  while (last !== name?.trim() && Date.now() < deadline) {
    await page.waitForTimeout(50);
    last = await focused();
  }
  assert.equal(last, name?.trim(), 'focus is elsewhere');
}

describe('accessibility', () => {
  let server: RunningServer;
  let browser: Browser;
  const people: Person[] = [];
  const withLogs = withLogsOf(people, () => server.output());
  const person = (label: string): Person => people.find((p) => p.label === label)!;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await closeAll(browser);
    await server?.stop();
  });

  test('the landing page has no serious or critical accessibility violations', (t) =>
    withLogs(async () => {
      const host = await openPerson(browser, server.url, { toneHz: 440, label: 'Hal' });
      people.push(host);
      await host.page.getByRole('button', { name: 'Create room' }).waitFor();
      const found = await audit(host.page);
      assert.ok(found.passedInShadow > 0, 'axe checked nothing inside the components');
      expectNothingSerious(t, 'landing page', found);
    }));

  test("a room page with a host's menu on a person open has no serious or critical violations, and axe sees into the menu", (t) =>
    withLogs(async () => {
      const host = person('Hal');
      await host.page.getByRole('button', { name: 'Create room' }).click();
      await host.page.waitForURL(/\/r\/#/);
      await joinRoom(host.page, 'Hal');
      const ben = await openPerson(browser, host.page.url(), { toneHz: 660, label: 'Ben' });
      people.push(ben);
      await joinRoom(ben.page, 'Ben');
      await waitForPeopleConnected(host.page, ['Ben']);
      await (await personAction(host.page, 'Ben', 'Mute Ben')).waitFor();
      const found = await audit(host.page);
      assert.ok(
        found.passedHtml.some((html) => html.includes('Mute Ben')),
        'axe never checked the menu items, which sit in a shadow root inside another',
      );
      expectNothingSerious(t, 'room page, menu open', found);
    }));

  test('the only button named "Mute" is your own, and "Mute Ben" in the menu on Ben mutes him', () =>
    withLogs(async () => {
      const [host, ben] = [person('Hal'), person('Ben')];
      // In a hangout Ben takes a seat, so both have a microphone of their own to mute.
      await ownControl(ben.page, 'Mute').waitFor();
      for (const p of [host, ben]) assert.equal(await p.page.getByRole('button', { name: 'Mute', exact: true }).count(), 1, `${p.label}'s page`);
      await (await personAction(host.page, 'Ben', 'Mute Ben')).click();
      await waitForStatus(ben.page, /muted you/i);
      assert.equal(await ownControl(ben.page, 'Unmute').isDisabled(), true, 'Ben can unmute himself');
      await (await personAction(host.page, 'Ben', 'Allow Ben to unmute')).waitFor();
    }));

  test('the menu on a person works from the keyboard: arrows move through it, Escape closes it and focus returns', () =>
    withLogs(async () => {
      const page = person('Hal').page;
      const menuButton = page.getByRole('button', { name: 'Actions for Ben', exact: true });
      if ((await menuButton.getAttribute('aria-expanded')) === 'true') await menuButton.click();
      await menuButton.focus();
      await page.keyboard.press('Enter');
      const items = await page.getByRole('menu', { name: 'Actions for Ben' }).getByRole('menuitem').allTextContents();
      assert.ok(items.length >= 2, `items: ${items.join(', ')}`);
      await expectFocusOn(page, items[0]);
      await page.keyboard.press('ArrowDown');
      await expectFocusOn(page, items[1]);
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('ArrowUp');
      // Up from the first item wraps to the last.
      await expectFocusOn(page, items.at(-1));
      await page.keyboard.press('Escape');
      await expectFocusOn(page, 'Actions for Ben');
      assert.equal(await menuButton.getAttribute('aria-expanded'), 'false');
    }));

  test('a room of five hundred draws a count and a few tiles, shows everyone on request, and has no serious violations', (t) =>
    withLogs(async () => {
      const page = await (await browser.newContext()).newPage();
      await page.goto(server.url);
      await page.getByRole('button', { name: 'Create room' }).waitFor();
      // The room page alone, fed a view as the engine would: five hundred pages are beyond two cores.
      await page.evaluate(`(${MOUNT_ROOM_PAGE})(${JSON.stringify(crowdView(500))})`);
      await page.getByRole('heading', { name: '500 listening' }).waitFor();
      // Yourself, the two raised hands and the three newcomers.
      assert.equal(await page.locator('porch-participant').count(), 6);
      expectNothingSerious(t, 'room of five hundred', await audit(page));
      await page.getByRole('button', { name: 'Show all 500' }).click();
      await page.getByRole('button', { name: 'Show fewer' }).waitFor();
      assert.equal(await page.locator('porch-participant').count(), 500);
    }));
});
