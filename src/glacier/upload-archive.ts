import { constants } from 'node:fs';
import { access, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { GlacierClient, GlacierClientConfig } from '@aws-sdk/client-glacier';
import { combineTreeHashes } from '../hash/index.js';
import { HashPool, type FilePartHash } from '../pool/index.js';
import { GlacierMultipartError } from '../errors.js';
import { checkTimeouts, createGlacierClient } from './client.js';
import {
  ChecksumMismatchError, EmptyArchiveError, InvalidUploadOptionError, JournalError, ResumeMismatchError, SourceChangedError, TooManyPartsError, UploadCancelledError,
  UploadFailedError, UploadNotFoundError,
} from './errors.js';
import { JOURNAL_FORMAT, JOURNAL_VERSION, JournalWriter, readJournal, type JournalState } from './journal.js';
import { MultipartUpload, type ListedPart, type PartHashes } from './multipart-upload.js';
import {
  DEFAULT_STREAM_PART_SIZE, MAX_PARTS, MiB, checkAccountId, checkPartCount, checkVaultName, choosePartSize, validateDescription,
  validatePartSize,
} from './part-size.js';
import { DEFAULT_MAX_ATTEMPTS, cancelledError, checkMaxAttempts, isRetryableError } from './retry.js';
import { failUpload } from './failure-policy.js';
import { lostAnswer, repeatSentComplete } from './lost-complete.js';
import { findInitiatedUpload } from './pending-initiate.js';
import { identityDifference, isStreamReader, openSource, type PartReader, type UploadSource } from './sources.js';

/** Parts above this size are streamed from the file (hashed by HashPool.hashFile) instead of held in memory. */
export const MAX_BUFFERED_PART_SIZE = 64 * MiB;
export const DEFAULT_CONCURRENCY = 4;
export { DEFAULT_MAX_ATTEMPTS };
/** Read-ahead: at most this many extra part buffers, and at most this many bytes of them. */
const MAX_READ_AHEAD = 2;
const READ_AHEAD_BYTES = 32 * MiB;
const PROGRESS_INTERVAL_MS = 100;

export interface UploadProgress {
  /** Bytes hashed by the pool so far (skipped parts trusted from the journal are not re-hashed). */
  bytesHashed: number;
  /** Bytes Glacier confirmed in this run. */
  bytesUploaded: number;
  /** Bytes of parts Glacier already held (resume), not sent again. */
  bytesSkipped: number;
  /** Parts finished: uploaded + skipped. */
  partsDone: number;
  partsUploaded: number;
  partsSkipped: number;
  /** Known for files and byte arrays; for a stream only once it has ended. */
  partsTotal: number | undefined;
  totalBytes: number | undefined;
  partSize: number;
  /** Retried requests so far. */
  retries: number;
  uploadId: string | undefined;
  /** True on the final report of a successful upload. */
  done: boolean;
}

/** The subset of HashPool this layer uses. */
type Pool = Pick<HashPool, 'hashPart' | 'hashFile' | 'destroy'>;

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

function checkInt(option: string, value: unknown, min: number, max: number, what: string): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)) {
    throw new InvalidUploadOptionError(option, `${option} must be a whole number from ${min} to ${max} (${what}), got ${String(value)}.`);
  }
}

