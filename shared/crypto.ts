import nacl from 'tweetnacl';
import { concatBytes, utf8 } from './encoding.ts';

/**
 * The one key-derivation function: SHA-512 over a length-prefixed domain label and the input,
 * truncated. Domain separation keeps a room id from ever being usable as a room key.
 *
 *   derive(label, input, n) = SHA-512( len(label) as 1 byte ‖ label ‖ input )[0..n)
 */
export function derive(label: string, input: Uint8Array, lengthBytes: number): Uint8Array {
  const labelBytes = utf8(label);
  if (labelBytes.length > 255) throw new Error('derive: label too long');
  if (!Number.isInteger(lengthBytes) || lengthBytes < 1 || lengthBytes > 64) throw new Error('derive: length out of range');
  return nacl.hash(concatBytes(Uint8Array.of(labelBytes.length), labelBytes, input)).slice(0, lengthBytes);
}

export const randomBytes = (n: number): Uint8Array => nacl.randomBytes(n);
