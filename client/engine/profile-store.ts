import { get, set } from 'idb-keyval';

/** What this browser remembers about its person between visits. */
export interface Profile {
  name: string;
}

const PROFILE_KEY = 'porch:profile';

export async function loadProfile(): Promise<Profile> {
  try {
    const stored: unknown = await get(PROFILE_KEY);
    if (stored && typeof stored === 'object' && typeof (stored as Profile).name === 'string') {
      return { name: (stored as Profile).name };
    }
  } catch {
    // Private windows may refuse IndexedDB; the person simply types their name again.
  }
  return { name: '' };
}

export async function saveProfile(profile: Profile): Promise<void> {
  try {
    await set(PROFILE_KEY, profile);
  } catch {
    // As above: not remembering a name must never stop anyone from joining.
  }
}
