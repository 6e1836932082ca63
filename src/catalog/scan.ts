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

/**
 * Why an entry was left out. 'unreadable' (a directory or file that cannot be read) and 'name' (a
 * name no catalog line can hold) exist but are not backed up; 'symlink' and 'special' are left out
 * by design; 'vanished' was gone by the time it was looked at.
 */
export type SkipReason = 'unreadable' | 'name' | 'symlink' | 'special' | 'vanished';

export interface SkippedEntry {
  /** The catalog path, or for a name that is not valid UTF-8, the name with its bad bytes as \xNN. */
  path: string;
  reason: SkipReason;
  directory: boolean;
  /** The note shown to a person. */
  message: string;
}

export interface ScanOptions {
  filter?: (path: string) => boolean;
  /** Directories (catalog paths) not to open at all: everything below them is excluded. */
  excludeDir?: (path: string) => boolean;
  shard?: Shard;
  /** Absolute paths never to pick up (the catalog itself, upload journals). */
  skip?: (absolute: string) => boolean;
  /** Told about what is left out and why (symlinks, special files, unusable names). */
  onNote?: (message: string) => void;
  /** Told about each entry left out, with its reason. */
  onSkip?: (entry: SkippedEntry) => void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A directory entry's name, or undefined when it is not valid UTF-8 (it cannot be named in a catalog). */
function decodeName(name: Buffer): string | undefined {
  try {
    return utf8.decode(name);
  } catch {
    return undefined;
  }
}

/** A name that is not valid UTF-8, shown with printable ASCII as is and every other byte as \xNN. */
function showBytes(name: Buffer): string {
  return [...name].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
}

/** Regular files under `dir` (recursively, in name order), filtered; symlinks are not followed. */
export async function* scanDirectory(dir: string, options: ScanOptions = {}): AsyncGenerator<LocalFile> {
  const root = resolve(dir);
  const note = options.onNote ?? (() => undefined);
  const skipped = (path: string, reason: SkipReason, directory: boolean, message: string) => {
    options.onSkip?.({ path, reason, directory, message });
    note(message);
  };
  async function* walk(abs: string, rel: string): AsyncGenerator<LocalFile> {
    const entries = [];
    try {
      for await (const entry of await opendir(abs, { encoding: 'buffer' } as unknown as { encoding: 'utf8' })) entries.push(entry as unknown as { name: Buffer } & typeof entry);
    } catch (err) {
      // The top directory itself is checked by the caller; below it, one unreadable directory
      // costs its own files only.
      if (abs === root) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      skipped(rel, code === 'ENOENT' ? 'vanished' : 'unreadable', true, code === 'ENOENT' ? `skipping directory ${rel}/: it vanished while the directory was scanned`
        : `skipping directory ${rel}/: it cannot be read (${code ?? (err as Error).message}); fix its permissions, or exclude '${rel}/'`);
      return;
    }
    entries.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const entry of entries) {
      const name = decodeName(entry.name);
      const shown = rel ? `${rel}/${name ?? showBytes(entry.name)}` : name ?? showBytes(entry.name);
      if (name === undefined) {
        skipped(shown, 'name', entry.isDirectory(), `skipping ${entry.isDirectory() ? 'directory ' : ''}${shown}${entry.isDirectory() ? '/' : ''}: its name is not valid UTF-8 ` +
          '(a catalog line cannot hold it); rename it to back it up');
        continue;
      }
      const full = join(abs, name);
      if (options.skip?.(full)) continue;
      const path = toCatalogPath(relative(root, full));
      if (entry.isDirectory()) {
        if (options.excludeDir?.(path)) continue;
        yield* walk(full, path);
        continue;
      }
      if (entry.isSymbolicLink()) {
        skipped(path, 'symlink', false, `skipping ${path}: a symbolic link (links are not followed)`);
        continue;
      }
      if (!entry.isFile()) {
        skipped(path, 'special', false, `skipping ${path}: not a regular file`);
        continue;
      }
      if (options.filter && !options.filter(path)) continue;
      if (!inShard(path, options.shard)) continue;
      const problem = catalogPathProblem(path);
      if (problem) {
        skipped(path, 'name', false, `skipping ${JSON.stringify(path)}: its name cannot go into a catalog (${problem}); rename it to back it up`);
        continue;
      }
      try {
        const identity = await currentIdentity(full);
        yield { path, absolute: full, size: identity.size, mtimeMs: identity.mtimeMs, identity };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        skipped(path, code === 'ENOENT' ? 'vanished' : 'unreadable', false, code === 'ENOENT' ? `skipping ${path}: it vanished while the directory was scanned`
          : `skipping ${path}: it cannot be read (${code})`);
      }
    }
  }
  yield* walk(root, '');
}
