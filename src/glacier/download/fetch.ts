import type { Held } from '../../concurrency/index.js';
import { DownloadChecksumError } from './download-errors.js';
import type { OutputChunk } from './chunk-plan.js';
import { getJobOutputRange, jobOutputMissing } from './job-output.js';
import type { Pool } from './download-archive.js';
import type { Session } from './session.js';
import { callGlacier } from '../request.js';

/** A chunk whose bytes hash differently from Glacier's header (retried, then DownloadChecksumError). */
export class ChunkHashMismatch extends Error {
  constructor(readonly expected: string, readonly actual: string) {
    super(`tree hash ${actual}, Glacier's ${expected}`);
  }
}

export const chunkSizeOf = (c: OutputChunk) => c.last - c.first + 1;


/** Tree hash of `held.buf[0, size)` in the pool; afterwards held.buf is the (same or moved-back) buffer. */
export async function hashHeld(pool: Pool, held: Held, size: number, signal?: AbortSignal): Promise<string> {
  const full = held.buf.byteLength;
  const r = await pool.hashPart(held.buf.subarray(0, size), { linear: false, ...(signal ? { signal } : {}) });
  if (held.buf.byteLength === 0) held.buf = new Uint8Array(r.data.buffer, r.data.byteOffset, full);
  return r.treeHash;
}

/**
 * Fetches one chunk into `held.buf` and checks it against Glacier's tree hash, through the one
 * request path: a chunk that is wrong, short, stalled or failed is fetched again (backoff, the
 * download's maxAttempts), a 404 is the job's output gone.
 */
export async function fetchVerified(s: Session, chunk: OutputChunk, held: Held, signal: AbortSignal): Promise<{ treeHash: string; byGlacier: boolean }> {
  const full = held.buf.byteLength;
  const range = { client: s.client, vaultName: s.o.vaultName, accountId: s.accountId, jobId: s.job.jobId, archiveId: s.job.archiveId,
    first: chunk.first, last: chunk.last, into: held.buf, stallTimeout: s.requestTimeout };
  let attempts = 0;
  const target = { client: s.client, vaultName: s.o.vaultName, maxAttempts: s.maxAttempts, missing: jobOutputMissing(range) };
  try {
    return await callGlacier(target, `GetJobOutput (chunk ${chunk.index})`, async (attemptSignal) => {
      attempts++;
      // A hashing call that failed took its (transferred) buffer with it.
      if (held.buf.byteLength === 0) held.buf = new Uint8Array(full);
      const got = await getJobOutputRange({ ...range, into: held.buf }, attemptSignal);
      const treeHash = await hashHeld(s.pool, held, got.size, attemptSignal);
      if (got.treeHash !== undefined && got.treeHash !== treeHash) throw new ChunkHashMismatch(got.treeHash, treeHash);
      return { treeHash, byGlacier: got.treeHash !== undefined };
    }, {
      signal,
      retryable: (err) => (err instanceof ChunkHashMismatch || (err as { retryable?: boolean }).retryable === true ? true : undefined),
      onRetry: () => {
        s.retries++;
        s.progress.p.retries = s.retries;
      },
    });
  } catch (err) {
    if (err instanceof ChunkHashMismatch) {
      throw new DownloadChecksumError(`Chunk ${chunk.index} of job ${s.job.jobId}`, err.expected, err.actual, { ...chunk, attempts });
    }
    throw err;
  }
}
