import { GlacierMultipartError } from '../errors.js';
import { InvalidOptionError } from '../options.js';

/** A migrateVault option (or CLI flag) that cannot work; thrown before any request. */
export class InvalidMigrateOptionError extends InvalidOptionError {}

/** The state file is unreadable or belongs to another migration. */
export class MigrationStateError extends GlacierMultipartError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('MIGRATION_STATE', message, options);
    this.path = path;
  }
}

/** One archive could not be copied (recorded as failed; the migration goes on with the others). */
export class ArchiveCopyError extends GlacierMultipartError {
  readonly archiveId: string;
  constructor(code: string, archiveId: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.archiveId = archiveId;
  }
}
