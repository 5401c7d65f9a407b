/**
 * npm run sim: drives the relay-tree planner through rooms of 100 to 100,000 listeners under
 * churn (joins, graceful leaves, sudden failures) and prints one markdown table, a row per size.
 * Pure computation, seeded: the same flags give the same tree figures (plan times vary).
 *
 *   npm run sim -- --sizes 1000,10000 --events 2000 --fanout 4 --seed 7
 *   --events                                 per size; default 400, fewer above 10,000 members
 *                                            (3,000,000 / size), so that a run takes a minute or two
 *   --join-rate, --leave-rate, --fail-rate   per listener per minute (joins default to leaves +
 *                                            failures, so the room keeps its size)
 *   --speakers, --direct-max, --stream-kbps, --turn-share, --weak-share   the room and its people
 *
 * Plan times are CPU time (benchmark machines are shared: wall time would measure the
 * neighbours), shown beside a baseline from the same run, copying the members into a Map:
 * figures drift from machine to machine, ratios travel.
 *
 * For the planner a failure is a leave; what differs is that the failed member's children fall
 * back on their backups before the next plan arrives, so the table shows how many land on one.
 */
import { parseArgs } from 'node:util';
import { planTree, type TreeMember, type TreePlan, type TreeSettings } from '../shared/tree-plan.ts';
import { markdownTable, percentile, type Row } from './stats.ts';

const { values: flags } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000,10000,100000' },
    events: { type: 'string' },
    'join-rate': { type: 'string' },
    'leave-rate': { type: 'string', default: '0.02' },
    'fail-rate': { type: 'string', default: '0.005' },
    fanout: { type: 'string', default: '4' },
    'direct-max': { type: 'string', default: '12' },
    'stream-kbps': { type: 'string', default: '40' },
    speakers: { type: 'string', default: '2' },
    'turn-share': { type: 'string', default: '0.1' },
    'weak-share': { type: 'string', default: '0.15' },
    seed: { type: 'string', default: '1' },
  },
});
const num = (name: keyof typeof flags): number => Number(flags[name]);
const leaveRate = num('leave-rate');
const failRate = num('fail-rate');
const joinRate = flags['join-rate'] === undefined ? leaveRate + failRate : num('join-rate');
const settings: TreeSettings = { fanout: num('fanout'), directMax: num('direct-max'), streamKbps: num('stream-kbps') };
/** A message is one member's Placement, as JSON in a WebSocket frame. */
const MESSAGE_BYTES = 200;

/** mulberry32: a tiny seeded PRNG, so a run can be repeated exactly. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Listeners: some only reach others through TURN, some cannot upload enough to relay one child. */
function newListener(random: () => number, peer: string, since: number): TreeMember {
  const kind = random();
  const turnOnly = kind < num('turn-share');
  const weak = !turnOnly && kind < num('turn-share') + num('weak-share');
  const uploadKbps = Math.round(weak ? random() * settings.streamKbps * num('speakers') : 150 + random() * 2850);
  return { peer, tier: 'audience', uploadKbps, turnOnly, since };
}

/** The room: speakers first, then listeners, removable in O(1) by swapping with the last. */
function createRoom(size: number, random: () => number) {
  const members: TreeMember[] = Array.from({ length: num('speakers') }, (_, i) => ({ peer: `s${i}`, tier: 'stage', uploadKbps: 5000, turnOnly: false, since: 0 }));
  const first = members.length;
  let next = 0;
  const join = (now: number): string => {
    const peer = `l${next++}`;
    members.push(newListener(random, peer, now));
    return peer;
  };
  for (let i = 0; i < size; i++) join(-Math.floor(random() * 3_600_000));
  const leave = (): string => {
    const i = first + Math.floor(random() * (members.length - first));
    const gone = members[i]!;
    members[i] = members[members.length - 1]!;
    members.pop();
    return gone.peer;
  };
  return { members, join, leave, audience: () => members.length - first };
}

const bound = (n: number): number => {
  let levels = 0;
  for (let reach = 1; reach < n; reach *= settings.fanout) levels += 1;
  return levels + 1;
};
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const max = (xs: readonly number[]): number => xs.reduce((a, b) => Math.max(a, b), 0);
const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
/** CPU ms of the work, p50 over a few runs. */
function timed(work: () => void, runs = 5): number {
  const samples = Array.from({ length: runs }, () => {
    const start = cpuMs();
    work();
    return cpuMs() - start;
  });
  return percentile(samples, 50);
}
const fixed = (x: number, digits = 1): string => x.toFixed(digits);

