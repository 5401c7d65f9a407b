import { encodeLinkMessage, FEED_SLOTS, parseLinkMessage, type LinkMessage } from '../../shared/link-message.ts';
import { assertNever } from '../../shared/result.ts';
import type { FeedRole, Topology } from '../../shared/topology.ts';
import type { Cancel, Timers } from './timers.ts';

/**
 * A listener's part in the relay tree: which feed it listens to, and what it forwards to the
 * members it feeds. Frames go on unchanged (audio/encoded-pipes.ts), each speaker on a slot of
 * its own, and a `slots` message tells the other end whose audio each slot carries.
 *
 * Failover: the parent's frames, or its ticks while the stage is silent, show it alive. After
 * STALL_MS without either, or when it says it is leaving, we ask the backup to feed us; the
 * backup's link is already up, so audio is back within a round trip. The server's next plan
 * then makes the tree whole again.
 *
 * Make before break: moved by a plan, we go on hearing the feed we hear (asking it to feed us on
 * if the plan made it our backup) until the planned one feeds us.
 */
export interface RelayDeps {
  timers: Timers;
  forward(peer: string, slot: number, frame: RTCEncodedAudioFrame): void;
  message(peer: string, text: string): void;
  isUp(peer: string): boolean;
  /** Where we listen from, whom that feed carries on which slot, or how many we serve changed. */
  onChange(): void;
  trace?: (line: string) => void;
}

export interface RelayStatus {
  /** Where the stage's audio comes from: straight from the stage, our parent, or our backup. */
  upstream: 'stage' | 'parent' | 'backup';
  /** Members we forward the stage to now. */
  serving: number;
}

export interface Relay {
  apply(topology: Topology): void;
  frame(peer: string, slot: number, frame: RTCEncodedAudioFrame): void;
  message(peer: string, text: string): void;
  linkUp(peer: string): void;
  /** Whose audio a slot of a member's link carries, if it is a feed we listen to now. */
  sourceOf(peer: string, slot: number): string | null;
  status(): RelayStatus;
  /** Members we forward the stage to now. */
  feeds(): readonly string[];
  /** How many speakers' audio we forward to each of them. */
  streams(): number;
  /** Tells those we feed to switch to their backups; we keep forwarding until stopped. */
  leaving(): boolean;
  stop(): void;
}

export const STALL_MS = 400;
/** After a failover, a parent heard again for this long takes us back (the backup's fan-out is spare, not ours). */
export const RETURN_MS = 3000;
const TICK_MS = 150;
/** A parent whose link never comes up is given up on after this long. */
const FIRST_FEED_MS = 4000;

