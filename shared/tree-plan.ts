import { assignBackups } from './tree-backup.ts';
import { createWorkTree, settleTree, type RankedMember, type TreeNode, type WorkTree } from './tree-work.ts';

/**
 * The relay-tree planner: who feeds whom in a room's audience. The signaling server runs it per
 * room whenever members come, go or change tier, and sends each member its own Placement. Pure
 * and deterministic: the same members (in any order) and the same previous plan give the same
 * plan, so any node holding the room's lease computes the same tree.
 *
 * Small audiences are fed by the stage directly. Above `directMax` listeners, relays forward the
 * stage's encoded frames unchanged to their children. What every tree plan guarantees (each is a
 * property in tree-plan.test.ts):
 * - every audience member has one parent (null: the stage, which feeds min(fanout, directMax)
 *   roots, but see below), no cycles, and `children` mirrors `parent`;
 * - a member feeds at most its capacity, min(fanout, ⌊upload / (streamKbps × stage size)⌋); a
 *   TURN-only member or one with no capacity is a leaf (`relays: false`) and feeds nobody;
 * - mixing: a member whose upload cannot carry every speaker's stream to even one child, but can
 *   carry one stream, feeds its children the stage mixed into one (`mixes`), as many as that
 *   upload carries (up to fanout). Mixing costs a decode and an encode, so mixers rank below every
 *   member that forwards, and those that repack each frame (`repacks`) below those that forward it
 *   unchanged: in a fresh plan, the costlier a hop, the deeper it sits, where fewer listen below
 *   it (repairs then move as few as they can, and leave relays where they are);
 * - when the relays cannot hold everyone, the rest are fed by the stage beyond its root slots
 *   (never by an overloaded relay), and only while no relay has a free slot;
 * - a member below the roots has a backup whenever a relay other than its parent exists outside
 *   its own subtree (see tree-backup.ts);
 * - depth: if every audience member can relay at full fanout (fanout ≥ 2), the deepest member is
 *   at most ⌈log_fanout N⌉ + 1 levels below the stage, N the audience size, in a fresh plan and
 *   after any sequence of changes;
 * - stability, given the previous plan and one change (a join, a leave, a tier change that leaves
 *   capacities as they were), at most fanout + 2 of the members who stay change parent
 *   (fanout + 1 if every member relays at full fanout; none for a join that finds a free slot).
 *   Leaving the direct mode reshuffles everyone, and a change of stage size that lowers
 *   capacities also moves the children each relay must shed.
 * A Placement that did not change is the very object of the previous plan, so the server sends
 * a member its part only when `next.audience.get(peer) !== previous.audience.get(peer)`.
 */

export interface TreeMember {
  /** Server peer id, unique in the room. */
  peer: string;
  tier: 'stage' | 'audience';
  /** Usable upload the member reports; 0: it cannot forward (e.g. a browser that cannot relay). */
  uploadKbps: number;
  /** It can only connect through TURN: never a relay. */
  turnOnly: boolean;
  /** Its browser forwards each frame inside one of its own (Firefox's carrier), which adds delay; absent: false. */
  repacks?: boolean;
  /** When it joined (ms, server clock); the older, the more stable a relay. */
  since: number;
}

/** What one forwarded Opus stream costs a relay's upload, with headers: the planner's `streamKbps`. */
export const STREAM_KBPS = 40;

export interface TreeSettings {
  /** Children per relay (PORCH_FANOUT, default 4), an integer ≥ 1. */
  fanout: number;
  /** Audience size above which listeners are fed through the tree (PORCH_DIRECT_MAX, default 12), an integer ≥ 1. */
  directMax: number;
  /** Upload one forwarded speaker stream costs (~40), > 0. */
  streamKbps: number;
}

export interface Placement {
  /** null: fed directly by the stage (every stage member sends to it). */
  parent: string | null;
  /** A relay to fail over to: never itself, its parent or one of its descendants; null for roots and where no such relay exists. */
  backup: string | null;
  /** Whom it feeds, sorted. Readonly: an unchanged placement is shared with the previous plan. */
  children: readonly string[];
  /** 1: fed by the stage directly. */
  depth: number;
  /** It may have children: it can relay (not TURN-only, capacity ≥ 1). Always false in direct mode. */
  relays: boolean;
  /** It relays, and feeds its children the stage mixed into one stream: forwarding each speaker's would exceed its upload. */
  mixes: boolean;
}

export interface TreePlan {
  /** direct: audience ≤ directMax, everyone fed by the stage, nobody relays. */
  mode: 'direct' | 'tree';
  audience: ReadonlyMap<string, Placement>;
  /** Audience members the stage feeds directly, sorted. */
  roots: readonly string[];
}

/**
 * Plans the room's audience. `previous` is the plan this function returned for the room last
 * time: the new plan changes it as little as the rules allow. Throws RangeError on settings out
 * of range or a listener listed twice: those are bugs in the caller, not states of a room.
 */
