import { createSessionKeys, type Identity } from '../../shared/crypto.ts';
import { fromUtf8, utf8 } from '../../shared/encoding.ts';
import { openEnvelope, pairKey, sealIntroduction, sealPairMessage, type EnvelopeRejection } from '../../shared/envelope.ts';
import { isIntroduction, parsePeerMessage, type PeerMessage } from '../../shared/peer-message.ts';

/** Turns peer messages into the opaque `box` strings the server routes, and back. */
export interface EnvelopeCodec {
  seal(to: string, message: PeerMessage): string;
  /** Null for anything that must not reach the engine. */
  open(from: string, box: string): PeerMessage | null;
  /** Our broadcast introduction went out while these members were listed: it reaches them first. */
  announced(peers: readonly string[]): void;
}

export type Rejection = EnvelopeRejection | 'bad-message' | 'key-changed';

export interface SealedCodecOptions {
  roomId: string;
  roomKey: Uint8Array;
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

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

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

  return {
    announced(members) {
      for (const member of members) holdOurKeys.add(member);
    },
    seal(to, message) {
      const from = options.selfId();
      if (!from) throw new Error('cannot seal before the server assigned our peer id');
      seq += 1;
      const header = { seq, ts: now() };
      const body = utf8(JSON.stringify(message));
      const peer = peers.get(to);
      if (isIntroduction(message) && (!peer || !holdOurKeys.has(to))) {
        if (to !== '*') holdOurKeys.add(to);
        return sealIntroduction(from, to, header, body, {
          roomId: options.roomId,
          roomKey: options.roomKey,
          identity: options.identity,
          sessionKey: session.publicKey,
          ...(peer ? { boundTo: peer.sessionKey } : {}),
        });
      }
      if (!peer) throw new Error('cannot send to a member that has not introduced itself');
      return sealPairMessage(to, header, body, peer.outKey);
    },
    open(from, box): PeerMessage | null {
      const self = options.selfId();
      if (!self) return null;
      const known = peers.get(from);
      const opened = openEnvelope(box, {
        roomId: options.roomId,
        roomKey: options.roomKey,
        from,
        self,
        sessionKey: session.publicKey,
        pairKey: known?.inKey ?? null,
        lastSeq: known?.lastSeq ?? 0,
        now: now(),
      });
      if (!opened.ok) {
        options.onRejected(from, opened.error);
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
    },
  };
}
