import { SIGNATURE_BYTES, IDENTITY_PUBLIC_KEY_BYTES, seal, sign, unseal, verify, type Identity } from './crypto.ts';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './encoding.ts';
import { err, ok, type Result } from './result.ts';

/**
 * The sealed, signed envelope every member-to-member message travels in. The server routes it
 * by peer id and sees only its length.
 *
 *   box   = base64url( nonce[24] ‖ secretbox(roomKey, inner) )          (+16 bytes MAC)
 *   inner = version[1]=1 ‖ flags[1] ‖ seq[4, BE] ‖ ts[6, BE ms] ‖ sig[64] ‖ signerKey[32]? ‖ body
 *   flags: bit 0 = sent to everyone ('*'), bit 1 = carries the signer's public key
 *   sig   = ed25519(identity, DOMAIN ‖ roomId ‖ 0 ‖ from ‖ 0 ‖ to ‖ 0 ‖ inner without sig)
 *
 * `from` and `to` are signed but not sent: the receiver takes `from` from the server's routing
 * and `to` from itself, so an envelope re-routed to anyone else, or stamped with another sender,
 * fails to verify. The signer's key rides only on introductions; later envelopes are checked
 * against the key the receiver bound to that peer.
 */
const VERSION = 1;
const DOMAIN = utf8('porch envelope v1');
const FLAG_BROADCAST = 1;
const FLAG_SIGNER_KEY = 2;
const HEADER_BYTES = 1 + 1 + 4 + 6;
/** How far an envelope's timestamp may be from the receiver's clock. */
export const MAX_CLOCK_SKEW_MS = 2 * 60_000;

export interface EnvelopeContent {
  from: string;
  to: string;
  seq: number;
  ts: number;
  body: Uint8Array;
}

export type EnvelopeRejection = 'unreadable' | 'malformed' | 'unknown-signer' | 'bad-signature' | 'stale' | 'replayed';

export interface OpenedEnvelope {
  seq: number;
  ts: number;
  body: Uint8Array;
  signerKey: Uint8Array;
  /** Whether the envelope introduced its signer's key itself. */
  introduced: boolean;
}

function signedBytes(roomId: string, from: string, to: string, unsignedInner: Uint8Array): Uint8Array {
  const zero = Uint8Array.of(0);
  return concatBytes(DOMAIN, utf8(roomId), zero, utf8(from), zero, utf8(to), zero, unsignedInner);
}

function writeUint(bytes: Uint8Array, offset: number, length: number, value: number): void {
  for (let i = length - 1; i >= 0; i--) {
    bytes[offset + i] = value % 256;
    value = Math.floor(value / 256);
  }
}

function readUint(bytes: Uint8Array, offset: number, length: number): number {
  let value = 0;
  for (let i = 0; i < length; i++) value = value * 256 + bytes[offset + i]!;
  return value;
}

export function sealEnvelope(
  content: EnvelopeContent,
  options: { roomId: string; roomKey: Uint8Array; identity: Identity; introduce: boolean },
): string {
  const header = new Uint8Array(HEADER_BYTES);
  header[0] = VERSION;
  header[1] = (content.to === '*' ? FLAG_BROADCAST : 0) | (options.introduce ? FLAG_SIGNER_KEY : 0);
  writeUint(header, 2, 4, content.seq);
  writeUint(header, 6, 6, content.ts);
  const key = options.introduce ? options.identity.publicKey : new Uint8Array(0);
  const signature = sign(signedBytes(options.roomId, content.from, content.to, concatBytes(header, key, content.body)), options.identity);
  return toBase64Url(seal(concatBytes(header, signature, key, content.body), options.roomKey));
}

export interface OpenOptions {
  roomId: string;
  roomKey: Uint8Array;
  /** The server's routing stamp, not anything the sender claims. */
  from: string;
  self: string;
  /** The key bound to `from` by an earlier introduction, if any. */
  knownKey: Uint8Array | null;
  /** Highest sequence number accepted from `from` so far. */
  lastSeq: number;
  now: number;
}

export function openEnvelope(box: string, options: OpenOptions): Result<OpenedEnvelope, EnvelopeRejection> {
  const sealed = fromBase64Url(box);
  const inner = sealed && unseal(sealed, options.roomKey);
  if (!inner) return err('unreadable');
  if (inner.length < HEADER_BYTES + SIGNATURE_BYTES || inner[0] !== VERSION) return err('malformed');
  const flags = inner[1]!;
  if (flags & ~(FLAG_BROADCAST | FLAG_SIGNER_KEY)) return err('malformed');
  const introduced = (flags & FLAG_SIGNER_KEY) !== 0;
  const keyEnd = HEADER_BYTES + SIGNATURE_BYTES + (introduced ? IDENTITY_PUBLIC_KEY_BYTES : 0);
  if (inner.length < keyEnd) return err('malformed');
  const header = inner.subarray(0, HEADER_BYTES);
  const signature = inner.subarray(HEADER_BYTES, HEADER_BYTES + SIGNATURE_BYTES);
  const carriedKey = inner.subarray(HEADER_BYTES + SIGNATURE_BYTES, keyEnd);
  const body = inner.subarray(keyEnd);
  const signerKey = introduced ? carriedKey : options.knownKey;
  if (!signerKey) return err('unknown-signer');
  // Freshness first: a replay flood then costs a decryption, not a signature check each.
  // Only holders of the room key can write these fields, and a forgery still fails below.
  const seq = readUint(header, 2, 4);
  const ts = readUint(header, 6, 6);
  if (Math.abs(options.now - ts) > MAX_CLOCK_SKEW_MS) return err('stale');
  if (seq <= options.lastSeq) return err('replayed');
  const to = flags & FLAG_BROADCAST ? '*' : options.self;
  if (!verify(signedBytes(options.roomId, options.from, to, concatBytes(header, carriedKey, body)), signature, signerKey)) {
    return err('bad-signature');
  }
  return ok({ seq, ts, body: body.slice(), signerKey: signerKey.slice(), introduced });
}
