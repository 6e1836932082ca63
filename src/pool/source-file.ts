/**
 * The main thread's check of a file before hashFile sends any task: it exists, is a regular file
 * and may be read. Workers check again, against these stats, when they open it (worker.ts).
 */
import { open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { GlacierMultipartError } from '../errors.js';
import { FileIsDirectoryError, FileNotFoundError, FileNotReadableError } from './errors.js';

export async function statSource(path: string): Promise<Stats> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (e) {
    throw sourceError(path, e);
  }
  if (st.isDirectory()) throw new FileIsDirectoryError(path);
  if (!st.isFile()) {
    throw new FileNotReadableError(path, 'it is not a regular file (a FIFO, socket or device has no size to split into parts); copy it to a file first, or hash its bytes with hashPart');
  }
  // Opening proves read permission before any worker runs (and gives a clear error for EACCES).
  try {
    await (await open(path, 'r')).close();
  } catch (e) {
    throw sourceError(path, e);
  }
  return st;
}

function sourceError(path: string, e: unknown): GlacierMultipartError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new FileNotFoundError(path, { cause: e });
  if (code === 'EISDIR') return new FileIsDirectoryError(path);
  if (code === 'EACCES' || code === 'EPERM') {
    return new FileNotReadableError(path, `permission denied (${code}); check the file's mode and owner, or run as a user who may read it`, { cause: e });
  }
  return new FileNotReadableError(path, e instanceof Error ? e.message : String(e), { cause: e });
}
