import { constants } from 'node:fs';
import { access, open, rename, rm, stat, statfs, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { GlacierClient, GlacierClientConfig } from '@aws-sdk/client-glacier';
import { DEFAULT_REQUEST_TIMEOUT_MS, checkTimeouts, createGlacierClient } from '../client.js';
import { HashPool } from '../../pool/index.js';
import { GlacierMultipartError } from '../../errors.js';
import { DEFAULT_CHUNK_SIZE, checkChunkSize, combineChunkTreeHashes, planChunks, type OutputChunk } from './chunk-plan.js';
import {
  DestinationExistsError, DiskFullError, DownloadCancelledError, DownloadChecksumError, DownloadJournalError,
  InvalidDownloadOptionError, JobNotFoundError,
} from './download-errors.js';
import { DOWNLOAD_JOURNAL_FORMAT, DOWNLOAD_JOURNAL_VERSION, DownloadJournalWriter, readDownloadJournal, type DownloadJournalState, type VerifiedChunk } from './download-journal.js';
import { UploadCancelledError } from '../errors.js';
import { fetchJobOutputRange } from './job-output.js';
import {
  checkRange, checkTier, checkWait, describeJob, initiateRetrievalJob, requireCompletedJob, waitForJob,
  type ByteRange, type RetrievalJob, type RetrievalTier, type WaitOptions,
} from './jobs.js';
import { checkAccountId, checkVaultName } from '../part-size.js';
import { DEFAULT_MAX_ATTEMPTS, backoffDelay, isRetryableError, sleep } from '../retry.js';
import { checkMaxAttempts } from '../upload/multipart-upload.js';

export const DEFAULT_DOWNLOAD_CONCURRENCY = 4;
const PROGRESS_INTERVAL_MS = 100;

export interface DownloadProgress {
  phase: 'starting' | 'waiting' | 'checking' | 'downloading' | 'done';
  jobId: string | undefined;
  /** DescribeJob's StatusCode while waiting. */
  jobStatus: string | undefined;
  /** Milliseconds spent waiting for the job so far. */
  waitedMs: number;
  totalBytes: number | undefined;
  /** Verified bytes: kept from an earlier run plus fetched in this one. */
  bytesDone: number;
  /** Bytes fetched and verified in this run (for the rate). */
  bytesFetched: number;
  chunksTotal: number | undefined;
  chunksVerified: number;
  /** Chunks an earlier run verified whose bytes in the partial file still hash right. */
  chunksResumed: number;
  retries: number;
  done: boolean;
}

type Pool = Pick<HashPool, 'hashPart' | 'destroy'>;

export interface DownloadArchiveOptions {
  vaultName: string;
  accountId?: string;
  /** Start a retrieval job for this archive (or continue the journal's job for it). */
  archiveId?: string;
  /** Download the output of a job started earlier. */
  jobId?: string;
  tier?: RetrievalTier;
  /** Inclusive archive bytes, FIRST a multiple of 1 MiB, LAST+1 a multiple of 1 MiB or the archive's size. */
  range?: ByteRange;
  /** A file path (written as `<path>.part`, renamed when verified) or a Writable such as process.stdout (chunks in order). */
  destination: string | NodeJS.WritableStream;
  /** 1 MiB x 2^k, default 16 MiB. Memory is about concurrency x chunkSize. A journal's own chunk size wins on resume. */
  chunkSize?: number;
  /** Ranged requests in flight, default 4. */
  concurrency?: number;
  client?: GlacierClient;
  clientConfig?: GlacierClientConfig;
  pool?: Pool;
  threads?: number;
  engine?: 'wasm' | 'node' | 'auto';
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Journal path (default `<destination>.glacier-download.json`; false: none). Only for file destinations. */
  journal?: string | false;
  /** How to wait for the job; false: fail with JobNotCompleteError if it has not completed. */
  wait?: WaitOptions | boolean;
  maxAttempts?: number;
  /**
   * Idle limit of each request in ms (default 120 s, DEFAULT_REQUEST_TIMEOUT_MS): for the answer's
   * headers (the client's socket timeout, on a client downloadArchive creates) and for every stretch
   * of a chunk's body (its own stall timer, whatever the client).
   */
  requestTimeout?: number;
  /** Replace an existing destination file. */
  overwrite?: boolean;
  /** Description of a job this call starts. */
  jobDescription?: string;
}

export interface DownloadArchiveResult {
  jobId: string;
  archiveId: string;
  /** Bytes downloaded (the retrieved range's length). */
  size: number;
  /** Tree hash of the bytes, combined from the chunks' hashes. */
  treeHash: string;
  range: ByteRange;
  chunkSize: number;
  chunks: number;
  chunksFetched: number;
  chunksResumed: number;
  /** Bytes fetched in this run (the rest was verified by an earlier run). */
  bytesFetched: number;
  /** Chunks Glacier sent a tree hash for that matched (all of them when the output is aligned). */
  chunksVerifiedByGlacier: number;
  retries: number;
  /**
   * 'archive': the whole archive's tree hash matched ArchiveSHA256TreeHash; 'range': an aligned
   * range matched SHA256TreeHash; 'chunks': Glacier gives no hash for this range as a whole, so
   * only each chunk was checked against Glacier's per-chunk tree hash; 'none': Glacier sent no hash at
   * all (a range that is not tree-hash aligned: Glacier hashes ranged output only when the job's range
   * is aligned), so the bytes are unverified — `treeHash` is ours, for checking them elsewhere.
   */
  verification: 'archive' | 'range' | 'chunks' | 'none';
  /** What was and was not checked, in words. */
  verificationNote: string;
  destination: string | undefined;
}

function checkInt(option: string, value: unknown, min: number, max: number, what: string): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)) {
    throw new InvalidDownloadOptionError(option, `${option} must be a whole number from ${min} to ${max} (${what}), got ${String(value)}.`);
  }
}

