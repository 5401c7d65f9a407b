import { createSessionKeys, sign, type Identity } from '../../shared/crypto.ts';
import { equalBytes, fromUtf8, utf8 } from '../../shared/encoding.ts';
import { draftIntroduction, introductionClaims, openEnvelope, pairKey, sealPairMessage, type IntroductionDraft, type EnvelopeRejection, type OpenOptions } from '../../shared/envelope.ts';
import { isIntroduction, parsePeerMessage, type PeerMessage } from '../../shared/peer-message.ts';
import type { SignatureClaim } from '../../shared/visit-key.ts';
import type { BackgroundSign } from './background-signer.ts';
import type { Box } from './outbox.ts';

/** Turns peer messages into the opaque `box` strings the server routes, and back. */
export interface EnvelopeCodec {
  /** Sealed here and now, an introduction signed on this thread. */
  seal(to: string, message: PeerMessage): string;
  /**
   * The same, but an introduction is signed off the main thread where a background signer is given:
   * its box comes once signed, and outbox.ts keeps what is sealed after it behind it.
   */
  sealInBackground(to: string, message: PeerMessage): Box;
  /**
   * Null for anything that must not reach the engine. A broadcast that opens under none of our keys
   * may be under an epoch's we lack yet: the latest such from each member is kept for `reopen`.
   */
  open(from: string, box: string, broadcast?: boolean): PeerMessage | null;
  /** The signatures opening this would check (an introduction's), to check them ahead; none for the rest. */
  claims(from: string, box: string): SignatureClaim[];
  /** Opens again what was kept, now that we hold another key; what opens, in the order it came. */
  reopen(): { from: string; message: PeerMessage }[];
  /** Our broadcast introduction went out while these members were listed: it reaches them first. */
  announced(peers: readonly string[]): void;
}

/** `other-epoch`: a broadcast under a key we do not hold, one we have not been handed yet or are not to be. */
export type Rejection = EnvelopeRejection | 'bad-message' | 'key-changed' | 'other-epoch';

export interface SealedCodecOptions {
  roomId: string;
  /** The link's own key: what a knock on a member we know nothing of is sealed under. */
  roomKey: Uint8Array;
  /**
   * The room's epoch keys (room-epochs.ts): broadcasts go under the current one; what arrives may be
   * under any held. `lacking`: the log names a key we lack, or keeps us out, so broadcasts we cannot open are expected.
   */
  epochs?: { current(): Uint8Array | null; held(): readonly Uint8Array[]; lacking(): boolean };
  identity: Identity;
  /** Our routing id, known once the server welcomed us. */
  selfId: () => string | null;
  now?: () => number;
  /** A peer proved it holds this identity key (its first valid introduction). */
  onIntroduced: (peerId: string, identityKey: Uint8Array) => void;
  /**
   * A peer sent something made for this visit of ours (see `fresh` in envelope.ts), so it is
   * here now: before that, its introduction may be an old one the server replays.
   */
  onConfirmed: (peerId: string) => void;
  /** An envelope was dropped; it never reached the engine. */
  onRejected: (peerId: string, reason: Rejection) => void;
  /** A signature found genuine ahead (signature-check.ts), which opening need not check again. */
  checked?: (claim: SignatureClaim) => boolean;
  /** Signs introductions off the main thread (background-signer.ts); absent: signed here, at once. */
  signInBackground?: BackgroundSign;
}

interface KnownPeer {
  identityKey: Uint8Array;
  sessionKey: Uint8Array;
  /** Opens what they send us. */
  inKey: Uint8Array;
  /** Seals what we send them. */
  outKey: Uint8Array;
  lastSeq: number;
  confirmed: boolean;
}

/** Members whose latest unopened broadcast is kept: more than a room holds (membership.ts, MAX_LISTED). */
const MAX_UNOPENED = 100;
/**
 * How long a member's broadcasts may stay unreadable while we hold the key the log names: a member
 * a step ahead of our log may already use the next key. Past that, the server is tampering.
 */
const UNOPENED_GRACE_MS = 10_000;

/**
 * Presence travels as a signed introduction carrying our identity and session keys until the
 * recipient holds them, then pair-encrypted like every other message. An introduction to a
 * member whose session key we know is bound to it. A peer's keys are bound at its first
 * introduction and never silently replaced.
 */
