import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MiB = 1024 * 1024;

/**
 * Independent oracle: Glacier's tree hash written straight from the rules (1 MiB leaves, pairwise
 * SHA-256 level by level, odd digest carried up) with node:crypto. Shares no code with src/.
 */
export function oracleTreeHash(data: Uint8Array): string {
  let level: Buffer[] = [];
  for (let off = 0; off < data.length || level.length === 0; off += MiB) {
    level.push(createHash('sha256').update(data.subarray(off, Math.min(off + MiB, data.length))).digest());
  }
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? createHash('sha256').update(level[i]!).update(level[i + 1]!).digest() : level[i]!);
    }
    level = next;
  }
  return level[0]!.toString('hex');
}

export function oracleSha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Deterministic pseudo-random bytes (xorshift), so a failure reproduces. */
export function patternBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function tempDir(prefix: string): { dir: string; path(name: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `glacier-multipart-${prefix}-`));
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
