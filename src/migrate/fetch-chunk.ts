/**
 * One tree-hash-aligned range of a job's output, fetched into a held buffer and hashed in the
 * HashPool (tree hash and SHA-256 in one pass): a range whose tree hash differs from Glacier's
 * x-amz-sha256-tree-hash, or that comes short, stalls or fails, is fetched again alone (backoff,
 * maxAttempts); a 404 is the job's output gone (JobNotFoundError: the caller starts a new job).
 */
import type { GlacierClient } from '@aws-sdk/client-glacier';
import type { HashPool } from '../pool/pool.js';
import { ChunkHashMismatch } from '../glacier/download/fetch.js';
import { getJobOutputRange, jobOutputMissing } from '../glacier/download/job-output.js';
import { DownloadChecksumError } from '../glacier/download/download-errors.js';
import { callGlacier } from '../glacier/request.js';

/** A chunk buffer whose owner may change (the pool may transfer it and hand it back as a new view). */
export interface Held {
  buf: Uint8Array;
}

export interface ChunkTarget {
  client: GlacierClient;
  pool: Pick<HashPool, 'hashPart'>;
  vaultName: string;
  accountId: string;
  jobId: string;
  archiveId: string;
  maxAttempts: number;
  /** No byte for this long aborts the request (retried). */
  stallTimeout: number;
  onRetry?: () => void;
}

export interface VerifiedChunk {
  treeHash: string;
  sha256: string;
  /** Glacier sent a tree hash for the range and it matched. */
  byGlacier: boolean;
}

/** Bytes [first, last] of the job's output into held.buf[0, size), checked. */
export async function fetchChunk(t: ChunkTarget, first: number, last: number, held: Held, signal?: AbortSignal): Promise<VerifiedChunk> {
  const size = last - first + 1;
  const full = held.buf.byteLength;
  const range = { client: t.client, vaultName: t.vaultName, accountId: t.accountId, jobId: t.jobId, archiveId: t.archiveId, first, last, stallTimeout: t.stallTimeout };
  const target = { client: t.client, vaultName: t.vaultName, maxAttempts: t.maxAttempts, missing: jobOutputMissing(range) };
  try {
    return await callGlacier(target, `GetJobOutput (bytes ${first}-${last})`, async (attemptSignal) => {
      // A failed hashing call took its (transferred) buffer with it.
      if (held.buf.byteLength === 0) held.buf = new Uint8Array(full);
      const got = await getJobOutputRange({ ...range, into: held.buf }, attemptSignal);
      const whole = size === full;
      const r = await t.pool.hashPart(held.buf.subarray(0, size), { linear: true, ...(attemptSignal ? { signal: attemptSignal } : {}) });
      if (whole && held.buf.byteLength === 0) held.buf = new Uint8Array(r.data.buffer, r.data.byteOffset, full);
      if (got.treeHash !== undefined && got.treeHash !== r.treeHash) throw new ChunkHashMismatch(got.treeHash, r.treeHash);
      return { treeHash: r.treeHash, sha256: r.sha256, byGlacier: got.treeHash !== undefined };
    }, {
      signal,
      retryable: (err) => (err instanceof ChunkHashMismatch || (err as { retryable?: boolean }).retryable === true ? true : undefined),
      onRetry: () => t.onRetry?.(),
    });
  } catch (err) {
    if (err instanceof ChunkHashMismatch) {
      throw new DownloadChecksumError(`Bytes ${first}-${last} of job ${t.jobId}`, err.expected, err.actual, { index: 0, first, last, attempts: t.maxAttempts });
    }
    throw err;
  }
}
