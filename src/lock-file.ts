/**
 * Exclusive lock files: one writer at a time for a catalog, a transfer journal or a server's data
 * directory. The lock is a file created in one step (link of a filled temporary: never seen empty)
 * holding the owner's pid, command line, host and start time. A lock whose process is gone (a
 * killed writer, same host) is stale and taken over. node:* only: every layer may use it.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { link, open, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { GlacierMultipartError } from './errors.js';

/** Who holds a lock, as its file says. */
export interface LockHolder {
  pid: number;
  command: string;
  hostname: string;
  /** ISO time the lock was taken. */
  started: string;
}

/** A file another live writer holds: `holder` says which process. */
export class LockHeldError extends GlacierMultipartError {
  readonly lockFile: string;
  readonly holder: LockHolder;
  constructor(code: string, lockFile: string, holder: LockHolder, message: string) {
    super(code, message);
    this.lockFile = lockFile;
    this.holder = holder;
  }
}

function describeHolder(h: LockHolder): string {
  const here = h.hostname === hostname();
  return `process ${h.pid}${h.pid === process.pid && here ? ' (this one)' : ''}${here ? '' : ` on host ${h.hostname}`}` +
    `${h.command ? ` (${h.command})` : ''}${h.started ? `, since ${h.started}` : ''}`;
}

/** Another writer (sync, restore, purge, inventory --catalog, catalog merge) has the catalog open. */
export class CatalogLockedError extends LockHeldError {
  constructor(catalog: string, lockFile: string, holder: LockHolder) {
    super('CATALOG_LOCKED', lockFile, holder,
      `The catalog ${catalog} is being written by ${describeHolder(holder)}. Wait for it to finish (or stop it), then run again; ` +
      `reading commands (check, dry runs) need no lock. If that process is not running any more, delete ${lockFile}.`);
  }
}

/** Another upload or download is using this journal. */
export class JournalLockedError extends LockHeldError {
  constructor(journal: string, lockFile: string, holder: LockHolder) {
    super('JOURNAL_LOCKED', lockFile, holder,
      `The journal ${journal} is in use by ${describeHolder(holder)}: two runs of one transfer would spoil each other. ` +
      `Wait for it to finish (or stop it), then run again. If that process is not running any more, delete ${lockFile}.`);
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

/** Reads a lock file: JSON, or an older lock holding only a pid. Undefined when it is gone. */
export async function readLockHolder(path: string): Promise<LockHolder | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const j = JSON.parse(text) as Partial<LockHolder>;
    if (typeof j === 'object' && j && Number.isInteger(j.pid)) {
      return { pid: j.pid!, command: String(j.command ?? ''), hostname: String(j.hostname ?? hostname()), started: String(j.started ?? '') };
    }
  } catch {
    // not JSON: a bare pid
  }
  return { pid: Number.parseInt(text, 10) || 0, command: '', hostname: hostname(), started: '' };
}

/** Creates the lock file with its content in one step (link fails when it exists). */
async function create(path: string, content: string): Promise<boolean> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(content);
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
 * Moves a stale lock aside. Renaming is atomic, so of two takers only one moves it; if what was
 * moved is not the stale lock any more (a third process took it meanwhile), it is put back.
 */
async function removeStale(path: string, staleText: string): Promise<void> {
  const aside = `${path}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = await readFile(aside, 'utf8').catch(() => staleText);
  if (moved !== staleText) await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true });
}

function isStale(h: LockHolder): boolean {
  // A holder on another host cannot be checked from here: it counts as live.
  return !(h.pid > 0) || (h.hostname === hostname() && !isProcessAlive(h.pid));
}

export interface AcquireLockOptions {
  /** The error for a live holder. */
  held: (holder: LockHolder) => Error;
}

const live = new Set<string>();
let exitHook = false;

/** Removes this process's locks when it exits without releasing them (process.exit, an uncaught error). */
function releaseAtExit(path: string): void {
  live.add(path);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const p of live) rmSync(p, { force: true });
  });
}

/**
 * Takes the lock at `path` and returns its release function (idempotent). A live holder (this
 * process included: one writer per file) makes `held(holder)` thrown; a dead one is taken over.
 */
export async function acquireLock(path: string, o: AcquireLockOptions): Promise<() => Promise<void>> {
  const me: LockHolder = { pid: process.pid, command: process.argv.slice(1).join(' ').slice(0, 500), hostname: hostname(), started: new Date().toISOString() };
  const content = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await create(path, content)) {
      releaseAtExit(path);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        live.delete(path);
        // Only our own lock is removed (a takeover after a wrong stale verdict leaves another's).
        if ((await readFile(path, 'utf8').catch(() => '')) === content) await rm(path, { force: true });
      };
    }
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) continue; // released meanwhile
    const holder = (await readLockHolder(path)) ?? { pid: 0, command: '', hostname: hostname(), started: '' };
    if (!isStale(holder)) throw o.held(holder);
    await removeStale(path, text);
  }
  throw o.held((await readLockHolder(path)) ?? { pid: 0, command: '', hostname: hostname(), started: '' });
}

/** Where the lock of a catalog or journal file lives. */
export const lockFileOf = (path: string): string => `${path}.lock`;

/**
 * The lock of a transfer journal (`<journal>.lock`), or undefined when it cannot be created (a
 * missing or read-only directory: reading or writing the journal itself then fails with its own error).
 */
export async function lockJournal(journal: string): Promise<(() => Promise<void>) | undefined> {
  const lockFile = lockFileOf(journal);
  try {
    return await acquireLock(lockFile, { held: (h) => new JournalLockedError(journal, lockFile, h) });
  } catch (err) {
    if (err instanceof JournalLockedError) throw err;
    return undefined;
  }
}
