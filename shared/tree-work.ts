import { createNumberHeap, type NumberHeap } from './number-heap.ts';
import type { Placement, TreePlan } from './tree-plan.ts';

/**
 * The relay tree while a plan is worked out: members as mutable nodes under a stage node, and
 * the repairs that turn the previous plan into one for the members here now. Each rule moves
 * as few members as it can, and says why it moves anyone at all:
 * - a join takes the shallowest free slot (ties: the better relay) and moves nobody;
 * - a relay that leaves hands its place to an heir, the deepest childless relay able to feed its
 *   children: they keep their depth, and only the heir and they change parent;
 * - a freed place takes an overflow root (one the stage feeds beyond its root slots), else the
 *   deepest leaf if that sits `compaction` levels deeper: keeping the upper levels full is what
 *   bounds the depth of a tree that shrinks and grows again;
 * - a relay whose capacity dropped (the stage grew) sheds children, leaves first;
 * - when relays cannot hold everyone, the rest hang from the stage, and leave it for the first
 *   free slot.
 */

export interface TreeNode {
  readonly peer: string;
  /** Position in relay preference, 1 = the best relay; the stage is 0, members who left come last. */
  readonly rank: number;
  /** Children it may feed; for the stage, the root slots. */
  readonly capacity: number;
  /** It feeds them the stage mixed into one stream (tree-plan.ts). */
  readonly mixes: boolean;
  /** Left the audience: it keeps its place until its children have been repaired around it. */
  readonly gone: boolean;
  /** Places freed below it while it waits to be removed itself; its heir fills them (see fillHole). */
  holes: number;
  /** Its placement in the previous plan, if it had one. */
  was: Placement | undefined;
  /** null for the stage only; undefined while out of the tree (new, or being moved). */
  parent: TreeNode | null | undefined;
  children: TreeNode[];
  depth: number;
}

export interface WorkTree {
  readonly stage: TreeNode;
  readonly byRank: readonly TreeNode[];
  readonly byPeer: ReadonlyMap<string, TreeNode>;
  readonly compaction: number;
  /**
   * Queues built when first needed, holding keys that fold a depth and a rank into one number
   * (see slotKey). A key goes stale when its node moves or fills up: search drops it, and every
   * change pushes the node's fresh keys (touch).
   */
  slots: NumberHeap | undefined;
  /** Childless members, deepest first. */
  leaves: NumberHeap | undefined;
  /** Childless members that can relay, deepest first. */
  heirs: NumberHeap | undefined;
}

/** A member in relay preference order, with the children it may feed. */
export interface RankedMember {
  peer: string;
  capacity: number;
  mixes: boolean;
}

/**
 * The tree of a previous plan in tree mode, with the members here now; after a direct plan (or
 * none), every member starts out of the tree. Throws RangeError on a listener listed twice.
 */
export function createWorkTree(ranked: readonly RankedMember[], rootSlots: number, compaction: number, previous?: TreePlan): WorkTree {
  const stage: TreeNode = { peer: '', rank: 0, capacity: rootSlots, mixes: false, gone: false, holes: 0, was: undefined, parent: null, children: [], depth: 0 };
  const byRank = [stage];
  const byPeer = new Map<string, TreeNode>();
  const add = (peer: string, capacity: number, mixes: boolean, gone: boolean): void => {
    const node: TreeNode = { peer, rank: byRank.length, capacity, mixes, gone, holes: 0, was: previous?.audience.get(peer), parent: undefined, children: [], depth: -1 };
    byRank.push(node);
    byPeer.set(peer, node);
  };
  for (const { peer, capacity, mixes } of ranked) add(peer, capacity, mixes, false);
  if (byPeer.size < ranked.length) throw new RangeError('a listener is listed twice');
  if (previous?.mode !== 'tree') return { stage, byRank, byPeer, compaction, slots: undefined, leaves: undefined, heirs: undefined };
  const left: string[] = [];
  for (const peer of previous.audience.keys()) if (!byPeer.has(peer)) left.push(peer);
  for (const peer of left.sort()) add(peer, 0, false, true);
  // Linked in rank order, so that children lists do not depend on how `previous` was built.
  for (const node of byRank) {
    const parent = node.was && (node.was.parent === null ? stage : byPeer.get(node.was.parent));
    if (!node.was || !parent) continue;
    node.parent = parent;
    node.depth = node.was.depth;
    parent.children.push(node);
  }
  return { stage, byRank, byPeer, compaction, slots: undefined, leaves: undefined, heirs: undefined };
}

