import { MAX_PLAN_PEERS, type PlanFrame } from '../shared/protocol.ts';
import { planTree, STREAM_KBPS, type TreeMember, type TreePlan, type TreeSettings } from '../shared/tree-plan.ts';
import type { Timers } from './hub.ts';

/**
 * Runs the relay-tree planner (shared/tree-plan.ts) for each room and tells each member its own
 * part, only when that part changed or it has just claimed. What it plans from is what members claim (tier, upload,
 * TURN only, whether its browser repacks what it forwards): metadata, listed in SECURITY.md. A burst of joins and leaves is planned once.
 */
export type TreeClaim = Pick<TreeMember, 'tier' | 'uploadKbps' | 'turnOnly' | 'repacks'>;

export interface TreePlanning {
  /**
   * A member says what the planner needs; it is planned from now on. The next plan sends it its
   * part even if unchanged: a claim may come from a newer connection for the same peer, which has
   * no part yet. Others hear only of parts that changed. `since` is when it entered the room,
   * as another node saw it; by default, when it first claimed here. Returns the `since` used.
   */
  claim(room: string, peer: string, claim: TreeClaim, since?: number): number;
  /** This node has just taken over the room's planning: every member is sent its part anew. */
  lead(room: string): void;
  /** The member left, or is away: the tree is planned without it. */
  remove(room: string, peer: string): void;
  stop(): void;
}

export interface TreePlanningOptions {
  /** streamKbps: STREAM_KBPS unless the operator sets PORCH_STREAM_KBPS. */
  settings: Omit<TreeSettings, 'streamKbps'> & { streamKbps?: number };
  timers: Timers;
  now(): number;
  /** Whether this node plans the room (with several nodes, only the lease holder does). */
  leads(room: string): boolean;
  onPlan?: (() => void) | undefined;
  send(room: string, peer: string, frame: PlanFrame): void;
}

/** Joins and leaves within this window are planned together; no member is sent two plans within it. */
export const PLAN_DELAY_MS = 50;
/**
 * A member's tier changes at most this often: one that flips between stage and audience would
 * otherwise flip the whole room between direct and tree mode at every plan. A change sooner than
 * this waits, and the latest claim made meanwhile is the one that counts.
 */
export const TIER_COOLDOWN_MS = 1000;

interface RoomTree {
  members: Map<string, TreeMember>;
  plan: TreePlan | undefined;
  /** Each member's part as last sent, serialized. */
  sent: Map<string, string>;
  timer: unknown;
  /** When each member's tier last changed. */
  tierSince: Map<string, number>;
  /** Claims that change a tier too soon, waiting for their member's cooldown to end. */
  held: Map<string, { claim: TreeClaim; since: number | undefined; timer: unknown }>;
}

