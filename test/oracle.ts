import { createHash } from 'node:crypto';

/**
 * The tests' independent witness: linear SHA-256 and the Glacier tree hash (1 MiB leaves, adjacent
 * digests paired level by level, an odd one carried up) computed with node:crypto alone. It shares no
 * code with src/, so a bug in the WebAssembly core or the pool cannot hide behind it.
 */
export const MiB = 1024 * 1024;

export function oracleSha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function oracleTreeHash(data: Uint8Array): string {
  let level: Buffer[] = [];
  for (let off = 0; off < data.length; off += MiB) {
    level.push(createHash('sha256').update(data.subarray(off, Math.min(off + MiB, data.length))).digest());
  }
  if (level.length === 0) level.push(createHash('sha256').digest());
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? createHash('sha256').update(level[i]!).update(level[i + 1]!).digest() : level[i]!);
    }
    level = next;
  }
  return level[0]!.toString('hex');
}
