import { ChecksumMismatchError, GlacierMultipartError } from '../errors.js';
import { InvalidOptionError } from '../options.js';

/**
 * Errors of the catalog layer (catalog files, descriptions, inventories, sync, restore, purge).
 * Every message names what was wrong and what to do about it.
 */

/** A catalog line that is neither a known mt-aws-glacier journal record nor a torn last line. */
export class CatalogFormatError extends GlacierMultipartError {
  readonly catalog: string;
  readonly line: number;
  constructor(catalog: string, line: number, detail: string) {
    super('INVALID_CATALOG',
      `${catalog}, line ${line}: ${detail}. A catalog holds mt-aws-glacier journal lines (A or B: CREATED, DELETED, ` +
      `RETRIEVE_JOB); fix or remove that line (only a torn LAST line is skipped on its own), or rebuild the catalog ` +
      `from an inventory of the vault.`);
    this.catalog = catalog;
    this.line = line;
  }
}

/** The catalog file cannot be read, created or appended to. */
export class CatalogAccessError extends GlacierMultipartError {
  readonly catalog: string;
  constructor(catalog: string, message: string, options?: { cause?: unknown }) {
    super('CATALOG_ACCESS', message, options);
    this.catalog = catalog;
  }
}

/** A path that cannot go into a catalog: absolute, with '..', or with a tab, newline or other control character. */
export class InvalidCatalogPathError extends GlacierMultipartError {
  readonly path: string;
  constructor(path: string, detail: string) {
    super('INVALID_CATALOG_PATH',
      `Cannot record ${JSON.stringify(path)} in a catalog: ${detail}. Catalog paths are relative to the synced ` +
      `directory, use '/', and have no '..' segment and no control characters (tab, newline): rename the file or exclude it.`);
    this.path = path;
  }
}

/** A file's path makes an archive description longer than Glacier's 1,024 characters. */
export class DescriptionTooLongError extends GlacierMultipartError {
  readonly path: string;
  readonly length: number;
  constructor(path: string, length: number) {
    super('DESCRIPTION_TOO_LONG',
      `The path ${JSON.stringify(path)} makes an mt2 archive description of ${length} characters; Glacier allows ` +
      `1,024. Shorten the path (a path of about 700 ASCII bytes fits; non-ASCII characters count more), or exclude the file.`);
    this.path = path;
    this.length = length;
  }
}

/** An inventory (JSON or CSV) that is not in the shape Glacier writes. */
export class InventoryFormatError extends GlacierMultipartError {
  constructor(detail: string) {
    super('INVALID_INVENTORY',
      `Invalid vault inventory: ${detail}. Pass the output of an inventory-retrieval job unchanged (JSON or CSV), ` +
      `with the matching format.`);
  }
}

/** A `--shard I/N` value that is not a shard. */
export class InvalidShardError extends GlacierMultipartError {
  constructor(text: string, detail: string) {
    super('INVALID_SHARD',
      `Invalid shard ${JSON.stringify(text)}: ${detail}. Write I/N with N >= 1 hosts and I from 0 to N-1 ` +
      `(e.g. 0/4 ... 3/4; a Kubernetes Indexed Job passes $JOB_COMPLETION_INDEX, AWS Batch $AWS_BATCH_JOB_ARRAY_INDEX).`);
  }
}

/** @deprecated the catalog layer's option error: use InvalidOptionError (the one option error; same `option` and code 'INVALID_OPTION'). */
export const InvalidCatalogOptionError = InvalidOptionError;
/** @deprecated use InvalidOptionError. */
export type InvalidCatalogOptionError = InvalidOptionError;

/** @deprecated Use ChecksumMismatchError (operation 'restore', scope 'file'): every checksum mismatch is one class. */
export const RestoreMismatchError = ChecksumMismatchError;
/** @deprecated Use ChecksumMismatchError. */
export type RestoreMismatchError = ChecksumMismatchError;

/** The directory for multipart journals cannot be created or written: found before the first request. */
export class JournalDirAccessError extends GlacierMultipartError {
  readonly journalDir: string;
  constructor(journalDir: string, code: string | undefined, options?: { cause?: unknown }) {
    super('JOURNAL_DIR_ACCESS',
      `Cannot write multipart journals into ${journalDir} (${code ?? 'not writable'}): nothing was uploaded. Make it writable, ` +
      `or keep the catalog in a writable directory (its journals go to <catalog>.journals).`, options);
    this.journalDir = journalDir;
  }
}


/** The catalog was recorded for another vault (or account, region, endpoint) than the one named. */
export class CatalogVaultMismatchError extends GlacierMultipartError {
  readonly catalog: string;
  constructor(catalog: string, recorded: string, given: string) {
    super('CATALOG_VAULT_MISMATCH',
      `The catalog ${catalog} belongs to ${recorded} (recorded in ${catalog}.vault), not ${given}: nothing was sent. ` +
      `Use that vault's catalog (or a new catalog path); override the check only if this catalog really is that vault's.`);
    this.catalog = catalog;
  }
}
