import { isIP } from 'node:net';

/**
 * The address a connection is counted under for the per-address cap.
 *
 * With `trustedProxies` 0 that is the socket's peer, and X-Forwarded-For is ignored (anyone can
 * write one). With n > 0, n reverse proxies stand in front of the server and each appends the
 * address it was connected from, so the nth entry from the right is the address the outermost
 * proxy saw: the client. Entries left of it were written by the client and are ignored. A
 * header shorter than n entries means fewer proxies appended; its left-most entry is then the
 * farthest address a proxy wrote. No header, or an entry that is not an IP address, counts
 * under the socket's peer.
 *
 * IPv6 addresses count by their /64 prefix: one subscriber is usually given a whole /64.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: number,
): string {
  const direct = normalize(socketAddress ?? '') ?? 'unknown';
  if (trustedProxies === 0 || forwardedFor === undefined) return direct;
  const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map((entry) => entry.trim());
  const entry = entries[Math.max(0, entries.length - trustedProxies)] ?? '';
  return normalize(entry) ?? direct;
}

/** One key per client: IPv4 as is (also when written IPv4-mapped), IPv6 as its /64; null if not an address. */
function normalize(address: string): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return isIP(mapped) === 4 ? mapped : null;
  switch (isIP(address)) {
    case 4:
      return address;
    case 6:
      return prefix64(address);
    default:
      return null;
  }
}

/** `2001:db8:1:2:3:4:5:6` and `2001:db8:1:2::9` both give `2001:db8:1:2::/64`. */
function prefix64(address: string): string {
  const plain = address.split('%', 1)[0] ?? '';
  const groupsOf = (part: string): string[] =>
    part === '' ? [] : part.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [group]));
  const [head = '', tail] = plain.split('::');
  const left = groupsOf(head);
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - groupsOf(tail).length).fill('0'), ...groupsOf(tail)];
  return `${groups
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}