/** Turns the tree restored from the previous plan into a plan for the members here now. */
export function settleTree(tree: WorkTree): void {
  // Deepest first, so a member who left is never handed to an heir as a child.
  const gone = tree.byRank.filter((n) => n.gone).sort((a, b) => b.depth - a.depth || a.rank - b.rank);
  for (const node of gone) removeNode(tree, node);
  shedExcess(tree);
  for (const node of tree.byRank) if (node.parent === undefined && !node.gone) link(tree, node, takeSlot(tree) ?? tree.stage);
  drainOverflow(tree);
}

const spare = (node: TreeNode): number => node.capacity - node.children.length;
const slotKey = (tree: WorkTree, node: TreeNode): number => node.depth * tree.byRank.length + node.rank;
const leafKey = (tree: WorkTree, node: TreeNode): number => -node.depth * tree.byRank.length + node.rank;
/** Fewest children first, then the weakest relay: whom to move when someone has to go. */
const demotionOrder = (a: TreeNode, b: TreeNode): number => a.children.length - b.children.length || b.rank - a.rank;

/** Pushes the keys a node now qualifies for: a free slot, a leaf, a leaf that can relay. */
function touch(tree: WorkTree, node: TreeNode): void {
  if (node.gone) return;
  if (spare(node) > 0) tree.slots?.push(slotKey(tree, node));
  if (node.children.length > 0 || node === tree.stage) return;
  tree.leaves?.push(leafKey(tree, node));
  if (node.capacity > 0) tree.heirs?.push(leafKey(tree, node));
}

function unlink(tree: WorkTree, node: TreeNode): void {
  const from = node.parent;
  if (!from) return;
  from.children.splice(from.children.indexOf(node), 1);
  node.parent = undefined;
  touch(tree, from);
}

function link(tree: WorkTree, node: TreeNode, parent: TreeNode): void {
  parent.children.push(node);
  node.parent = parent;
  touch(tree, parent);
  setDepth(tree, node, parent.depth + 1);
}

/**
 * Gives a node its depth and its subtree theirs (iteratively: a fanout-1 tree is one long chain).
 * The node itself is always touched: it may have been out of the tree when a queue was built.
 */
function setDepth(tree: WorkTree, top: TreeNode, depth: number): void {
  const same = top.depth === depth;
  top.depth = depth;
  touch(tree, top);
  if (same) return;
  const stack = [...top.children];
  for (let node = stack.pop(); node; node = stack.pop()) {
    node.depth = node.parent!.depth + 1;
    touch(tree, node);
    for (const child of node.children) stack.push(child);
  }
}

/** Whether the node hangs from the stage by links that do not pass through `apart`. */
function hangsFromStage(node: TreeNode, apart: TreeNode): boolean {
  for (let n: TreeNode | null | undefined = node; n !== apart; n = n.parent) {
    if (n === undefined) return false;
    if (n.parent === null) return true;
  }
  return false;
}

/**
 * The first node a queue offers that `judge` takes. keep: valid but not for this search, so it
 * goes back in the queue; stop: keep it and look no further; drop: stale, out of the queue.
 */
function search(tree: WorkTree, heap: NumberHeap, keyOf: typeof slotKey, judge: (node: TreeNode) => 'take' | 'keep' | 'stop' | 'drop'): TreeNode | undefined {
  const kept: number[] = [];
  const base = tree.byRank.length;
  let found: TreeNode | undefined;
  for (let key = heap.pop(); key !== undefined; key = heap.pop()) {
    const node = tree.byRank[((key % base) + base) % base]!;
    const verdict = node.gone || keyOf(tree, node) !== key ? 'drop' : judge(node);
    if (verdict === 'take') {
      found = node;
      break;
    }
    if (verdict === 'drop') continue;
    kept.push(key);
    if (verdict === 'stop') break;
  }
  for (const key of kept) heap.push(key);
  return found;
}

function queue(tree: WorkTree, keyOf: typeof slotKey, wanted: (node: TreeNode) => boolean): NumberHeap {
  return createNumberHeap(tree.byRank.filter((n) => !n.gone && n.parent !== undefined && wanted(n)).map((n) => keyOf(tree, n)));
}

