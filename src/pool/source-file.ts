/**
 * The main thread's one look at a file before hashFile sends any task: it is opened once, and its
 * identity taken from one fstat of the descriptor (src/file-identity.ts). The workers read through
 * that descriptor and compare each task's identity with it, so nobody opens or stats it again.
 */
import { GlacierMultipartError } from '../errors.js';
import { openFile, type OpenedFile } from '../file-identity.js';
import { FileIsDirectoryError, FileNotFoundError, FileNotReadableError } from './errors.js';

/** Opens `path` for hashFile; the caller closes the handle once every task has settled. */
export async function openSource(path: string): Promise<OpenedFile> {
  let opened: Awaited<ReturnType<typeof openFile>>;
  try {
    opened = await openFile(path);
  } catch (e) {
    throw sourceError(path, e);
  }
  if (opened.regular) return { handle: opened.handle, identity: opened.identity };
  await opened.handle.close().catch(() => undefined);
  if (opened.directory) throw new FileIsDirectoryError(path);
  throw new FileNotReadableError(path, 'it is not a regular file (a FIFO, socket or device has no size to split into parts); copy it to a file first, or hash its bytes with hashPart');
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
