// An exclusive lock on a data directory: a lock file holding the owner's pid, so a second server on
// the same directory refuses to start instead of deleting the first one's bodies and metadata.
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GlacierMultipartError } from '../errors.js';

export const LOCK_FILE = 'server.lock';

/** Thrown by startLocalGlacier() when another live server already uses the data directory. */
export class DataDirInUseError extends GlacierMultipartError {
  constructor(readonly dataDir: string, readonly pid: number) {
    super('DATA_DIR_IN_USE',
      `dataDir ${dataDir} is in use by another local Glacier server (process ${pid}${pid === process.pid ? ', this one' : ''}). `
      + `Stop that server first, or pass another dataDir (serve --data-dir). If no server runs there, delete ${join(dataDir, LOCK_FILE)}.`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

/** Creates the lock file with its pid in one step (link fails when it exists): never seen empty. */
async function create(path: string): Promise<boolean> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}`;
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(`${process.pid}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Takes the lock (the directory must exist) and returns its release function. A lock whose pid is
 * no longer running (a server that was killed) is stale and taken over.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await create(path)) return () => rm(path, { force: true });
    const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) throw new DataDirInUseError(dataDir, pid);
    // Stale: its server is gone. Remove it and try again; a concurrent starter that wins the race
    // leaves a live pid behind, which the next round sees.
    await rm(path, { force: true });
  }
  throw new DataDirInUseError(dataDir, Number.parseInt(await readFile(path, 'utf8').catch(() => '0'), 10) || 0);
}
