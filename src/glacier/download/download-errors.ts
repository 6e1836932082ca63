import { GlacierMultipartError } from '../../errors.js';
import { InvalidOptionError } from '../../options.js';

/**
 * Errors of the retrieval side (jobs and downloadArchive). Every message names what was wrong and
 * what to do about it; errors the service or the network raised are kept as `cause`.
 */

/** The command line that starts a new archive-retrieval job (named in the fixes below). */
export function retrieveCommand(vaultName: string, archiveId: string | undefined): string {
  return `glacier-multipart retrieve --vault ${vaultName} --archive-id ${archiveId ?? '<archive id>'}`;
}

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
  constructor(vaultName: string, archiveId: string, options?: { cause?: unknown }) {
    super('INSUFFICIENT_CAPACITY',
      `Glacier has no Expedited retrieval capacity right now (InsufficientCapacityException): retry later, buy ` +
      `provisioned capacity, or use the Standard tier (hours): ${retrieveCommand(vaultName, archiveId)} --tier Standard.`, options);
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
  constructor(vaultName: string, jobId: string, archiveId: string | undefined, statusMessage: string | undefined) {
    super('JOB_FAILED',
      `Retrieval job ${jobId} failed${statusMessage ? ` (${statusMessage})` : ''}: start a new one with ` +
      `${retrieveCommand(vaultName, archiveId)}.`);
    this.jobId = jobId;
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
      `start a new retrieval job with ${retrieveCommand(vaultName, details.archiveId)}.${kept}`, { cause: details.cause });
    this.jobId = jobId;
    this.vaultName = vaultName;
    this.archiveId = details.archiveId;
    this.journal = details.journal;
    this.keptChunks = details.keptChunks ?? 0;
  }
}

/** The job is still InProgress and the caller asked not to wait. */
export class JobNotCompleteError extends GlacierMultipartError {
  readonly jobId: string;
  constructor(vaultName: string, jobId: string, waitedMs?: number) {
    super('JOB_NOT_COMPLETE',
      `Retrieval job ${jobId} has not completed yet${waitedMs !== undefined ? ` (waited ${Math.round(waitedMs / 1000)} s)` : ''} ` +
      `(Expedited takes minutes, Standard hours, Bulk 5-12 h): download it later with ` +
      `glacier-multipart download --vault ${vaultName} --job-id ${jobId} --out FILE, or let it wait (--wait).`);
    this.jobId = jobId;
  }
}

/** The destination already exists and `overwrite` was not given. */
export class DestinationExistsError extends GlacierMultipartError {
  readonly path: string;
  constructor(path: string) {
    super('DESTINATION_EXISTS', `${path} already exists: choose another destination, or pass overwrite: true (--overwrite) to replace it.`);
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

/**
 * Bytes that do not match Glacier's tree hash: one chunk still wrong after every attempt
 * (`chunkIndex`, `first`, `last` name it), or the whole output's tree hash.
 */
export class DownloadChecksumError extends GlacierMultipartError {
  readonly expected: string;
  readonly actual: string;
  readonly chunkIndex: number | undefined;
  readonly first: number | undefined;
  readonly last: number | undefined;
  constructor(what: string, expected: string, actual: string, chunk?: { index: number; first: number; last: number; attempts: number }) {
    super('CHECKSUM_MISMATCH',
      `${what}: Glacier's tree hash is ${expected} but the bytes received hash to ${actual}` +
      (chunk ? ` (chunk ${chunk.index}, output bytes ${chunk.first}-${chunk.last}, after ${chunk.attempts} attempt${chunk.attempts === 1 ? '' : 's'})` : '') +
      `. Something between Glacier and this machine corrupts data: run the download again (verified chunks are kept), from another network if it repeats.`);
    this.expected = expected;
    this.actual = actual;
    this.chunkIndex = chunk?.index;
    this.first = chunk?.first;
    this.last = chunk?.last;
  }
}

/** A chunk's body was shorter or longer than asked, or no byte came for too long (retried). */
export class ChunkTransferError extends GlacierMultipartError {
  readonly retryable = true;
  constructor(kind: 'SHORT_BODY' | 'STALLED' | 'BAD_RANGE', message: string) {
    super(kind, message);
  }
}

/** A journal that cannot be read or belongs to another download. */
export class DownloadJournalError extends GlacierMultipartError {
  readonly journal: string;
  constructor(journal: string, message: string, options?: { cause?: unknown }) {
    super('INVALID_JOURNAL', message, options);
    this.journal = journal;
  }
}

/** Waiting for the job took longer than `wait.timeout`. */
export class JobWaitTimeoutError extends GlacierMultipartError {
  readonly jobId: string;
  constructor(vaultName: string, jobId: string, waitedMs: number) {
    super('JOB_WAIT_TIMEOUT',
      `Retrieval job ${jobId} did not complete within ${Math.round(waitedMs / 1000)} s: the job keeps running at Glacier; ` +
      `download it later with glacier-multipart download --vault ${vaultName} --job-id ${jobId} --out FILE.`);
    this.jobId = jobId;
  }
}

/** Cancelled through the AbortSignal; `journal` (when set) continues the download. */
export class DownloadCancelledError extends GlacierMultipartError {
  readonly jobId: string | undefined;
  readonly journal: string | undefined;
  constructor(details: { jobId?: string; journal?: string; cause?: unknown } = {}) {
    super('CANCELLED',
      `The download was cancelled${details.jobId ? ` (job ${details.jobId})` : ''}` +
      `${details.journal ? `; the journal ${details.journal} keeps the verified chunks for the next run` : ''}.`, { cause: details.cause });
    this.jobId = details.jobId;
    this.journal = details.journal;
  }
}

/** The destination (or its partial file) is a symbolic link: a download never writes through one. */
export class UnsafeDestinationError extends GlacierMultipartError {
  readonly path: string;
  constructor(path: string, options?: { cause?: unknown }) {
    super('UNSAFE_DESTINATION',
      `${path} is a symbolic link, and a download never writes through one (it could lead anywhere): ` +
      `remove it, or name the real file to write.`, options);
    this.path = path;
  }
}