function isWritable(d: unknown): d is NodeJS.WritableStream {
  return !!d && typeof d === 'object' && typeof (d as NodeJS.WritableStream).write === 'function';
}

function checkOptions(o: DownloadArchiveOptions): void {
  if (!o || typeof o !== 'object') throw new InvalidDownloadOptionError('options', 'downloadArchive needs an options object: { vaultName, archiveId | jobId, destination, ... }.');
  checkVaultName(o.vaultName);
  checkAccountId(o.accountId);
  const id = (k: 'archiveId' | 'jobId') => o[k] !== undefined && (typeof o[k] !== 'string' || o[k] === '');
  if (id('archiveId') || id('jobId') || (o.archiveId === undefined && o.jobId === undefined)) {
    throw new InvalidDownloadOptionError('archiveId', 'Pass archiveId (a retrieval job is started) or jobId (a job started earlier), as non-empty strings.');
  }
  if (o.jobId !== undefined && (o.tier !== undefined || o.range !== undefined)) {
    throw new InvalidDownloadOptionError('jobId', 'tier and range belong to a new job: pass them with archiveId, not with jobId (the job already has its own).');
  }
  checkTier(o.tier);
  checkRange(o.range);
  if (typeof o.destination !== 'string' && !isWritable(o.destination)) {
    throw new InvalidDownloadOptionError('destination', 'destination must be a file path or a Writable stream (e.g. process.stdout).');
  }
  if (o.destination === '') throw new InvalidDownloadOptionError('destination', 'destination is empty: pass a file path.');
  if (o.chunkSize !== undefined) checkChunkSize(o.chunkSize);
  checkInt('concurrency', o.concurrency, 1, 256, 'ranged requests in flight');
  checkInt('threads', o.threads, 1, 1024, 'hashing threads');
  checkTimeouts({ requestTimeout: o.requestTimeout });
  checkMaxAttempts(o.maxAttempts);
  if (o.wait !== false) checkWait(o.wait);
  if (o.journal !== undefined && o.journal !== false && (typeof o.journal !== 'string' || o.journal === '')) {
    throw new InvalidDownloadOptionError('journal', `journal must be a file path or false, got ${JSON.stringify(o.journal)}.`);
  }
  if (o.client !== undefined && o.clientConfig !== undefined) {
    throw new InvalidDownloadOptionError('clientConfig', 'Pass either client or clientConfig, not both.');
  }
  if (o.pool !== undefined && typeof o.pool?.hashPart !== 'function') throw new InvalidDownloadOptionError('pool', 'pool must be a HashPool.');
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new InvalidDownloadOptionError('signal', 'signal must be an AbortSignal.');
}

/**
 * A fixed set of chunk buffers on SharedArrayBuffers: the pool's workers hash them in place (no
 * copy, no transfer). Transferring plain ArrayBuffers back and forth instead registers each one as
 * new external memory on every return, which makes V8 run full collections over and over.
 */
