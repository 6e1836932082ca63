import { CancelledError, ChecksumMismatchError, GlacierMultipartError, JournalError } from '../../errors.js';
import { InvalidOptionError } from '../../options.js';

/**
 * Errors of the retrieval side (jobs and downloadArchive). Every message names what was wrong and
 * what to do about it; errors the service or the network raised are kept as `cause`.
 */

/** @deprecated downloadArchive's and the job helpers' option error: use InvalidOptionError (the one option error; same `option` and code 'INVALID_OPTION'). */
export const InvalidDownloadOptionError = InvalidOptionError;
/** @deprecated use InvalidOptionError. */
export type InvalidDownloadOptionError = InvalidOptionError;

/** A RetrievalByteRange Glacier refuses: FIRST a multiple of 1 MiB, LAST+1 a multiple of 1 MiB or the archive size. */
export class RangeNotAlignedError extends GlacierMultipartError {
  readonly range: string;
  constructor(range: string, detail: string, options?: { cause?: unknown }) {
    super('RANGE_NOT_ALIGNED',
      `Retrieval range ${range} is not megabyte aligned (${detail}): Glacier needs FIRST a multiple of 1048576 ` +
      `and LAST+1 a multiple of 1048576 or the archive's size, e.g. 0-1048575 or 1048576-3145727.`, options);
    this.range = range;
  }
}

/** InitiateJob: the archive id is unknown in this vault (deleted, mistyped, or another vault/region). */
export class ArchiveNotFoundError extends GlacierMultipartError {
  readonly vaultName: string;
  readonly archiveId: string;
  constructor(vaultName: string, archiveId: string, options?: { cause?: unknown }) {
    super('ARCHIVE_NOT_FOUND',
      `Archive ${archiveId} does not exist in vault "${vaultName}" (deleted, mistyped, or in another vault, ` +
      `account or region): check the id against the vault's inventory (or your upload's output).`, options);
    this.vaultName = vaultName;
    this.archiveId = archiveId;
  }
}

/** Expedited retrieval refused: no capacity right now (503 InsufficientCapacityException). */
export class InsufficientCapacityError extends GlacierMultipartError {
  readonly vaultName: string;
  readonly archiveId: string;
  constructor(vaultName: string, archiveId: string, options?: { cause?: unknown }) {
    super('INSUFFICIENT_CAPACITY',
      `Glacier has no Expedited retrieval capacity right now (InsufficientCapacityException): retry later, buy ` +
      `provisioned capacity, or use the Standard tier (hours) for archive ${archiveId}.`, options);
    this.vaultName = vaultName;
    this.archiveId = archiveId;
  }
}

/** A data-retrieval policy of the account refused the job (PolicyEnforcedException; not charged). */
export class RetrievalPolicyError extends GlacierMultipartError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('POLICY_ENFORCED',
      `The account's data-retrieval policy refused the job (${detail}): retrieve a smaller range, use the ` +
      `Bulk tier, or raise the policy's limit (Glacier console, Data retrieval settings).`, options);
  }
}

/** The job ended with StatusCode Failed. */
export class RetrievalJobFailedError extends GlacierMultipartError {
  readonly jobId: string;
  readonly vaultName: string;
  readonly archiveId: string | undefined;
  readonly statusMessage: string | undefined;
  constructor(vaultName: string, jobId: string, archiveId: string | undefined, statusMessage: string | undefined) {
    super('JOB_FAILED',
      `Retrieval job ${jobId} failed${statusMessage ? ` (${statusMessage})` : ''}: start a new retrieval job` +
      `${archiveId ? ` for archive ${archiveId}` : ''} (InitiateJob).`);
    this.jobId = jobId;
    this.vaultName = vaultName;
    this.archiveId = archiveId;
    this.statusMessage = statusMessage;
  }
}

/**
 * The job id is unknown: its output expired (Glacier keeps it at least 24 h after completion),
 * or the id, vault or region is wrong. `keptChunks` says how many verified chunks a journal keeps
 * for a new job over the same archive.
 */
export class JobNotFoundError extends GlacierMultipartError {
  readonly jobId: string;
  readonly vaultName: string;
  readonly archiveId: string | undefined;
  readonly journal: string | undefined;
  readonly keptChunks: number;
  constructor(vaultName: string, jobId: string, details: { archiveId?: string; journal?: string; keptChunks?: number; cause?: unknown; duringDownload?: boolean } = {}) {
    const kept = details.keptChunks
      ? ` The journal ${details.journal} keeps the ${details.keptChunks} verified chunk${details.keptChunks === 1 ? '' : 's'}: ` +
        `a download with the new job's id continues from them.`
      : '';
    super(details.duringDownload ? 'JOB_OUTPUT_EXPIRED' : 'JOB_NOT_FOUND',
      `${details.duringDownload ? 'The output of retrieval job' : 'Retrieval job'} ${jobId} is not available in vault "${vaultName}" ` +
      `(Glacier keeps a job's output at least 24 h after it completes; or the id, vault or region is wrong): ` +
      `start a new retrieval job${details.archiveId ? ` for archive ${details.archiveId}` : ''} (InitiateJob).${kept}`, { cause: details.cause });
    this.jobId = jobId;
    this.vaultName = vaultName;
    this.archiveId = details.archiveId;
    this.journal = details.journal;
    this.keptChunks = details.keptChunks ?? 0;
  }
}