/** Everything that can be checked without touching the source or the network. */
function checkOptions(o: UploadArchiveOptions): void {
  if (!o || typeof o !== 'object') throw new InvalidUploadOptionError('options', 'uploadArchive needs an options object: { vaultName, source, ... }.');
  checkVaultName(o.vaultName);
  checkAccountId(o.accountId);
  if (o.source === undefined || o.source === null) {
    throw new InvalidUploadOptionError('source', 'source is missing: pass a file path, a Uint8Array, a Readable (e.g. process.stdin) or an AsyncIterable of bytes.');
  }
  validateDescription(o.description);
  if (o.partSize !== undefined && o.partSize !== 'auto') validatePartSize(o.partSize);
  checkInt('expectedSize', o.expectedSize, 1, Number.MAX_SAFE_INTEGER, 'bytes');
  checkInt('concurrency', o.concurrency, 1, 1000, 'parts in flight');
  checkInt('readAhead', o.readAhead, 0, 16, 'extra parts read and hashed ahead');
  checkInt('threads', o.threads, 1, 1024, 'hashing threads');
  checkMaxAttempts(o.maxAttempts);
  if (o.engine !== undefined && !['wasm', 'node', 'auto'].includes(o.engine)) {
    throw new InvalidUploadOptionError('engine', `engine must be 'wasm', 'node' or 'auto', got ${JSON.stringify(o.engine)}.`);
  }
  if (o.uploadId !== undefined && (typeof o.uploadId !== 'string' || o.uploadId.length === 0)) {
    throw new InvalidUploadOptionError('uploadId', `uploadId must be the non-empty id of an open multipart upload, got ${JSON.stringify(o.uploadId)}.`);
  }
  if (o.journal !== undefined && (typeof o.journal !== 'string' || o.journal.length === 0)) {
    throw new InvalidUploadOptionError('journal', `journal must be a file path, got ${JSON.stringify(o.journal)}.`);
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') {
    throw new InvalidUploadOptionError('onProgress', 'onProgress must be a function (progress) => void.');
  }
  if (o.client !== undefined && (!o.client || typeof (o.client as { send?: unknown }).send !== 'function')) {
    throw new InvalidUploadOptionError('client', 'client must be a GlacierClient (e.g. createGlacierClient()).');
  }
  if (o.client !== undefined && o.clientConfig !== undefined) {
    throw new InvalidUploadOptionError('clientConfig', 'Pass either client or clientConfig, not both (clientConfig only configures the client uploadArchive creates).');
  }
  checkTimeouts(o);
  for (const flag of ['verify', 'force', 'leavePartsOnError', 'leavePartsOnCancel'] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== 'boolean') {
      throw new InvalidUploadOptionError(flag, `${flag} must be true or false, got ${JSON.stringify(o[flag])}.`);
    }
  }
  if (o.client !== undefined && (o.requestTimeout !== undefined || o.connectTimeout !== undefined)) {
    throw new InvalidUploadOptionError('requestTimeout',
      'requestTimeout and connectTimeout configure the client uploadArchive creates: with your own client, set them there (createGlacierClient({ requestTimeout, connectTimeout })).');
  }
  if (o.pool !== undefined && (!o.pool || typeof o.pool.hashPart !== 'function')) {
    throw new InvalidUploadOptionError('pool', 'pool must be a HashPool.');
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw new InvalidUploadOptionError('signal', 'signal must be an AbortSignal (e.g. from new AbortController()).');
  }
}

/**
 * Threads for the pool uploadArchive creates: one per core but one, at least one. The main thread
 * needs a core of its own for the requests (HTTP, and TLS encryption against real Glacier); one
 * thread with SHA-NI hashes (linear + tree) faster than most links upload.
 */
export function defaultHashThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** A fixed set of reusable SharedArrayBuffer part buffers; a part waits for a free one. */
class BufferRing {
  private readonly free: Uint8Array[] = [];
  private readonly waiters: ((b: Uint8Array) => void)[] = [];
  private allocated = 0;
  constructor(private readonly count: number, private readonly size: number) {}

  acquire(): Promise<Uint8Array> {
    const b = this.free.pop();
    if (b) return Promise.resolve(b);
    if (this.allocated < this.count) {
      this.allocated++;
      // Shared, so the pool's workers read it in place: no copy, no transfer. Pages are touched
      // only as data is written, so a short last part or stream costs no more than its bytes.
      return Promise.resolve(new Uint8Array(new SharedArrayBuffer(this.size)));
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(b: Uint8Array): void {
    const w = this.waiters.shift();
    if (w) w(b);
    else this.free.push(b);
  }
}

/** A counting semaphore for the big-part path (no buffers). */
class Slots {
  private waiters: (() => void)[] = [];
  constructor(private available: number) {}
  async acquire(): Promise<void> {
    if (this.available > 0) {
      this.available--;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const w = this.waiters.shift();
    if (w) w();
    else this.available++;
  }
}

class ProgressReporter {
  readonly p: UploadProgress;
  private last = 0;
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly cb: ((p: UploadProgress) => void) | undefined, private readonly onError: (err: unknown) => void, init: UploadProgress) {
    this.p = init;
  }

  /** Reports now if 100 ms have passed since the last report, else once they have. */
  changed(): void {
    if (!this.cb || this.timer) return;
    const wait = this.last + PROGRESS_INTERVAL_MS - Date.now();
    if (wait <= 0) this.emit();
    else {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.emit();
      }, wait);
      this.timer.unref();
    }
  }

