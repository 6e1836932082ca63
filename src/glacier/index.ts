// The uploader layer: part sizing, SDK wiring, MultipartUpload and the managed uploadArchive().
export * from './errors.js';
export {
  MiB, GiB, MIN_PART_SIZE, MAX_PART_SIZE, MAX_PARTS, MAX_ARCHIVE_SIZE, MAX_DESCRIPTION_LENGTH,
  AUTO_MIN_PART_SIZE, DEFAULT_STREAM_PART_SIZE,
  choosePartSize, isValidPartSize, validatePartSize, validateDescription, isValidVaultName, checkVaultName, checkAccountId,
  partRange, contentRange, parseListedRange,
  type PartRange,
} from './part-size.js';
export { isRetryableError, backoffDelay, type RetryOptions } from './retry.js';
export { createGlacierClient, type CreateGlacierClientOptions } from './client.js';
export { precomputedChecksumGenerator, installChecksumGenerator } from './checksums.js';
export {
  MultipartUpload,
  type Callback, type MultipartUploadTarget, type StartMultipartUploadOptions, type ResumeMultipartUploadOptions,
  type UploadSummary, type PartHashes, type FilePartBody, type UploadPartOptions, type UploadedPart, type ListedPart,
  type CompleteOptions, type CompletedArchive,
} from './multipart-upload.js';
export { readJournal, type JournalHeader, type JournalState, type JournalFileIdentity, type JournalConnection } from './journal.js';
export {
  uploadArchive, defaultHashThreads, MAX_BUFFERED_PART_SIZE, DEFAULT_CONCURRENCY, DEFAULT_MAX_ATTEMPTS,
  type UploadArchiveOptions, type UploadArchiveResult, type UploadProgress,
} from './upload-archive.js';
export type { UploadSource } from './sources.js';