class BufferRing {
  private readonly free: Uint8Array[] = [];
  private waiters: ((b: Uint8Array | undefined) => void)[] = [];
  private allocated = 0;
  private closed = false;
  constructor(private readonly count: number, private readonly size: number) {}
  /** A free buffer, or undefined once close() was called. */
  acquire(): Promise<Uint8Array | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const b = this.free.pop();
    if (b) return Promise.resolve(b);
    if (this.allocated < this.count) {
      this.allocated++;
      return Promise.resolve(new Uint8Array(new SharedArrayBuffer(this.size)));
    }
    return new Promise((r) => this.waiters.push(r));
  }
  release(b: Uint8Array): void {
    // A buffer lost with a failed hashing call is replaced.
    if (b.byteLength !== this.size) b = new Uint8Array(this.size);
    const w = this.waiters.shift();
    if (w) w(b);
    else this.free.push(b);
  }
  /** Wakes every waiter with undefined (the download is ending). */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}

class Progress {
  readonly p: DownloadProgress = {
    phase: 'starting', jobId: undefined, jobStatus: undefined, waitedMs: 0, totalBytes: undefined, bytesDone: 0, bytesFetched: 0,
    chunksTotal: undefined, chunksVerified: 0, chunksResumed: 0, retries: 0, done: false,
  };
  private last = 0;
  constructor(private readonly cb: ((p: DownloadProgress) => void) | undefined) {}
  changed(force = false): void {
    if (!this.cb) return;
    const now = Date.now();
    if (!force && now - this.last < PROGRESS_INTERVAL_MS) return;
    this.last = now;
    this.cb({ ...this.p });
  }
}

/** Everything the download of one job's output needs. */
interface Session {
  o: DownloadArchiveOptions;
  client: GlacierClient;
  pool: Pool;
  accountId: string;
  signal: AbortSignal;
  progress: Progress;
  maxAttempts: number;
  requestTimeout: number;
  journalPath: string | undefined;
  journal: DownloadJournalWriter | undefined;
  job: RetrievalJob;
  chunks: OutputChunk[];
  chunkSize: number;
  verified: Map<number, VerifiedChunk>;
  retries: number;
  byGlacier: number;
}

function cancelled(s: { signal?: AbortSignal }, jobId: string | undefined, journal: string | undefined, cause?: unknown): DownloadCancelledError {
  return new DownloadCancelledError({ jobId, journal, cause: cause ?? s.signal?.reason });
}

/**
 * Downloads an archive (or a range of it) from Glacier, verified: starts an archive-retrieval job
 * (or takes an existing one), waits for it, fetches its output in tree-hash-aligned ranged chunks,
 * `concurrency` at once, hashes each in the HashPool and compares it with Glacier's tree hash
 * (re-fetching a chunk that is wrong, short, stalled or failed), writes it at its offset in
 * `<destination>.part`, journals it, and renames the file only once the chunks' combined tree hash
 * equals the job's. A killed download continues from its journal.
 */
export async function downloadArchive(options: DownloadArchiveOptions): Promise<DownloadArchiveResult> {
  checkOptions(options);
  const o = options;
  const toFile = typeof o.destination === 'string';
  const destination = toFile ? resolve(o.destination as string) : undefined;
  if (destination) await checkDestination(destination, Boolean(o.overwrite));
  const journalPath = !destination || o.journal === false ? undefined : resolve(o.journal || `${destination}.glacier-download.json`);
  const requestTimeout = o.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const ownClient = !o.client;
  const client = o.client ?? createClient(o.clientConfig, requestTimeout);
  const ownPool = !o.pool;
  const pool: Pool = o.pool ?? new HashPool({ threads: o.threads ?? 1, engine: o.engine ?? 'auto' });
  const internal = new AbortController();
  const onAbort = () => internal.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) internal.abort(o.signal.reason);
  const progress = new Progress(o.onProgress);
  try {
    const s = await openSession(o, { client, pool, signal: internal.signal, progress, requestTimeout, journalPath, partFile: destination && `${destination}.part` });
    return await runSession(s, destination);
  } catch (err) {
    if (o.signal?.aborted && !(err instanceof DownloadCancelledError && (err.journal || !journalPath))) {
      throw cancelled(o, progress.p.jobId, journalPath && (await exists(journalPath)) ? journalPath : undefined,
        err instanceof DownloadCancelledError ? err.cause : err);
    }
    throw err;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    if (ownClient) client.destroy();
    if (ownPool) await pool.destroy();
  }
}

