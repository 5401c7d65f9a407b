import type { Locator } from 'playwright-core';

/**
 * Clicks, and resolves to the click's own moment in the page's clock (Date.now() terms, from the
 * event's timestamp): when the person clicked. The time the harness takes to find the control and
 * send the click is nobody's, and counted for no one.
 */
export async function timedClick(control: Locator): Promise<number> {
  await control.click();
  const at = await control.page().evaluate(() => window.__porchTest!.lastClickAt());
  if (at === null) throw new Error('the page saw no click');
  return Math.round(at);
}
