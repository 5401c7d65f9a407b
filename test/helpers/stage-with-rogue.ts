/**
 * The set-up the removal tests share: a host's stage room reached through `url`, one listener who
 * hears the host, and a modified client (rogue-member.ts) in the room, shown to the host, whom the
 * test can then remove.
 */
import type { Browser } from 'playwright-core';
import { openPerson, type Person } from './browser.ts';
import { createStageRoom, joinRoom, personAction } from './room-page.ts';
import { joinAsRogue, type RogueMember } from './rogue-member.ts';
import { waitUntilHears } from './tones.ts';

export interface StageWithRogue {
  host: Person;
  listener: Person;
  link: string;
  rogue: RogueMember;
}

interface Someone {
  name: string;
  toneHz: number;
}

/** Pushes each person it opens to `people` at once, so their logs print if a later step fails. */
export async function stageWithRogue(browser: Browser, url: string, people: Person[], { host, listener, rogue }: { host: Someone; listener: Someone; rogue: string }): Promise<StageWithRogue> {
  const hostPerson = await openPerson(browser, url, { toneHz: host.toneHz, label: host.name });
  people.push(hostPerson);
  const link = await createStageRoom(hostPerson.page, host.name);
  const listenerPerson = await openPerson(browser, link, { toneHz: listener.toneHz, label: listener.name });
  people.push(listenerPerson);
  await joinRoom(listenerPerson.page, listener.name);
  await waitUntilHears(listenerPerson, host.toneHz);
  const rogueMember = await joinAsRogue(link, rogue);
  await (await personAction(hostPerson.page, rogue, `Remove ${rogue}`)).waitFor();
  return { host: hostPerson, listener: listenerPerson, link, rogue: rogueMember };
}