/** The client downloadArchive creates: SDK retries off (we retry per chunk), connect and idle timeouts. */
function createClient(config: GlacierClientConfig | undefined, requestTimeout: number): GlacierClient {
  return createGlacierClient({ clientConfig: config ?? {}, requestTimeout });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Before any request: refuse to replace a file unasked, and fail early on a missing or read-only folder. */
async function checkDestination(destination: string, overwrite: boolean): Promise<void> {
  const info = await stat(destination).catch(() => undefined);
  if (info?.isDirectory()) throw new InvalidDownloadOptionError('destination', `${destination} is a directory: name the file to write, e.g. ${destination}/archive.bin.`);
  if (info && !overwrite) throw new DestinationExistsError(destination);
  try {
    await access(dirname(destination), constants.W_OK);
  } catch (err) {
    throw new InvalidDownloadOptionError('destination',
      `Cannot write into ${dirname(destination)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): create the folder or pick a writable one.`);
  }
}

interface SessionDeps {
  client: GlacierClient;
  pool: Pool;
  signal: AbortSignal;
  progress: Progress;
  requestTimeout: number;
  journalPath: string | undefined;
  partFile: string | undefined;
}

function sameBytes(state: DownloadJournalState, job: RetrievalJob): boolean {
  const h = state.header;
  // A hash recorded while a job ran may be missing; where both are known they must agree.
  return h.archiveId === job.archiveId && h.rangeFirst === job.range?.first && h.rangeLast === job.range?.last
    && (!h.archiveTreeHash || !job.archiveTreeHash || h.archiveTreeHash === job.archiveTreeHash);
}

/** The journal (if any) and the job: started, or taken from the caller or the journal, and waited for. */
async function openSession(o: DownloadArchiveOptions, d: SessionDeps): Promise<Session> {
  const accountId = o.accountId ?? '-';
  const maxAttempts = o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const target = { client: d.client, vaultName: o.vaultName, accountId, signal: d.signal, maxAttempts };
  const state = d.journalPath ? await readDownloadJournal(d.journalPath) : undefined;
  if (state && (state.header.vaultName !== o.vaultName || (o.archiveId !== undefined && state.header.archiveId !== o.archiveId))) {
    throw new DownloadJournalError(d.journalPath!,
      `The journal ${d.journalPath} belongs to archive ${state.header.archiveId} in vault "${state.header.vaultName}", not to this download: ` +
      `delete it, or download to another destination.`);
  }
  if (state && !o.jobId && (o.range ? o.range.first !== state.header.rangeFirst || o.range.last !== state.header.rangeLast : state.header.rangeFirst !== 0)) {
    throw new DownloadJournalError(d.journalPath!,
      `The journal ${d.journalPath} continues a download of archive bytes ${state.header.rangeFirst}-${state.header.rangeLast}, not ` +
      `${o.range ? `${o.range.first}-${o.range.last}` : 'the whole archive'}: pass the same range, delete the journal, or download to another destination.`);
  }
  const p = d.progress.p;
  let jobId = o.jobId ?? state?.header.jobId;
  if (!jobId) {
    ({ jobId } = await initiateRetrievalJob({ ...target, archiveId: o.archiveId!, tier: o.tier, range: o.range, description: o.jobDescription }));
  }
  p.jobId = jobId;
  d.progress.changed(true);
  const archiveId = o.archiveId ?? state?.header.archiveId;
  let job: RetrievalJob;
  try {
    job = await describeJob({ ...target, jobId, archiveId });
  } catch (err) {
    if (err instanceof JobNotFoundError && state && !o.jobId && o.archiveId !== undefined) {
      // The journal's job expired and the caller named the archive: a new job for the same bytes
      // continues the download, keeping the verified chunks (sameBytes below checks the range).
      const range = { first: state.header.rangeFirst, last: state.header.rangeLast };
      ({ jobId } = await initiateRetrievalJob({ ...target, archiveId: o.archiveId, tier: o.tier, range, description: o.jobDescription }));
      p.jobId = jobId;
      job = await describeJob({ ...target, jobId, archiveId });
    } else if (err instanceof JobNotFoundError && state?.chunks.size) {
      throw new JobNotFoundError(o.vaultName, jobId, { archiveId, journal: d.journalPath, keptChunks: state.chunks.size, cause: err });
    } else {
      throw err;
    }
  }
  if (job.action !== 'ArchiveRetrieval') {
    throw new InvalidDownloadOptionError('jobId', `Job ${jobId} is an ${job.action} job, not an archive retrieval: pass the id of an archive-retrieval job.`);
  }
  if (o.archiveId !== undefined && job.archiveId !== o.archiveId) {
    throw new InvalidDownloadOptionError('jobId', `Job ${jobId} retrieves archive ${job.archiveId}, not ${o.archiveId}: pass the matching job id.`);
  }
  let verified = new Map<number, VerifiedChunk>();
  if (state && (state.header.jobId === jobId || sameBytes(state, job))) verified = state.chunks;
  else if (state) {
    throw new DownloadJournalError(d.journalPath!,
      `The journal ${d.journalPath} records job ${state.header.jobId} for other bytes than job ${jobId} retrieves: delete it, or download to another destination.`);
  }
  const chunkSize = state?.header.chunkSize ?? o.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const writeJournal = async (j: RetrievalJob) => d.journalPath && j.range && j.outputSize !== undefined
    ? DownloadJournalWriter.create(d.journalPath, {
      format: DOWNLOAD_JOURNAL_FORMAT, version: DOWNLOAD_JOURNAL_VERSION, vaultName: o.vaultName, accountId, jobId: jobId!,
      archiveId: j.archiveId ?? '', archiveTreeHash: j.archiveTreeHash ?? null, rangeFirst: j.range.first, rangeLast: j.range.last,
      outputSize: j.outputSize, chunkSize, partFile: d.partFile ?? '',
    }, verified.values())
    : undefined;
  // Written before waiting: a Ctrl-C while the job runs keeps its id for the next run.
  let journal = await writeJournal(job);
  if (!(job.completed && job.statusCode === 'Succeeded')) {
    if (o.wait === false) job = await requireCompletedJob({ ...target, jobId, archiveId });
    else {
      job = await waitForJob({
        ...target, ...checkWait(o.wait), jobId, archiveId,
        onPoll: (j, waited) => {
          p.phase = 'waiting';
          p.jobStatus = j.statusCode;
          p.waitedMs = waited;
          d.progress.changed(true);
        },
      });
    }
    // Again, now with everything DescribeJob tells of a completed job.
    journal = (await writeJournal(job)) ?? journal;
  }
  if (!job.range || job.outputSize === undefined || job.archiveSize === undefined) {
    throw new GlacierMultipartError('BAD_JOB', `DescribeJob of job ${jobId} names no archive size or range: cannot plan a download.`);
  }
  const { chunks } = planChunks(job.range.first, job.outputSize, job.range.last === job.archiveSize - 1, chunkSize);
  // Records that do not match this plan are not trusted.
  for (const [i, c] of verified) if (chunks[i]?.first !== c.first || chunks[i]?.last !== c.last) verified.delete(i);
  return {
    o, client: d.client, pool: d.pool, accountId, signal: d.signal, progress: d.progress, maxAttempts, requestTimeout: d.requestTimeout,
    journalPath: d.journalPath, journal, job, chunks, chunkSize, verified, retries: 0, byGlacier: 0,
  };
}

/** A chunk whose bytes hash differently from Glacier's header (retried, then DownloadChecksumError). */
class ChunkHashMismatch extends Error {
  constructor(readonly expected: string, readonly actual: string) {
    super(`tree hash ${actual}, Glacier's ${expected}`);
  }
}

const chunkSizeOf = (c: OutputChunk) => c.last - c.first + 1;

/** A chunk buffer whose owner may change it (were it ever transferred, the pool hands it back as a new view). */
interface Held {
  buf: Uint8Array;
}

/** Tree hash of `held.buf[0, size)` in the pool; afterwards held.buf is the (same or moved-back) buffer. */
async function hashHeld(pool: Pool, held: Held, size: number, signal?: AbortSignal): Promise<string> {
  const full = held.buf.byteLength;
  const r = await pool.hashPart(held.buf.subarray(0, size), { linear: false, ...(signal ? { signal } : {}) });
  if (held.buf.byteLength === 0) held.buf = new Uint8Array(r.data.buffer, r.data.byteOffset, full);
  return r.treeHash;
}

/** Fetches one chunk into `held.buf` and checks it against Glacier's tree hash, re-fetching on failure. */
async function fetchVerified(s: Session, chunk: OutputChunk, held: Held, signal: AbortSignal): Promise<{ treeHash: string; byGlacier: boolean }> {
  const full = held.buf.byteLength;
  for (let attempt = 1; ; attempt++) {
    try {
      // A hashing call that failed took its (transferred) buffer with it.
      if (held.buf.byteLength === 0) held.buf = new Uint8Array(full);
      const got = await fetchJobOutputRange({
        client: s.client, vaultName: s.o.vaultName, accountId: s.accountId, jobId: s.job.jobId, archiveId: s.job.archiveId,
        first: chunk.first, last: chunk.last, into: held.buf, stallTimeout: s.requestTimeout, signal,
      });
      const treeHash = await hashHeld(s.pool, held, got.size, signal);
      if (got.treeHash !== undefined && got.treeHash !== treeHash) throw new ChunkHashMismatch(got.treeHash, treeHash);
      return { treeHash, byGlacier: got.treeHash !== undefined };
    } catch (err) {
      if (signal.aborted) throw err;
      const mismatch = err instanceof ChunkHashMismatch;
      const retryable = mismatch || (err as { retryable?: boolean }).retryable === true || isRetryableError(err);
      if (!retryable || attempt >= s.maxAttempts) {
        if (mismatch) {
          throw new DownloadChecksumError(`Chunk ${chunk.index} of job ${s.job.jobId}`, err.expected, err.actual, { ...chunk, attempts: attempt });
        }
        throw err;
      }
      s.retries++;
      s.progress.p.retries = s.retries;
      await sleep(backoffDelay(attempt), signal);
    }
  }
}

/** Where verified chunks go: a file at their offsets, or a stream in order. */
interface Sink {
  /** Takes the chunk's bytes; calls `release` once they are no longer needed. */
  deliver(chunk: OutputChunk, data: Uint8Array, release: () => void): Promise<void>;
  finish(): Promise<void>;
}

function fileSink(fh: FileHandle, path: string): Sink {
  return {
    async deliver(chunk, data, release) {
      try {
        for (let done = 0; done < data.byteLength;) {
          const { bytesWritten } = await fh.write(data, done, data.byteLength - done, chunk.first + done);
          done += bytesWritten;
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw new DiskFullError(path, `ENOSPC while writing chunk ${chunk.index}`, { cause: err });
        throw err;
      } finally {
        release();
      }
    },
    finish: async () => undefined,
  };
}

/**
 * In order, whatever order chunks arrive in: a chunk waits (holding its buffer, so the buffer ring
 * bounds the reorder window) until every earlier one is written. Bytes are copied for the stream,
 * which may keep them after its write callback (a PassThrough does).
 */
function streamSink(out: NodeJS.WritableStream): Sink {
  const waiting = new Map<number, { data: Uint8Array; release: () => void }>();
  let next = 0;
  let chain: Promise<void> = Promise.resolve();
  let error: unknown;
  const write = (data: Uint8Array) => new Promise<void>((resolve, reject) => {
    let drained = true;
    drained = out.write(Buffer.from(data), (err) => {
      if (err) reject(err);
      else if (drained) resolve();
    });
    if (!drained) out.once('drain', () => resolve());
  });
  // Writes whatever is contiguous from `next`; flushes run one after another.
  const flush = async () => {
    for (let w = waiting.get(next); w; w = waiting.get(next)) {
      waiting.delete(next);
      try {
        if (!error) await write(w.data);
      } catch (err) {
        error ??= err;
      } finally {
        w.release();
      }
      next++;
    }
  };
  return {
    async deliver(chunk, data, release) {
      waiting.set(chunk.index, { data, release });
      chain = chain.then(flush);
      await chain;
      if (error) throw error;
    },
    async finish() {
      await chain;
      if (error) throw error;
    },
  };
}

/** Runs `concurrency` workers over `items`, each with a buffer from the ring; the first failure stops all. */
async function forEachWithBuffer<T>(items: readonly T[], concurrency: number, ring: BufferRing, signal: AbortSignal,
  fn: (item: T, held: Held, stop: AbortSignal) => Promise<'keep' | 'release'>): Promise<void> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && !stop.signal.aborted && next < items.length) {
      const buf = await ring.acquire();
      if (!buf) return;
      if (failure || stop.signal.aborted || next >= items.length) {
        ring.release(buf);
        return;
      }
      const item = items[next++]!;
      const held = { buf };
      try {
        if ((await fn(item, held, stop.signal)) === 'release') ring.release(held.buf);
      } catch (err) {
        failure ??= { err };
        stop.abort(err);
        ring.close();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, items.length)) }, worker));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (failure) throw failure.err;
  if (signal.aborted) throw signal.reason;
}

