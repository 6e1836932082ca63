import { GlacierMultipartError } from '../errors.js';
import { InvalidOptionError } from '../options.js';

/**
 * Errors of the uploader layer. Every message names what was wrong and what to do about it.
 * Errors the service or the network raised are kept as `cause`.
 */

// InvalidPartSizeError and TooManyPartsError live beside the base class (src/errors.ts): the pool
// raises them too.
export { InvalidPartSizeError, SourceChangedError, TooManyPartsError } from '../errors.js';

/** An archive description Glacier would refuse (at most 1,024 characters, ASCII 0x20-0x7E). */
export class InvalidDescriptionError extends GlacierMultipartError {
  constructor(detail: string) {
    super('INVALID_DESCRIPTION',
      `Invalid archive description: ${detail}. Glacier accepts at most 1,024 printable ASCII characters ` +
      `(0x20-0x7E); remove or replace the others (real Glacier answers them with a misleading signature error).`);
  }
}

/** @deprecated the uploader's option error: use InvalidOptionError (the one option error; same `option` and code 'INVALID_OPTION'). */
export const InvalidUploadOptionError = InvalidOptionError;
/** @deprecated use InvalidOptionError. */
export type InvalidUploadOptionError = InvalidOptionError;

/** Glacier cannot store an empty archive through a multipart upload. */
export class EmptyArchiveError extends GlacierMultipartError {
  constructor(what: string) {
    super('EMPTY_ARCHIVE', `${what} is empty: a Glacier archive needs at least one byte. Check the source.`);
  }
}

/** Glacier's tree hash of what it received (a part, or the whole archive) differs from ours. */
export class ChecksumMismatchError extends GlacierMultipartError {
  readonly expected: string;
  readonly actual: string;
  readonly partIndex: number | undefined;
  /** Set when CompleteMultipartUpload created an archive whose tree hash is not ours. */
  readonly archiveId: string | undefined;
  constructor(what: string, expected: string, actual: string, partIndex?: number, archiveId?: string) {
    super('CHECKSUM_MISMATCH',
      `${what}: Glacier computed tree hash ${actual} but we computed ${expected}. The data was corrupted ` +
      `in transit or changed while uploading; ${archiveId ? `delete archive ${archiveId} (DeleteArchive) and ` : ''}upload it again.`);
    this.expected = expected;
    this.actual = actual;
    this.partIndex = partIndex;
    this.archiveId = archiveId;
  }
}

/** The upload id is unknown to Glacier: expired (24 h without activity), aborted, completed or mistyped. */
export class UploadNotFoundError extends GlacierMultipartError {
  readonly uploadId: string;
  readonly vaultName: string;
  constructor(vaultName: string, uploadId: string, options?: { cause?: unknown; journal?: string }) {
    super('UPLOAD_NOT_FOUND',
      `Multipart upload ${uploadId} does not exist in vault "${vaultName}" (expired after 24 h without ` +
      `activity, aborted, already completed, or a wrong id/vault). It cannot be resumed: start over ` +
      `without uploadId${options?.journal ? ` and delete the journal ${options.journal}` : ''}.`,
      { cause: options?.cause });
    this.uploadId = uploadId;
    this.vaultName = vaultName;
  }
}

/** No byte moved for the client's requestTimeout (or no connection within connectTimeout), on every attempt. */
export class RequestTimeoutError extends GlacierMultipartError {
  readonly operation: string;
  constructor(operation: string, options?: { cause?: unknown }) {
    const detail = (options?.cause as { message?: unknown } | undefined)?.message;
    super('REQUEST_TIMEOUT',
      `${operation}: Glacier did not answer in time${typeof detail === 'string' ? ` (${detail.replace(/^@smithy\/node-http-handler - /, '')})` : ''}, ` +
      `on every attempt. Check the endpoint and the network; if the link is that slow, raise requestTimeout (CLI: --request-timeout).`,
      options);
    this.operation = operation;
  }
}

/** Glacier (or whatever answers at the endpoint) sent an answer that lacks what the protocol promises. */
export class UnexpectedResponseError extends GlacierMultipartError {
  readonly operation: string;
  constructor(operation: string, detail: string) {
    super('UNEXPECTED_RESPONSE',
      `${operation} answered without ${detail}: the endpoint did not answer like Glacier. Check the endpoint (CLI: --endpoint) ` +
      `and try again; if it is Glacier, this is a service fault worth reporting.`);
    this.operation = operation;
  }
}

/** The vault does not exist in this account and region. */
export class VaultNotFoundError extends GlacierMultipartError {
  readonly vaultName: string;
  constructor(vaultName: string, options?: { cause?: unknown }) {
    super('VAULT_NOT_FOUND',
      `Vault "${vaultName}" does not exist for this account and region: create it first ` +
      `(glacier-multipart vault create ${vaultName}) or check the region and account id.`, options);
    this.vaultName = vaultName;
  }
}

/** The upload to resume does not match what is being uploaded now (part size, vault, file). */
export class ResumeMismatchError extends GlacierMultipartError {
  constructor(message: string) {
    super('RESUME_MISMATCH', message);
  }
}

