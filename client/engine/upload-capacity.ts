/**
 * How much upload we offer the server's planner (shared/tree-plan.ts turns it into a number of
 * children), measured while we relay. A browser that can forward offers ASSUMED_UPLOAD_KBPS until
 * it knows better. While it forwards, it reads its links to those it feeds: what it sent, and what
 * their receiver reports say got lost. When most of them, two at least, lose more than
 * LOSS_LIMIT for STRUGGLING_SAMPLES readings in a row, our upload is what cannot keep up (one
 * member's own poor link would not show on the others), and we offer only what got through. The
 * planner then gives us fewer members to feed, or none, which makes us a leaf. After
 * RETRY_AFTER_MS we offer the assumed upload again: links change.
 */
export interface SendSample {
  /** Bytes of audio sent on the link so far (its outbound RTP). */
  bytesSent: number;
  /** What the other end last reported lost of what we sent (RTCP), 0..1; null before any report. */
  fractionLost: number | null;
}

export interface UploadCapacity {
  /** The upload to claim now, in kbps. */
  kbps(): number;
  /** A reading of the links we forward on, by member; true when what to claim changed. */
  sample(now: number, links: ReadonlyMap<string, SendSample>): boolean;
}

/** Enough for a full fan-out of a small stage. */
export const ASSUMED_UPLOAD_KBPS = 1000;
/** Lost above this share, a member is not getting what we send it. */
export const LOSS_LIMIT = 0.05;
/** Readings in a row that must show it, so that one burst of loss demotes nobody. */
export const STRUGGLING_SAMPLES = 2;
export const RETRY_AFTER_MS = 60_000;

export function createUploadCapacity(): UploadCapacity {
  let claimed = ASSUMED_UPLOAD_KBPS;
  let demotedAt: number | null = null;
  let streak = 0;
  let previous: { at: number; links: ReadonlyMap<string, SendSample> } | null = null;

  /** What reached those we feed since the last reading, in kbps: sent, less what they say was lost. */
  function deliveredKbps(now: number, links: ReadonlyMap<string, SendSample>): number {
    if (!previous || now <= previous.at) return 0;
    let kbits = 0;
    for (const [peer, { bytesSent, fractionLost }] of links) {
      const before = previous.links.get(peer);
      if (!before || bytesSent < before.bytesSent) continue;
      kbits += ((bytesSent - before.bytesSent) * 8 * (1 - (fractionLost ?? 0))) / 1000;
    }
    return (kbits * 1000) / (now - previous.at);
  }

  return {
    kbps: () => claimed,
    sample(now, links) {
      const lossy = [...links.values()].filter((l) => (l.fractionLost ?? 0) > LOSS_LIMIT).length;
      streak = lossy >= 2 && lossy * 2 >= links.size ? streak + 1 : 0;
      const delivered = deliveredKbps(now, links);
      previous = { at: now, links };
      const before = claimed;
      if (streak >= STRUGGLING_SAMPLES) {
        claimed = Math.min(claimed, Math.round(delivered));
        demotedAt = now;
        streak = 0;
      } else if (demotedAt !== null && now - demotedAt >= RETRY_AFTER_MS) {
        claimed = ASSUMED_UPLOAD_KBPS;
        demotedAt = null;
      }
      return claimed !== before;
    },
  };
}
