import { encodeLinkMessage, FEED_SLOTS, parseLinkMessage, STAGE_MIX, type LinkMessage } from '../../shared/link-message.ts';
import { assertNever } from '../../shared/result.ts';
import type { PlannedLink, Topology } from '../../shared/topology.ts';
import type { FrameRoute } from './audio/frame-switch.ts';
import { createFeedChoice, TICK_MS } from './feed-choice.ts';
import type { Cancel, Timers } from './timers.ts';

/**
 * A listener's part in the relay tree: which feed it listens to, and what it forwards to the
 * members it feeds. It routes, the frame worker forwards (audio/encoded-pipes.ts): frames go on
 * unchanged, each speaker on a slot of its own, and a `slots` message tells the other end whose
 * audio each slot carries.
 *
 * A relay the plan has mix (shared/tree-plan.ts `mixes`) sends those it feeds one slot instead,
 * the stage as it plays here mixed into one stream (room-media.ts makes it), and beside it how
 * loud each speaker is, since a mix cannot tell them apart; a relay fed a mix forwards it as it
 * does any slot, levels included.
 *
 * Which feed we listen to, failover and make before break included, is feed-choice.ts's.
 */
export interface RelayDeps {
  timers: Timers;
  /** Where frames go now: from whom on which slot, onto which of our slots, to whom. */
  route(routes: readonly FrameRoute[], targets: readonly string[]): void;
  message(peer: string, text: string): void;
  isUp(peer: string): boolean;
  /** Where we listen from, whom that feed carries on which slot, how many we serve, or whether we mix changed. */
  onChange(): void;
  /** Whether the plan has us feed the stage mixed into one stream, and the page has made the mix: asked only when we would mix now. */
  mixReady(): boolean;
  /** How loud each speaker we hear on a slot of their own is now, 0..1: what a mix we make carries beside it. */
  levels(): ReadonlyMap<string, number>;
  trace?: (line: string) => void;
}

export interface RelayStatus {
  /** Where the stage's audio comes from: straight from the stage, our parent, or our backup. */
  upstream: 'stage' | 'parent' | 'backup';
  /** Members we forward the stage to now. */
  serving: number;
  /** The stage reaches us mixed into one stream by a relay above us. */
  mixed: boolean;
  /** We feed those we serve the stage mixed into one stream, made here. */
  mixing: boolean;
}

export interface Relay {
  apply(topology: Topology): void;
  /** Frames came from these members, on these slots, a moment ago. */
  arrived(from: readonly (readonly [peer: string, slot: number])[]): void;
  message(peer: string, text: string): void;
  linkUp(peer: string): void;
  /** Whose audio a slot of a member's link carries (STAGE_MIX: the stage, mixed), if it is a feed we listen to now. */
  sourceOf(peer: string, slot: number): string | null;
  /** How loud each speaker is in the mix we hear, as the relay that made it says. */
  mixLevels(): ReadonlyMap<string, number>;
  status(): RelayStatus;
  /** Members we forward the stage to now. */
  feeds(): readonly string[];
  /** How many speakers' audio we forward to each of them. */
  streams(): number;
  /** Tells those we feed to switch to their backups; we keep forwarding until stopped. */
  leaving(): boolean;
  stop(): void;
}

export { RETURN_MS, STALL_MS, WARM_MS } from './feed-choice.ts';

