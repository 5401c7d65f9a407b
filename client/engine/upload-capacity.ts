import { STREAM_KBPS } from '../../shared/tree-plan.ts';

/**
 * How much upload we offer the server's planner (shared/tree-plan.ts turns it into a number of
 * children), measured while we relay. A browser that can forward offers ASSUMED_UPLOAD_KBPS until
 * it knows better. While it forwards, it reads what the receiver reports (RTCP, every few seconds)
 * of those it feeds say got lost. When half of them or more, two at least, report losing more
 * than LOSS_LIMIT, at STRUGGLING_REPORTS readings in a row that brought fresh reports, our upload
 * is what cannot keep up (one member's own poor link would not show on the others), and we offer
 * what got through: for as many members as it reached whole, the planner's
 * cost of the streams we carry. The planner then gives us fewer members to feed, or none, which
 * makes us a leaf. We offer the assumed upload again after a minute, then after twice as long at
 * each repeat: links change, and a relay that keeps failing should not keep moving its members.
 */
export interface SendSample {
  /** What the other end last reported lost of what we sent (RTCP), 0..1; null before any report. */
  fractionLost: number | null;
  /** How many reports it has sent so far, to tell a fresh one from one read before; null where the browser does not say. */
  reports: number | null;
}

export interface FeedReading {
  links: ReadonlyMap<string, SendSample>;
  /** Speakers we forward to each: what each member costs our upload, in the planner's terms. */
  streams: number;
}

export interface UploadCapacity {
  /** The upload to claim now, in kbps. */
  kbps(): number;
  /** A reading of the links we forward on, with what the planner counts per stream; true when what to claim changed. */
  sample(now: number, reading: FeedReading, streamKbps?: number): boolean;
}

/** Enough for a full fan-out of a small stage. */
export const ASSUMED_UPLOAD_KBPS = 1000;
/** Lost above this share, a member is not getting what we send it. */
export const LOSS_LIMIT = 0.05;
/** Readings in a row that bring fresh reports and show it, so that one burst of loss demotes nobody. */
export const STRUGGLING_REPORTS = 3;
export const RETRY_AFTER_MS = 60_000;
const MAX_RETRY_AFTER_MS = 16 * RETRY_AFTER_MS;

export function createUploadCapacity(): UploadCapacity {
  let claimed = ASSUMED_UPLOAD_KBPS;
  let demotedAt: number | null = null;
  let demotions = 0;
  let streak = 0;
  let previous: ReadonlyMap<string, SendSample> = new Map();

  /** Whether any member's report came since the last reading (every reading counts where the browser does not count reports). */
  const freshReport = (links: ReadonlyMap<string, SendSample>): boolean =>
    [...links].some(([peer, link]) => {
      const before = previous.get(peer)?.reports ?? null;
      return link.fractionLost !== null && (link.reports === null || before === null || link.reports > before);
    });

  /** Where the latest reports say we stand; null when none came since the last reading. Members report at their own times. */
  function struggling(links: ReadonlyMap<string, SendSample>): boolean | null {
    if (!freshReport(links)) return null;
    const lossy = [...links.values()].filter((l) => (l.fractionLost ?? 0) > LOSS_LIMIT).length;
    return lossy >= 2 && lossy * 2 >= links.size;
  }

  /** Members reached whole, by what they report lost, times what each costs. */
  function reached({ links, streams }: FeedReading, streamKbps: number): number {
    const whole = [...links.values()].reduce((sum, l) => sum + (1 - (l.fractionLost ?? 0)), 0);
    return Math.floor(whole + 1e-9) * streamKbps * Math.max(1, streams);
  }

  return {
    kbps: () => claimed,
    sample(now, reading, streamKbps = STREAM_KBPS) {
      const verdict = struggling(reading.links);
      previous = reading.links;
      if (verdict !== null) streak = verdict ? streak + 1 : 0;
      const before = claimed;
      if (streak >= STRUGGLING_REPORTS) {
        claimed = Math.min(claimed, reached(reading, streamKbps));
        if (demotedAt === null) demotions += 1;
        demotedAt = now;
        streak = 0;
      } else if (demotedAt !== null && now - demotedAt >= Math.min(RETRY_AFTER_MS * 2 ** (demotions - 1), MAX_RETRY_AFTER_MS)) {
        claimed = ASSUMED_UPLOAD_KBPS;
        demotedAt = null;
      }
      return claimed !== before;
    },
  };
}
