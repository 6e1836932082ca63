import { availableParallelism } from 'node:os';
import type { GlacierClient, GlacierClientConfig } from '@aws-sdk/client-glacier';
import type { HashPool } from '../../pool/index.js';
import { checkTimeouts } from '../client.js';
import { InvalidOptionError, LIMITS, checkClient, checkLimit, checkOptionsObject, checkSignal } from '../../options.js';
import type { UploadProgress } from './upload-progress.js';
import { checkAccountId, checkVaultName, validateDescription, validatePartSize } from '../part-size.js';
import { DEFAULT_MAX_ATTEMPTS } from '../retry.js';
import type { JournalConnection } from './journal.js';
import type { UploadSource } from '../sources.js';
import { MiB } from '../part-size.js';

/** Parts above this size are streamed from the file (hashed by HashPool.hashFile) instead of held in memory. */
export const MAX_BUFFERED_PART_SIZE = 64 * MiB;
export const DEFAULT_CONCURRENCY = LIMITS.uploadConcurrency.default;
export { DEFAULT_MAX_ATTEMPTS };

/** The subset of HashPool this layer uses. */
export type Pool = Pick<HashPool, 'hashPart' | 'hashFile' | 'destroy'>;

export interface UploadArchiveOptions {
  vaultName: string;
  /** Default '-': the account of the credentials. */
  accountId?: string;
  /** A file path, bytes, a Node Readable (e.g. process.stdin) or an AsyncIterable of bytes. */
  source: UploadSource;
  /** At most 1,024 printable ASCII characters. */
  description?: string;
  /**
   * Bytes per part, 1 MiB x 2^n up to 4 GiB, or 'auto' (default): see choosePartSize() — the
   * smallest power of two keeping the archive within 10,000 parts, at least 8 MiB. For a stream of
   * unknown size 'auto' uses `expectedSize` when given, else DEFAULT_STREAM_PART_SIZE (64 MiB,
   * archives up to 625 GiB).
   */
  partSize?: number | 'auto';
  /** For streams: roughly how many bytes will come, to size parts (an upper estimate is safest). */
  expectedSize?: number;
  /** Parts being uploaded at once, default 4. Memory is about concurrency x partSize. */
  concurrency?: number;
  /**
   * Extra part buffers read and hashed ahead while `concurrency` parts upload, so a slot that
   * frees starts its next upload at once. Default: as many as fit in 32 MiB, at most 2 (none for
   * parts of 64 MiB and more); 0 turns it off.
   */
  readAhead?: number;
  /**
   * Default: a client built from `clientConfig` like createGlacierClient() builds it (SDK retries
   * off: we retry). A client of your own keeps its own retries, which then run inside each of ours:
   * up to maxAttempts x its maxAttempts tries per request (createGlacierClient() has 1).
   */
  client?: GlacierClient;
  /** Config of the client created when `client` is not given (maxAttempts defaults to 1 there). */
  clientConfig?: GlacierClientConfig;
  /**
   * For the client created when `client` is not given: ms a request may go without a byte moving
   * before it fails and is retried (default 120 s; see createGlacierClient). With your own client,
   * set it there: createGlacierClient({ requestTimeout }).
   */
  requestTimeout?: number;
  /** For the client created when `client` is not given: ms to connect (default 10 s). */
  connectTimeout?: number;
  /** Default: a HashPool created for this upload (and destroyed after it), with `threads` threads. */
  pool?: Pool;
  /** Threads of the pool created for this upload; default defaultHashThreads(). Ignored with `pool`. */
  threads?: number;
  /** Engine of the pool created for this upload (ignored with `pool`). */
  engine?: 'wasm' | 'node' | 'auto';
  signal?: AbortSignal;
  /** At most every 100 ms, plus a final report. */
  onProgress?: (progress: UploadProgress) => void;
  /** Resume this upload: ListParts tells which parts Glacier holds; only missing or different parts are sent. */
  uploadId?: string;
  /** Journal file: resumed when it exists, created otherwise; deleted after success (or after an abort). */
  journal?: string;
  /**
   * On failure, true leaves the multipart upload open for a resume (the error carries its upload id
   * and journal); false aborts it. Default: false for an upload this call started; true for one it
   * continues (uploadId, or a journal of an earlier run), whose parts earlier runs paid for.
   */
  leavePartsOnError?: boolean;
  /**
   * On cancel (the signal), true leaves the upload open for a resume, false aborts it.
   * Default: `leavePartsOnError`'s value (or its default).
   */
  leavePartsOnCancel?: boolean;
  /** Attempts per request, first included (default 5). */
  maxAttempts?: number;
  /**
   * Recorded in a new journal's header (the upload itself goes through `client`), so that a resume
   * from the journal alone can reconnect to the same endpoint and region.
   */
  connection?: JournalConnection;
  /**
   * Resuming a file: re-hash every part Glacier holds from the bytes on disk, even when the file's
   * identity (path, device, inode, size, mtime, ctime) matches the journal's. Without it, held
   * parts are re-hashed only when something in that identity changed (or there is no journal).
   */
  verify?: boolean;
  /**
   * Resuming a file whose bytes match none of the parts the upload holds (another file's upload,
   * or a replaced file) is refused; force replaces those parts with this file's instead.
   */
  force?: boolean;
}

