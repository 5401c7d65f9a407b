import type { LinkMessage } from '../../shared/link-message.ts';
import type { FeedRole, Topology } from '../../shared/topology.ts';

/**
 * Which feed a listener in the relay tree hears: the stage itself, its parent or its backup
 * (relay.ts forwards whatever that is).
 *
 * Failover: the parent's frames, or its ticks while the stage is silent, show it alive. After
 * STALL_MS without either, or when it says it is leaving, we ask the backup to feed us; the
 * backup's link is already up, so audio is back within a round trip. The server's next plan
 * then makes the tree whole again.
 *
 * Make before break: moved by a plan, we go on hearing the feed we hear (asking it to feed us on
 * if the plan made it our backup) until the planned one feeds us. A parent that says it is
 * leaving goes on forwarding a moment (client/engine/room.ts), so we hear it until the backup
 * has fed us WARM_MS.
 */
export const STALL_MS = 400;
/** After a failover, a parent heard again for this long takes us back (the backup's fan-out is spare, not ours). */
export const RETURN_MS = 3000;
/** How often a feed tells those it feeds that it is there, and we check ours. */
export const TICK_MS = 150;
/** A parent whose link never comes up is given up on after this long. */
const FIRST_FEED_MS = 4000;
/** A leaving parent is left once its successor has fed us this long: that link's decoder has started, so no audio is missed. */
export const WARM_MS = 100;
/**
 * A feed the plan dropped that was sending frames and brought nothing for this long has fallen
 * silent: the next one is taken at its first frame, as waiting only lengthens the gap. One that
 * only ticks (a silent stage) is given two ticks, as any feed is.
 */
const FLOWING_MS = 100;

export interface FeedChoiceDeps {
  now(): number;
  topology(): Topology;
  isUp(peer: string): boolean;
  send(peer: string, message: LinkMessage): void;
  /** We listen to another feed now (null: the stage). */
  onListen(peer: string | null): void;
  trace(line: string): void;
}

export interface FeedChoice {
  /** The feed we listen to; null: the stage's own links. */
  active(): string | null;
  /** Anything from a member: it is there. */
  heard(peer: string): void;
  /** Feeds' frames (or, `ticks`, their ticks) reached us (null: a speaker's own link); one batch, all noted before anything is decided. */
  fed(peers: Iterable<string | null>, ticks?: boolean): void;
  planned(): void;
  linkUp(peer: string): void;
  leaving(peer: string): void;
  tick(): void;
}