/**
 * The shallowest free slot (ties: the better relay). Moving a subtree, pass its top: the slot
 * must then hang from the stage outside it (never below itself, nor in a subtree being moved).
 */
function takeSlot(tree: WorkTree, mover?: TreeNode): TreeNode | undefined {
  tree.slots ??= queue(tree, slotKey, (n) => spare(n) > 0);
  return search(tree, tree.slots, slotKey, (n) => (spare(n) <= 0 ? 'drop' : mover && !hangsFromStage(n, mover) ? 'keep' : 'take'));
}

function removeNode(tree: WorkTree, gone: TreeNode): void {
  const parent = gone.parent!;
  if (gone.children.length === 0) {
    unlink(tree, gone);
    fillHole(tree, parent, gone.depth);
    return;
  }
  tree.heirs ??= queue(tree, leafKey, (n) => n !== tree.stage && n.children.length === 0 && n.capacity > 0);
  const orphans = gone.children.length;
  const heir = search(tree, tree.heirs, leafKey, (n) => (n.children.length > 0 ? 'drop' : n.capacity >= orphans ? 'take' : 'keep'));
  if (heir) promoteHeir(tree, gone, heir);
  else promoteOrphan(tree, gone);
}

/** The heir takes the place of the member who left and adopts its children, who keep their depth. */
function promoteHeir(tree: WorkTree, gone: TreeNode, heir: TreeNode): void {
  const from = heir.parent!;
  const fromDepth = heir.depth;
  unlink(tree, heir);
  takePlace(tree, gone, heir);
  for (const orphan of gone.children.splice(0)) link(tree, orphan, heir);
  if (from !== gone) fillHole(tree, from, fromDepth);
  for (let i = 0; i < gone.holes; i += 1) fillHole(tree, heir, heir.depth + 1);
}

/** No heir can feed them all: the best relay among the children moves up, the others go where there is room. */
function promoteOrphan(tree: WorkTree, gone: TreeNode): void {
  const [first, ...rest] = gone.children.splice(0).sort((a, b) => a.rank - b.rank);
  takePlace(tree, gone, first!);
  for (const orphan of rest) orphan.parent = undefined;
  for (const orphan of rest) link(tree, orphan, takeSlot(tree, orphan) ?? tree.stage);
}

function takePlace(tree: WorkTree, gone: TreeNode, successor: TreeNode): void {
  const parent = gone.parent!;
  parent.children[parent.children.indexOf(gone)] = successor;
  successor.parent = parent;
  gone.parent = undefined;
  setDepth(tree, successor, gone.depth);
}

/** A place under `parent`, at `depth`, was freed: see the rules at the top of the file. */
function fillHole(tree: WorkTree, parent: TreeNode, depth: number): void {
  if (parent.gone) parent.holes += 1;
  if (parent.gone || spare(parent) <= 0) return;
  const { stage } = tree;
  if (stage.children.length > stage.capacity) {
    const root = stage.children.filter((r) => hangsFromStage(parent, r)).sort(demotionOrder)[0];
    if (root) move(tree, root, parent);
    return;
  }
  tree.leaves ??= queue(tree, leafKey, (n) => n !== stage && n.children.length === 0);
  const leaf = search(tree, tree.leaves, leafKey, (n) =>
    n.children.length > 0 ? 'drop' : n.depth >= depth + tree.compaction ? 'take' : 'stop');
  if (leaf) move(tree, leaf, parent);
}

function move(tree: WorkTree, node: TreeNode, parent: TreeNode): void {
  unlink(tree, node);
  link(tree, node, parent);
}

/** A relay whose capacity dropped below its children sheds leaves first, so that few members move. */
function shedExcess(tree: WorkTree): void {
  for (const node of tree.byRank) {
    const excess = node.children.length - node.capacity;
    if (node === tree.stage || excess <= 0) continue;
    const shed = [...node.children].sort(demotionOrder).slice(0, excess);
    for (const child of shed) unlink(tree, child);
    for (const child of shed) link(tree, child, takeSlot(tree, child) ?? tree.stage);
  }
}

/** Roots beyond the stage's slots move under relays with room, leaves first. */
function drainOverflow(tree: WorkTree): void {
  const { stage } = tree;
  for (const root of [...stage.children].sort(demotionOrder)) {
    if (stage.children.length <= stage.capacity) return;
    const slot = takeSlot(tree, root);
    if (slot) move(tree, root, slot);
  }
}
