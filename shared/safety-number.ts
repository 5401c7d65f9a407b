import { derive } from './crypto.ts';

const GROUPS = 4;
const GROUP_DIGITS = 5;

/**
 * A short rendering of an identity key that two people can read to each other: four groups of
 * five digits (about 66 bits). Equal numbers mean equal keys for any practical attacker.
 */
export function safetyNumberOf(publicKey: Uint8Array): string {
  const bytes = derive('porch safety number', publicKey, GROUPS * 5);
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let value = 0;
    for (let i = 0; i < 5; i++) value = value * 256 + bytes[g * 5 + i]!;
    groups.push(String(value % 10 ** GROUP_DIGITS).padStart(GROUP_DIGITS, '0'));
  }
  return groups.join(' ');
}
