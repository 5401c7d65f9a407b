import { derive, randomBytes } from './crypto.ts';
import { toBase64Url } from './encoding.ts';

/**
 * A room's broadcast key after a removal or a lock. Whoever removes or locks makes one at random,
 * names it in the act by its id, and hands it pairwise to those still let in; members hand it on
 * to one another when asked, never to someone the log shuts out. The id names the key without
 * revealing it, so the log can carry it to everyone, the removed included.
 *
 *   id = derive('porch epoch id', key, 32)
 */
export const EPOCH_KEY_BYTES = 32;

export const createEpochKey = (): Uint8Array => randomBytes(EPOCH_KEY_BYTES);

export const epochIdOf = (key: Uint8Array): string => toBase64Url(derive('porch epoch id', key, 32));
