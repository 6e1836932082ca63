// An exclusive lock on a data directory (see src/lock-file.ts), so a second server on the same
// directory refuses to start instead of deleting the first one's bodies and metadata.
import { join } from 'node:path';
import { GlacierMultipartError } from '../errors.js';
import { acquireLock } from '../lock-file.js';

export const LOCK_FILE = 'server.lock';

/** Thrown by startLocalGlacier() when another live server already uses the data directory. */
export class DataDirInUseError extends GlacierMultipartError {
  constructor(readonly dataDir: string, readonly pid: number) {
    super('DATA_DIR_IN_USE',
      `dataDir ${dataDir} is in use by another local Glacier server (process ${pid}${pid === process.pid ? ', this one' : ''}). `
      + `Stop that server first, or pass another dataDir (serve --data-dir). If no server runs there, delete ${join(dataDir, LOCK_FILE)}.`);
  }
}

/**
 * Takes the lock (the directory must exist) and returns its release function. A lock whose pid is
 * no longer running (a server that was killed) is stale and taken over.
 */
export function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  return acquireLock(join(dataDir, LOCK_FILE), { held: (h) => new DataDirInUseError(dataDir, h.pid) });
}