/** Of a failed member's children, the most that fall back on one backup at once. */
function pileUp(plan: TreePlan, failed: string): number {
  const counts = new Map<string, number>();
  for (const child of plan.audience.get(failed)?.children ?? []) {
    const backup = plan.audience.get(child)?.backup;
    if (backup) counts.set(backup, (counts.get(backup) ?? 0) + 1);
  }
  return max([...counts.values()]);
}

function simulate(size: number, events: number, seed: number): Row {
  const random = mulberry32(seed);
  const room = createRoom(size, random);
  let plan = planTree(room.members, settings);
  const times: number[] = [], moves: number[] = [], told: number[] = [], maxDepths: number[] = [], meanDepths: number[] = [], piles: number[] = [];
  const perMinute = joinRate + leaveRate + failRate;
  let tightest = Infinity;
  for (let e = 0, now = 0; e < events; e++) {
    now += (-Math.log(1 - random()) / ((room.audience() * perMinute) / 60)) * 1000;
    const pick = random() * perMinute;
    const peer = pick < joinRate ? room.join(now) : room.leave();
    if (pick >= joinRate + leaveRate) piles.push(pileUp(plan, peer));
    const start = cpuMs();
    const next = planTree(room.members, settings, plan);
    times.push(cpuMs() - start);
    let changedParent = 0, changedPlacement = 0, depthSum = 0, depthMax = 0;
    for (const [p, placement] of next.audience) {
      const before = plan.audience.get(p);
      if (before !== placement) changedPlacement += 1;
      if (before && before.parent !== placement.parent) changedParent += 1;
      depthSum += placement.depth;
      depthMax = Math.max(depthMax, placement.depth);
    }
    moves.push(changedParent);
    told.push(changedPlacement);
    maxDepths.push(depthMax);
    meanDepths.push(depthSum / next.audience.size);
    tightest = Math.min(tightest, bound(next.audience.size));
    plan = next;
  }
  // Timed after the run, as in a server that has been planning for a while (the code is warm).
  const freshMs = timed(() => planTree(room.members, settings), 3);
  const baselineMs = timed(() => new Map(room.members.map((m) => [m.peer, { ...m }])));
  const relays = [...plan.audience.values()].filter((p) => p.children.length > 0).map((p) => p.children.length);
  const messagesPerMemberPerS = (mean(told) * perMinute) / 60;
  const planP50 = percentile(times, 50);
  return {
    listeners: size.toLocaleString('en'),
    events,
    'depth max / mean (bound)': `${max(maxDepths)} / ${fixed(mean(meanDepths), 2)} (${tightest})`,
    'moved per event (mean / max)': `${fixed(mean(moves), 2)} / ${max(moves)}`,
    'told per event (mean / max)': `${fixed(mean(told), 2)} / ${max(told)}`,
    'children per relay (mean / max)': `${fixed(mean(relays), 2)} / ${max(relays)}`,
    relaying: `${fixed((100 * relays.length) / plan.audience.size)} %`,
    'planned to mix (of relaying)': `${fixed((100 * [...plan.audience.values()].filter((p) => p.mixes && p.children.length > 0).length) / Math.max(1, relays.length))} %`,
    'failover pile-up (max)': piles.length ? max(piles) : '–',
    'control per member per s': `${messagesPerMemberPerS.toExponential(1)} msgs (${fixed(messagesPerMemberPerS * MESSAGE_BYTES * 8)} bit)`,
    'plan CPU ms (p50 / p95)': `${fixed(planP50)} / ${fixed(percentile(times, 95))}`,
    'fresh plan CPU ms': fixed(freshMs),
    'plan ÷ Map copy': fixed(planP50 / baselineMs),
  };
}

const rows: Row[] = [];
for (const size of flags.sizes.split(',').map(Number)) {
  process.stderr.write(`simulating ${size} listeners…\n`);
  const events = flags.events === undefined ? Math.min(400, Math.round(3_000_000 / size)) : Number(flags.events);
  rows.push(simulate(size, events, num('seed')));
}
console.log(
  [
    `Relay-tree planner under churn: fanout ${settings.fanout}, ${num('speakers')} speakers; per listener per minute ${joinRate} joins, ` +
      `${leaveRate} leaves, ${failRate} failures; ${100 * num('turn-share')} % TURN-only, ${100 * num('weak-share')} % too weak to relay; seed ${num('seed')}.`,
    'Depth bound: ⌈log_fanout N⌉ + 1 for the smallest N of the run (guaranteed when everyone can relay at full fanout).',
    'Moved: members who stay but change parent. Told: members whose own placement changed, which is what the server sends',
    `(~${MESSAGE_BYTES} B each). Failover pile-up: of a failed relay's children, the most that fall back on one backup at once.`,
    'Plan times are CPU time; plan ÷ Map copy compares the p50 with copying the members into a Map in the same run.',
    '',
    markdownTable(rows),
  ].join('\n'),
);
