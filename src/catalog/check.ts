import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HashPool } from '../pool/index.js';
import { cancelledError } from '../glacier/retry.js';
import { defaultHashThreads } from '../glacier/upload/upload-archive.js';
import type { Catalog } from './catalog.js';
import { forEachLimit } from '../concurrency/index.js';
import { inShard, type Shard } from './shards.js';
import { checkLimit } from '../options.js';

export interface CheckOptions {
  dir: string;
  catalog: Catalog;
  filter?: (path: string) => boolean;
  shard?: Shard;
  pool?: HashPool;
  threads?: number;
  signal?: AbortSignal;
  onFile?: (path: string, status: 'ok' | 'mismatch' | 'missing') => void;
}

export interface CheckResult {
  ok: number;
  mismatched: { path: string; expected: string; actual: string; reason: 'size' | 'treehash' }[];
  missing: string[];
}

/**
 * Re-hashes the local copy of every catalog file (its current archive) and compares the tree hash
 * with the recorded one: bytes, not timestamps, decide. A different size is a mismatch without hashing.
 */
export async function checkLocalFiles(o: CheckOptions): Promise<CheckResult> {
  checkLimit('threads', o.threads);
  const result: CheckResult = { ok: 0, mismatched: [], missing: [] };
  const files = [...o.catalog.files()].filter((f) => (!o.filter || o.filter(f.path)) && inShard(f.path, o.shard)).sort((a, b) => (a.path < b.path ? -1 : 1));
  const pool = o.pool ?? new HashPool({ threads: o.threads ?? defaultHashThreads() });
  try {
    await forEachLimit(files, 4, async (f) => {
      const local = join(o.dir, ...f.path.split('/'));
      const st = await stat(local).catch(() => undefined);
      if (!st?.isFile()) {
        result.missing.push(f.path);
        o.onFile?.(f.path, 'missing');
        return;
      }
      if (st.size !== f.size) {
        result.mismatched.push({ path: f.path, expected: `${f.size} bytes`, actual: `${st.size} bytes`, reason: 'size' });
        o.onFile?.(f.path, 'mismatch');
        return;
      }
      const h = await pool.hashFile(local, { signal: o.signal });
      if (h.treeHash === f.treeHash) {
        result.ok++;
        o.onFile?.(f.path, 'ok');
      } else {
        result.mismatched.push({ path: f.path, expected: f.treeHash, actual: h.treeHash, reason: 'treehash' });
        o.onFile?.(f.path, 'mismatch');
      }
    }, () => o.signal?.aborted === true);
  } finally {
    if (!o.pool) await pool.destroy();
  }
  if (o.signal?.aborted) throw cancelledError(o.signal);
  return result;
}
