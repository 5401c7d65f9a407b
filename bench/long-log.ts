/**
 * Joining a room with a long history. Two hangouts, each with its host in it (so the host
 * checkpoints its log) and a modified client sitting in: in one, that client has flooded the log
 * live with 2,000 hand toggles under throwaway identities, which the host took; the other's log is
 * empty. A newcomer then opens the link, takes 1.5 s to type a name and clicks Join, as in
 * join-latency.ts, alternating between the two rooms in the same run; timed until the newcomer and
 * the host hear each other.
 */
import type { Browser } from 'playwright-core';
import { closePerson, openPerson, type Person } from '../test/helpers/browser.ts';
import { joinRoom } from '../test/helpers/room-page.ts';
import { joinAsRogue, type RogueMember } from '../test/helpers/rogue-member.ts';
import { serverMetric } from '../test/helpers/server.ts';
import { SETTLE_MS } from '../client/engine/log-copy.ts';
import { porchJoin } from './join-latency.ts';
import { percentile, type Row } from './stats.ts';

export const FLOOD_ACTS = 2000;

interface HostedRoom {
  link: string;
  host: Person;
  rogue: RogueMember;
}

/** A hangout created on the landing page by its host, who joins it, with a modified client sitting in. */
async function hostedHangout(browser: Browser, serverUrl: string, label: string): Promise<HostedRoom> {
  const host = await openPerson(browser, serverUrl, { toneHz: 440, label, watchHz: [440, 550] });
  try {
    await host.page.getByRole('button', { name: 'Create room' }).click();
    await host.page.waitForURL(/\/r\/#/);
    const link = host.page.url();
    await joinRoom(host.page, 'Ann');
    const rogue = await joinAsRogue(link, 'Mal');
    return { link, host, rogue };
  } catch (error) {
    await closePerson(host);
    throw error;
  }
}

export async function measureLongLog(browser: Browser, serverUrl: string, trials: number, log: (line: string) => void): Promise<Row[]> {
  const empty = await hostedHangout(browser, serverUrl, 'Ann (empty log)');
  const long = await hostedHangout(browser, serverUrl, 'Ann (long log)').catch(async (error: unknown) => {
    await close(empty);
    throw error;
  });
  try {
    const started = Date.now();
    await long.rogue.flood(FLOOD_ACTS);
    log(`  flooded ${FLOOD_ACTS} acts in ${Date.now() - started} ms; the log has ${long.rogue.logLength()} places`);
    // Members let go of the history before a checkpoint once no fork can undo it.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 1000));
    // Besides one room's newcomer: both hosts, both modified clients, and the other room's newcomer, gone already.
    const othersOnServer = async (): Promise<number> => (await serverMetric(serverUrl, 'porch_room_members')) - 3;
    const samples = { empty: [] as number[], long: [] as number[], failed: { empty: 0, long: 0 } };
    for (let i = 0; i < trials; i++) {
      for (const [which, room] of [['empty', empty], ['long', long]] as const) {
        try {
          samples[which].push(await porchJoin(browser, { link: room.link, early: [room.host], size: 2, close: async () => {} }, othersOnServer));
          log(`  join into the ${which} room ${i + 1}/${trials}: ${samples[which].at(-1)} ms`);
        } catch (error) {
          samples.failed[which] += 1;
          log(`  join into the ${which} room ${i + 1}/${trials} failed: ${(error as Error).message.split('\n')[0]}`);
        }
      }
    }
    const base = percentile(samples.empty, 50);
    const row = (what: string, ms: number[], failed: number, target: string): Row => ({
      room: what,
      trials: ms.length,
      failed,
      'p50 ms': percentile(ms, 50),
      'p95 ms': percentile(ms, 95),
      'p50 ÷ empty': (percentile(ms, 50) / base).toFixed(2),
      target,
    });
    return [
      row('empty log', samples.empty, samples.failed.empty, ''),
      row(`${FLOOD_ACTS.toLocaleString('en')} acts of history`, samples.long, samples.failed.long, '≤ 1.5'),
    ];
  } finally {
    await Promise.all([close(empty), close(long)]);
  }
}

async function close(room: HostedRoom): Promise<void> {
  room.rogue.close();
  await closePerson(room.host);
}