export function createRelay(deps: RelayDeps): Relay {
  let topology: Topology = new Map();
  /** What each feed says its slots carry. */
  const inSlots = new Map<string, readonly (string | null)[]>();
  /** Which of our slots carries whom, the same towards every member we feed. */
  let outSlots: (string | null)[] = Array.from({ length: FEED_SLOTS }, () => null);
  /** Standbys that asked us to feed them: fed until they say stop (anyone we feed may), their link goes, or a plan has them feed us. */
  const asked = new Set<string>();
  let status: RelayStatus = { upstream: 'stage', serving: 0, mixed: false, mixing: false };
  /** We make the mix we feed (outSlots carries STAGE_MIX, and no feed brings us one). */
  let mixing = false;
  /** What the feed we listen to says of the speakers in the mix it sends us. */
  let mixLevels: ReadonlyMap<string, number> = new Map();
  const trace = deps.trace ?? (() => {});
  const send = (peer: string, message: LinkMessage): void => deps.message(peer, encodeLinkMessage(message));
  const roleOf = (peer: string) => topology.get(peer)?.feed;
  const choice = createFeedChoice({
    now: () => deps.timers.now(),
    topology: () => topology,
    isUp: deps.isUp,
    send,
    trace,
    onListen(peer) {
      trace(`relay: listening to ${peer === null ? 'the stage' : `${roleOf(peer)} ${peer}`}`);
      mixLevels = new Map();
      assignSlots();
      report(true);
      // Frames and ticks change where frames go only through here.
      publish();
    },
  });
  const ticker: Cancel = deps.timers.every(TICK_MS, () => {
    const tick = outSlots.includes(STAGE_MIX) ? tickWith(mixing ? deps.levels() : mixLevels) : ({ t: 'tick' } as const);
    for (const peer of fed) if (deps.isUp(peer)) send(peer, tick);
    choice.tick();
  });
  /** Whom we forward to. */
  let fed: string[] = [];
  const toWorker = changesOnly(deps.route);

  const sourceOf = (peer: string, slot: number): string | null => slotSource(topology, inSlots, choice.active(), peer, slot);

  /** Tells the worker where frames go, after anything that may have changed it. */
  const publish = (): void => toWorker(routesOf(topology, sourceOf, outSlots), fed);

  /** Whom we forward to changed: a member new among them learns our slots, or it could place none of our frames. */
  function refeed(): void {
    const before = new Set(fed);
    fed = feeding(topology, asked);
    for (const peer of fed) if (!before.has(peer) && deps.isUp(peer)) send(peer, { t: 'slots', slots: outSlots });
  }

  function assignSlots(): void {
    const active = choice.active();
    const sources = sourcesOf(topology, deps.isUp, active === null ? [] : (inSlots.get(active) ?? []));
    // A mix that reaches us goes on as any slot does: mixing it again would only add delay.
    mixing = fed.length > 0 && !sources.has(STAGE_MIX) && deps.mixReady();
    const next = mixing ? [STAGE_MIX, ...outSlots.slice(1).fill(null)] : nextSlots(outSlots, sources);
    if (next.every((source, slot) => source === outSlots[slot])) return;
    outSlots = next;
    for (const peer of fed) send(peer, { t: 'slots', slots: outSlots });
  }

  /** `heard`: what we play may have changed though the status did not. */
  function report(heard = false): void {
    const next = statusOf(topology, inSlots, choice.active(), fed.length, mixing);
    if (!heard && (Object.keys(next) as (keyof RelayStatus)[]).every((key) => next[key] === status[key])) return;
    status = next;
    deps.onChange();
  }

  function onMessage(peer: string, message: LinkMessage): void {
    switch (message.t) {
      case 'slots':
        inSlots.set(peer, message.slots);
        if (peer !== choice.active()) return;
        assignSlots();
        return report(true);
      case 'feed':
        trace(`relay: ${peer} asks to be fed ${message.on ? 'now' : 'no more'}${!message.on || standsBy(topology, peer) ? '' : ', but is not our standby'}`);
        if (message.on && !standsBy(topology, peer)) return;
        asked[message.on ? 'add' : 'delete'](peer);
        refeed();
        assignSlots();
        return report();
      case 'tick':
        if (message.levels && peer === choice.active()) mixLevels = new Map(message.levels);
        return choice.fed([peer], true);
      case 'leaving':
        return choice.leaving(peer);
      default:
        return assertNever(message);
    }
  }

  return {
    apply(next) {
      topology = next;
      forgetOutside(topology, asked, inSlots);
      refeed();
      choice.planned();
      assignSlots();
      report();
      publish();
    },
    arrived(from) {
      for (const [peer] of from) choice.heard(peer);
      // A speaker's own link is the stage feeding us (null).
      choice.fed(from.map(([peer, slot]) => (ownMicrophone(topology.get(peer)) && slot === 0 ? null : peer)));
    },
    message(peer, text) {
      choice.heard(peer);
      const parsed = parseLinkMessage(text);
      if (parsed.ok && topology.has(peer)) onMessage(peer, parsed.value);
      publish();
    },
    linkUp(peer) {
      // A child, or a standby we already feed whose link came back: our slots may have changed meanwhile.
      if (fed.includes(peer)) send(peer, { t: 'slots', slots: outSlots });
      if (roleOf(peer) === undefined) assignSlots();
      choice.linkUp(peer);
      report();
      publish();
    },
    sourceOf,
    mixLevels: () => mixLevels,
    status: () => status,
    feeds: () => fed,
    streams: () => outSlots.filter((source) => source !== null).length,
    leaving() {
      trace(`relay: leaving; handing ${fed.length} over`);
      for (const peer of fed) send(peer, { t: 'leaving' });
      return fed.length > 0;
    },
    stop() {
      ticker();
      topology = new Map();
      asked.clear();
      fed = [];
      publish();
    },
  };
}

/** Passes routes on only when they changed: the worker hears of every change, and of nothing else. */
function changesOnly(route: RelayDeps['route']): RelayDeps['route'] {
  let published = '';
  return (routes, targets) => {
    const text = JSON.stringify([routes, targets]);
    if (text === published) return;
    published = text;
    route(routes, targets);
  };
}

