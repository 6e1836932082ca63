/**
 * downloadArchive: the orchestrator of a verified, parallel, resumable download over its modules:
 * session (job, journal, resume), fetch (verified chunk fetch), sinks (file or stream),
 * partial-file (<dest>.part, fsync, rename) and verify (the combined tree hash).
 */
import { lockJournal } from '../../lock-file.js';
import { resolve } from 'node:path';
import type { GlacierClient, GlacierClientConfig } from '@aws-sdk/client-glacier';
import { DEFAULT_REQUEST_TIMEOUT_MS, createGlacierClient } from '../client.js';
import { HashPool } from '../../pool/index.js';
import { GlacierMultipartError } from '../../errors.js';
import { DownloadCancelledError, JobNotFoundError } from './download-errors.js';
import { UploadCancelledError } from '../errors.js';
import { checkRange, checkTier, checkWait, type ByteRange, type RetrievalTier, type WaitOptions } from './jobs.js';
import {
  InvalidOptionError, LIMITS, checkAccountId, checkChunkSize, checkClient, checkLimit, checkOptionsObject, checkSignal, checkVaultName,
} from '../../options.js';
import { BufferRing, forEachWithBuffer } from '../../concurrency/index.js';
import { chunkSizeOf, fetchVerified } from './fetch.js';
import { checkDestination, commitPartial, exists, openPartial } from './partial-file.js';
import { Progress, cancelled, openSession, type Session } from './session.js';
import { fileSink, streamSink } from './sinks.js';
import { verifyWhole } from './verify.js';

export const DEFAULT_DOWNLOAD_CONCURRENCY = LIMITS.downloadConcurrency.default;

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

export type Pool = Pick<HashPool, 'hashPart' | 'destroy'>;

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

function isWritable(d: unknown): d is NodeJS.WritableStream {
  return !!d && typeof d === 'object' && typeof (d as NodeJS.WritableStream).write === 'function';
}

function checkOptions(o: DownloadArchiveOptions): void {
  checkOptionsObject(o, 'downloadArchive', '{ vaultName, archiveId | jobId, destination, ... }');
  checkVaultName(o.vaultName);
  checkAccountId(o.accountId);
  const id = (k: 'archiveId' | 'jobId') => o[k] !== undefined && (typeof o[k] !== 'string' || o[k] === '');
  if (id('archiveId') || id('jobId') || (o.archiveId === undefined && o.jobId === undefined)) {
    throw new InvalidOptionError('archiveId', 'Pass archiveId (a retrieval job is started) or jobId (a job started earlier), as non-empty strings.');
  }
  if (o.jobId !== undefined && (o.tier !== undefined || o.range !== undefined)) {
    throw new InvalidOptionError('jobId', 'tier and range belong to a new job: pass them with archiveId, not with jobId (the job already has its own).');
  }
  checkTier(o.tier);
  checkRange(o.range);
  if (typeof o.destination !== 'string' && !isWritable(o.destination)) {
    throw new InvalidOptionError('destination', 'destination must be a file path or a Writable stream (e.g. process.stdout).');
  }
  if (o.destination === '') throw new InvalidOptionError('destination', 'destination is empty: pass a file path.');
  if (o.chunkSize !== undefined) checkChunkSize(o.chunkSize);
  checkLimit('downloadConcurrency', o.concurrency);
  checkLimit('threads', o.threads);
  checkLimit('requestTimeout', o.requestTimeout);
  checkLimit('maxAttempts', o.maxAttempts);
  if (o.wait !== false) checkWait(o.wait);
  if (o.journal !== undefined && o.journal !== false && (typeof o.journal !== 'string' || o.journal === '')) {
    throw new InvalidOptionError('journal', `journal must be a file path or false, got ${JSON.stringify(o.journal)}.`);
  }
  checkClient(o);
  if (o.pool !== undefined && typeof o.pool?.hashPart !== 'function') throw new InvalidOptionError('pool', 'pool must be a HashPool.');
  checkSignal(o.signal);
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
  // One download per journal: two would write the same .part file.
  const release = journalPath ? await lockJournal(journalPath) : undefined;
  try {
    return await downloadLocked(o, destination, journalPath);
  } finally {
    await release?.();
  }
}

async function downloadLocked(o: DownloadArchiveOptions, destination: string | undefined, journalPath: string | undefined): Promise<DownloadArchiveResult> {
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
  const fh = partFile ? await openPartial(s, partFile, outputSize, concurrency) : undefined;
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
      await commitPartial(fh, partFile, destination);
      closed = true;
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

