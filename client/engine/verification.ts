/**
 * Safety numbers a person has compared and marked as verified, remembered by this browser, and
 * what that says about someone in the room now. Keys are what is verified; the name is kept to
 * notice someone else using it: a verified person's name on another key is a changed key, or an
 * impostor, and the person is warned either way.
 */
export interface VerifiedPerson {
  /** Their identity key (base64url). */
  key: string;
  /** The name they had when verified. */
  name: string;
}

export type Verification = 'verified' | 'unverified' | 'changed';

/** At most this many are remembered; the oldest go first. */
export const MAX_VERIFIED = 500;

const sameName = (a: string, b: string): boolean => a.trim().toLocaleLowerCase() === b.trim().toLocaleLowerCase();

export function verificationOf(person: { key: string | null; name: string }, verified: readonly VerifiedPerson[]): Verification {
  if (person.key === null) return 'unverified';
  if (verified.some((v) => v.key === person.key)) return 'verified';
  return verified.some((v) => sameName(v.name, person.name)) ? 'changed' : 'unverified';
}

/** The list with this person marked verified (their name updated if they had another). */
export function withVerified(verified: readonly VerifiedPerson[], person: VerifiedPerson): VerifiedPerson[] {
  return [...verified.filter((v) => v.key !== person.key), person].slice(-MAX_VERIFIED);
}

/** A stored list, read back strictly: anything malformed is dropped, never trusted. */
export function parseVerified(stored: unknown): VerifiedPerson[] {
  if (!Array.isArray(stored)) return [];
  return stored
    .filter((v): v is VerifiedPerson => typeof v === 'object' && v !== null && typeof v.key === 'string' && typeof v.name === 'string')
    .map(({ key, name }) => ({ key, name }))
    .slice(-MAX_VERIFIED);
}
