/** What a sync will do: files to upload (new, modified) and paths whose archives to delete. */
import type { HashPool } from '../pool/index.js';
import type { Catalog, CatalogArchive } from './catalog.js';
import { forEachLimit } from '../concurrency/index.js';
import { scanDirectory, type LocalFile, type ScanOptions, type SkippedEntry } from './scan.js';
import { inShard, type Shard } from './shards.js';

export type ChangeDetection = 'mtime' | 'treehash';

export interface PlannedUpload {
  kind: 'new' | 'modified';
  file: LocalFile;
  /** For 'modified': the path's archives now, deleted once the new one is recorded. */
  replaces: CatalogArchive[];
}

export interface PlannedDeletion {
  path: string;
  archives: CatalogArchive[];
}

export interface SyncPlan {
  uploads: PlannedUpload[];
  deletions: PlannedDeletion[];
  unchanged: number;
  /** Empty files: Glacier has no empty archives. */
  empty: string[];
  /** Entries the scan left out, with the reason (unreadable directories, unusable names, links). */
  skipped: SkippedEntry[];
}

/** Skipped entries that exist and were not backed up: a sync that left them out has not done its job. */
export function notBackedUp(plan: SyncPlan): SkippedEntry[] {
  return plan.skipped.filter((s) => s.reason === 'unreadable' || s.reason === 'name');
}

export interface PlanOptions {
  dir: string;
  catalog: Catalog;
  modes: { new: boolean; replaceModified: boolean; deleteRemoved: boolean };
  detect: ChangeDetection;
  filter: (path: string) => boolean;
  shard: Shard | undefined;
  skip: ScanOptions['skip'];
  excludeDir?: ScanOptions['excludeDir'];
  pool: () => Pick<HashPool, 'hashFile'>;
  signal?: AbortSignal;
  onNote: (message: string) => void;
}

/**
 * Scans the directory against the catalog. A file is modified when its size differs, or (detect
 * 'mtime', the default) its mtime in whole seconds differs from the recorded one (unknown recorded
 * mtimes count as unchanged), or (detect 'treehash') its tree hash differs, hashed in the pool.
 */
export async function planSync(o: PlanOptions): Promise<SyncPlan> {
  const plan: SyncPlan = { uploads: [], deletions: [], unchanged: 0, empty: [], skipped: [] };
  const local = new Set<string>();
  const toHash: { file: LocalFile; known: CatalogArchive }[] = [];
  for await (const file of scanDirectory(o.dir, {
    filter: o.filter, excludeDir: o.excludeDir, shard: o.shard, skip: o.skip, onNote: o.onNote, onSkip: (e) => plan.skipped.push(e),
  })) {
    local.add(file.path);
    if (file.size === 0) {
      plan.empty.push(file.path);
      o.onNote(`skipping ${file.path}: it is empty, and Glacier has no empty archives`);
      continue;
    }
    const known = o.catalog.file(file.path);
    if (!known) {
      if (o.modes.new) plan.uploads.push({ kind: 'new', file, replaces: [] });
      else plan.unchanged++;
      continue;
    }
    if (!o.modes.replaceModified) {
      plan.unchanged++;
    } else if (known.size !== file.size) {
      plan.uploads.push({ kind: 'modified', file, replaces: o.catalog.archivesOf(file.path) });
    } else if (o.detect === 'treehash') {
      toHash.push({ file, known });
    } else if (known.mtime !== null && known.mtime !== Math.floor(file.mtimeMs / 1000)) {
      plan.uploads.push({ kind: 'modified', file, replaces: o.catalog.archivesOf(file.path) });
    } else {
      plan.unchanged++;
    }
  }
  if (toHash.length) {
    const pool = o.pool();
    await forEachLimit(toHash, 4, async ({ file, known }) => {
      const h = await pool.hashFile(file.absolute, { signal: o.signal });
      if (h.treeHash !== known.treeHash) plan.uploads.push({ kind: 'modified', file, replaces: o.catalog.archivesOf(file.path) });
      else plan.unchanged++;
    }, () => o.signal?.aborted === true);
  }
  if (o.modes.deleteRemoved) {
    for (const f of o.catalog.files()) {
      if (!local.has(f.path) && o.filter(f.path) && inShard(f.path, o.shard)) plan.deletions.push({ path: f.path, archives: o.catalog.archivesOf(f.path) });
    }
  }
  plan.uploads.sort((a, b) => (a.file.path < b.file.path ? -1 : 1));
  return plan;
}
