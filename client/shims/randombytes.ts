/** simple-peer only needs random hex ids (channel names); no Buffer polyfill required. */
export default function randombytes(n: number): { toString(encoding: 'hex'): string } {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return { toString: () => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('') };
}