/**
 * The one "job not ready" error: a retrieval or inventory job is still InProgress when the caller
 * would not wait (`waitedMs` undefined) or the wait ran out (`timedOut`). The job keeps running
 * at Glacier; its id fetches the output later.
 */
export class JobNotReadyError extends GlacierMultipartError {
  readonly jobId: string;
  readonly vaultName: string;
  readonly action: 'ArchiveRetrieval' | 'InventoryRetrieval';
  readonly waitedMs: number | undefined;
  readonly timedOut: boolean;
  constructor(d: { vaultName: string; jobId: string; action?: 'ArchiveRetrieval' | 'InventoryRetrieval'; waitedMs?: number; timedOut?: boolean; cause?: unknown }) {
    const inventory = d.action === 'InventoryRetrieval';
    super('JOB_NOT_READY',
      `${inventory ? 'Inventory' : 'Retrieval'} job ${d.jobId} of vault "${d.vaultName}" has not completed yet` +
      `${d.waitedMs !== undefined ? ` (waited ${Math.round(d.waitedMs / 1000)} s)` : ''} ` +
      `(${inventory ? 'an inventory takes about 3-5 hours' : 'Expedited takes minutes, Standard hours, Bulk 5-12 h'}). ` +
      `It keeps running at Glacier; its output can be fetched later by its job id.`, d.cause === undefined ? undefined : { cause: d.cause });
    this.jobId = d.jobId;
    this.vaultName = d.vaultName;
    this.action = d.action ?? 'ArchiveRetrieval';
    this.waitedMs = d.waitedMs;
    this.timedOut = d.timedOut ?? false;
  }
}

/** @deprecated Use JobNotReadyError: every "job not ready" is one class. */
export const JobNotCompleteError = JobNotReadyError;
/** @deprecated Use JobNotReadyError. */
export type JobNotCompleteError = JobNotReadyError;
/** @deprecated Use JobNotReadyError (timedOut: true). */
export const JobWaitTimeoutError = JobNotReadyError;
/** @deprecated Use JobNotReadyError. */
export type JobWaitTimeoutError = JobNotReadyError;

/** The destination already exists and `overwrite` was not given. */
export class DestinationExistsError extends GlacierMultipartError {
  readonly path: string;
  constructor(path: string) {
    super('DESTINATION_EXISTS', `${path} already exists: choose another destination, or pass overwrite: true to replace it.`);
    this.path = path;
  }
}

/** Not enough room for the download (checked before it starts, and ENOSPC while writing). */
export class DiskFullError extends GlacierMultipartError {
  readonly path: string;
  constructor(path: string, detail: string, options?: { cause?: unknown }) {
    super('DISK_FULL', `No room to write ${path} (${detail}): free some space or download to another disk; verified chunks stay in the journal.`, options);
    this.path = path;
  }
}

/** @deprecated Use ChecksumMismatchError (operation 'download'): every checksum mismatch is one class. */
export const DownloadChecksumError = ChecksumMismatchError;
/** @deprecated Use ChecksumMismatchError. */
export type DownloadChecksumError = ChecksumMismatchError;

/** A chunk's body was shorter or longer than asked, or no byte came for too long (retried). */
export class ChunkTransferError extends GlacierMultipartError {
  readonly retryable = true;
  constructor(kind: 'SHORT_BODY' | 'STALLED' | 'BAD_RANGE', message: string) {
    super(kind, message);
  }
}

/** @deprecated Use JournalError (operation 'download'): uploads and downloads share one journal error. */
export const DownloadJournalError = JournalError;
/** @deprecated Use JournalError. */
export type DownloadJournalError = JournalError;

/** @deprecated Use CancelledError (operation 'download'): every cancel is one class. */
export const DownloadCancelledError = CancelledError;
/** @deprecated Use CancelledError. */
export type DownloadCancelledError = CancelledError;

/**
 * A write would go through a symbolic link (or a non-directory): a download, restore or migration never
 * writes through one, since it could lead anywhere, out of the target directory too. One class for the
 * cause; `link` (with `detail`) names the path component at fault when it is not `path` itself.
 */
export class UnsafeDestinationError extends GlacierMultipartError {
  readonly path: string;
  readonly operation: 'download' | 'restore' | 'migrate';
  readonly link: string;
  constructor(path: string, options?: { operation?: 'download' | 'restore' | 'migrate'; link?: string; detail?: string; cause?: unknown }) {
    const operation = options?.operation ?? 'download';
    const link = options?.link ?? path;
    super('UNSAFE_DESTINATION', link === path
      ? `${path} is a symbolic link, and a ${operation} never writes through one (it could lead anywhere): remove it, or name the real file to write.`
      : `${path}: not ${operation === 'restore' ? 'restored' : 'written'}: ${link} ${options?.detail ?? 'is a symbolic link'}, and a ${operation} never writes ` +
        `through it (it could lead out of the target directory). Remove or rename ${link}, or choose another target directory.`, options);
    this.path = path;
    this.operation = operation;
    this.link = link;
  }
}
