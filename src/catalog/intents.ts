/**
 * Upload intents: before each one-request upload, the catalog's sidecar `<catalog>.intents` gets a
 * line (path, size, mtime, tree hash, time), fsynced. Glacier creates the archive before it
 * answers, so a process killed in between leaves an archive the catalog never recorded; the intent
 * tells the next run so (and lets it adopt the archive from an inventory instead of uploading again).
 * An intent is resolved once the catalog records an archive of that path with that tree hash.
 * JSON lines: mt-aws-glacier never reads this file.
 */
import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import type { Catalog } from './catalog.js';

export interface UploadIntent {
  path: string;
  size: number;
  /** Unix seconds, as the catalog will record it. */
  mtime: number | null;
  /**
   * The archive's tree hash; absent for a multipart upload (computed while it uploads), whose
   * archive is then known by path, size and the mtime its description carries.
   */
  treeHash?: string;
  /** When the upload was begun (Unix seconds). */
  time: number;
}

export const intentsFileOf = (catalogPath: string): string => `${catalogPath}.intents`;

/** The intents of a sidecar (none when it does not exist); a torn last line (a crash) is skipped. */
export async function readIntents(file: string): Promise<UploadIntent[]> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  const out: UploadIntent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const j = JSON.parse(line) as UploadIntent;
      if (typeof j.path === 'string' && Number.isSafeInteger(j.size)) out.push(j);
    } catch {
      // a line cut off by a crash while it was written: its upload had not been sent yet
    }
  }
  return out;
}

/** Whether an archive (as a catalog or an inventory knows it) is the intent's upload. */
export function isIntended(i: UploadIntent, a: { path: string; size: number; treeHash: string; mtime: number | null }): boolean {
  return a.path === i.path && a.size === i.size && (i.treeHash !== undefined ? a.treeHash === i.treeHash : a.mtime === i.mtime);
}

/** Whether the catalog records an archive of the intent's file. */
export function isResolved(catalog: Catalog, i: UploadIntent): boolean {
  return catalog.archivesOf(i.path).some((a) => isIntended(i, a));
}

export function unresolvedIntents(catalog: Catalog, intents: readonly UploadIntent[]): UploadIntent[] {
  const seen = new Set<string>();
  return intents.filter((i) => {
    const key = `${i.path}\0${i.size}\0${i.treeHash ?? i.mtime}`;
    if (seen.has(key) || isResolved(catalog, i)) return false;
    seen.add(key);
    return true;
  });
}

/** Appends intents; lines recorded at the same time share one fsync. */
export class IntentLog {
  private queue: { line: string; resolve(): void; reject(e: unknown): void }[] = [];
  private flushing = false;

  private constructor(readonly file: string, private readonly handle: FileHandle) {}

  static async open(file: string): Promise<IntentLog> {
    return new IntentLog(file, await open(file, 'a'));
  }

  record(i: UploadIntent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ line: `${JSON.stringify(i)}\n`, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0);
        try {
          await this.handle.write(batch.map((b) => b.line).join(''));
          await this.handle.datasync();
          for (const b of batch) b.resolve();
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  async close(): Promise<void> {
    while (this.flushing || this.queue.length) await new Promise((r) => setTimeout(r, 5));
    await this.handle.close().catch(() => undefined);
  }
}

/**
 * Rewrites the sidecar with only the intents the catalog has not resolved (removed when none are
 * left): it stays as small as the uploads in doubt. The caller holds the catalog's lock.
 */
export async function compactIntents(file: string, catalog: Catalog): Promise<UploadIntent[]> {
  const left = unresolvedIntents(catalog, await readIntents(file));
  if (left.length === 0) {
    await rm(file, { force: true });
    return left;
  }
  const tmp = `${file}.tmp`;
  const h = await open(tmp, 'w');
  try {
    await h.writeFile(left.map((i) => `${JSON.stringify(i)}\n`).join(''));
    await h.sync();
  } finally {
    await h.close();
  }
  await rename(tmp, file);
  return left;
}
