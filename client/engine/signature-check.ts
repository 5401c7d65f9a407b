import { equalBytes, fromBase64Url, toBase64Url } from '../../shared/encoding.ts';
import { signedBytesOf, type SignedAct } from '../../shared/room-acts.ts';
import { signatureClaims, visitProofFrom, type SignatureClaim } from '../../shared/visit-key.ts';

/**
 * Checks acts' signatures ahead of the log, with WebCrypto's Ed25519 where the browser has it: off
 * the main thread, and some 70 times faster than tweetnacl on the machines we measured. The log then
 * skips its own (tweetnacl, synchronous) check for acts found genuine here. Where WebCrypto lacks
 * Ed25519, nothing is checked ahead and the log checks every act itself, as before.
 * An act is remembered by its signature together with the exact bytes it signs, so another act
 * under a signature checked here is still checked by the log. Introductions' signatures
 * (envelope.ts) are checked ahead the same way.
 */
export interface SignatureCheck {
  /** Checks these acts' signatures; resolves once done, whatever it found (it never rejects). */
  ahead(acts: readonly SignedAct[]): Promise<void>;
  /** Whether this exact act was found genuine ahead. */
  passed(act: SignedAct): boolean;
  /** Checks these signatures (an introduction's); resolves once done, whatever it found. */
  claimsAhead(claims: readonly SignatureClaim[]): Promise<void>;
  /** Whether this exact signature, over these exact bytes, was found genuine ahead. */
  checked(claim: SignatureClaim): boolean;
}

/** Acts remembered as genuine, and signers' keys, the oldest forgotten first: more than a log's worth of catching up. */
const REMEMBERED = 4096;
/** Introductions' signatures checked and not yet asked for: more than a room sends at once (membership.ts, MAX_LISTED). */
const CLAIMS_ON_THEIR_WAY = 256;

/** `subtle`: WebCrypto, null where there is none (the checker then checks nothing). */
export function createSignatureCheck(roomId: string, subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null): SignatureCheck {
  const keys = new Map<string, Promise<CryptoKey | null>>();
  const genuine = new Set<string>();
  /**
   * Genuine claims: by signature and signer, the bytes signed. Each is wanted once, by the frame it
   * came in, which is handled right after its check: forgotten once asked for, so the map holds
   * only what is on its way, and a room's worth at most.
   */
  const genuineClaims = new Map<string, Uint8Array>();
  const claimId = (claim: SignatureClaim): string => `${toBase64Url(claim.signature)} ${toBase64Url(claim.signer)}`;
  let supported = subtle !== null;
  const text = new TextDecoder();
  const idOf = (act: SignedAct): string => `${act.sig} ${act.vk ?? ''} ${act.cert ?? ''} ${text.decode(signedBytesOf(roomId, act))}`;
  /** A signer's key (an identity's or a visit key's), imported once; null where the key or Ed25519 itself is refused. */
  function keyOf(signer: string): Promise<CryptoKey | null> {
    let key = keys.get(signer);
    if (key === undefined) {
      const raw = fromBase64Url(signer);
      key = raw && subtle ? subtle.importKey('raw', Uint8Array.from(raw), { name: 'Ed25519' }, false, ['verify']).catch(noEd25519) : Promise.resolve(null);
      keys.set(signer, key);
      // A flood under throwaway identities must not grow this for ever.
      if (keys.size > REMEMBERED) keys.delete(keys.keys().next().value as string);
    }
    return key;
  }

  function noEd25519(error: unknown): null {
    // The browser lacks Ed25519 altogether: stop asking, and leave every check to the log.
    if (error instanceof DOMException && error.name === 'NotSupportedError') supported = false;
    return null;
  }

  async function verifies({ signer, signature, message }: SignatureClaim): Promise<boolean> {
    const key = await keyOf(toBase64Url(signer));
    if (!key || !subtle) return false;
    // WebCrypto takes bytes over a plain ArrayBuffer: Uint8Array.from makes one.
    return subtle.verify({ name: 'Ed25519' }, key, Uint8Array.from(signature), Uint8Array.from(message)).catch(() => false);
  }

  /** Whether every claim is genuine, checked side by side. */
  const allVerify = async (claims: readonly SignatureClaim[]): Promise<boolean> => (await Promise.all(claims.map(verifies))).every(Boolean);

  /** Signed by `by`, or by a visit key `by` certified for this room (visit-key.ts). */
  async function check(act: SignedAct): Promise<void> {
    const visit = visitProofFrom(act.vk, act.cert);
    const signer = fromBase64Url(act.by);
    const signature = fromBase64Url(act.sig);
    if (visit === 'bad' || !signer || !signature) return;
    if (!(await allVerify(signatureClaims(roomId, signedBytesOf(roomId, act), signature, signer, visit)))) return;
    genuine.add(idOf(act));
    if (genuine.size > REMEMBERED) genuine.delete(genuine.values().next().value as string);
  }

  async function checkClaim(claim: SignatureClaim): Promise<void> {
    if (!(await verifies(claim))) return;
    genuineClaims.set(claimId(claim), claim.message);
    if (genuineClaims.size > CLAIMS_ON_THEIR_WAY) genuineClaims.delete(genuineClaims.keys().next().value as string);
  }

  return {
    async ahead(acts) {
      if (supported) await Promise.all(acts.map(check));
    },
    passed: (act) => genuine.has(idOf(act)),
    async claimsAhead(claims) {
      if (supported) await Promise.all(claims.map(checkClaim));
    },
    checked(claim) {
      const id = claimId(claim);
      const signed = genuineClaims.get(id);
      genuineClaims.delete(id);
      return signed !== undefined && equalBytes(signed, claim.message);
    },
  };
}

