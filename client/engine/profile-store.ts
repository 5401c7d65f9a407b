import { get, set } from 'idb-keyval';
import { createIdentity, identityFromSecretKey, type Identity } from '../../shared/crypto.ts';

/** What this browser remembers about its person between visits. */
export interface Profile {
  name: string;
  identity: Identity;
  /** Whether the person last joined with their IP address hidden (relayed links only). */
  hideAddress: boolean;
}

const PROFILE_KEY = 'porch:profile';

interface StoredProfile {
  name: string;
  identitySecretKey: Uint8Array;
  /** Absent in profiles stored before the choice existed. */
  hideAddress?: boolean;
}

function parseStored(stored: unknown): Profile | null {
  if (!stored || typeof stored !== 'object') return null;
  const { name, identitySecretKey, hideAddress } = stored as Partial<StoredProfile>;
  if (typeof name !== 'string' || !(identitySecretKey instanceof Uint8Array)) return null;
  const identity = identityFromSecretKey(identitySecretKey);
  return identity ? { name, identity, hideAddress: hideAddress === true } : null;
}

/** The stored profile, or a new identity (saved at once, so it survives reloads). */
export async function loadProfile(): Promise<Profile> {
  try {
    const stored = parseStored(await get(PROFILE_KEY));
    if (stored) return stored;
  } catch {
    // Private windows may refuse IndexedDB: this visit gets a fresh identity that is not kept.
  }
  const profile = { name: '', identity: createIdentity(), hideAddress: false };
  await saveProfile(profile);
  return profile;
}

export async function saveProfile(profile: Profile): Promise<void> {
  try {
    const stored: StoredProfile = { name: profile.name, identitySecretKey: profile.identity.secretKey, hideAddress: profile.hideAddress };
    await set(PROFILE_KEY, stored);
  } catch {
    // As above: not remembering must never stop anyone from joining.
  }
}