  emit(): void {
    if (!this.cb) return;
    this.last = Date.now();
    try {
      this.cb({ ...this.p });
    } catch (err) {
      this.onError(err);
    }
  }

  final(done: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.p.done = done;
    this.emit();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}


/** Rejects with UploadCancelledError as soon as the signal fires (for reads that cannot be cancelled). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(cancelledError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelledError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then((v) => {
      signal.removeEventListener('abort', onAbort);
      resolve(v);
    }, (err: unknown) => {
      signal.removeEventListener('abort', onAbort);
      reject(err);
    });
  });
}

function streamTooLong(partSize: number): TooManyPartsError {
  return new TooManyPartsError(partSize, undefined,
    `The stream is longer than 10,000 parts of ${partSize} bytes (${MAX_PARTS * partSize} bytes), Glacier's limit: the upload ` +
    `was aborted. Pass a larger partSize, or expectedSize (an upper estimate of the stream's size) with partSize 'auto'.`);
}

/** An error's message without its final period (it is followed by more sentences). */
function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\.+$/, '');
}

/**
 * Uploads an archive with a Glacier multipart upload: parts are read into a ring of shared buffers,
 * hashed in the HashPool (tree hash + SHA-256) while earlier parts upload, sent with the pool's
 * checksums (the SDK hashes nothing), checked against Glacier's tree hash, retried with backoff on
 * transient failures, journaled as they finish, and completed with the archive's tree hash.
 */
