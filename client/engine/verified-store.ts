import { get, set } from 'idb-keyval';
import { parseVerified, type VerifiedPerson } from './verification.ts';

/** The people this browser's person verified, kept between visits (see verification.ts). */
const VERIFIED_KEY = 'porch:verified';

export async function loadVerified(): Promise<VerifiedPerson[]> {
  try {
    return parseVerified(await get(VERIFIED_KEY));
  } catch {
    // Private windows may refuse IndexedDB: nothing is remembered, and nothing breaks.
    return [];
  }
}

export async function saveVerified(verified: readonly VerifiedPerson[]): Promise<void> {
  try {
    await set(VERIFIED_KEY, verified);
  } catch {
    // As above: not remembering must never stop anyone from verifying in this visit.
  }
}