export function planTree(members: readonly TreeMember[], settings: TreeSettings, previous?: TreePlan): TreePlan {
  check(settings);
  const audience = members.filter((m) => m.tier === 'audience');
  if (audience.length <= settings.directMax) return directPlan(audience, previous);
  const stageSize = members.length - audience.length;
  const rootSlots = Math.min(settings.fanout, settings.directMax);
  // With fewer roots than fanout the top of the tree is narrow, so every level above the last
  // must stay full to keep the depth bound; with fanout roots, all but the last two suffice.
  const compaction = rootSlots < settings.fanout ? 1 : 2;
  const tree = createWorkTree(rank(audience, settings, stageSize), rootSlots, compaction, previous);
  settleTree(tree);
  return treePlan(tree, assignBackups(tree, settings.fanout));
}

function check({ fanout, directMax, streamKbps }: TreeSettings): void {
  if (!Number.isInteger(fanout) || fanout < 1 || !Number.isInteger(directMax) || directMax < 1 || !(streamKbps > 0)) {
    throw new RangeError(`tree settings out of range: fanout ${fanout}, directMax ${directMax}, streamKbps ${streamKbps}`);
  }
}

/** What a hop through a relay costs those below it, in rank order. */
const HOP_COST = { unchanged: 0, repacked: 1, mixed: 2 } as const;

/**
 * Relay preference: members that relay before those that cannot (TURN-only, or no capacity), and
 * among relays the cheapest hop first (forwarding unchanged, then repacking, then mixing); then
 * capacity (a shallow relay with fewer slots deepens the tree), then the oldest, then the peer id.
 * Capacity tops out at fanout, so among relays most tie there and the most stable go first.
 */
function rank(audience: readonly TreeMember[], { fanout, streamKbps }: TreeSettings, stageSize: number): RankedMember[] {
  const streams = Math.max(1, stageSize);
  const capacity = new Float64Array(audience.length);
  const cost = new Uint8Array(audience.length);
  const since = new Float64Array(audience.length);
  audience.forEach((m, i) => {
    const whole = Math.floor(m.uploadKbps / (streamKbps * streams));
    const mixed = streams > 1 && !(whole > 0) ? Math.floor(m.uploadKbps / streamKbps) : 0;
    const children = whole > 0 ? whole : mixed;
    capacity[i] = m.turnOnly || !(children > 0) ? 0 : Math.min(fanout, children);
    cost[i] = capacity[i]! > 0 && mixed > 0 ? HOP_COST.mixed : m.repacks === true ? HOP_COST.repacked : HOP_COST.unchanged;
    since[i] = m.since;
  });
  // Indices over typed arrays: at 100,000 members a third faster than sorting objects.
  const order = Uint32Array.from(audience.keys()).sort(
    (i, j) => Number(capacity[i] === 0) - Number(capacity[j] === 0) || cost[i]! - cost[j]! || capacity[j]! - capacity[i]! || since[i]! - since[j]! || (audience[i]!.peer < audience[j]!.peer ? -1 : 1),
  );
  return Array.from(order, (i) => ({ peer: audience[i]!.peer, capacity: capacity[i]!, mixes: cost[i] === HOP_COST.mixed }));
}

function directPlan(audience: readonly TreeMember[], previous: TreePlan | undefined): TreePlan {
  const roots = audience.map((m) => m.peer).sort();
  const placements = new Map<string, Placement>();
  for (const peer of roots) {
    const before = previous?.audience.get(peer);
    const same = before && before.parent === null && before.backup === null && before.children.length === 0 && before.depth === 1 && !before.relays && !before.mixes;
    placements.set(peer, same ? before : { parent: null, backup: null, children: [], depth: 1, relays: false, mixes: false });
  }
  if (placements.size < audience.length) throw new RangeError('a listener is listed twice');
  return { mode: 'direct', audience: placements, roots };
}

/** Placements for a settled tree; one equal to the previous is that very object, not a copy. */
function treePlan(tree: WorkTree, backups: readonly (TreeNode | null)[]): TreePlan {
  const audience = new Map<string, Placement>();
  for (const node of tree.byRank) {
    if (!node.parent) continue; // the stage, and members who left
    const parent = node.parent === tree.stage ? null : node.parent.peer;
    const backup = backups[node.rank]?.peer ?? null;
    const relays = node.capacity > 0;
    const { was, mixes } = node;
    // Equal lengths, and every child now was a child then (plans keep parent and children consistent).
    const same = was && was.parent === parent && was.backup === backup && was.depth === node.depth && was.relays === relays && was.mixes === mixes &&
      was.children.length === node.children.length && node.children.every((c) => c.was?.parent === node.peer);
    audience.set(node.peer, same ? was : { parent, backup, children: node.children.map((c) => c.peer).sort(), depth: node.depth, relays, mixes });
  }
  return { mode: 'tree', audience, roots: tree.stage.children.map((c) => c.peer).sort() };
}
