// simple-peer only needs random hex ids (channel names); no Buffer polyfill required.
// CommonJS because simple-peer calls the module itself: require('randombytes')(20).
module.exports = (n) => {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return { toString: () => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('') };
};
