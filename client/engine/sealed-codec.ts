import type { Identity } from '../../shared/crypto.ts';
import { fromUtf8, utf8 } from '../../shared/encoding.ts';
import { openEnvelope, sealEnvelope, type EnvelopeRejection } from '../../shared/envelope.ts';
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
  onIntroduced: (peerId: string, publicKey: Uint8Array) => void;
  /** An envelope was dropped; it never reached the engine. */
  onRejected: (peerId: string, reason: Rejection) => void;
}

interface PeerKeys {
  key: Uint8Array | null;
  lastSeq: number;
}

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Seals with the room key and our identity; opens only what the room key decrypts, the bound
 * identity signed, and that is fresh and in order. Presence messages introduce our key.
 * A peer's key is bound at its first introduction and never silently replaced.
 */
export function createSealedCodec(options: SealedCodecOptions): EnvelopeCodec {
  const now = options.now ?? Date.now;
  const peers = new Map<string, PeerKeys>();
  let seq = 0;

  return {
    seal(to, message) {
      const from = options.selfId();
      if (!from) throw new Error('cannot seal before the server assigned our peer id');
      seq += 1;
      return sealEnvelope(
        { from, to, seq, ts: now(), body: utf8(JSON.stringify(message)) },
        { roomId: options.roomId, roomKey: options.roomKey, identity: options.identity, introduce: message.kind === 'presence' },
      );
    },
    open(from, box): PeerMessage | null {
      const self = options.selfId();
      if (!self) return null;
      const known = peers.get(from) ?? { key: null, lastSeq: 0 };
      const opened = openEnvelope(box, {
        roomId: options.roomId,
        roomKey: options.roomKey,
        from,
        self,
        knownKey: known.key,
        lastSeq: known.lastSeq,
        now: now(),
      });
      if (!opened.ok) {
        options.onRejected(from, opened.error);
        return null;
      }
      const { signerKey, introduced, body, seq: theirSeq } = opened.value;
      if (known.key && !equalBytes(known.key, signerKey)) {
        options.onRejected(from, 'key-changed');
        return null;
      }
      const text = fromUtf8(body);
      let json: unknown = null;
      try {
        json = text === null ? null : JSON.parse(text);
      } catch {
        json = null;
      }
      const parsed = parsePeerMessage(json);
      // Only a presence message may introduce a key, so no other message can bind an identity.
      if (!parsed.ok || introduced !== (parsed.value.kind === 'presence')) {
        options.onRejected(from, 'bad-message');
        return null;
      }
      peers.set(from, { key: signerKey, lastSeq: theirSeq });
      if (!known.key) options.onIntroduced(from, signerKey);
      return parsed.value;
    },
  };
}