export async function uploadArchive(options: UploadArchiveOptions): Promise<UploadArchiveResult> {
  checkOptions(options);
  const signal = options.signal;
  if (signal?.aborted) throw cancelledError(signal);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const accountId = options.accountId ?? '-';
  const vaultName = options.vaultName;

  // 1. The source and the journal: checked before any request.
  const reader = await openSource(options.source);
  let journalState: JournalState | undefined;
  try {
    if (options.journal !== undefined) {
      journalState = await readJournal(options.journal);
      if (journalState) checkJournal(journalState, options, reader, accountId);
      else await checkJournalWritable(options.journal);
    }
  } catch (err) {
    await reader.close();
    throw err;
  }
  try {
    // A stream that ends at once is an empty archive: say so before any request.
    if (isStreamReader(reader) && (await raceAbort(reader.exhausted(), signal))) throw new EmptyArchiveError('The source stream');
  } catch (err) {
    await reader.close();
    throw err;
  }
  let uploadId = options.uploadId ?? (journalState?.header.uploadId || undefined);
  // The journal's part records are trusted only while the file's whole identity is unchanged.
  const trustJournal = !options.verify && reader.file !== undefined && journalState?.header.file != null
    && identityDifference(journalState.header.file, reader.file) === undefined;
  const requestedPartSize = options.partSize === undefined || options.partSize === 'auto' ? undefined : options.partSize;

  let partSize: number | undefined = journalState?.header.partSize ?? (uploadId === undefined ? requestedPartSize : undefined);
  if (partSize === undefined && uploadId === undefined) {
    partSize = reader.size !== undefined ? choosePartSize(reader.size)
      : options.expectedSize !== undefined ? choosePartSize(options.expectedSize) : DEFAULT_STREAM_PART_SIZE;
  }
  if (partSize !== undefined && requestedPartSize !== undefined && requestedPartSize !== partSize) {
    await reader.close();
    throw new ResumeMismatchError(`The journal ${options.journal} records part size ${partSize}, but partSize ${requestedPartSize} was passed: drop partSize (or pass 'auto') to resume, or delete the journal to start over.`);
  }
  if (partSize !== undefined && reader.size !== undefined) {
    try {
      checkPartCount(reader.size, partSize);
    } catch (err) {
      await reader.close();
      throw err;
    }
  }

  const ownClient = options.client === undefined;
  const client = options.client ?? createGlacierClient({
    ...(options.clientConfig ? { clientConfig: options.clientConfig } : {}),
    ...(options.requestTimeout !== undefined ? { requestTimeout: options.requestTimeout } : {}),
    ...(options.connectTimeout !== undefined ? { connectTimeout: options.connectTimeout } : {}),
  });
  const ownPool = options.pool === undefined;
  let pool: Pool | undefined = options.pool;
  let upload: MultipartUpload | undefined;
  let journal: JournalWriter | undefined;
  let uploadedParts = 0;
  let skippedParts = 0;
  let startedHere = false;
  // Until parts flow, a resumed upload is only being checked: a mismatch must not abort it.
  let partsStarted = false;
  // Fired on the first failure so every part in flight (requests and pool work) stops.
  const inner = new AbortController();
  const innerSignal = signal ? AbortSignal.any([signal, inner.signal]) : inner.signal;
  let failure: unknown;
  const tasks = new Set<Promise<void>>();
  const fail = (err: unknown) => {
    if (failure === undefined) {
      failure = signal?.aborted && !(err instanceof UploadCancelledError) ? cancelledError(signal, err) : err;
      inner.abort(failure);
    }
  };
  const progress = new ProgressReporter(options.onProgress, fail, {
    bytesHashed: 0, bytesUploaded: 0, bytesSkipped: 0, partsDone: 0, partsUploaded: 0, partsSkipped: 0,
    partsTotal: reader.size !== undefined && partSize !== undefined ? Math.ceil(reader.size / partSize) : undefined,
    totalBytes: reader.size, partSize: partSize ?? 0, retries: 0, uploadId, done: false,
  });

  const getPool = (): Pool => {
    pool ??= new HashPool({
      threads: options.threads ?? defaultHashThreads(),
      ...(options.engine !== undefined ? { engine: options.engine } : {}),
    });
    return pool;
  };

  try {
    // 2. A Complete an earlier run sent (its answer lost) is asked again before anything else.
    let fileChangedSinceComplete: string | undefined;
    if (journalState?.complete) {
      const repeated = await repeatSentComplete({
        client, vaultName, accountId, maxAttempts, signal: innerSignal, state: journalState, reader, pool: getPool,
      });
      if (repeated.done) {
        const d = repeated.done;
        Object.assign(progress.p, { partsDone: d.partCount, partsSkipped: d.partCount, bytesSkipped: d.archiveSize, partsTotal: d.partCount });
        progress.final(true);
        return {
          archiveId: d.archiveId, location: d.location, checksum: d.checksum, archiveSize: d.archiveSize, uploadId: journalState.header.uploadId,
          partSize: journalState.header.partSize, partCount: d.partCount, uploadedParts: 0, skippedParts: d.partCount,
        };
      }
      fileChangedSinceComplete = repeated.fileChanged;
    }

    // 3. Start or attach to the upload.
    let remote = new Map<number, ListedPart>();
    const target = { client, vaultName, accountId, maxAttempts, signal: innerSignal };
    if (journalState && journalState.header.uploadId === '' && options.uploadId === undefined) {
      // An earlier run recorded that it was about to start an upload, then died before learning its id.
      uploadId = await findInitiatedUpload({ ...target, header: journalState.header, journal: journalState.path });
      if (uploadId === undefined) journalState = undefined;
    }
    if (uploadId !== undefined) {
      try {
        upload = await MultipartUpload.resume({ ...target, uploadId });
      } catch (err) {
        if (err instanceof UploadNotFoundError) {
          if (journalState?.complete) throw lostAnswer(journalState, vaultName, fileChangedSinceComplete, err);
          throw new UploadNotFoundError(vaultName, uploadId, { cause: err.cause, journal: options.journal });
        }
        throw err;
      }
      const wanted = partSize ?? requestedPartSize;
      if (wanted !== undefined && upload.partSize !== wanted) {
        throw new ResumeMismatchError(`Upload ${uploadId} uses part size ${upload.partSize}, but ${journalState ? `the journal records ${wanted}` : `partSize ${wanted} was passed`}: drop partSize (or pass 'auto') to resume it.`);
      }
      partSize = upload.partSize;
      if (reader.size !== undefined) checkPartCount(reader.size, partSize);
      remote = await upload.partMap({ signal: innerSignal });
      if (reader.size !== undefined) {
        const count = Math.ceil(reader.size / partSize);
        const beyond = [...remote.keys()].filter((i) => i >= count);
        if (beyond.length) {
          throw new ResumeMismatchError(`Upload ${uploadId} holds part ${beyond[0]} (bytes from ${beyond[0]! * partSize}), past the end of this ${reader.size}-byte source: it belongs to another archive. Start over without uploadId (and abort ${uploadId}).`);
        }
      }
      if (options.journal !== undefined) {
        // A header written before Initiate (no upload id yet) is replaced by one with the id.
        journal = journalState?.header.uploadId ? await JournalWriter.append(options.journal) : await JournalWriter.create(options.journal, journalHeader(upload, reader));
      }
    } else {
      // The journal exists before Initiate is sent, so no kill can leave an upload nobody knows of.
      if (options.journal !== undefined) {
        const pending = journalHeader({ vaultName, accountId, uploadId: '', partSize: partSize!, description: options.description }, reader);
        await (await JournalWriter.create(options.journal, { ...pending, initiatedAt: new Date().toISOString() })).close();
      }
      // Not cancellable: once sent, Initiate creates an upload whether or not its answer is read.
      // The id is recorded first; a cancel is honoured right after (the upload is then aborted or left resumable).
      try {
        upload = await MultipartUpload.start({ ...target, signal: undefined, partSize: partSize!, description: options.description });
      } catch (err) {
        // A refusal (credentials, vault, validation) created nothing: no journal to leave. After a
        // network failure or timeout the upload may exist, so the journal stays for a resume to find it.
        if (options.journal !== undefined && !isRetryableError(err)) await rm(options.journal, { force: true });
        throw err;
      }
      startedHere = true;
      if (options.journal !== undefined) journal = await JournalWriter.create(options.journal, journalHeader(upload, reader));
      if (innerSignal.aborted) throw cancelledError(innerSignal);
    }
    const ps = upload.partSize;
    const theUpload = upload;
    progress.p.partSize = ps;
    progress.p.uploadId = upload.uploadId;
    progress.p.partsTotal = reader.size !== undefined ? Math.ceil(reader.size / ps) : undefined;
    progress.changed();

    const hashPool = getPool();
    // Held parts whose bytes on disk were hashed now (not trusted from a record).
    const vouched = (index: number) => trustJournal && journalState?.parts.get(index)?.treeHash === remote.get(index)?.treeHash;
    const onDisk = await hashHeldParts(hashPool, reader, remote, ps, vouched, options, upload.uploadId, innerSignal, progress.p);
    partsStarted = true;

    // Parts Glacier holds that need not be read again: hashed from disk just now with Glacier's
    // tree hash, or (the file's whole identity unchanged) vouched for by the journal too.
    const trusted = (index: number, size: number): ListedPart | undefined => {
      const held = remote.get(index);
      if (!held || reader.kind !== 'file') return undefined;
      const fresh = onDisk.get(index);
      if (fresh !== undefined) return fresh === held.treeHash ? { ...held, size } : undefined;
      const noted = trustJournal ? journalState?.parts.get(index) : undefined;
      // Equal tree hashes mean equal bytes (and so equal sizes, whatever a quirky listed range says).
      return noted && held.treeHash === noted.treeHash && noted.size === size ? { ...held, size } : undefined;
    };

    const treeHashes: string[] = [];
    let archiveSize = 0;

    const finishPart = async (index: number, size: number, hashes: PartHashes, body: Uint8Array | { path: string; start: number; size: number }) => {
      const held = remote.get(index);
      if (held && held.treeHash === hashes.treeHash) {
        skippedParts++;
        progress.p.partsSkipped++;
        progress.p.bytesSkipped += size;
      } else {
        await theUpload.uploadPart(index, body, hashes, {
          signal: innerSignal, maxAttempts, onRetry: () => {
            progress.p.retries++;
            progress.changed();
          },
        });
        uploadedParts++;
        progress.p.partsUploaded++;
        progress.p.bytesUploaded += size;
      }
      if (journal && !(journalState?.parts.get(index)?.treeHash === hashes.treeHash)) await journal.recordPart(index, hashes.treeHash, size);
      progress.p.partsDone++;
      progress.changed();
    };

    const track = (p: Promise<void>) => {
      const t = p.catch(fail).finally(() => tasks.delete(t));
      tasks.add(t);
    };

    // A part the journal and Glacier both vouch for: counted as done, not read again.
    const skipTrusted = (known: ListedPart) => {
      skippedParts++;
      progress.p.partsSkipped++;
      progress.p.partsDone++;
      progress.p.bytesSkipped += known.size;
      progress.changed();
    };
    // At most `concurrency` parts uploading (or being checked against Glacier's) at once.
    const uploading = new Slots(concurrency);
    // Slots are granted in call order, so parts go out in the order their hashes arrived.
    const sendWhenFree = async (index: number, size: number, hashes: PartHashes, body: Parameters<typeof finishPart>[3], check?: () => Promise<void>) => {
      await uploading.acquire();
      try {
        if (failure !== undefined) return;
        await check?.();
        await finishPart(index, size, hashes, body);
      } finally {
        uploading.release();
      }
    };

    if (reader.kind === 'file' && ps > MAX_BUFFERED_PART_SIZE) {
      // 4a. Large parts: hashed by the pool straight from the file (only those not vouched for),
      // each streamed from disk as soon as its hashes arrive, while later parts are still hashing.
      const size = reader.size!;
      const path = reader.file!.path;
      const count = Math.ceil(size / ps);
      const bytesOf = (index: number) => Math.min(ps, size - index * ps);
      archiveSize = size;
      treeHashes.length = count;
      const needed: number[] = [];
      for (let index = 0; index < count; index++) {
        const known = trusted(index, bytesOf(index));
        if (known) {
          treeHashes[index] = known.treeHash;
          skipTrusted(known);
        } else needed.push(index);
      }
      const wanted = new Set(needed);
      const hashedPart = (h: FilePartHash) => {
        if (!wanted.delete(h.index)) return;
        const partBytes = bytesOf(h.index);
        treeHashes[h.index] = h.treeHash;
        progress.p.bytesHashed += partBytes;
        progress.changed();
        if (failure !== undefined) return;
        // The worker checked the file as it read it; check again right before sending its bytes.
        track(sendWhenFree(h.index, partBytes, { treeHash: h.treeHash, sha256: h.sha256 }, { path, start: h.index * ps, size: partBytes },
          () => reader.checkUnchanged()));
      };
      if (needed.length > 0) {
        const hashed = await raceAbort(hashPool.hashFile(path, { partSize: ps, parts: needed, signal: innerSignal, concurrency, onPart: hashedPart }), innerSignal);
        // A pool of another make that ignores onPart (or parts): its parts are sent now.
        for (const h of hashed.parts) hashedPart(h);
        if (wanted.size > 0) throw new Error(`internal: the HashPool returned no hashes for part ${[...wanted][0]}`);
      }
    } else {
      // 4b. Parts read into a ring of shared buffers (concurrency + read-ahead), hashed in the pool,
      // then uploaded `concurrency` at a time; part k+n waits for a free buffer.
      const readAhead = options.readAhead ?? Math.min(MAX_READ_AHEAD, Math.floor(READ_AHEAD_BYTES / ps));
      const ring = new BufferRing(concurrency + readAhead, ps);
      for (let index = 0; failure === undefined; index++) {
        const expected = reader.size !== undefined ? Math.min(ps, reader.size - index * ps) : undefined;
        if (expected !== undefined && expected <= 0) break;
        const known = expected !== undefined ? trusted(index, expected) : undefined;
        if (known) {
          treeHashes.push(known.treeHash);
          archiveSize += known.size;
          skipTrusted(known);
          continue;
        }
        const buffer = await ring.acquire();
        if (failure !== undefined) {
          ring.release(buffer);
          break;
        }
        let n: number;
        try {
          n = await raceAbort(reader.read(index, buffer), innerSignal);
        } catch (err) {
          ring.release(buffer);
          throw err;
        }
        if (n === 0) {
          ring.release(buffer);
          break;
        }
        if (index >= MAX_PARTS) {
          // Only a stream can get here (a file's part count was checked before the upload).
          ring.release(buffer);
          throw streamTooLong(ps);
        }
        archiveSize += n;
        const slot = treeHashes.length;
        treeHashes.push('');
        const part = buffer.subarray(0, n);
        track((async () => {
          try {
            const h = await hashPool.hashPart(part, { signal: innerSignal });
            if (!h.sha256) throw new Error('internal: the HashPool returned no linear SHA-256');
            treeHashes[slot] = h.treeHash;
            progress.p.bytesHashed += n;
            progress.changed();
            await sendWhenFree(index, n, { treeHash: h.treeHash, sha256: h.sha256 }, h.data ?? part);
          } finally {
            ring.release(buffer);
          }
        })());
        if (n < ps && reader.kind === 'stream') break;
        // After the 10,000th part, any further byte makes the archive impossible: stop at once.
        if (isStreamReader(reader) && index + 1 >= MAX_PARTS && !(await raceAbort(reader.exhausted(), innerSignal))) {
          throw streamTooLong(ps);
        }
      }
    }
    while (tasks.size) await Promise.all([...tasks]);
    if (failure !== undefined) throw failure;
    if (archiveSize === 0) throw new EmptyArchiveError('The source stream');
    const partCount = treeHashes.length;
    if (reader.kind === 'stream') {
      progress.p.partsTotal = partCount;
      progress.p.totalBytes = archiveSize;
      const beyond = [...remote.keys()].filter((i) => i >= partCount);
      if (beyond.length) {
        throw new ResumeMismatchError(`Upload ${upload.uploadId} holds part ${beyond[0]}, past the end of this ${archiveSize}-byte stream: it belongs to another archive. Start over without uploadId.`);
      }
    }
    await reader.checkUnchanged();

    // 5. Complete with the archive's tree hash, combined from the parts'.
    const treeHash = combineTreeHashes(treeHashes);
    // Recorded first: if the answer is lost, a resume asks again instead of uploading a duplicate.
    await journal?.recordComplete(archiveSize, treeHash);
    const done = await upload.complete({ archiveSize, treeHash, signal: innerSignal });
    await journal?.remove();
    journal = undefined;
    progress.final(true);
    return {
      archiveId: done.archiveId, location: done.location, checksum: done.checksum, archiveSize, uploadId: upload.uploadId,
      partSize: ps, partCount, uploadedParts, skippedParts,
    };
  } catch (caught) {
    fail(caught);
    const err = failure;
    // Let every part in flight settle before deciding the upload's fate.
    while (tasks.size) await Promise.allSettled([...tasks]);
    progress.final(false);
    if (upload === undefined) throw err;
    if (!startedHere && !partsStarted) {
      // e.g. ResumeMismatchError: the upload may well belong to another archive; leave it be.
      await journal?.close();
      throw err;
    }
    return await failUpload(err, upload, journal, {
      journalPath: options.journal, startedHere, uploadedParts,
      leaveParts: options.leavePartsOnError, leavePartsOnCancel: options.leavePartsOnCancel,
    });
  } finally {
    progress.stop();
    await reader.close();
    if (ownPool && pool) await pool.destroy().catch(() => undefined);
    if (ownClient) client.destroy();
  }
}

