// Independent witness for the hash tests: node:crypto's SHA-256 and a straightforward
// level-by-level Glacier tree hash (glacier-rules.md), sharing no code with src/hash.

export { MiB, oracleSha256 as refSha256, oracleTreeHash as refTreeHash } from '../oracle.js';

/** `length` pseudo-random bytes determined by `seed` (xorshift32; fast enough for many MiB). */
export function bytes(length: number, seed: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(length / 4));
  let x = seed | 0 || 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return new Uint8Array(words.buffer, 0, length);
}
