/**
 * The one base class of every error glacier-multipart throws on purpose. Each layer defines its
 * subclasses next to its code (src/pool/errors.ts, src/glacier/errors.ts, …); all are exported from
 * the package root. Messages name what was wrong and what to do about it.
 */
export class GlacierMultipartError extends Error {
  /** A stable machine-readable code, e.g. 'INVALID_PART_SIZE'. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Input that cannot work as given (an option value, a missing option, a combination that makes no
 * sense), found before any request: fix the call or the command line. The CLI exits 2 for these.
 */
export class UsageError extends GlacierMultipartError {}

/** A part size Glacier would refuse: it must be 1 MiB x 2^n, from 1 MiB to 4 GiB. */
export class InvalidPartSizeError extends GlacierMultipartError {
  readonly partSize: unknown;
  constructor(partSize: unknown, detail: string) {
    super(
      'INVALID_PART_SIZE',
      `Invalid part size ${typeof partSize === 'string' ? JSON.stringify(partSize) : String(partSize)} (${detail}): Glacier accepts 1 MiB x 2^n ` +
        `between 1048576 (1 MiB) and 4294967296 (4 GiB) bytes, e.g. 8388608 (8 MiB).`,
    );
    this.partSize = partSize;
  }
}

/** The archive cannot fit in Glacier's 10,000 parts at this part size. */
export class TooManyPartsError extends GlacierMultipartError {
  readonly partSize: number;
  readonly archiveSize: number | undefined;
  constructor(partSize: number, archiveSize: number | undefined, message?: string) {
    super('TOO_MANY_PARTS', message ??
      `An archive of ${archiveSize} bytes needs more than 10,000 parts of ${partSize} bytes: pass a larger ` +
      `partSize (or 'auto'); an archive can be at most 10,000 x 4 GiB.`);
    this.partSize = partSize;
    this.archiveSize = archiveSize;
  }
}

/**
 * The one "file changed" error: a source file's identity (size, inode, mtime, ctime) or length
 * changed while it was being read, hashed or uploaded. The pool's FileChangedError is this class.
 */
export class SourceChangedError extends GlacierMultipartError {
  readonly path: string;
  constructor(path: string, detail: string) {
    super('SOURCE_CHANGED',
      `${path} changed while it was being uploaded or hashed (${detail}): an archive or hash of it would not match any version ` +
      `of the file. Use a file that nobody writes to (e.g. a copy or a snapshot).`);
    this.path = path;
  }
}

/**
 * A broken internal invariant (a bug in glacier-multipart, never bad input): report it. Not named
 * "InternalError", which is one of Glacier's retryable error names.
 */
export class InvariantError extends GlacierMultipartError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INTERNAL', `${message} (a bug in glacier-multipart: please report it)`, options);
  }
}

/** What a CancelledError stopped. */
export type CancelledOperation = 'upload' | 'download' | 'hash' | 'job' | 'inventory' | 'request';

/** The facts a CancelledError carries; `message` replaces the one written from them. */
export interface CancelledDetails {
  operation?: CancelledOperation;
  message?: string;
  cause?: unknown;
  /** The multipart upload the cancel left behind (open unless `aborted`). */
  uploadId?: string;
  /** The retrieval or inventory job, which keeps running at Glacier. */
  jobId?: string;
  /** The journal that continues the work. */
  journal?: string;
  /** The upload was aborted (its parts deleted) because of the cancel. */
  aborted?: boolean;
  uploadedParts?: number;
  /** The policy called for an abort and the abort itself failed with this (the upload is left open). */
  abortError?: unknown;
}

/**
 * The one "cancelled through the AbortSignal" error, of every operation (upload, download, hash,
 * job wait, inventory). Its `name` is 'AbortError' like the DOM's and Node's own abort errors, so
 * generic `err.name === 'AbortError'` checks work too. The fields say what is left to continue.
 */
export class CancelledError extends GlacierMultipartError {
  readonly operation: CancelledOperation;
  readonly uploadId: string | undefined;
  readonly jobId: string | undefined;
  readonly journal: string | undefined;
  readonly aborted: boolean;
  readonly uploadedParts: number;
  readonly abortError: unknown;
  constructor(d: CancelledDetails = {}) {
    const operation = d.operation ?? 'request';
    super('CANCELLED', d.message ?? `The ${operation} was cancelled through its AbortSignal${d.jobId ? ` (job ${d.jobId})` : ''}` +
      `${d.journal ? `; the journal ${d.journal} keeps what was done for the next run` : ''}.`, d.cause === undefined ? undefined : { cause: d.cause });
    this.name = 'AbortError';
    this.operation = operation;
    this.uploadId = d.uploadId;
    this.jobId = d.jobId;
    this.journal = d.journal;
    this.aborted = d.aborted ?? false;
    this.uploadedParts = d.uploadedParts ?? 0;
    this.abortError = d.abortError;
  }
}