export function createSealedCodec(options: SealedCodecOptions): EnvelopeCodec {
  const now = options.now ?? Date.now;
  const session = createSessionKeys();
  const peers = new Map<string, KnownPeer>();
  /** Members that hold (or are about to get) our keys, so a pair message reaches them. */
  const holdOurKeys = new Set<string>();
  /** Each member's latest broadcast none of our keys opened (bounded as the room is), and since when its broadcasts have not opened. */
  const unopened = new Map<string, { box: string; since: number }>();
  let seq = 0;

  function parseBody(body: Uint8Array): PeerMessage | null {
    const text = fromUtf8(body);
    try {
      const parsed = parsePeerMessage(text === null ? null : JSON.parse(text));
      return parsed.ok ? parsed.value : null;
    } catch {
      return null;
    }
  }

  function remember(from: string, self: string, introduction: { identityKey: Uint8Array; sessionKey: Uint8Array }): KnownPeer {
    const peer: KnownPeer = {
      ...introduction,
      inKey: pairKey(session, introduction.sessionKey, options.roomId, from, self),
      outKey: pairKey(session, introduction.sessionKey, options.roomId, self, from),
      lastSeq: 0,
      confirmed: false,
    };
    peers.set(from, peer);
    return peer;
  }

  /** Keeps a broadcast to open once we hold its key; true when this member's have stayed unreadable too long to be a key on its way. */
  function keepUnopened(from: string, box: string): boolean {
    const since = unopened.get(from)?.since ?? now();
    unopened.delete(from);
    unopened.set(from, { box, since });
    if (unopened.size > MAX_UNOPENED) unopened.delete(unopened.keys().next().value!);
    return !(options.epochs?.lacking() ?? false) && now() - since > UNOPENED_GRACE_MS;
  }

  /** A pair message's box, or an introduction's draft, still to be signed. */
  function prepare(to: string, message: PeerMessage): string | IntroductionDraft {
    const from = options.selfId();
    if (!from) throw new Error('cannot seal before the server assigned our peer id');
    seq += 1;
    const header = { seq, ts: now() };
    const body = utf8(JSON.stringify(message));
    const peer = peers.get(to);
    if (isIntroduction(message) && (!peer || !holdOurKeys.has(to))) {
      if (to !== '*') holdOurKeys.add(to);
      return draftIntroduction(from, to, header, body, {
        roomId: options.roomId,
        roomKey: (to === '*' && options.epochs?.current()) || options.roomKey,
        identity: options.identity,
        session,
        ...(peer ? { boundTo: peer.sessionKey } : {}),
      });
    }
    if (!peer) throw new Error('cannot send to a member that has not introduced itself');
    return sealPairMessage(to, header, body, peer.outKey);
  }

  return {
    announced(members) {
      for (const member of members) holdOurKeys.add(member);
    },
    seal: (to, message) => sealedNow(prepare(to, message), options.identity),
    sealInBackground: (to, message) => signedBy(options.signInBackground, prepare(to, message), options.identity),
    claims(from, box) {
      const self = options.selfId();
      return self ? introductionClaims(box, openOptions(from, self)) : [];
    },
    reopen() {
      const kept = [...unopened];
      unopened.clear();
      // What still does not open came under a key we were not handed, or is older than what we took since: dropped without blame.
      return kept.flatMap(([from, { box }]) => {
        const message = openFrom(from, box, () => {});
        return message ? [{ from, message }] : [];
      });
    },
    open(from, box, broadcast = false): PeerMessage | null {
      return openFrom(from, box, (reason) => {
        const elsewhere = reason === 'unreadable' && broadcast;
        const overdue = elsewhere && keepUnopened(from, box);
        options.onRejected(from, elsewhere && !overdue ? 'other-epoch' : reason);
      });
    },
  };

  function openOptions(from: string, self: string): OpenOptions {
    const known = peers.get(from);
    return {
      roomId: options.roomId,
      roomKeys: [...(options.epochs?.held() ?? []), options.roomKey],
      from,
      self,
      session,
      pairKey: known?.inKey ?? null,
      lastSeq: known?.lastSeq ?? 0,
      now: now(),
      ...(options.checked ? { checked: options.checked } : {}),
    };
  }

  /** Opens a member's envelope; what fails the envelope's own checks goes to `failed`, the rest to onRejected. */
  function openFrom(from: string, box: string, failed: (reason: EnvelopeRejection) => void): PeerMessage | null {
    const self = options.selfId();
    if (!self) return null;
    const known = peers.get(from);
    const opened = openEnvelope(box, openOptions(from, self));
    if (!opened.ok) {
      failed(opened.error);
      return null;
    }
    const { introduction, body, fresh } = opened.value;
    if (known && introduction) {
      const same = equalBytes(known.identityKey, introduction.identityKey) && equalBytes(known.sessionKey, introduction.sessionKey);
      if (!same) {
        options.onRejected(from, 'key-changed');
        return null;
      }
    }
    const message = parseBody(body);
    // Only an introduction introduces: no other message can bind keys.
    if (!message || (introduction !== null && !isIntroduction(message))) {
      options.onRejected(from, 'bad-message');
      return null;
    }
    const peer = known ?? (introduction && remember(from, self, introduction));
    if (!peer) return null;
    peer.lastSeq = opened.value.seq;
    // Made for this visit of ours: they hold our keys, and they are here now.
    const confirms = fresh && !peer.confirmed;
    if (confirms) {
      peer.confirmed = true;
      holdOurKeys.add(from);
    }
    if (!known) options.onIntroduced(from, peer.identityKey);
    if (confirms) options.onConfirmed(from);
    return message;
  }
}

/** A pair message as it is; an introduction signed on the page, now. */
const sealedNow = (box: string | IntroductionDraft, identity: Identity): string => (typeof box === 'string' ? box : box.seal(sign(box.toSign, identity)));

/** An introduction left to `signer`, off the main thread; sealed on the page where it cannot sign, or if the connection closes first. */
function signedBy(signer: BackgroundSign | undefined, box: string | IntroductionDraft, identity: Identity): Box {
  if (typeof box === 'string' || !signer) return sealedNow(box, identity);
  const now = (): string => sealedNow(box, identity);
  return { signed: signer(box.toSign).then((signature) => (signature ? box.seal(signature) : now())), sealNow: now };
}
