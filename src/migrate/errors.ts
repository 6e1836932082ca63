import { ChecksumMismatchError, GlacierMultipartError } from '../errors.js';
import { InvalidOptionError } from '../options.js';

/** @deprecated migrateVault's option error: use InvalidOptionError (the one option error; same `option`, code 'INVALID_OPTION'). */
export const InvalidMigrateOptionError = InvalidOptionError;
/** @deprecated use InvalidOptionError. */
export type InvalidMigrateOptionError = InvalidOptionError;

/** The state file is unreadable or belongs to another migration. */
export class MigrationStateError extends GlacierMultipartError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('MIGRATION_STATE', message, options);
    this.path = path;
  }
}

/** @deprecated Use ChecksumMismatchError (operation 'migrate', scope 'archive'): every checksum mismatch is one class. */
export const ArchiveCopyError = ChecksumMismatchError;
/** @deprecated use ChecksumMismatchError. */
export type ArchiveCopyError = ChecksumMismatchError;

/** The whole archive retrieved does not hash to the inventory's tree hash: nothing of it is kept. */
export function archiveMismatch(a: { archiveId: string; key: string; treeHash: string; jobId: string }, actual: string): ChecksumMismatchError {
  return new ChecksumMismatchError({
    scope: 'archive', operation: 'migrate', what: `Archive ${a.archiveId} (${a.key})`,
    expected: a.treeHash, actual, archiveId: a.archiveId, jobId: a.jobId,
  });
}