export interface UploadArchiveResult {
  archiveId: string;
  location: string;
  /** The archive's tree hash, as Glacier confirmed it. */
  checksum: string;
  archiveSize: number;
  uploadId: string;
  partSize: number;
  partCount: number;
  /** Parts sent in this run. */
  uploadedParts: number;
  /** Parts Glacier already held (resume) and that were not sent again. */
  skippedParts: number;
}

/** Everything that can be checked without touching the source or the network. */
export function checkOptions(o: UploadArchiveOptions): void {
  checkOptionsObject(o, 'uploadArchive', '{ vaultName, source, ... }');
  checkVaultName(o.vaultName);
  checkAccountId(o.accountId);
  if (o.source === undefined || o.source === null) {
    throw new InvalidOptionError('source', 'source is missing: pass a file path, a Uint8Array, a Readable (e.g. process.stdin) or an AsyncIterable of bytes.');
  }
  validateDescription(o.description);
  if (o.partSize !== undefined && o.partSize !== 'auto') validatePartSize(o.partSize);
  checkLimit('expectedSize', o.expectedSize);
  checkLimit('uploadConcurrency', o.concurrency);
  checkLimit('readAhead', o.readAhead);
  checkLimit('threads', o.threads);
  checkLimit('maxAttempts', o.maxAttempts);
  if (o.engine !== undefined && !['wasm', 'node', 'auto'].includes(o.engine)) {
    throw new InvalidOptionError('engine', `engine must be 'wasm', 'node' or 'auto', got ${JSON.stringify(o.engine)}.`);
  }
  if (o.uploadId !== undefined && (typeof o.uploadId !== 'string' || o.uploadId.length === 0)) {
    throw new InvalidOptionError('uploadId', `uploadId must be the non-empty id of an open multipart upload, got ${JSON.stringify(o.uploadId)}.`);
  }
  if (o.journal !== undefined && (typeof o.journal !== 'string' || o.journal.length === 0)) {
    throw new InvalidOptionError('journal', `journal must be a file path, got ${JSON.stringify(o.journal)}.`);
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') {
    throw new InvalidOptionError('onProgress', 'onProgress must be a function (progress) => void.');
  }
  checkClient(o);
  checkTimeouts(o);
  for (const flag of ['verify', 'force', 'leavePartsOnError', 'leavePartsOnCancel'] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== 'boolean') {
      throw new InvalidOptionError(flag, `${flag} must be true or false, got ${JSON.stringify(o[flag])}.`);
    }
  }
  if (o.client !== undefined && (o.requestTimeout !== undefined || o.connectTimeout !== undefined)) {
    throw new InvalidOptionError('requestTimeout',
      'requestTimeout and connectTimeout configure the client uploadArchive creates: with your own client, set them there (createGlacierClient({ requestTimeout, connectTimeout })).');
  }
  if (o.pool !== undefined && (!o.pool || typeof o.pool.hashPart !== 'function')) {
    throw new InvalidOptionError('pool', 'pool must be a HashPool.');
  }
  checkSignal(o.signal);
}


/**
 * Threads for the pool uploadArchive creates: one per core but one, at least one. The main thread
 * needs a core of its own for the requests (HTTP, and TLS encryption against real Glacier); one
 * thread with SHA-NI hashes (linear + tree) faster than most links upload.
 */
export function defaultHashThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}
