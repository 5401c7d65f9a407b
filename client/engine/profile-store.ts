import { get, set } from 'idb-keyval';
import { identityFromSecretKey } from '../../shared/crypto.ts';
import { createIdentityKey, inWebCrypto, intoWebCrypto, type IdentityKey } from './identity-key.ts';

/** What this browser remembers about its person between visits. */
export interface Profile {
  name: string;
  identity: IdentityKey;
  /** Whether the person last joined with their IP address hidden (relayed links only). */
  hideAddress: boolean;
}

const PROFILE_KEY = 'porch:profile';

/**
 * As IndexedDB keeps it: the identity as a non-extractable CryptoKey with its public key, or, in
 * a browser without WebCrypto's Ed25519 (and in profiles from before), tweetnacl's secret bytes.
 */
interface StoredProfile {
  name: string;
  identityKey?: CryptoKey;
  identityPublicKey?: Uint8Array;
  identitySecretKey?: Uint8Array;
  /** Absent in profiles stored before the choice existed. */
  hideAddress?: boolean;
}

function parseStored(stored: unknown): Profile | null {
  if (!stored || typeof stored !== 'object') return null;
  const { name, identityKey, identityPublicKey, identitySecretKey, hideAddress } = stored as Partial<StoredProfile>;
  if (typeof name !== 'string') return null;
  const profile = (identity: IdentityKey): Profile => ({ name, identity, hideAddress: hideAddress === true });
  // No CryptoKey at all outside a secure context (a plain-http server).
  if (typeof CryptoKey !== 'undefined' && identityKey instanceof CryptoKey && identityPublicKey instanceof Uint8Array && identityPublicKey.length === 32) {
    return profile({ publicKey: identityPublicKey, privateKey: identityKey });
  }
  const identity = identitySecretKey instanceof Uint8Array ? identityFromSecretKey(identitySecretKey) : null;
  return identity && profile(identity);
}

/** The stored profile, or a new identity (saved at once, so it survives reloads). */
export async function loadProfile(): Promise<Profile> {
  let stored: unknown;
  try {
    stored = await get(PROFILE_KEY);
  } catch {
    // Private windows may refuse IndexedDB: this visit gets a fresh identity that is not kept.
    return { name: '', identity: await createIdentityKey(), hideAddress: false };
  }
  const profile = parseStored(stored);
  if (profile) return movedIntoWebCrypto(profile);
  const fresh = { name: '', identity: await createIdentityKey(), hideAddress: false };
  // Something this browser cannot read is never written over: it may be someone's identity.
  if (stored === undefined) await saveProfile(fresh);
  return fresh;
}

/** A profile from before, or from a browser without Ed25519 then: its identity moved into WebCrypto where it can be now, the same key. */
async function movedIntoWebCrypto(profile: Profile): Promise<Profile> {
  if (inWebCrypto(profile.identity)) return profile;
  // Should the move fail, the identity stays as it was: never a new one, which would cost a host its rooms.
  const moved = await intoWebCrypto(profile.identity).catch(() => null);
  if (!moved) return profile;
  const kept = { ...profile, identity: moved };
  await saveProfile(kept);
  return kept;
}

export async function saveProfile(profile: Profile): Promise<void> {
  const { identity } = profile;
  const stored: StoredProfile = inWebCrypto(identity)
    ? { name: profile.name, identityKey: identity.privateKey, identityPublicKey: identity.publicKey, hideAddress: profile.hideAddress }
      : { name: profile.name, identitySecretKey: identity.secretKey, hideAddress: profile.hideAddress };
  try {
    await set(PROFILE_KEY, stored);
  } catch {
    // As above: not remembering must never stop anyone from joining.
  }
}
