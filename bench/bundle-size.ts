/** What the room page downloads: every script it loads, as the server sends it compressed. */
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/helpers/browser.ts';
import { newRoomLink } from '../test/helpers/room-page.ts';

export interface ScriptSize {
  url: string;
  encoding: string;
  transferBytes: number;
}

export async function roomPageScripts(serverUrl: string): Promise<ScriptSize[]> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
  try {
    const page = await browser.newPage();
    const scripts: Promise<ScriptSize>[] = [];
    page.on('response', (response) => {
      if (response.request().resourceType() !== 'script') return;
      scripts.push(
        (async () => {
          const sizes = await response.request().sizes();
          return {
            url: new URL(response.url()).pathname,
            encoding: (await response.headerValue('content-encoding')) ?? 'identity',
            transferBytes: sizes.responseBodySize,
          };
        })(),
      );
    });
    await page.goto(newRoomLink(serverUrl), { waitUntil: 'networkidle' });
    return await Promise.all(scripts);
  } finally {
    await browser.close();
  }
}
