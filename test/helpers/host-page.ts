/**
 * Other websites: a plain HTTP server on its own loopback port (so its own origin) serving one
 * page, for putting the Porch widget on pages Porch does not control. Each page records the
 * widget's events in `window.porchEvents`, from the element or from the iframe's messages.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';

export interface HostPage {
  origin: string;
  /** The page's address. */
  url: string;
  stop(): Promise<void>;
}

export interface RecordedEvent {
  type: string;
  detail: Record<string, unknown>;
}

/** Serves the page `render()` returns (asked per request, so it may name a server started later). */
export async function serveHostPage(render: () => string): Promise<HostPage> {
  const server = createServer((req, res) => {
    const found = req.url === '/';
    res.writeHead(found ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(found ? render() : 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // localhost: the browser under test resolves no other name; another port is another origin.
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: `${origin}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const RECORDER = `<script>
  window.porchEvents = [];
  for (const type of ['porch-ready', 'porch-join', 'porch-leave', 'porch-error', 'porch-speaking']) {
    document.addEventListener(type, (e) => window.porchEvents.push({ type, detail: e.detail }));
  }
  window.addEventListener('message', (e) => {
    if (e.data && typeof e.data.porch === 'string') window.porchEvents.push({ type: e.data.porch, detail: e.data.detail });
  });
</script>`;

/** A page with the custom element; `css` is the page's own style sheet. */
export const elementPage = (serverUrl: string, link: string, { css = '', attributes = '' } = {}): string => `<!doctype html>
<html><head><meta charset="utf-8"><title>A site with a room</title>
<style>${css}</style>${RECORDER}
<script type="module" src="${serverUrl}/embed.js"></script></head>
<body><h1>Our community</h1><porch-room link="${link}" ${attributes}></porch-room></body></html>`;

/** A page that frames /embed/ for a room; `fragment` follows the '#' (the room secret, then options). */
export const framePage = (serverUrl: string, fragment: string): string => `<!doctype html>
<html><head><meta charset="utf-8"><title>A site that frames a room</title>${RECORDER}</head>
<body><h1>Our podcast</h1>
<iframe src="${serverUrl}/embed/#${fragment}" allow="microphone; autoplay" title="Porch room" style="width: 100%; height: 560px; border: 0"></iframe>
</body></html>`;

export const recordedEvents = (page: Page): Promise<RecordedEvent[]> =>
  page.evaluate(() => (window as unknown as { porchEvents: RecordedEvent[] }).porchEvents);

/** Polls the page's recorded events until `accept` holds; fails with what was recorded. */
export async function waitForEvents(page: Page, what: string, accept: (events: RecordedEvent[]) => boolean, timeoutMs = 15_000): Promise<RecordedEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await recordedEvents(page);
    if (accept(events)) return events;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(events)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