export function createRelay(deps: RelayDeps): Relay {
  let topology: Topology = new Map();
  /** What each feed says its slots carry. */
  const inSlots = new Map<string, readonly (string | null)[]>();
  const lastHeard = new Map<string, number>();
  /** When each link last brought us its frames or ticks, which a feed sends only to those it feeds; `null`: the stage's own links. */
  const lastFed = new Map<string | null, number>();
  /** Which of our slots carries whom, the same towards every member we feed. */
  let outSlots: (string | null)[] = Array.from({ length: FEED_SLOTS }, () => null);
  /** Standbys that asked us to feed them. */
  const asked = new Set<string>();
  let active: string | null = null;
  let activeSince = 0;
  /** The backup we asked to feed us, until we tell it to stop. */
  let askedOf: string | null = null;
  /** The parent whose silence sent us to the backup we listen to: the one that may take us back. */
  let failedFrom: string | null = null;
  let status: RelayStatus = { upstream: 'stage', serving: 0 };
  const ticker: Cancel = deps.timers.every(TICK_MS, tick);
  const trace = deps.trace ?? (() => {});

  const roleOf = (peer: string) => topology.get(peer)?.feed;
  /** Who the plan gives this role: not a feed it dropped that lingers on. */
  const holder = (role: FeedRole): string | null => [...topology].find(([, link]) => link.feed === role && !link.lingering)?.[0] ?? null;
  /** Whom we forward to; kept up to date rather than derived per frame, as frames are the hot path. */
  let fed: string[] = [];
  const send = (peer: string, message: LinkMessage): void => deps.message(peer, encodeLinkMessage(message));

  const sourceOf = (peer: string, slot: number): string | null => (peer === active ? fedBy(inSlots.get(peer), slot) : directly(topology, peer, slot));

  /** Whom we forward to changed: a member new among them learns our slots, or it could place none of our frames. */
  function refeed(): void {
    const before = new Set(fed);
    fed = feeding(topology, asked);
    for (const peer of fed) if (!before.has(peer) && deps.isUp(peer)) send(peer, { t: 'slots', slots: outSlots });
  }

  function assignSlots(): void {
    const next = nextSlots(outSlots, sourcesOf(topology, deps.isUp, active === null ? [] : (inSlots.get(active) ?? [])));
    if (next.every((source, slot) => source === outSlots[slot])) return;
    outSlots = next;
    for (const peer of fed) send(peer, { t: 'slots', slots: outSlots });
  }

  /** A backup feeds us only once asked: asked whenever we listen to one, also one a plan made of the feed we hear. */
  function askBackup(): void {
    if (active === null || roleOf(active) !== 'backup' || askedOf === active) return;
    send(active, { t: 'feed', on: true });
    askedOf = active;
  }

  function listenTo(peer: string | null, now: number): void {
    if (peer === active) return;
    if (askedOf !== null) send(askedOf, { t: 'feed', on: false });
    askedOf = null;
    failedFrom = null;
    trace(`relay: listening to ${peer === null ? 'the stage' : `${roleOf(peer)} ${peer}`}`);
    active = peer;
    activeSince = now;
    askBackup();
    assignSlots();
    report(true);
  }

  /** `heard`: what we play may have changed though the status did not. */
  function report(heard = false): void {
    const upstream = active === null ? 'stage' : roleOf(active) === 'backup' ? 'backup' : 'parent';
    const next: RelayStatus = { upstream, serving: fed.length };
    if (!heard && next.upstream === status.upstream && next.serving === status.serving) return;
    status = next;
    deps.onChange();
  }

  function failOver(now: number): void {
    const spare = holder('backup');
    if (spare === null || spare === active || !deps.isUp(spare)) return;
    const from = active;
    listenTo(spare, now);
    failedFrom = from;
  }

  /** Whether a feed (or the stage, for null) is feeding us now: what a new plan's feed must do before we leave the one we hear. */
  const feedsUs = (peer: string | null, now: number): boolean =>
    (peer === null || deps.isUp(peer)) && now - (lastFed.get(peer) ?? -Infinity) <= 2 * TICK_MS;

  /** A feed we have just turned to (a backup we asked) and that has not fed us since: it counts as heard until it had time to start. */
  const starting = (peer: string, now: number): boolean => now - activeSince < STALL_MS && (lastFed.get(peer) ?? -Infinity) < activeSince;

  /**
   * Make before break: moved by a plan, we go on hearing the feed we hear until the planned one
   * feeds us. Should ours have gone silent meanwhile, we turn to the planned one if its link is up
   * (it feeds us once its own plan arrives), else to our backup, whose link is warm.
   */
  function moveWhenFed(planned: string | null, now: number): void {
    if (feedsUs(planned, now)) return listenTo(planned, now);
    const hearing = active !== null && topology.has(active) && deps.isUp(active) && (feedsUs(active, now) || starting(active, now));
    if (hearing) return;
    const spare = holder('backup');
    if (planned !== null && !deps.isUp(planned) && spare !== null && spare !== planned && deps.isUp(spare)) return listenTo(spare, now);
    listenTo(planned, now);
  }

  /** Heard from lately: its frames or ticks, or, for a link not up yet, the time we started on it. */
  const silentFor = (peer: string, now: number): number => now - Math.max(lastHeard.get(peer) ?? 0, activeSince);

  function tick(): void {
    const now = deps.timers.now();
    for (const peer of fed) if (deps.isUp(peer)) send(peer, { t: 'tick' });
    if (active === null) return;
    const planned = holder('parent');
    // Still on a feed a plan moved us from; a backup we failed over to goes back to the parent it stood in for after RETURN_MS.
    if (planned !== active && (roleOf(active) !== 'backup' || planned !== failedFrom)) return moveWhenFed(planned, now);
    const parentAlive = planned !== null && now - (lastHeard.get(planned) ?? 0) <= STALL_MS / 2;
    const wait = deps.isUp(active) || lastHeard.has(active) ? STALL_MS : FIRST_FEED_MS;
    const next = nextFeed(roleOf(active), silentFor(active, now) > wait, parentAlive, now - activeSince);
    if (next === 'backup') failOver(now);
    else if (next === 'parent') listenTo(planned, now);
  }

  function onMessage(peer: string, message: LinkMessage): void {
    switch (message.t) {
      case 'slots':
        inSlots.set(peer, message.slots);
        if (peer !== active) return;
        assignSlots();
        return report(true);
      case 'feed':
        trace(`relay: ${peer} asks to be fed ${message.on ? 'now' : 'no more'}${standsBy(topology, peer) ? '' : ', but is not our standby'}`);
        if (!standsBy(topology, peer)) return;
        asked[message.on ? 'add' : 'delete'](peer);
        refeed();
        return report();
      case 'tick':
        lastFed.set(peer, deps.timers.now());
        return;
      case 'leaving':
        if (peer === active) failOver(deps.timers.now());
        return;
      default:
        return assertNever(message);
    }
  }

  return {
    apply(next) {
      topology = next;
      for (const peer of [...asked]) if (!standsBy(topology, peer)) asked.delete(peer);
      refeed();
      for (const peer of [...inSlots.keys()]) if (!topology.has(peer)) inSlots.delete(peer);
      moveWhenFed(holder('parent'), deps.timers.now());
      askBackup();
      assignSlots();
      report();
    },
    frame(peer, slot, frame) {
      const now = deps.timers.now();
      lastHeard.set(peer, now);
      const link = topology.get(peer);
      const direct = link !== undefined && link.feed === undefined && link.play;
      lastFed.set(direct ? null : peer, now);
      // A speaker's frames while we still hear a feed the plan moved us from: the stage feeds us now.
      if (direct && active !== null && holder('parent') === null) moveWhenFed(null, now);
      const source = sourceOf(peer, slot);
      if (source === null) return;
      const out = outSlots.indexOf(source);
      if (out < 0) return;
      for (const target of fed) deps.forward(target, out, frame);
    },
    message(peer, text) {
      lastHeard.set(peer, deps.timers.now());
      const parsed = parseLinkMessage(text);
      if (parsed.ok && topology.has(peer)) onMessage(peer, parsed.value);
    },
    linkUp(peer) {
      const role = roleOf(peer);
      // A child, or a standby we already feed whose link came back: our slots may have changed meanwhile.
      if (fed.includes(peer)) send(peer, { t: 'slots', slots: outSlots });
      if (role === undefined) assignSlots();
      if (peer === active && role === 'backup') {
        send(peer, { t: 'feed', on: true });
        askedOf = peer;
      }
      if (role === 'parent' && peer !== active) moveWhenFed(peer, deps.timers.now());
      report();
    },
    sourceOf,
    status: () => status,
    feeds: () => fed,
    streams: () => outSlots.filter((source) => source !== null).length,
    leaving() {
      for (const peer of fed) send(peer, { t: 'leaving' });
      return fed.length > 0;
    },
    stop() {
      ticker();
      topology = new Map();
      asked.clear();
      fed = [];
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

/** Whom we receive: speakers linked with us directly, and whoever the feed we listen to carries. */
function sourcesOf(topology: Topology, isUp: (peer: string) => boolean, carried: readonly (string | null)[]): Set<string> {
  const sources = new Set<string>();
  for (const [peer, link] of topology) if (link.feed === undefined && link.play && isUp(peer)) sources.add(peer);
  for (const source of carried) if (source !== null) sources.add(source);
  return sources;
}

/** Every speaker we receive keeps its slot while we receive it; newcomers take free ones. */
function nextSlots(current: readonly (string | null)[], sources: ReadonlySet<string>): (string | null)[] {
  const next = current.map((source) => (source !== null && sources.has(source) ? source : null));
  for (const source of sources) {
    const free = next.indexOf(null);
    if (!next.includes(source) && free >= 0) next[free] = source;
  }
  return next;
}

/** A slot of the feed we listen to carries whom its sender says. */
const fedBy = (slots: readonly (string | null)[] | undefined, slot: number): string | null => slots?.[slot] ?? null;

/** A link that is not a feed carries its member's own microphone, on slot 0. */
const directly = (topology: Topology, peer: string, slot: number): string | null =>
  topology.has(peer) && topology.get(peer)?.feed === undefined && slot === 0 ? peer : null;

/** A member that fails over to us: our standby, or our backup that backs us as we back it. */
const standsBy = (topology: Topology, peer: string): boolean => topology.get(peer)?.feed === 'standby' || topology.get(peer)?.standby === true;

/** Whom we forward to: our children, and the standbys that asked us to. */
const feeding = (topology: Topology, asked: ReadonlySet<string>): string[] =>
  [...topology].filter(([peer, link]) => link.feed === 'child' || (standsBy(topology, peer) && asked.has(peer))).map(([peer]) => peer);