/**
 * Hashes from the bytes on disk now every part Glacier holds that the journal does not vouch for
 * (it vouches only while the file's whole identity is unchanged and `verify` is off). When none
 * of the held parts matches the file, the upload belongs to another file (or the file was
 * replaced): refused before any part is sent, unless `force`. Returns index -> tree hash on disk.
 */
async function hashHeldParts(pool: Pool, reader: PartReader, remote: Map<number, ListedPart>, partSize: number,
  vouched: (index: number) => boolean, o: UploadArchiveOptions, uploadId: string, signal: AbortSignal, progress: UploadProgress,
): Promise<Map<number, string>> {
  const onDisk = new Map<number, string>();
  if (!reader.file || remote.size === 0) return onDisk;
  const held = [...remote.keys()].sort((a, b) => a - b);
  const toHash = held.filter((i) => !vouched(i));
  if (toHash.length === 0) return onDisk;
  const hashed = await raceAbort(pool.hashFile(reader.file.path, { partSize, parts: toHash, signal }), signal);
  for (const h of hashed.parts) {
    onDisk.set(h.index, h.treeHash);
    progress.bytesHashed += h.last - h.first + 1;
  }
  if (o.force || held.some((i) => vouched(i) || onDisk.get(i) === remote.get(i)!.treeHash)) return onDisk;
  const first = held[0]!;
  throw new ResumeMismatchError(
    `None of the ${held.length} part${held.length === 1 ? '' : 's'} that upload ${uploadId} holds matches ${reader.file.path} (part ${first}: ` +
    `Glacier holds tree hash ${remote.get(first)!.treeHash}, the file has ${onDisk.get(first)}): the upload belongs to another file, ` +
    `or this file was replaced. Nothing was sent. Pass force: true (CLI: --force) to replace its parts with this file's, ` +
    `or start a new upload without the upload id or journal (and abort ${uploadId}).`);
}

