import type { Locator } from 'playwright-core';

/**
 * Clicks, and resolves to the click's own moment in the page's clock (Date.now() terms, from the
 * event's timestamp): when the person clicked. The time the harness takes to find the control and
 * send the click is nobody's, and counted for no one. Top-level controls only: the click is
 * read from the page's own window.
 */
export async function timedClick(control: Locator): Promise<number> {
  const page = control.page();
  const lastClick = (): Promise<number | null> => page.evaluate(() => window.__porchTest!.lastClickAt());
  const before = await lastClick();
  await control.click();
  const at = await lastClick();
  if (at === null || at === before) throw new Error('the page saw no click of its own');
  return Math.round(at);
}
