/**
 * Firefox people: Debian's firefox-esr driven by puppeteer-core over WebDriver BiDi (Playwright
 * drives only its own patched Firefox), with the prefs DESIGN.md's recipe names. Each person has
 * a browser context of its own, speaks a sine tone and hears through the same detector as the
 * Chromium people (tone-page.ts), so the two meet in one room.
 *
 * node test/setup.mjs installs /usr/bin/firefox-esr when it is missing.
 */
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { toneInitScript } from './tone-page.ts';

export const FIREFOX_PATH = '/usr/bin/firefox-esr';

const PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  // No sound card here: a mock audio backend, which still clocks playback and Web Audio.
  'media.cubeb.force_mock_context': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.peerconnection.ice.loopback': true,
  'media.autoplay.default': 0,
  'media.autoplay.block-webaudio': false,
  // No background fetches.
  'network.dns.disableIPv6': true,
  'browser.shell.checkDefaultBrowser': false,
  'app.update.enabled': false,
};

export function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX_PATH, headless: true, extraPrefsFirefox: PREFS });
}

export interface FirefoxPerson {
  label: string;
  page: Page;
  /** Console messages and page errors, newest last, for printing when a test fails. */
  logs: string[];
}

export async function openFirefoxPerson(browser: Browser, url: string, { label, toneHz, watchHz }: { label: string; toneHz: number; watchHz: number[] }): Promise<FirefoxPerson> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const logs: string[] = [];
  page.on('console', (message) => logs.push(`${new Date().toISOString()} console.${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => logs.push(`${new Date().toISOString()} pageerror: ${(error as Error).message}`));
  await page.evaluateOnNewDocument(toneInitScript({ toneHz, watchHz }));
  await page.goto(url);
  return { label, page, logs };
}

/**
 * Types the name and clicks Join, as a person does. Through shadow roots by CSS: over BiDi,
 * puppeteer's accessibility queries find nothing there and its locators' actions never settle.
 */
export async function joinInFirefox(person: FirefoxPerson, name: string): Promise<void> {
  const input = await person.page.waitForSelector('>>> input[name="name"]');
  await input!.type(name);
  const join = await person.page.waitForSelector('>>> button[part="join-button"]:not([disabled])');
  await join!.click();
}

/** Waits until the person's detector hears hz; fails with what it heard instead. */
export async function firefoxHears(person: FirefoxPerson, hz: number, timeoutMs = 20_000): Promise<void> {
  await person.page.evaluate((f) => window.__porchTest!.watch([f]), hz);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tone = await person.page.evaluate((f) => window.__porchTest!.snapshot(f), hz);
    if (tone?.heard) return;
    if (Date.now() >= deadline) throw new Error(`[${person.label}] did not hear ${hz} Hz within ${timeoutMs} ms (last: ${JSON.stringify(tone)})\n${person.logs.slice(-40).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// A string, not a function: tsx would wrap the inner function in a __name() the page lacks.
const ROUTE = `(() => {
  const find = (root) => {
    const hit = root.querySelector('.route');
    if (hit) return hit.textContent;
    for (const el of root.querySelectorAll('*')) {
      const inner = el.shadowRoot ? find(el.shadowRoot) : null;
      if (inner !== null) return inner;
    }
    return null;
  };
  return (find(document) ?? '').trim();
})()`;

/** What the person's page says of how the stage's audio reaches them (the room page renders inside shadow roots). */
export const firefoxRoute = (person: FirefoxPerson): Promise<string> => person.page.evaluate(ROUTE) as Promise<string>;
