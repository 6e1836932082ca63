import { createHash } from 'node:crypto';
import { InvalidShardError } from './errors.js';

/** One of `count` hosts sharing a directory: `index` from 0 to count-1. */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `I/N` (0 <= I < N), e.g. from `--shard $JOB_COMPLETION_INDEX/4`. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new InvalidShardError(text, 'it is not of the form I/N');
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1) throw new InvalidShardError(text, 'N must be at least 1');
  if (index >= count) throw new InvalidShardError(text, `I must be below N (shards are numbered from 0 to ${count - 1})`);
  return { index, count };
}

/**
 * The shard a catalog path belongs to: SHA-256 of its UTF-8 bytes, first 6 bytes as a number, mod
 * N. Deterministic on every host and platform, and independent of the directory's order.
 */
export function shardOf(path: string, count: number): number {
  const digest = createHash('sha256').update(path, 'utf8').digest();
  return digest.readUIntBE(0, 6) % count;
}

export function inShard(path: string, shard: Shard | undefined): boolean {
  return !shard || shard.count === 1 || shardOf(path, shard.count) === shard.index;
}
