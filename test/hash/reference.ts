// Independent witness for the hash tests: node:crypto's SHA-256 and a straightforward
// level-by-level Glacier tree hash (glacier-rules.md), sharing no code with src/hash.
import { createHash } from 'node:crypto';

export const MiB = 1024 * 1024;

export function refSha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function refTreeHash(data: Uint8Array): string {
  let level: Buffer[] = [];
  for (let off = 0; off < data.length; off += MiB) {
    level.push(createHash('sha256').update(data.subarray(off, off + MiB)).digest());
  }
  if (level.length === 0) level.push(createHash('sha256').digest());
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      next.push(createHash('sha256').update(level[i]!).update(level[i + 1]!).digest());
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!.toString('hex');
}

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
