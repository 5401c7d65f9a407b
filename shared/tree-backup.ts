import type { TreeNode, WorkTree } from './tree-work.ts';

/**
 * Backup parents for a settled tree, by rank (null: none). A backup link is warm and silent:
 * held open but carrying nothing until the parent is lost, so backups do not count against a
 * relay's capacity. The rules, and why:
 * - failing over never makes a cycle: a backup is a relay outside the member's own subtree, and
 *   neither the member nor its parent;
 * - it does not hang from the member's parent where any other relay may back it up: the backup
 *   is for when that parent fails, and a relay below it would fall silent at the same moment;
 *   and siblings get different backups where they can;
 * - it lands where there is room and few hops: relays with spare capacity first, then the
 *   shallowest, then the better relay;
 * - one relay backs at most max(2 × fanout, ⌈members / relays⌉) members while any valid relay
 *   is below that, and a parent's children are handed out in rounds (every parent's first
 *   child, then every second child…), so that one parent's failure spreads its children over
 *   several backups instead of piling them onto one;
 * - a backup from the previous plan that is still valid stays, so it is not re-sent;
 * - roots have none: the stage itself feeds them.
 */
export function assignBackups(tree: WorkTree, fanout: number): (TreeNode | null)[] {
  const backups = tree.byRank.map((): TreeNode | null => null);
  const members = tree.byRank.filter((n) => n.parent && n.parent !== tree.stage);
  const relays = tree.byRank.filter((n) => n.capacity > 0 && !n.gone && n !== tree.stage);
  if (members.length === 0 || relays.length === 0) return backups;
  const limit = Math.max(2 * fanout, Math.ceil(members.length / relays.length));
  const load = new Uint32Array(tree.byRank.length);
  const assign = (member: TreeNode, relay: TreeNode): void => {
    backups[member.rank] = relay;
    load[relay.rank] = load[relay.rank]! + 1;
  };
  const waiting: TreeNode[] = [];
  for (const member of members) {
    const peer = member.was?.backup;
    const kept = peer === undefined || peer === null ? undefined : tree.byPeer.get(peer);
    if (kept && mayBackUp(member, kept) && apart(member, kept) && load[kept.rank]! < limit) assign(member, kept);
    else waiting.push(member);
  }
  if (waiting.length === 0) return backups;
  const candidates = byPreference(tree, relays);
  /** Backups already given to each parent's children: siblings spread over different ones. */
  const bySiblings = new Map<TreeNode, Set<TreeNode>>();
  for (const member of members) if (backups[member.rank]) siblingsOf(bySiblings, member).add(backups[member.rank]!);
  const fresh = (member: TreeNode, relay: TreeNode): boolean => !siblingsOf(bySiblings, member).has(relay);
  const freshAndApart = (member: TreeNode, relay: TreeNode): boolean => fresh(member, relay) && apart(member, relay);
  let first = 0;
  for (const member of inRounds(tree, waiting)) {
    while (first < candidates.length && load[candidates.at(first).rank]! >= limit) first += 1;
    let chosen: TreeNode | undefined;
    for (const fits of [freshAndApart, apart, fresh, () => true]) {
      for (let i = first; i < candidates.length && !chosen; i += 1) {
        const relay = candidates.at(i);
        if (load[relay.rank]! < limit && mayBackUp(member, relay) && fits(member, relay)) chosen = relay;
      }
    }
    // Every relay it may use is at the limit: better one over the limit than none.
    for (let i = 0; i < candidates.length && !chosen; i += 1) if (mayBackUp(member, candidates.at(i))) chosen = candidates.at(i);
    if (chosen) {
      assign(member, chosen);
      siblingsOf(bySiblings, member).add(chosen);
    }
  }
  return backups;
}

function siblingsOf(bySiblings: Map<TreeNode, Set<TreeNode>>, member: TreeNode): Set<TreeNode> {
  const parent = member.parent!;
  const given = bySiblings.get(parent) ?? new Set<TreeNode>();
  bySiblings.set(parent, given);
  return given;
}

function mayBackUp(member: TreeNode, relay: TreeNode): boolean {
  if (relay.capacity <= 0 || relay.gone || relay === member || relay === member.parent) return false;
  for (let n = relay.parent; n; n = n.parent) if (n === member) return false;
  return true;
}

/** The relay does not hang from the member's parent, so the parent's failure leaves it sounding. */
function apart(member: TreeNode, relay: TreeNode): boolean {
  for (let n: TreeNode | null | undefined = relay; n; n = n.parent) if (n === member.parent) return false;
  return true;
}

/**
 * Relays with spare capacity first, then the shallowest, then by rank: sorted as numeric keys
 * (a typed-array sort, no comparator) and read back by position.
 */
function byPreference(tree: WorkTree, relays: readonly TreeNode[]): { length: number; at(i: number): TreeNode } {
  const base = tree.byRank.length;
  const keyOf = (n: TreeNode): number => ((n.children.length < n.capacity ? 0 : base) + n.depth) * base + n.rank;
  const keys = Float64Array.from(relays, keyOf).sort();
  return { length: keys.length, at: (i) => tree.byRank[keys[i]! % base]! };
}

/** The waiting members by their place among their siblings: every first child, then every second one… */
function inRounds(tree: WorkTree, waiting: readonly TreeNode[]): TreeNode[] {
  const base = tree.byRank.length;
  const keyOf = (member: TreeNode): number => member.parent!.children.indexOf(member) * base + member.parent!.rank;
  return Array.from(Float64Array.from(waiting, keyOf).sort(), (key) => tree.byRank[key % base]!.children[Math.floor(key / base)]!);
}
