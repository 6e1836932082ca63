/**
 * The one answer to "is this still the same file?", for every layer: the uploader's reader, the
 * pool's workers, resumes (journals), sync's one-request uploads and the CLI's checks. A file's
 * identity is its absolute path, device, inode, size, and modification and status-change times in
 * nanoseconds, taken from one fstat of the opened file and handed on (to the pool, to the journal)
 * instead of being looked up again. The ctime catches bytes rewritten in place with the mtime set
 * back; device and inode catch a file replaced or moved behind its path.
 */
import type { BigIntStats } from 'node:fs';
import { constants, fstatSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';

/** What identifies a file's bytes without reading them. dev, ino and the ns times are decimal strings. */
export interface FileIdentity {
  path: string;
  size: number;
  /** Whole milliseconds (for messages and older journals); the ns times decide. */
  mtimeMs: number;
  dev: string;
  ino: string;
  mtimeNs: string;
  ctimeNs: string;
}

/**
 * An identity as recorded elsewhere: a journal of an older version (no dev, ino or ns times), or a
 * task built by hand (numbers instead of strings). Compared field by field with FileIdentity.
 */
export interface RecordedIdentity {
  path?: string;
  size?: number;
  mtimeMs?: number;
  dev?: string | number | bigint;
  ino?: string | number | bigint;
  mtimeNs?: string;
  ctimeNs?: string;
}

/** A file opened once, with the identity of what was opened: read it through `handle` (or `handle.fd`). */
export interface OpenedFile {
  handle: FileHandle;
  identity: FileIdentity;
}

/** The identity of a file from its bigint stats (nanoseconds where the platform has them). */
export function identityOf(path: string, st: BigIntStats): FileIdentity {
  return {
    path, size: Number(st.size), mtimeMs: Number(st.mtimeMs), dev: String(st.dev), ino: String(st.ino),
    mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs),
  };
}

/** Which part of an identity changed. */
export type IdentityField = 'path' | 'size' | 'file' | 'mtime' | 'ctime';

export interface IdentityChange {
  field: IdentityField;
  /** Says what changed, e.g. "its size went from 10 to 12 bytes". */
  message: string;
}

export interface CompareOptions {
  /**
   * What a field missing from `recorded` means. 'differs' (the default: journals): nothing is
   * trusted on less than the full identity. 'skip': a recorded identity without the ns times is
   * compared at millisecond precision, one without a path is not compared by path.
   */
  missing?: 'differs' | 'skip';
}

const iso = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? String(ms) : new Date(ms).toISOString());

/** The first field in which two identities differ, or undefined when they match. */
export function identityChange(recorded: RecordedIdentity, now: FileIdentity, o: CompareOptions = {}): IdentityChange | undefined {
  const lenient = o.missing === 'skip';
  if (!(lenient && recorded.path === undefined) && recorded.path !== now.path) {
    return { field: 'path', message: `its path is ${now.path}, the record is for ${String(recorded.path)}` };
  }
  if (recorded.size !== now.size) return { field: 'size', message: `its size went from ${String(recorded.size)} to ${now.size} bytes` };
  if (String(recorded.dev) !== now.dev || String(recorded.ino) !== now.ino) {
    return { field: 'file', message: 'it is another file now (device or inode changed: replaced or moved)' };
  }
  const modified = { field: 'mtime' as const, message: `its modification time went from ${iso(recorded.mtimeMs)} to ${iso(now.mtimeMs)} (its mtime changed)` };
  if (lenient && recorded.mtimeNs === undefined) {
    // Millisecond precision: a number stat's mtimeMs carries a fraction, the bigint one does not.
    return Math.floor(Number(recorded.mtimeMs)) === now.mtimeMs ? undefined : modified;
  }
  if (recorded.mtimeNs !== now.mtimeNs) return modified;
  if (lenient && recorded.ctimeNs === undefined) return undefined;
  if (recorded.ctimeNs !== now.ctimeNs) {
    return { field: 'ctime', message: 'its status-change time (ctime) changed: it was written to, or its times were set back' };
  }
  return undefined;
}

/** identityChange's message, or undefined when the identities match. */
export function identityDifference(recorded: RecordedIdentity, now: FileIdentity, o?: CompareOptions): string | undefined {
  return identityChange(recorded, now, o)?.message;
}

/** The identity of what is at `path` now (a stat by path: sees a file replaced behind it). */
export async function currentIdentity(path: string): Promise<FileIdentity> {
  const absolute = resolve(path);
  return identityOf(absolute, await stat(absolute, { bigint: true }));
}

/** The identity of an open file, synchronously (the pool's workers). */
export function identityOfFd(path: string, fd: number): FileIdentity {
  return identityOf(path, fstatSync(fd, { bigint: true }));
}

/**
 * Opens a file for reading, once, and takes its identity from one fstat of the opened descriptor.
 * Errors are the system's (ENOENT, EACCES, ...): each caller names them in its own terms. The
 * handle is the caller's to close; `regular` is false for a directory, FIFO, socket or device.
 */
export async function openFile(path: string): Promise<OpenedFile & { regular: boolean; directory: boolean }> {
  const absolute = resolve(path);
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused as not regular); reads of
  // a regular file ignore the flag.
  const handle = await open(absolute, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const st = await handle.stat({ bigint: true });
    return { handle, identity: identityOf(absolute, st), regular: st.isFile(), directory: st.isDirectory() };
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}
