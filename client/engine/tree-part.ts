import type { ClientFrame, PlanFrame } from '../../shared/protocol.ts';
import { mayLink, meshTopology, type PlannedLink, type Topology, type TopologyInput } from '../../shared/topology.ts';
import { treeTopology, type OwnPlan } from '../../shared/tree-topology.ts';
import { canRelayFrames } from './audio/encoded-pipes.ts';
import type { RelayStatus } from './relay.ts';
import type { Timers } from './timers.ts';

/**
 * Our place in the room's relay tree: what we tell the server's planner about ourselves, the part
 * of its plan it sends us, and the links that follow. Until a plan says otherwise (a small room,
 * or a server that plans nothing), the room is a mesh.
 */
export type Claim = Extract<ClientFrame, { type: 'tree' }>;

export interface TreePart {
  /** The server's latest plan for us. */
  planned(frame: PlanFrame): void;
  /** A new signaling session: the server knows nothing of us yet. */
  welcomed(): void;
  /**
   * What the planner needs to know of us now; `forwards`: we may feed others (not while only
   * looking in). Claiming not to, we take no child or standby even where a plan names them.
   */
  claim(tier: Claim['tier'], options: { turnOnly: boolean; forwards: boolean }): void;
  topology(input: TopologyInput): Topology;
  /** How the stage's audio reaches us, for the view. */
  route(relay: RelayStatus): RouteView;
}

export interface RouteView {
  /** mesh: every speaker sends to us; tree: the audience is fed through relays. */
  mode: 'mesh' | 'tree';
  /** Relays between the stage and us: 0 when the stage sends to us directly; null while on a backup. */
  via: number | null;
  /** Members we forward the stage to. */
  serving: number;
}

/**
 * The upload a browser that can forward offers the planner until it has measured better: enough
 * for a full fan-out of a small stage. Browsers that cannot forward offer none and stay leaves.
 */
const ASSUMED_UPLOAD_KBPS = 1000;
/**
 * Make before break: a feed a new plan drops is kept this long on both ends, so a member goes on
 * hearing its old parent (or the backup it failed over to) until its new parent's link is up.
 */
export const LINGER_MS = 4000;

export interface TreePartDeps {
  send(frame: Claim): void;
  timers: Timers;
  /** A lingering feed expired: the topology is smaller now. */
  onExpired(): void;
}

export function createTreePart({ send, timers, onExpired }: TreePartDeps): TreePart {
  let plan: PlanFrame | null = null;
  let sent: string | null = null;
  /** What we last claimed: one that feeds nobody (only looking in) takes no child, whatever a plan says. */
  let forwarding = true;
  /** What the plan itself gave last time, without lingering feeds. */
  let planned: Topology = new Map();
  const lingering = new Map<string, { link: PlannedLink; until: number }>();

  function withLingering(input: TopologyInput, next: Map<string, PlannedLink>): Topology {
    const now = timers.now();
    for (const [peer, link] of planned) {
      if (link.feed === undefined || next.has(peer) || lingering.has(peer)) continue;
      lingering.set(peer, { link, until: now + LINGER_MS });
      timers.after(LINGER_MS, onExpired);
    }
    planned = new Map(next);
    for (const [peer, { link, until }] of lingering) {
      const member = input.members.find((m) => m.peer === peer);
      const allowed = member !== undefined && mayLink(input.room, input.rules, input.selfKey, member.key);
      if (until <= now || next.has(peer) || !allowed) lingering.delete(peer);
      else next.set(peer, link);
    }
    return next;
  }

  const own = (frame: PlanFrame): OwnPlan => ({
    parent: frame.parent,
    backup: frame.backup,
    children: forwarding ? frame.children : [],
    standby: forwarding ? frame.standby : [],
  });

  return {
    planned(frame) {
      plan = frame;
    },
    welcomed() {
      sent = null;
      plan = null;
    },
    claim(tier, { turnOnly, forwards }) {
      forwarding = forwards;
      const frame: Claim = { type: 'tree', tier, uploadKbps: forwards && canRelayFrames() && !turnOnly ? ASSUMED_UPLOAD_KBPS : 0, turnOnly };
      const text = JSON.stringify(frame);
      if (text === sent) return;
      sent = text;
      send(frame);
    },
    topology(input) {
      if (plan?.mode === 'tree') return withLingering(input, new Map(treeTopology(input, own(plan))));
      planned = new Map();
      lingering.clear();
      return meshTopology(input);
    },
    route(relay) {
      if (plan?.mode !== 'tree') return { mode: 'mesh', via: 0, serving: 0 };
      const via = relay.upstream === 'backup' ? null : relay.upstream === 'stage' ? 0 : Math.max(0, plan.depth - 1);
      return { mode: 'tree', via, serving: relay.serving };
    },
  };
}
