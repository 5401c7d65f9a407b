/**
 * Launching Debian's Chromium through playwright-core, and opening test "persons": one browser
 * context each (separate storage, so separate identities), speaking a sine tone instead of a
 * microphone and hearing through the tone detector (tone-page.ts).
 *
 * node test/setup.mjs installs /usr/bin/chromium when it is missing.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { toneInitScript } from './tone-page.ts';
import { labelPage, TEST_TONES_HZ } from './tones.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Beyond Playwright's defaults; DESIGN.md "Testing recipe" says why the first three matter. */
export const CHROMIUM_ARGS = [
  '--autoplay-policy=no-user-gesture-required',
  // Without it Chromium's WebRTC skips loopback and uses the machine's own address.
  '--allow-loopback-in-peer-connection',
  // No background fetches: every name but localhost fails to resolve.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
] as const;

export async function launchBrowser({ extraArgs = [] }: { extraArgs?: string[] } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

export interface Person {
  label: string;
  toneHz: number;
  context: BrowserContext;
  page: Page;
  /** Console messages and page errors, newest last, for printing when a test fails. */
  logs: string[];
}

export interface PersonOptions {
  toneHz: number;
  /** Names the person in failure messages (default `person@<toneHz>Hz`). */
  label?: string;
  viewport?: { width: number; height: number };
  /** Whether the tone sounds from the start (default true). */
  toneOn?: boolean;
  /** What the detector watches from page load (default every tone in TEST_TONES_HZ). */
  watchHz?: number[];
  /** The page lacks what forwarding needs (encoded streams, script transforms), as browsers without them do: a leaf in any tree. */
  cannotRelay?: boolean;
}

const WITHOUT_RELAYING = `delete RTCRtpSender.prototype.createEncodedStreams; delete RTCRtpReceiver.prototype.createEncodedStreams; delete window.RTCRtpScriptTransform;`;

const MAX_LOG_LINES = 500;

/** Opens url in a new browser context with the tone installed and the microphone allowed. */
export async function openPerson(browser: Browser, url: string, options: PersonOptions): Promise<Person> {
  const label = options.label ?? `person@${options.toneHz}Hz`;
  const context = await browser.newContext(options.viewport ? { viewport: options.viewport } : {});
  try {
    await context.grantPermissions(['microphone']);
    if (options.cannotRelay) await context.addInitScript({ content: WITHOUT_RELAYING });
    await context.addInitScript({
      content: toneInitScript({
        toneHz: options.toneHz,
        ...(options.toneOn === undefined ? {} : { toneOn: options.toneOn }),
        watchHz: options.watchHz ?? [...TEST_TONES_HZ],
      }),
    });
    const page = await context.newPage();
    labelPage(page, label);
    const logs: string[] = [];
    const log = (line: string): void => {
      logs.push(`${new Date().toISOString()} ${line}`);
      if (logs.length > MAX_LOG_LINES) logs.shift();
    };
    page.on('console', (message) => log(`console.${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => log(`pageerror: ${error.message}`));
    await page.goto(url);
    return { label, toneHz: options.toneHz, context, page, logs };
  } catch (error) {
    await context.close().catch(() => undefined);
    throw error;
  }
}

/** Closes a person's context (idempotent). */
export async function closePerson(person: Person): Promise<void> {
  await person.context.close().catch(() => undefined);
}

/** Closes every context of the browser, then the browser itself (idempotent). */
export async function closeAll(browser: Browser | null | undefined): Promise<void> {
  if (!browser) return;
  await Promise.all(browser.contexts().map((context) => context.close().catch(() => undefined)));
  await browser.close().catch(() => undefined);
}

/** Each person's label and recent logs, to print when a test fails. */
export function dumpLogs(people: readonly Person[]): string {
  return people.map((p) => `--- ${p.label} (${p.page.url()})\n${p.logs.join('\n')}`).join('\n');
}

/** Runs a test step so that a failure carries every person's recent logs and the server's output. */
export const withLogsOf =
  (people: readonly Person[], serverOutput: () => string) =>
  async (step: () => Promise<void>): Promise<void> => {
    try {
      await step();
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${dumpLogs(people)}\n--- server\n${serverOutput()}`, { cause: error });
    }
  };
