/** What copying one archive needs, shared by the S3 and directory destinations. */
import { setMaxListeners } from 'node:events';
import type { GlacierClient } from '@aws-sdk/client-glacier';
import type { HashPool } from '../pool/pool.js';
import { MiB } from '../glacier/part-size.js';
import type { ChunkTarget } from './fetch-chunk.js';
import type { Slots } from './slots.js';
import type { MigrationState } from './state.js';

export interface CopyStats {
  bytesFetched: number;
  bytesCopied: number;
  partsUploaded: number;
  partsSkipped: number;
  retries: number;
}

export interface CopyContext {
  client: GlacierClient;
  pool: Pick<HashPool, 'hashPart' | 'hashFile'>;
  vaultName: string;
  accountId: string;
  maxAttempts: number;
  stallTimeout: number;
  state: MigrationState;
  slots: Slots;
  /** Default part (= chunk) size: 1 MiB x 2^k, at least 8 MiB (S3's parts are at least 5 MiB). */
  chunkSize: number;
  stats: CopyStats;
  signal: AbortSignal;
  onBytes: (n: number) => void;
}

/** The archive as the copy sees it. */
export interface CopyArchive {
  archiveId: string;
  key: string;
  size: number;
  treeHash: string;
  creationDate: string;
  description: string;
  jobId: string;
}

/** What a finished copy recorded. */
export interface CopyResult {
  etag: string;
  checksum: string;
}

/** S3 and Glacier both allow 10,000 parts: the part size grows (x2) until the archive fits. */
export function partSizeFor(size: number, chunkSize: number): number {
  let p = chunkSize;
  while (p * 10_000 < size) p *= 2;
  return p;
}

export function chunkTarget(ctx: CopyContext, a: CopyArchive): ChunkTarget {
  return {
    client: ctx.client, pool: ctx.pool, vaultName: ctx.vaultName, accountId: ctx.accountId, jobId: a.jobId, archiveId: a.archiveId,
    maxAttempts: ctx.maxAttempts, stallTimeout: ctx.stallTimeout, onRetry: () => ctx.stats.retries++,
  };
}

export const MIN_CHUNK = 8 * MiB;

/** Abort listeners one request in flight may hold on a signal (the SDKs' retry race and HTTP handler, our timeouts). */
export const ABORT_LISTENERS_PER_REQUEST = 4;

/**
 * The signal one archive's parts run under: the run's, or `stop` once a part failed. Each part in
 * flight listens on it, so the limit is raised past Node's default of 10, whose leak warning would
 * be a false alarm here.
 */
export function archiveSignal(ctx: CopyContext): { stop: AbortController; signal: AbortSignal } {
  const stop = new AbortController();
  const signal = AbortSignal.any([ctx.signal, stop.signal]);
  setMaxListeners(ABORT_LISTENERS_PER_REQUEST * (ctx.slots.count + 2), signal);
  return { stop, signal };
}
