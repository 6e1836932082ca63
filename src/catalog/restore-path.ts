/**
 * Where a restored file goes, checked component by component: nothing below the target directory
 * on the way to it may be a symbolic link (a `sub -> ../outside` would carry the write out of the
 * directory), and the temporary files written beside it must not be links either.
 */
import { lstat, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UnsafeDestinationError } from '../glacier/download/download-errors.js';

async function lstatOrNone(path: string) {
  return lstat(path).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
}

/** The absolute destination of catalog path `path` under `dir`, its folders made; throws UnsafeDestinationError. */
export async function restoreDestination(dir: string, path: string, tempSuffixes: readonly string[]): Promise<string> {
  const segments = path.split('/');
  let current = resolve(dir);
  for (const [i, segment] of segments.entries()) {
    current = join(current, segment);
    let st = await lstatOrNone(current);
    if (st === undefined) {
      if (i === segments.length - 1) continue;
      // Files restored at once share new folders: another may have made this one meanwhile.
      const made = await mkdir(current).then(() => true, (err: NodeJS.ErrnoException) => (err.code === 'EEXIST' ? false : Promise.reject(err)));
      if (made) continue;
      st = await lstatOrNone(current);
      if (st === undefined) throw new UnsafeDestinationError(path, { operation: 'restore', link: current, detail: 'vanished while it was being made' });
    }
    if (st.isSymbolicLink() && i < segments.length - 1) throw new UnsafeDestinationError(path, { operation: 'restore', link: current, detail: 'is a symbolic link' });
    if (i < segments.length - 1 && !st.isDirectory()) throw new UnsafeDestinationError(path, { operation: 'restore', link: current, detail: 'is not a directory' });
  }
  for (const suffix of tempSuffixes) {
    const st = await lstatOrNone(current + suffix);
    if (st?.isSymbolicLink()) throw new UnsafeDestinationError(path, { operation: 'restore', link: current + suffix, detail: 'is a symbolic link' });
  }
  return current;
}
