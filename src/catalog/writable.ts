/** Checks, before any request, that what a sync writes (catalog, journals) can be written. */
import { constants } from 'node:fs';
import { access, rmdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { JournalDirAccessError } from './errors.js';

/**
 * The journal directory, or (when it does not exist yet) the nearest directory above it that does,
 * must be writable: it is created only when a multipart upload needs it (no empty directory left).
 */
export async function checkJournalDirWritable(journalDir: string): Promise<void> {
  for (let dir = journalDir; ; dir = dirname(dir)) {
    const st = await stat(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)))
      .catch((err: NodeJS.ErrnoException) => { throw new JournalDirAccessError(journalDir, err.code, { cause: err }); });
    if (st === undefined && dirname(dir) !== dir) continue;
    if (st !== undefined && !st.isDirectory()) throw new JournalDirAccessError(journalDir, 'ENOTDIR');
    try {
      await access(dir, constants.W_OK | constants.X_OK);
    } catch (err) {
      throw new JournalDirAccessError(journalDir, (err as NodeJS.ErrnoException).code, { cause: err });
    }
    return;
  }
}

/** Removes the journal directory when a sync left it empty (every multipart upload finished). */
export async function removeIfEmpty(dir: string): Promise<void> {
  await rmdir(dir).catch(() => undefined);
}
