/**
 * Drives Porch's room page the way a person does: by visible labels and button names.
 * Playwright's role and CSS locators reach into the lit components' open shadow roots.
 */
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { createIdentity } from '../../shared/crypto.ts';
import { createRoomSecret, roomLink } from '../../shared/room-link.ts';

export interface TileState {
  name: string;
  self: boolean;
  muted: boolean;
  speaking: boolean;
  connection: string;
}

/** A fresh room link on the given server, for a host who never shows up (an open hangout). */
export const newRoomLink = (serverUrl: string): string => roomLink(serverUrl, createRoomSecret(createIdentity().publicKey));

/** Where a room is shown: the app's page, or the iframe an embedding page frames it in. */
export type RoomSurface = Page | FrameLocator;

export async function joinRoom(page: RoomSurface, name: string): Promise<void> {
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
}

/** On the landing page: creates a Stage room, joins it as `name`, and returns its link. */
export const createStageRoom = (page: Page, name: string): Promise<string> => createRoomAs(page, name, 'Stage');

/** On the landing page: creates a room of this type, joins it as `name` (its host), and returns its link. */
export async function createRoomAs(page: Page, name: string, kind: 'Hangout' | 'Stage'): Promise<string> {
  await page.getByRole('radio', { name: kind }).check();
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.waitForURL(/\/r\/#/);
  const link = page.url();
  await joinRoom(page, name);
  return link;
}

/** One of the person's own buttons (Mute, Raise hand, Leave…), not a staff button on someone else. */
export const ownControl = (page: Page, name: string) =>
  page.getByRole('region', { name: 'Your controls' }).getByRole('button', { name, exact: true });

/**
 * One of the actions a host or moderator has on a person, by its full name ('Mute Sam'), in the
 * menu on that person; opens the menu ("Actions for Sam") unless it is open already.
 */
export async function personAction(page: Page, person: string, action: string): Promise<Locator> {
  const menuButton = page.getByRole('button', { name: `Actions for ${person}`, exact: true });
  if ((await menuButton.getAttribute('aria-expanded')) !== 'true') await menuButton.click();
  return page.getByRole('menu', { name: `Actions for ${person}`, exact: true }).getByRole('menuitem', { name: action, exact: true });
}

export async function tiles(page: RoomSurface): Promise<TileState[]> {
  return page.locator('porch-participant').evaluateAll((elements) =>
    elements.map((el) => {
      const tile = el as unknown as TileState;
      return { name: tile.name, self: tile.self, muted: tile.muted, speaking: tile.speaking, connection: tile.connection };
    }),
  );
}

/** Polls the participant tiles until `accept` holds; fails with what was last seen. */
export async function waitForTiles(
  page: RoomSurface,
  what: string,
  accept: (tiles: TileState[]) => boolean,
  { timeoutMs = 15_000 }: { timeoutMs?: number } = {},
): Promise<TileState[]> {
  const deadline = Date.now() + timeoutMs;
  let seen: TileState[] = [];
  for (;;) {
    seen = await tiles(page);
    if (accept(seen)) return seen;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; tiles: ${JSON.stringify(seen)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the tiles show exactly these other people, all connected. */
export const waitForPeopleConnected = (page: RoomSurface, names: string[], options: { timeoutMs?: number } = {}): Promise<TileState[]> =>
  waitForTiles(
    page,
    `${names.join(', ')} connected`,
    (ts) => {
      const others = ts.filter((t) => !t.self);
      return others.length === names.length && names.every((n) => others.some((t) => t.name === n && t.connection === 'Connected'));
    },
    options,
  );

export async function statusText(page: Page): Promise<string> {
  return (await page.locator('.notices').first().textContent())?.trim() ?? '';
}

export async function waitForStatus(page: Page, pattern: RegExp, { timeoutMs = 15_000 } = {}): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await statusText(page);
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`status never matched ${pattern}; last: "${text}"`);
    await page.waitForTimeout(50);
  }
}

/** What a listener's page says about how the stage reaches it ("Hearing the stage via 2 relays · …"), or '' if it does not say. */
export const routeOf = async (page: Page): Promise<string> => ((await page.locator('.route').textContent({ timeout: 1000 }).catch(() => '')) ?? '').trim();
/** Relays between the stage and a listener, as its route says: 0 when the stage sends to it directly, null when it does not say. */
export const relaysBetween = (route: string): number | null => {
  if (route.startsWith('Hearing the stage directly')) return 0;
  const via = /via (\d+) relay/.exec(route);
  return via ? Number(via[1]) : null;
};
/** Whether a listener forwards the stage to others. */
export const servesOthers = (route: string): boolean => /passing it on/.test(route);