/** Each slot of each link whose frames we forward, onto the slot that carries its speaker to those we feed. */
function routesOf(topology: Topology, sourceOf: (peer: string, slot: number) => string | null, outSlots: readonly (string | null)[]): FrameRoute[] {
  const routes: FrameRoute[] = [];
  for (const [peer, link] of topology) {
    for (let slot = 0; slot < (link.feed ? FEED_SLOTS : 1); slot += 1) {
      const source = sourceOf(peer, slot);
      const out = source === null ? -1 : outSlots.indexOf(source);
      if (out >= 0) routes.push({ peer, slot, out });
    }
  }
  return routes;
}

/**
 * Whom we receive: speakers linked with us directly, and whoever the feed we listen to carries; a
 * mix alone while the feed carries one (the speakers' own links are silent then, slotSource).
 */
function sourcesOf(topology: Topology, isUp: (peer: string) => boolean, carried: readonly (string | null)[]): Set<string> {
  if (carried.includes(STAGE_MIX)) return new Set([STAGE_MIX]);
  const sources = new Set<string>();
  for (const [peer, link] of topology) if (ownMicrophone(link) && isUp(peer)) sources.add(peer);
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

function statusOf(topology: Topology, inSlots: ReadonlyMap<string, readonly (string | null)[]>, active: string | null, serving: number, mixing: boolean): RelayStatus {
  const upstream = active === null ? 'stage' : topology.get(active)?.feed === 'backup' ? 'backup' : 'parent';
  return { upstream, serving, mixed: active !== null && inSlots.get(active)?.includes(STAGE_MIX) === true, mixing };
}

/** A tick beside a mix, with how loud each speaker is: two decimals say enough for a speaking indicator. */
const tickWith = (levels: ReadonlyMap<string, number>): LinkMessage => ({
  t: 'tick',
  levels: [...levels].slice(0, FEED_SLOTS).map(([peer, level]) => [peer, Math.round(Math.min(1, Math.max(0, level)) * 100) / 100]),
});

/**
 * Whose audio a slot of a member's link carries: the feed we listen to carries whom it says; a
 * speaker's own link, its microphone on slot 0, except while the feed we still listen to carries
 * them (moving to the stage, until the stage's own link has warmed up): never twice.
 */
function slotSource(topology: Topology, inSlots: ReadonlyMap<string, readonly (string | null)[]>, active: string | null, peer: string, slot: number): string | null {
  if (peer === active) return fedBy(inSlots.get(peer), slot);
  const speaker = directly(topology, peer, slot);
  const carried = active === null ? undefined : inSlots.get(active);
  return speaker !== null && (carried?.includes(speaker) === true || carried?.includes(STAGE_MIX) === true) ? null : speaker;
}

/** A slot of the feed we listen to carries whom its sender says. */
const fedBy = (slots: readonly (string | null)[] | undefined, slot: number): string | null => slots?.[slot] ?? null;

/** A link that is not a feed, and that we play, brings its member's own microphone (on slot 0): the stage. */
const ownMicrophone = (link: PlannedLink | undefined): boolean => link !== undefined && link.feed === undefined && link.play;

/** A link that is not a feed carries its member's own microphone, on slot 0. */
const directly = (topology: Topology, peer: string, slot: number): string | null =>
  topology.has(peer) && topology.get(peer)?.feed === undefined && slot === 0 ? peer : null;

/** A member that fails over to us: our standby, or our backup that backs us as we back it. */
const standsBy = (topology: Topology, peer: string): boolean => topology.get(peer)?.feed === 'standby' || topology.get(peer)?.standby === true;

/** A plan has come: standbys it has feed us no longer ask us, and members it dropped have no slots. */
function forgetOutside(topology: Topology, asked: Set<string>, inSlots: Map<string, unknown>): void {
  for (const peer of [...asked]) if (!topology.has(peer) || plannedToFeedUs(topology, peer)) asked.delete(peer);
  for (const peer of [...inSlots.keys()]) if (!topology.has(peer)) inSlots.delete(peer);
}

/** A member the plan makes our parent, or our backup alone: feeding it as well would make a loop. */
const plannedToFeedUs = (topology: Topology, peer: string): boolean => {
  const link = topology.get(peer);
  return link?.feed === 'parent' || (link?.feed === 'backup' && link.standby !== true);
};

/** Whom we forward to: our children, and the standbys that asked us to. */
const feeding = (topology: Topology, asked: ReadonlySet<string>): string[] =>
  [...topology].filter(([peer, link]) => link.feed === 'child' || asked.has(peer)).map(([peer]) => peer);