export function createTreePlanning(options: TreePlanningOptions): TreePlanning {
  const settings: TreeSettings = { ...options.settings, streamKbps: options.settings.streamKbps ?? STREAM_KBPS };
  const rooms = new Map<string, RoomTree>();

  function schedule(room: string, tree: RoomTree): void {
    if (tree.timer !== null || !options.leads(room)) return;
    tree.timer = options.timers.set(() => {
      tree.timer = null;
      if (rooms.get(room) === tree && options.leads(room)) replan(room, tree);
    }, PLAN_DELAY_MS);
  }

  /** How long a claim must wait before it may change the member's tier; 0: it may now. */
  function cooldownLeft(tree: RoomTree, peer: string, claim: TreeClaim): number {
    const current = tree.members.get(peer);
    const changed = tree.tierSince.get(peer);
    if (!current || current.tier === claim.tier || changed === undefined) return 0;
    return changed + TIER_COOLDOWN_MS - options.now();
  }

  function hold(room: string, tree: RoomTree, peer: string, claim: TreeClaim, since: number | undefined, wait: number): void {
    dropHeld(tree, peer);
    const timer = options.timers.set(() => {
      tree.held.delete(peer);
      if (rooms.get(room) === tree && tree.members.has(peer)) planning.claim(room, peer, claim, since);
    }, wait);
    tree.held.set(peer, { claim, since, timer });
  }

  /** Forgets a claim held back for the member. */
  function dropHeld(tree: RoomTree, peer: string): void {
    const held = tree.held.get(peer);
    if (held) options.timers.clear(held.timer);
    tree.held.delete(peer);
  }

  function replan(room: string, tree: RoomTree): void {
    tree.plan = planTree([...tree.members.values()], settings, tree.plan);
    options.onPlan?.();
    const parts = partsOf(tree.plan, tree.members, settings.streamKbps);
    for (const [peer, frame] of parts) {
      const text = JSON.stringify(frame);
      if (tree.sent.get(peer) === text) continue;
      tree.sent.set(peer, text);
      options.send(room, peer, frame);
    }
    for (const peer of tree.sent.keys()) if (!parts.has(peer)) tree.sent.delete(peer);
  }

  const planning: TreePlanning = {
    claim(room, peer, claim, since) {
      const tree = rooms.get(room) ?? { members: new Map(), plan: undefined, sent: new Map(), timer: null, tierSince: new Map(), held: new Map() };
      rooms.set(room, tree);
      const entered = since ?? tree.members.get(peer)?.since ?? options.now();
      const wait = cooldownLeft(tree, peer, claim);
      if (wait > 0) {
        hold(room, tree, peer, claim, since, wait);
        // A newer connection claiming still gets the part it has meanwhile.
        tree.sent.delete(peer);
        schedule(room, tree);
        return entered;
      }
      dropHeld(tree, peer);
      // A first claim is no change: looking in as a listener, then joining on stage, is not held back.
      const tierBefore = tree.members.get(peer)?.tier;
      if (tierBefore !== undefined && tierBefore !== claim.tier) tree.tierSince.set(peer, options.now());
      tree.members.set(peer, { peer, ...claim, since: entered });
      tree.sent.delete(peer);
      schedule(room, tree);
      return entered;
    },
    lead(room) {
      const tree = rooms.get(room);
      if (!tree) return;
      tree.sent.clear();
      schedule(room, tree);
    },
    remove(room, peer) {
      const tree = rooms.get(room);
      if (!tree) return;
      dropHeld(tree, peer);
      tree.tierSince.delete(peer);
      if (!tree.members.delete(peer)) return;
      tree.sent.delete(peer);
      if (tree.members.size > 0) return schedule(room, tree);
      if (tree.timer !== null) options.timers.clear(tree.timer);
      rooms.delete(room);
    },
    stop() {
      for (const tree of rooms.values()) {
        if (tree.timer !== null) options.timers.clear(tree.timer);
        for (const peer of [...tree.held.keys()]) dropHeld(tree, peer);
      }
      rooms.clear();
    },
  };
  return planning;
}

/** Each member's own part of a plan: whom it hears from, whom it feeds, who fails over to it. */
function partsOf(plan: TreePlan, members: ReadonlyMap<string, TreeMember>, streamKbps: number): Map<string, PlanFrame> {
  const standby = new Map<string, string[]>();
  for (const [peer, placement] of plan.audience) {
    if (placement.backup !== null) standby.set(placement.backup, [...(standby.get(placement.backup) ?? []), peer]);
  }
  const parts = new Map<string, PlanFrame>();
  const cap = (peers: readonly string[]): string[] => [...peers].sort().slice(0, MAX_PLAN_PEERS);
  for (const [peer, member] of members) {
    const placement = plan.audience.get(peer);
    if (member.tier === 'stage' || !placement) {
      parts.set(peer, { type: 'plan', mode: plan.mode, parent: null, backup: null, children: cap(plan.mode === 'tree' ? plan.roots : []), standby: [], depth: 0, mixes: false, streamKbps });
      continue;
    }
    parts.set(peer, {
      type: 'plan',
      mode: plan.mode,
      parent: placement.parent,
      backup: placement.backup,
      children: cap(placement.children),
      standby: cap(standby.get(peer) ?? []),
      depth: placement.depth,
      mixes: placement.mixes,
      streamKbps,
    });
  }
  return parts;
}
