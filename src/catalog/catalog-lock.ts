// The catalog's writer lock (`<catalog>.lock`): one writer per catalog, readers never take it.
import { acquireLock, CatalogLockedError, lockFileOf } from '../lock-file.js';
import { CatalogAccessError } from './errors.js';

/** Takes the lock of the catalog at `path`; returns its release function. */
export async function lockCatalog(path: string): Promise<() => Promise<void>> {
  const lockFile = lockFileOf(path);
  try {
    return await acquireLock(lockFile, { held: (h) => new CatalogLockedError(path, lockFile, h) });
  } catch (err) {
    if (err instanceof CatalogLockedError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new CatalogAccessError(path, `Cannot create the catalog's lock ${lockFile} (${code ?? (err as Error).message}): ` +
      `${code === 'ENOENT' ? 'its directory does not exist' : 'check its permissions'}; choose a catalog path in a writable directory.`, { cause: err });
  }
}
