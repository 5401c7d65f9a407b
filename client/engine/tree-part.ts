import type { ClientFrame, PlanFrame } from '../../shared/protocol.ts';
import { mayLink, meshTopology, type PlannedLink, type Topology, type TopologyInput } from '../../shared/topology.ts';
import { treeTopology, type OwnPlan } from '../../shared/tree-topology.ts';
import type { RelayPath } from './audio/encoded-pipes.ts';
import type { RelayStatus } from './relay.ts';
import type { Timers } from './timers.ts';
import { createUploadCapacity, type FeedReading } from './upload-capacity.ts';

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
  /** Our part of the plan has us feed the stage mixed into one stream (shared/tree-plan.ts). */
  mixes(): boolean;
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
  /** The stage reaches us mixed into one stream by a relay above us. */
  mixed: boolean;
  /** We feed those we serve the stage mixed into one stream. */
  mixing: boolean;
}

/** How often a relay reads its links to those it feeds, to offer the planner the upload it has (upload-capacity.ts). */
export const SAMPLE_MS = 2000;
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
  /** What those we feed report lost, and how many speakers we forward them (room-media.ts). */
  feedStats(): Promise<FeedReading>;
  /** How this browser forwards frames, if at all (audio/encoded-pipes.ts). */
  relayPath: () => RelayPath;
}

export function createTreePart({ send, timers, onExpired, feedStats, relayPath }: TreePartDeps): TreePart {
  const canRelay = (): boolean => relayPath() !== null;
  let plan: PlanFrame | null = null;
  let sent: string | null = null;
  /** What we last claimed: one that feeds nobody (only looking in) takes no child, whatever a plan says. */
  let forwarding = true;
  /** What the plan itself gave last time, without lingering feeds. */
  let planned: Topology = new Map();
  const lingering = new Map<string, { link: PlannedLink; until: number }>();
  /** Browsers that cannot forward offer no upload and stay leaves; the rest offer what they measure. */
  const capacity = createUploadCapacity();
  /** What we claimed last, to claim again when the upload we measure changes. */
  let claimed: { tier: Claim['tier']; turnOnly: boolean } | null = null;

  function sendClaim(tier: Claim['tier'], turnOnly: boolean): void {
    const frame: Claim = { type: 'tree', tier, uploadKbps: forwarding && canRelay() && !turnOnly ? capacity.kbps() : 0, turnOnly, ...(relayPath() === 'transforms' ? { repacks: true } : {}) };
    const text = JSON.stringify(frame);
    if (text === sent) return;
    sent = text;
    send(frame);
  }

  async function measure(): Promise<void> {
    if (!forwarding || claimed === null) return;
    // Relaying lost (a frame worker that failed): the planner hears we feed nobody, with no wait for a refresh.
    if (!canRelay()) return sendClaim(claimed.tier, claimed.turnOnly);
    const stats = await feedStats();
    // Claimed afresh meanwhile (or stopped forwarding): that claim already says what it should.
    const current = claimed;
    if (!forwarding || current === null) return;
    if (capacity.sample(timers.now(), stats, plan?.streamKbps)) sendClaim(current.tier, current.turnOnly);
  }
  timers.every(SAMPLE_MS, () => void measure());

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
      else next.set(peer, { ...link, lingering: true });
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
      claimed = { tier, turnOnly };
      sendClaim(tier, turnOnly);
    },
    topology(input) {
      if (plan?.mode === 'tree') return withLingering(input, new Map(treeTopology(input, own(plan))));
      planned = new Map();
      lingering.clear();
      return meshTopology(input);
    },
    mixes: () => forwarding && plan?.mode === 'tree' && plan.mixes,
    route(relay) {
      if (plan?.mode !== 'tree') return { mode: 'mesh', via: 0, serving: 0, mixed: false, mixing: false };
      const via = relay.upstream === 'backup' ? null : relay.upstream === 'stage' ? 0 : Math.max(0, plan.depth - 1);
      return { mode: 'tree', via, serving: relay.serving, mixed: relay.mixed, mixing: relay.mixing };
    },
  };
}