/**
 * Takes members' messages in the order they came, each once its acts' signatures have been checked
 * ahead, and only if its sender is still here by then; without a checker, each at once. Resolves
 * once the message is handled (or dropped); rejects if handling threw.
 */
export function inArrivalOrder(check: SignatureCheck | undefined, stillHere: (peerId: string) => boolean): (from: string, acts: readonly SignedAct[], handle: () => void) => Promise<void> {
  let arrivals: Promise<void> = Promise.resolve();
  return (from, acts, handle) => {
    if (!check) {
      handle();
      return Promise.resolve();
    }
    const done = arrivals.then(() => check.ahead(acts)).then(() => (stillHere(from) ? handle() : undefined));
    // One whose handling threw must not hold up those after it: its error is the caller's, through `done`.
    arrivals = done.catch(() => {});
    return done;
  };
}

/**
 * Takes the server's frames in the order they came, each once the signatures it carries (an
 * introduction's) have been checked ahead, off the main thread; at once when it carries none and
 * none waits before it. Without a checker, each at once.
 */
export function inFrameOrder<F>(check: SignatureCheck | undefined, claimsOf: (frame: F) => readonly SignatureClaim[], handle: (frame: F) => void): (frame: F) => void {
  let waiting = 0;
  let arrivals: Promise<void> = Promise.resolve();
  return (frame) => {
    const claims = check ? claimsOf(frame) : [];
    if (!check || (waiting === 0 && claims.length === 0)) return handle(frame);
    waiting += 1;
    // Checked at once, side by side with those before it; handled only after them.
    const checking = claims.length > 0 ? check.claimsAhead(claims) : Promise.resolve();
    const done = arrivals.then(() => checking).then(() => handle(frame));
    arrivals = done
      .catch((error: unknown) => {
        // Thrown where nobody awaits it, as from a frame handled at once; those after it still come.
        queueMicrotask(() => {
          throw new Error('a frame taken after its signatures were checked ahead failed', { cause: error });
        });
      })
      .finally(() => void (waiting -= 1));
  };
}