/** The journal file cannot be read or belongs to something else. */
export class JournalError extends GlacierMultipartError {
  readonly journal: string;
  constructor(journal: string, message: string, options?: { cause?: unknown }) {
    super('INVALID_JOURNAL', message, options);
    this.journal = journal;
  }
}


/**
 * CompleteMultipartUpload was sent (the journal says so) but its answer was lost, and Glacier no
 * longer recognises the upload: the archive was very likely created. Never a cue to upload again.
 */
export class CompleteAnswerLostError extends GlacierMultipartError {
  readonly uploadId: string;
  readonly vaultName: string;
  readonly archiveSize: number;
  readonly treeHash: string;
  readonly journal: string | undefined;
  constructor(d: { vaultName: string; uploadId: string; archiveSize: number; treeHash: string; sentAt?: string; journal?: string; fileChanged?: string; cause?: unknown }) {
    super('COMPLETE_ANSWER_LOST',
      `CompleteMultipartUpload of upload ${d.uploadId} was sent${d.sentAt ? ` at ${d.sentAt}` : ''} but its answer was lost, and Glacier no longer ` +
      `knows the upload (it answers a repeated Complete only for a while). The archive was very likely created in vault "${d.vaultName}": ` +
      `${d.archiveSize} bytes with tree hash ${d.treeHash}. Do not upload it again: find its archive id in an inventory of vault ` +
      `"${d.vaultName}" (an inventory-retrieval job; new archives appear in it within about a day) by that size and tree hash` +
      `${d.journal ? `, then delete the journal ${d.journal}` : ''}.` +
      `${d.fileChanged ? ` The file has changed since (${d.fileChanged}): to store its new bytes, upload it as a new archive.` : ''}`,
      { cause: d.cause });
    this.uploadId = d.uploadId;
    this.vaultName = d.vaultName;
    this.archiveSize = d.archiveSize;
    this.treeHash = d.treeHash;
    this.journal = d.journal;
  }
}

/** complete() found gaps or malformed parts in the upload. */
export class IncompleteUploadError extends GlacierMultipartError {
  readonly missingParts: number[];
  constructor(uploadId: string, missingParts: number[], detail?: string) {
    super('INCOMPLETE_UPLOAD',
      `Upload ${uploadId} cannot be completed: ${detail ?? `parts ${formatList(missingParts)} are missing`}. ` +
      `Upload those parts, then complete again.`);
    this.missingParts = missingParts;
  }
}

/**
 * Cancelled through the AbortSignal. When uploadArchive is cancelled after the upload started,
 * `uploadId`, `journal` and `aborted` say what became of it (as on UploadFailedError).
 */
export class UploadCancelledError extends GlacierMultipartError {
  readonly uploadId: string | undefined;
  readonly journal: string | undefined;
  readonly aborted: boolean;
  readonly uploadedParts: number;
  /** The policy called for an abort and the abort itself failed with this (the upload is left open). */
  readonly abortError: unknown;
  constructor(message = 'The upload was cancelled through its AbortSignal.',
    options?: { cause?: unknown; uploadId?: string; journal?: string; aborted?: boolean; uploadedParts?: number; abortError?: unknown }) {
    super('CANCELLED', message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.uploadId = options?.uploadId;
    this.journal = options?.journal;
    this.aborted = options?.aborted ?? false;
    this.uploadedParts = options?.uploadedParts ?? 0;
    this.abortError = options?.abortError;
  }
}

/**
 * uploadArchive failed (code UPLOAD_FAILED). `cause` is the underlying error, with its own code.
 * With leavePartsOnError: false (the default) the upload was aborted (`aborted`), otherwise
 * `uploadId` and `journal` say how to resume. A cancel rejects with UploadCancelledError instead.
 */
export class UploadFailedError extends GlacierMultipartError {
  readonly uploadId: string | undefined;
  readonly journal: string | undefined;
  readonly aborted: boolean;
  readonly uploadedParts: number;
  /** The policy called for an abort and the abort itself failed with this (the upload is left open). */
  readonly abortError: unknown;
  constructor(message: string, details: { uploadId?: string; journal?: string; aborted: boolean; uploadedParts: number; cause: unknown; abortError?: unknown }) {
    super('UPLOAD_FAILED', message, { cause: details.cause });
    this.uploadId = details.uploadId;
    this.journal = details.journal;
    this.aborted = details.aborted;
    this.uploadedParts = details.uploadedParts;
    this.abortError = details.abortError;
  }
}

/** The SDK was asked to hash a request body that the uploader did not hash (a wiring bug, never silent). */
export class ChecksumNotPrecomputedError extends GlacierMultipartError {
  constructor(detail: string) {
    super('CHECKSUM_NOT_PRECOMPUTED',
      `The Glacier client was asked to hash a request body (${detail}) whose checksums were not computed ` +
      `in advance; this client never hashes payloads on the main thread. Upload parts through ` +
      `MultipartUpload/uploadArchive, or use a GlacierClient without glacier-multipart's checksum generator.`);
  }
}

function formatList(values: number[]): string {
  const shown = values.slice(0, 10).join(', ');
  return values.length > 10 ? `${shown} and ${values.length - 10} more` : shown;
}
