/**
 * The embed widget: what a site's visitor downloads before the room's Join button shows, and how
 * long that takes, beside the app's own room page measured the same way in the same run.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { elementPage, serveHostPage } from '../test/helpers/host-page.ts';
import { newRoomLink } from '../test/helpers/room-page.ts';
import { startServer } from '../test/helpers/server.ts';
import { percentile, type Row } from './stats.ts';

/** Installed before any page script: notes performance.now() at the first frame a Join button is visible. */
const JOIN_WATCH = `(() => {
  const find = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'BUTTON' && el.textContent.trim() === 'Join' && el.getBoundingClientRect().width > 0) return true;
      if (el.shadowRoot && find(el.shadowRoot)) return true;
    }
    return false;
  };
  const poll = () => (document.documentElement && find(document) ? (window.__joinVisibleAt = performance.now()) : requestAnimationFrame(poll));
  requestAnimationFrame(poll);
})();`;

interface Load {
  /** ms from navigation start until the Join button showed. */
  joinVisibleMs: number;
  /** ms from the request for embed.js (or app.js) until then. */
  fromScriptMs: number;
  scripts: { path: string; brBytes: number }[];
}

async function load(browser: Browser, url: string, script: string): Promise<Load> {
  const context = await browser.newContext();
  try {
    await context.addInitScript({ content: JOIN_WATCH });
    const page: Page = await context.newPage();
    const scripts: Promise<{ path: string; brBytes: number }>[] = [];
    page.on('response', (response) => {
      if (response.request().resourceType() !== 'script') return;
      const path = new URL(response.url()).pathname;
      const size = response
        .request()
        .sizes()
        .then((sizes) => ({ path, brBytes: sizes.responseBodySize }));
      // Awaited below; a load that fails first must report its own error, not this one's.
      size.catch(() => undefined);
      scripts.push(size);
    });
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __joinVisibleAt?: number }).__joinVisibleAt !== undefined, undefined, { timeout: 20_000 });
    const [joinVisibleMs, scriptStart] = await page.evaluate((name) => {
      const entry = performance.getEntriesByType('resource').find((e) => new URL(e.name).pathname === name);
      return [(window as unknown as { __joinVisibleAt: number }).__joinVisibleAt, entry?.startTime ?? Number.NaN];
    }, script);
    return { joinVisibleMs: Math.round(joinVisibleMs), fromScriptMs: Math.round(joinVisibleMs - scriptStart), scripts: await Promise.all(scripts) };
  } finally {
    await context.close();
  }
}

const gzipBytes = async (path: string): Promise<number> => (await readFile(`dist/public${path}.gz`)).length;
const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

export async function measureWidget(browser: Browser, trials: number): Promise<{ sizes: Row[]; ready: Row[] }> {
  let serverUrl = '';
  let link = '';
  const site = await serveHostPage(() => elementPage(serverUrl, link));
  const server = await startServer({ env: { PORCH_ALLOWED_ORIGINS: site.origin } });
  serverUrl = server.url;
  link = newRoomLink(server.url);
  try {
    const pages = [
      { name: 'widget on another site (embed.js)', url: site.url, script: '/embed.js' },
      { name: 'baseline: the app\'s room page (app.js)', url: link, script: '/app.js' },
    ];
    const samples = pages.map(() => ({ visible: [] as number[], fromScript: [] as number[], last: null as Load | null }));
    // Alternating, so both see the same moments of a noisy machine.
    for (let i = 0; i < trials; i++) {
      for (const [k, p] of pages.entries()) {
        const result = await load(browser, p.url, p.script);
        samples[k]!.visible.push(result.joinVisibleMs);
        samples[k]!.fromScript.push(result.fromScriptMs);
        samples[k]!.last = result;
      }
    }
    const sizes: Row[] = [];
    for (const [k, p] of pages.entries()) {
      const scripts = samples[k]!.last!.scripts;
      const gz = (await Promise.all(scripts.map((s) => gzipBytes(s.path)))).reduce((a, b) => a + b, 0);
      const br = scripts.reduce((a, s) => a + s.brBytes, 0);
      sizes.push({ page: p.name, scripts: scripts.map((s) => s.path.replace(/^\/chunks\//, '')).join(' '), 'KB gz': kb(gz), 'KB br (sent)': kb(br), target: k === 0 ? '≤ 60 KB gz' : '' });
    }
    const ready = pages.map((p, k) => ({
      page: p.name,
      loads: trials,
      'p50 ms from script request': percentile(samples[k]!.fromScript, 50),
      'p95 ms from script request': percentile(samples[k]!.fromScript, 95),
      'p50 ms from navigation': percentile(samples[k]!.visible, 50),
      'p95 ms from navigation': percentile(samples[k]!.visible, 95),
    }));
    return { sizes, ready };
  } finally {
    await server.stop();
    await site.stop();
  }
}