export function createFeedChoice(deps: FeedChoiceDeps): FeedChoice {
  const lastHeard = new Map<string, number>();
  /** When each link last brought us its frames or ticks, which a feed sends only to those it feeds; `null`: the stage's own links. */
  const lastFed = new Map<string | null, number>();
  const lastFrame = new Map<string | null, number>();
  /** Since when each link has fed us without a break. */
  const fedSince = new Map<string | null, number>();
  let active: string | null = null;
  let activeSince = 0;
  /** The backup we asked to feed us, until we tell it to stop. */
  let askedOf: string | null = null;
  /** The parent whose silence sent us to the backup we listen to: the one that may take us back. */
  let failedFrom: string | null = null;
  /** The backup we asked to take over from a leaving parent we still hear. */
  let handover: { to: string; from: string } | null = null;
  /** Feeds that said they are leaving: never turned to, though a plan sent before they said it may name them. */
  const leavers = new Set<string>();
  const roleOf = (peer: string) => deps.topology().get(peer)?.feed;
  /** Who the plan gives this role: not a feed it dropped that lingers on. */
  const holder = (role: FeedRole): string | null =>
    [...deps.topology()].find(([peer, link]) => link.feed === role && !link.lingering && (role !== 'backup' || !leavers.has(peer)))?.[0] ?? null;

  /** A backup feeds us only once asked: asked whenever we listen to one, also one a plan made of the feed we hear. */
  function askBackup(): void {
    if (active === null || roleOf(active) !== 'backup' || askedOf === active) return;
    deps.send(active, { t: 'feed', on: true });
    askedOf = active;
  }

  function listenTo(peer: string | null, now: number): void {
    if (peer === active) return;
    // A backup asked ahead (a leaving parent's successor) goes on feeding us; any other we asked stops.
    const keepAsked = askedOf !== null && askedOf === peer && roleOf(peer) === 'backup';
    if (askedOf !== null && !keepAsked) deps.send(askedOf, { t: 'feed', on: false });
    askedOf = keepAsked ? peer : null;
    handover = null;
    failedFrom = null;
    active = peer;
    activeSince = now;
    askBackup();
    deps.onListen(peer);
  }

  /** To a backup, standing in for `from`: the parent that may take us back. */
  function standIn(to: string, from: string | null, now: number): void {
    listenTo(to, now);
    failedFrom = from;
  }

  function failOver(now: number): void {
    const spare = holder('backup');
    if (spare !== null && spare !== active && deps.isUp(spare)) standIn(spare, active, now);
  }

  /** Whether a feed (or the stage, for null) is feeding us now. */
  const feedsUs = (peer: string | null, now: number): boolean => (peer === null || deps.isUp(peer)) && now - (lastFed.get(peer) ?? -Infinity) <= 2 * TICK_MS;

  /**
   * What a feed must be before we leave the one we hear for it: while ours still brings audio,
   * feeding us for WARM_MS, so that its audio already plays; once ours fell silent, feeding us at all.
   */
  const ready = (peer: string | null, now: number): boolean =>
    (peer === null || !leavers.has(peer)) && feedsUs(peer, now) && (!stillHeard(now) || now - (fedSince.get(peer) ?? now) >= WARM_MS);

  /** Whether the feed we hear still brings audio: within two ticks (a busy page sees frames late); one the plan dropped (crashed, as the server saw) that was sending frames, just now. */
  function stillHeard(now: number): boolean {
    const link = active === null ? null : deps.topology().get(active);
    if (active !== null && (link === undefined || !deps.isUp(active))) return false;
    const framing = now - (lastFrame.get(active) ?? -Infinity) <= 2 * TICK_MS;
    return now - (lastFed.get(active) ?? -Infinity) <= (link?.lingering && framing ? FLOWING_MS : 2 * TICK_MS);
  }

  /** A feed we have just turned to (a backup we asked) and that has not fed us since: it counts as heard until it had time to start. */
  const starting = (peer: string, now: number): boolean => now - activeSince < STALL_MS && (lastFed.get(peer) ?? -Infinity) < activeSince;

  /**
   * Make before break. Should the feed we hear have gone silent meanwhile, we turn to the planned
   * one if its link is up (it feeds us once its own plan arrives), else to our backup, whose link is warm.
   */
  function moveWhenFed(planned: string | null, now: number): void {
    if (ready(planned, now)) return listenTo(planned, now);
    // Moved by a plan, we wait for the planned feed only while ours still brings audio (or has just been asked to).
    const hearing = active !== null && (stillHeard(now) || (deps.topology().has(active) && deps.isUp(active) && starting(active, now)));
    if (hearing) return;
    if (handover !== null && roleOf(handover.to) === 'backup' && deps.isUp(handover.to)) return standIn(handover.to, handover.from, now);
    const spare = holder('backup');
    if (planned !== null && (!deps.isUp(planned) || leavers.has(planned)) && spare !== null && spare !== planned && deps.isUp(spare)) return listenTo(spare, now);
    listenTo(planned, now);
  }

  /** Heard from lately: its frames or ticks, or, for a link not up yet, the time we started on it. */
  const silentFor = (peer: string, now: number): number => now - Math.max(lastHeard.get(peer) ?? 0, activeSince);

  return {
    active: () => active,
    heard: (peer) => void lastHeard.set(peer, deps.now()),
    fed(peers, ticks = false) {
      const now = deps.now();
      const batch = new Set(peers);
      for (const peer of batch) {
        if (!feedsUs(peer, now)) fedSince.set(peer, now);
        lastFed.set(peer, now);
        if (!ticks) lastFrame.set(peer, now);
      }
      if (handover !== null && batch.has(handover.to)) {
        if (ready(handover.to, now)) standIn(handover.to, handover.from, now);
        return;
      }
      // The planned parent (or, planned none, the stage) feeding us while we still hear another: it may take over now.
      const planned = holder('parent');
      if (planned !== active && batch.has(planned)) moveWhenFed(planned, now);
    },
    planned() {
      for (const peer of leavers) if (!deps.topology().has(peer)) leavers.delete(peer);
      moveWhenFed(holder('parent'), deps.now());
      askBackup();
    },
    linkUp(peer) {
      const role = roleOf(peer);
      if (peer === active && role === 'backup') {
        deps.send(peer, { t: 'feed', on: true });
        askedOf = peer;
      }
      if (role === 'parent' && peer !== active) moveWhenFed(peer, deps.now());
    },
    leaving(peer) {
      leavers.add(peer);
      const spare = holder('backup');
      if (peer !== active || handover !== null || spare === null || spare === active || !deps.isUp(spare)) return;
      // It keeps forwarding a moment: we hear it until the backup has taken over.
      deps.send(spare, { t: 'feed', on: true });
      askedOf = spare;
      handover = { to: spare, from: peer };
      deps.trace(`relay: ${peer} is leaving; asked backup ${spare} to take over`);
    },
    tick() {
      const now = deps.now();
      if (active === null) return;
      const planned = holder('parent');
      // Still on a feed a plan moved us from; a backup we failed over to goes back to the parent it stood in for after RETURN_MS.
      if (planned !== active && (roleOf(active) !== 'backup' || planned !== failedFrom)) return moveWhenFed(planned, now);
      const parentAlive = planned !== null && now - (lastHeard.get(planned) ?? 0) <= STALL_MS / 2;
      const wait = deps.isUp(active) || lastHeard.has(active) ? STALL_MS : FIRST_FEED_MS;
      const next = nextFeed(roleOf(active), silentFor(active, now) > wait, parentAlive, now - activeSince);
      if (next === 'backup') failOver(now);
      else if (next === 'parent') listenTo(planned, now);
    },
  };
}

/** After a check of the feed we listen to: fail over to the backup, go back to the planned parent, or stay. */
function nextFeed(role: FeedRole | undefined, stalled: boolean, parentAlive: boolean, listeningMs: number): 'backup' | 'parent' | null {
  if (stalled) {
    if (role === 'parent') return 'backup';
    // A backup that does not feed us (it has not learned of us yet) is no use: back to a parent that still is.
    return parentAlive ? 'parent' : null;
  }
  // A parent that only hiccuped (a busy page) takes us back once it has kept sending a while.
  return role === 'backup' && parentAlive && listeningMs > RETURN_MS ? 'parent' : null;
}
