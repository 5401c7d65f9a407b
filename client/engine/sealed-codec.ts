import { createSessionKeys, type Identity } from '../../shared/crypto.ts';
import { fromUtf8, utf8 } from '../../shared/encoding.ts';
import { openEnvelope, pairKey, sealIntroduction, sealPairMessage, type EnvelopeRejection } from '../../shared/envelope.ts';
import { parsePeerMessage, type PeerMessage } from '../../shared/peer-message.ts';

/** Turns peer messages into the opaque `box` strings the server routes, and back. */
export interface EnvelopeCodec {
  seal(to: string, message: PeerMessage): string;
  /** Null for anything that must not reach the engine. */
  open(from: string, box: string): PeerMessage | null;
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
}

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Presence messages travel as signed introductions carrying our identity and session keys;
 * every other message goes pair-encrypted to one introduced member. A peer's keys are bound
 * at its first introduction and never silently replaced.
 */
export function createSealedCodec(options: SealedCodecOptions): EnvelopeCodec {
  const now = options.now ?? Date.now;
  const session = createSessionKeys();
  const peers = new Map<string, KnownPeer>();
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

  return {
    seal(to, message) {
      const from = options.selfId();
      if (!from) throw new Error('cannot seal before the server assigned our peer id');
      seq += 1;
      const header = { seq, ts: now() };
      const body = utf8(JSON.stringify(message));
      if (message.kind === 'presence') {
        return sealIntroduction(from, to, header, body, {
          roomId: options.roomId,
          roomKey: options.roomKey,
          identity: options.identity,
          sessionKey: session.publicKey,
        });
      }
      const peer = peers.get(to);
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
        pairKey: known?.inKey ?? null,
        lastSeq: known?.lastSeq ?? 0,
        now: now(),
      });
      if (!opened.ok) {
        options.onRejected(from, opened.error);
        return null;
      }
      const { introduction, body } = opened.value;
      if (known && introduction) {
        const same = equalBytes(known.identityKey, introduction.identityKey) && equalBytes(known.sessionKey, introduction.sessionKey);
        if (!same) {
          options.onRejected(from, 'key-changed');
          return null;
        }
      }
      const message = parseBody(body);
      // Only presence introduces, and presence always does: no other message can bind keys.
      if (!message || (introduction !== null) !== (message.kind === 'presence')) {
        options.onRejected(from, 'bad-message');
        return null;
      }
      if (known) {
        known.lastSeq = opened.value.seq;
      } else if (introduction) {
        peers.set(from, {
          ...introduction,
          inKey: pairKey(session, introduction.sessionKey, options.roomId, from, self),
          outKey: pairKey(session, introduction.sessionKey, options.roomId, self, from),
          lastSeq: opened.value.seq,
        });
        options.onIntroduced(from, introduction.identityKey);
      }
      return message;
    },
  };
}
