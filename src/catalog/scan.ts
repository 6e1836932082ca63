import { opendir } from 'node:fs/promises';
import { currentIdentity, type FileIdentity } from '../file-identity.js';
import { join, relative, resolve } from 'node:path';
import { catalogPathProblem, toCatalogPath } from './paths.js';
import { inShard, type Shard } from './shards.js';

/** A regular file under the synced directory. */
export interface LocalFile {
  /** Catalog path: relative to the directory, '/'-separated. */
  path: string;
  /** Absolute path on this machine. */
  absolute: string;
  size: number;
  mtimeMs: number;
  /** The file as the scan saw it: an upload refuses it once it differs (src/file-identity.ts). */
  identity: FileIdentity;
}

export interface ScanOptions {
  filter?: (path: string) => boolean;
  shard?: Shard;
  /** Absolute paths never to pick up (the catalog itself, upload journals). */
  skip?: (absolute: string) => boolean;
  /** Told about what is left out and why (symlinks, special files, unusable names). */
  onNote?: (message: string) => void;
}

/** Regular files under `dir` (recursively, in name order), filtered; symlinks are not followed. */
export async function* scanDirectory(dir: string, options: ScanOptions = {}): AsyncGenerator<LocalFile> {
  const root = resolve(dir);
  const note = options.onNote ?? (() => undefined);
  async function* walk(abs: string): AsyncGenerator<LocalFile> {
    const entries = [];
    for await (const entry of await opendir(abs)) entries.push(entry);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(abs, entry.name);
      if (options.skip?.(full)) continue;
      if (entry.isDirectory()) {
        yield* walk(full);
        continue;
      }
      const path = toCatalogPath(relative(root, full));
      if (entry.isSymbolicLink()) {
        note(`skipping ${path}: a symbolic link (links are not followed)`);
        continue;
      }
      if (!entry.isFile()) {
        note(`skipping ${path}: not a regular file`);
        continue;
      }
      if (options.filter && !options.filter(path)) continue;
      if (!inShard(path, options.shard)) continue;
      const problem = catalogPathProblem(path);
      if (problem) {
        note(`skipping ${JSON.stringify(path)}: its name cannot go into a catalog (${problem}); rename it to sync it`);
        continue;
      }
      try {
        const identity = await currentIdentity(full);
        yield { path, absolute: full, size: identity.size, mtimeMs: identity.mtimeMs, identity };
      } catch (err) {
        note(`skipping ${path}: it vanished or cannot be read (${(err as NodeJS.ErrnoException).code})`);
      }
    }
  }
  yield* walk(root);
}