/** What is wrong with a journal. */
export type JournalErrorKind =
  /** The file is not a journal of this kind (another file, not JSON, no header). */
  | 'not-a-journal'
  /** A journal of another format version. */
  | 'version'
  /** A damaged header or line, or a file cut short. */
  | 'damaged'
  /** It cannot be read (permissions, I/O). */
  | 'unreadable'
  /** It cannot be created, written or appended to. */
  | 'unwritable'
  /** A valid journal of other work (another archive, vault, range or job). */
  | 'mismatch';

/**
 * The one journal error, of uploads and downloads alike: `kind` says what is wrong, `problem`
 * states it without a fix (for callers that word their own), `uploadId` names the upload a
 * damaged upload journal still records (it can be resumed by id instead).
 */
export class JournalError extends GlacierMultipartError {
  readonly journal: string;
  readonly kind: JournalErrorKind;
  readonly operation: 'upload' | 'download';
  readonly problem: string;
  readonly uploadId: string | undefined;
  constructor(d: { journal: string; kind: JournalErrorKind; operation: 'upload' | 'download'; problem: string; fix: string; uploadId?: string; cause?: unknown }) {
    super('INVALID_JOURNAL', `${d.problem}. ${d.fix}`, d.cause === undefined ? undefined : { cause: d.cause });
    this.journal = d.journal;
    this.kind = d.kind;
    this.operation = d.operation;
    this.problem = d.problem;
    this.uploadId = d.uploadId;
  }
}

/** Who found a checksum mismatch. */
export type ChecksumOperation = 'upload' | 'download' | 'restore' | 'migrate';

/** Which bytes a ChecksumMismatchError is about. */
export type ChecksumScope = 'part' | 'archive' | 'chunk' | 'range' | 'file';

export interface ChecksumMismatchDetails {
  scope: ChecksumScope;
  /** Who saw the mismatch: an upload (Glacier's hash of what it received), a download, restore or migration (ours of what arrived). */
  operation: ChecksumOperation;
  /** The bytes in words, e.g. "Part 3 (bytes 0-1048575/*)". */
  what: string;
  /** The tree hash the bytes should have: ours for an upload, Glacier's (or the catalog's) for a download or restore. */
  expected: string;
  /** The tree hash found: Glacier's for an upload, that of the bytes received for a download or restore. */
  actual: string;
  partIndex?: number;
  /** Set when CompleteMultipartUpload created an archive whose tree hash is not ours, or for the archive retrieved. */
  archiveId?: string;
  jobId?: string;
  /** The chunk of a download still wrong after every attempt. */
  chunk?: { index: number; first: number; last: number; attempts: number };
  /** The local file a restore did not write. */
  path?: string;
}

function checksumAdvice(d: ChecksumMismatchDetails): string {
  if (d.operation === 'upload') {
    return `Glacier computed tree hash ${d.actual} but we computed ${d.expected}. The data was corrupted in transit or changed while uploading; ` +
      `${d.scope === 'archive' && d.archiveId ? `delete archive ${d.archiveId} (DeleteArchive) and ` : ''}upload it again.`;
  }
  if (d.operation === 'restore') {
    return `the retrieved archive has tree hash ${d.actual}, but the catalog records ${d.expected}; the file was not written. ` +
      `Check that the catalog belongs to this vault (rebuild it from an inventory if not), then restore again.`;
  }
  if (d.operation === 'migrate') {
    return `the retrieved archive has tree hash ${d.actual}, but the inventory records ${d.expected}; nothing was written. ` +
      `Run the migration again (a new retrieval job is started for this archive).`;
  }
  const c = d.chunk;
  return `Glacier's tree hash is ${d.expected} but the bytes received hash to ${d.actual}` +
    (c ? ` (chunk ${c.index}, output bytes ${c.first}-${c.last}, after ${c.attempts} attempt${c.attempts === 1 ? '' : 's'})` : '') +
    `. Something between Glacier and this machine corrupts data: download again (verified chunks are kept), from another network if it repeats.`;
}

/**
 * The one checksum-mismatch error: bytes whose SHA-256 tree hash is not the one they should have.
 * `scope` says which bytes (an uploaded part, an archive, a downloaded chunk or range, a restored
 * file), `operation` who found it.
 */
export class ChecksumMismatchError extends GlacierMultipartError {
  readonly scope: ChecksumScope;
  readonly operation: ChecksumOperation;
  readonly expected: string;
  readonly actual: string;
  readonly partIndex: number | undefined;
  readonly archiveId: string | undefined;
  readonly jobId: string | undefined;
  readonly chunkIndex: number | undefined;
  readonly first: number | undefined;
  readonly last: number | undefined;
  readonly path: string | undefined;
  constructor(d: ChecksumMismatchDetails) {
    super('CHECKSUM_MISMATCH', `${d.what}: ${checksumAdvice(d)}`);
    this.scope = d.scope;
    this.operation = d.operation;
    this.expected = d.expected;
    this.actual = d.actual;
    this.partIndex = d.partIndex;
    this.archiveId = d.archiveId;
    this.jobId = d.jobId;
    this.chunkIndex = d.chunk?.index;
    this.first = d.chunk?.first;
    this.last = d.chunk?.last;
    this.path = d.path;
  }
}
