import { isOnStage, mayBeHeard, type RoomRules, type RoomState } from './room-state.ts';
import { mayLink, type FeedRole, type LinkCandidate, type PlannedLink, type Topology, type TopologyInput } from './topology.ts';

/**
 * The relay tree as one member holds it: its own part of the server's plan (shared/tree-plan.ts),
 * turned into links, with the room log still deciding who may link and who is heard. A plan can
 * only narrow who links with whom; it never lets anyone in whom the log keeps out.
 */
export interface OwnPlan {
  /** Feeds us the stage; null: the stage sends to us directly. */
  parent: string | null;
  backup: string | null;
  /** On stage: the audience members we send to. In the audience: the members we feed. */
  children: readonly string[];
  /** Members that fail over to us. */
  standby: readonly string[];
}

/**
 * - On stage: a link with everyone else on stage, and one with each member the plan has us send
 *   to directly (the tree's roots), carrying our microphone.
 * - Fed by the stage directly: a link with everyone on stage, played as the log allows.
 * - Deeper in the tree: feeds from the parent and the backup, feeds to children and standbys;
 *   listeners never send their microphone.
 */
export function treeTopology(input: TopologyInput, plan: OwnPlan): Topology {
  const { room, rules, selfKey } = input;
  const links = new Map<string, PlannedLink>();
  const byPeer = new Map(input.members.map((member) => [member.peer, member]));
  const admitted = (member: LinkCandidate | undefined): member is LinkCandidate =>
    member !== undefined && member.key !== selfKey && mayLink(room, rules, selfKey, member.key);
  const feed = (peer: string | null, role: FeedRole): void => {
    const member = byPeer.get(peer ?? '');
    if (admitted(member) && !links.has(member.peer)) links.set(member.peer, { make: member.presented, send: false, play: false, feed: role, relays: true });
  };

  if (isOnStage(room, rules, selfKey)) {
    for (const member of input.members) {
      const onStage = isOnStage(room, rules, member.key);
      if (!admitted(member) || (!onStage && !plan.children.includes(member.peer))) continue;
      links.set(member.peer, { make: member.presented, send: true, play: onStage && heard(room, rules, member) });
    }
    return links;
  }
  if (plan.parent === null) {
    for (const member of input.members) {
      if (admitted(member) && isOnStage(room, rules, member.key)) {
        links.set(member.peer, { make: member.presented, send: false, play: heard(room, rules, member), relays: true });
      }
    }
  }
  feed(plan.parent, 'parent');
  for (const child of plan.children) feed(child, 'child');
  feed(plan.backup, 'backup');
  for (const peer of plan.standby) {
    const mutual = links.get(peer);
    if (mutual?.feed === 'backup') links.set(peer, { ...mutual, standby: true });
    else feed(peer, 'standby');
  }
  return links;
}

const heard = (room: RoomState, rules: RoomRules, member: LinkCandidate): boolean => mayBeHeard(room, rules, member.key);