/**
 * Bytes beat records: each chunk the journal calls verified is read back from the partial file and
 * hashed again; one that does not match its recorded hash is fetched again.
 */
async function recheckPartial(s: Session, fh: FileHandle, concurrency: number): Promise<void> {
  const records = [...s.verified.values()];
  const ring = new BufferRing(concurrency, Math.max(...records.map((c) => c.last - c.first + 1)));
  await forEachWithBuffer(records, concurrency, ring, s.signal, async (c, held) => {
    const size = c.last - c.first + 1;
    const { bytesRead } = await fh.read(held.buf, 0, size, c.first);
    const ok = bytesRead === size && (await hashHeld(s.pool, held, size)) === c.treeHash;
    if (!ok) s.verified.delete(c.index);
    return 'release';
  });
}

/** Opens `<destination>.part`; keeps the journal's chunks only if the file is there with the right size. */
async function openPartial(s: Session, partFile: string, outputSize: number): Promise<FileHandle> {
  const info = await stat(partFile).catch(() => undefined);
  if (!info || info.size !== outputSize) s.verified.clear();
  const fh = await open(partFile, info ? 'r+' : 'w+', 0o600);
  try {
    if (s.verified.size) await recheckPartial(s, fh, s.o.concurrency ?? DEFAULT_DOWNLOAD_CONCURRENCY);
    let needed = outputSize;
    for (const c of s.verified.values()) needed -= c.last - c.first + 1;
    const fsInfo = await statfs(dirname(partFile)).catch(() => undefined);
    // A sparse file reserves nothing: count what is still to be written (an estimate: a sparse
    // partial file may already hold some of those blocks).
    if (fsInfo && fsInfo.bavail * fsInfo.bsize < needed) {
      throw new DiskFullError(partFile, `${needed} bytes still to write, ${fsInfo.bavail * fsInfo.bsize} free`);
    }
    await fh.truncate(outputSize);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Downloads what is missing, then checks the whole, then renames the partial file. */
async function runSession(s: Session, destination: string | undefined): Promise<DownloadArchiveResult> {
  const { job, progress } = s;
  const p = progress.p;
  const outputSize = job.outputSize!;
  const concurrency = s.o.concurrency ?? DEFAULT_DOWNLOAD_CONCURRENCY;
  const partFile = destination && `${destination}.part`;
  p.phase = 'checking';
  p.totalBytes = outputSize;
  p.chunksTotal = s.chunks.length;
  progress.changed(true);
  const fh = partFile ? await openPartial(s, partFile, outputSize) : undefined;
  let closed = false;
  try {
    p.chunksResumed = s.verified.size;
    p.chunksVerified = s.verified.size;
    for (const c of s.verified.values()) p.bytesDone += c.last - c.first + 1;
    p.phase = 'downloading';
    progress.changed(true);
    const sink = fh ? fileSink(fh, partFile!) : streamSink(s.o.destination as NodeJS.WritableStream);
    const pending = s.chunks.filter((c) => !s.verified.has(c.index));
    const biggest = Math.max(0, ...pending.map(chunkSizeOf));
    // A stream holds chunks until the ones before them are written: one spare buffer keeps requests flowing.
    const ring = new BufferRing(fh ? concurrency : concurrency + 1, biggest);
    await forEachWithBuffer(pending, concurrency, ring, s.signal, async (chunk, held, stop) => {
      const { treeHash, byGlacier } = await fetchVerified(s, chunk, held, stop);
      if (byGlacier) s.byGlacier++;
      const buf = held.buf;
      await sink.deliver(chunk, buf.subarray(0, chunkSizeOf(chunk)), () => ring.release(buf));
      const record = { index: chunk.index, first: chunk.first, last: chunk.last, treeHash };
      s.verified.set(chunk.index, record);
      await s.journal?.append(record);
      p.chunksVerified++;
      p.bytesDone += chunkSizeOf(chunk);
      p.bytesFetched += chunkSizeOf(chunk);
      progress.changed();
      return 'keep';
    });
    await sink.finish();
    const result = verifyWhole(s, destination);
    if (fh && partFile && destination) {
      await fh.sync();
      await fh.close();
      closed = true;
      await rename(partFile, destination);
      await syncDir(dirname(destination));
    }
    await s.journal?.remove();
    p.phase = 'done';
    p.done = true;
    progress.changed(true);
    return result;
  } catch (err) {
    await s.journal?.flush();
    throw mapFailure(s, err);
  } finally {
    if (fh && !closed) await fh.close().catch(() => undefined);
  }
}

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r').catch(() => undefined);
  await d?.sync().catch(() => undefined);
  await d?.close();
}

/** Errors that end a download, reworded with what the journal keeps. */
function mapFailure(s: Session, err: unknown): unknown {
  if (s.signal.aborted || err instanceof UploadCancelledError) {
    return err instanceof DownloadCancelledError ? err : cancelled(s.o, s.job.jobId, s.journal ? s.journalPath : undefined, err);
  }
  if (err instanceof JobNotFoundError && s.journal) {
    return new JobNotFoundError(s.o.vaultName, s.job.jobId, {
      archiveId: s.job.archiveId, journal: s.journalPath, keptChunks: s.verified.size, cause: err.cause, duringDownload: true,
    });
  }
  if (err instanceof GlacierMultipartError && s.journal && !(err as { journal?: string }).journal) {
    Object.defineProperty(err, 'journal', { value: s.journalPath, enumerable: true });
  }
  return err;
}

/** Combines the chunks' tree hashes and compares the result with what DescribeJob promised. */
function verifyWhole(s: Session, destination: string | undefined): DownloadArchiveResult {
  const { job } = s;
  const range = job.range!;
  const treeHash = combineChunkTreeHashes(s.chunks.map((c) => ({ first: c.first, size: chunkSizeOf(c), treeHash: s.verified.get(c.index)!.treeHash })));
  const whole = range.first === 0 && range.last === job.archiveSize! - 1;
  const expected = job.treeHash ?? (whole ? job.archiveTreeHash : undefined);
  if (expected !== undefined && expected !== treeHash) {
    throw new DownloadChecksumError(whole ? `Archive ${job.archiveId} (job ${job.jobId})` : `Bytes ${range.first}-${range.last} of archive ${job.archiveId}`, expected, treeHash);
  }
  if (whole && job.archiveTreeHash && job.archiveTreeHash !== treeHash) {
    throw new DownloadChecksumError(`Archive ${job.archiveId} (job ${job.jobId})`, job.archiveTreeHash, treeHash);
  }
  const fetched = s.chunks.length - s.progress.p.chunksResumed;
  const unchecked = fetched - s.byGlacier;
  const verification = whole ? 'archive' : expected ? 'range' : s.byGlacier > 0 ? 'chunks' : 'none';
  const earlier = s.progress.p.chunksResumed ? `; ${s.progress.p.chunksResumed} chunks were checked by an earlier run` : '';
  const note = verification === 'archive'
    ? "the archive's tree hash, combined from every chunk's, equals Glacier's ArchiveSHA256TreeHash"
    : verification === 'range'
      ? "the range's tree hash, combined from every chunk's, equals Glacier's SHA256TreeHash for it"
      : `Glacier gives no tree hash for this range as a whole (it is not tree-hash aligned); ` +
        (verification === 'chunks'
          ? `${s.byGlacier} of ${fetched} fetched chunks matched Glacier's per-chunk tree hash${unchecked ? `, ${unchecked} had none and are unverified` : ''}${earlier}`
          : `nor for its chunks, so the bytes are unverified (their tree hash is ${treeHash}); retrieve an aligned range ` +
            `(one node of the archive's hash tree, e.g. a multiple of 1 MiB x 2^k long at a multiple of that size) to have them checked`);
  return {
    jobId: job.jobId, archiveId: job.archiveId ?? '', size: job.outputSize!, treeHash, range, chunkSize: s.chunkSize,
    chunks: s.chunks.length, chunksFetched: fetched, chunksResumed: s.progress.p.chunksResumed, bytesFetched: s.progress.p.bytesFetched, chunksVerifiedByGlacier: s.byGlacier,
    retries: s.retries, verification, verificationNote: note, destination,
  };
}
