// The uploader layer's public surface (design.md's contract, plus what users need to configure it
// and handle its errors): part sizing, the client factory, MultipartUpload and uploadArchive().
// Internals (ranges, retries, checksum wiring, ListParts quirks) are imported by path, not from here.
export * from './errors.js';
export {
  MiB, GiB, MIN_PART_SIZE, MAX_PART_SIZE, MAX_PARTS, MAX_ARCHIVE_SIZE, MAX_DESCRIPTION_LENGTH,
  AUTO_MIN_PART_SIZE, DEFAULT_STREAM_PART_SIZE,
  choosePartSize, isValidPartSize, validatePartSize, validateDescription,
} from './part-size.js';
export { createGlacierClient, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT_MS, type CreateGlacierClientOptions } from './client.js';
export {
  MultipartUpload,
  type Callback, type MultipartUploadTarget, type StartMultipartUploadOptions, type ResumeMultipartUploadOptions,
  type UploadSummary, type PartHashes, type FilePartBody, type UploadPartOptions, type UploadedPart, type ListedPart,
  type CompleteOptions, type CompletedArchive,
} from './upload/multipart-upload.js';
export { readJournal, type JournalHeader, type JournalState, type JournalFileIdentity, type JournalConnection } from './upload/journal.js';
export {
  uploadArchive, defaultHashThreads, MAX_BUFFERED_PART_SIZE, DEFAULT_CONCURRENCY, DEFAULT_MAX_ATTEMPTS,
  type UploadArchiveOptions, type UploadArchiveResult, type UploadProgress,
} from './upload/upload-archive.js';
export type { UploadSource } from './sources.js';
// The retrieval side: jobs and the verified, parallel, resumable downloadArchive().
export {
  InvalidDownloadOptionError, RangeNotAlignedError, ArchiveNotFoundError, InsufficientCapacityError, RetrievalPolicyError,
  RetrievalJobFailedError, JobNotFoundError, JobNotCompleteError, DestinationExistsError, DiskFullError, DownloadChecksumError,
  ChunkTransferError, DownloadJournalError, JobWaitTimeoutError, DownloadCancelledError, UnsafeDestinationError,
} from './download/download-errors.js';
export {
  initiateRetrievalJob, describeJob, listJobs, waitForJob, RETRIEVAL_TIERS, DEFAULT_WAIT_TIMEOUT_MS,
  type RetrievalTier, type JobTarget, type ByteRange, type RetrievalJob, type InitiateRetrievalOptions, type ListJobsOptions, type WaitOptions,
} from './download/jobs.js';
export { fetchJobOutputRange, type FetchRangeOptions, type FetchedRange } from './download/job-output.js';
export { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, type OutputChunk, type HashedRange } from './download/chunk-plan.js';
export { readDownloadJournal, type DownloadJournalHeader, type DownloadJournalState, type VerifiedChunk } from './download/download-journal.js';
export {
  downloadArchive, DEFAULT_DOWNLOAD_CONCURRENCY,
  type DownloadArchiveOptions, type DownloadArchiveResult, type DownloadProgress,
} from './download/download-archive.js';