/** A new journal's directory must exist and be writable: found out before the upload starts. */
async function checkJournalWritable(path: string): Promise<void> {
  const dir = dirname(resolve(path));
  try {
    await access(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new JournalError(path, `Cannot create the journal ${path}: its directory ${dir} ${code === 'ENOENT' ? 'does not exist' : 'is not writable'}. Choose a journal path in a writable directory.`, { cause: err });
  }
}

function journalHeader(upload: Pick<MultipartUpload, 'vaultName' | 'accountId' | 'uploadId' | 'partSize' | 'description'>, reader: PartReader) {
  return {
    format: JOURNAL_FORMAT, version: JOURNAL_VERSION, vaultName: upload.vaultName, accountId: upload.accountId,
    uploadId: upload.uploadId, partSize: upload.partSize, description: upload.description,
    file: reader.file ? { ...reader.file } : null, archiveSize: reader.size, createdAt: new Date().toISOString(),
  } as const;
}

/** The journal must describe this vault, upload and (for files) this very file, unchanged. */
function checkJournal(state: JournalState, o: UploadArchiveOptions, reader: PartReader, accountId: string): void {
  const h = state.header;
  const path = state.path;
  if (h.vaultName !== o.vaultName || h.accountId !== accountId) {
    throw new ResumeMismatchError(`The journal ${path} is for vault "${h.vaultName}" (account ${h.accountId}), not "${o.vaultName}" (account ${accountId}): pass the matching vault, or another journal path.`);
  }
  if (o.uploadId !== undefined && o.uploadId !== h.uploadId) {
    throw new ResumeMismatchError(`The journal ${path} is for upload ${h.uploadId}, but uploadId ${o.uploadId} was passed: pass one of them.`);
  }
  if (h.file && reader.file) {
    if (resolve(h.file.path) !== reader.file.path) {
      throw new ResumeMismatchError(`The journal ${path} belongs to another file: it was written for ${h.file.path}, not ${reader.file.path}. ` +
        `Resume that file with this journal, or give ${reader.file.path} a journal of its own (another journal path), or delete ${path} to start over.`);
    }
    if (h.file.size !== reader.file.size) {
      throw new SourceChangedError(reader.file.path,
        `the journal ${path} recorded ${h.file.size} bytes, now it has ${reader.file.size} bytes; ` +
        `its parts in upload ${h.uploadId} are stale: delete the journal and abort that upload to start over`);
    }
  } else if (h.file && !reader.file) {
    throw new ResumeMismatchError(`The journal ${path} is for the file ${h.file.path}: pass that path as source.`);
  }
  if (h.archiveSize !== undefined && reader.size !== undefined && h.archiveSize !== reader.size) {
    throw new ResumeMismatchError(`The journal ${path} is for a ${h.archiveSize}-byte source, this one has ${reader.size} bytes: pass the same source, or delete the journal to start over.`);
  }
}
