/**
 * Restore in two steps, as Glacier requires: `startRestore` starts a retrieval job for each catalog
 * file missing locally (recorded as RETRIEVE_JOB); hours later `completeRestore` downloads each
 * finished job's output with the verified downloader, checks its tree hash against the catalog's,
 * sets the file's mtime, and only then moves it into place.
 */
import { rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { GlacierClient } from '@aws-sdk/client-glacier';
import { HashPool } from '../pool/index.js';
import { defaultHashThreads } from '../glacier/upload/upload-archive.js';
import { describeJob, initiateRetrievalJob, type RetrievalJob, type RetrievalTier } from '../glacier/download/jobs.js';
import { downloadArchive } from '../glacier/download/download-archive.js';
import { cancelledError } from '../glacier/retry.js';
import type { Catalog, CatalogArchive } from './catalog.js';
import { RestoreMismatchError } from './errors.js';
import { restoreDestination } from './restore-path.js';
import { inShard, type Shard } from './shards.js';
import { forEachLimit } from '../concurrency/index.js';
import { DEFAULTS, checkLimit, checkTier, checkVaultCall } from '../options.js';

/**
 * Files downloaded at once by completeRestore. Small files are bound by round trips (DescribeJob,
 * GetJobOutput), not bytes: several in flight keep the link busy; each download bounds its own memory.
 */
export const DEFAULT_RESTORE_CONCURRENCY = DEFAULTS.restoreConcurrency;

export interface RestoreOptions {
  dir: string;
  vaultName: string;
  accountId?: string;
  catalog: Catalog;
  client: GlacierClient;
  filter?: (path: string) => boolean;
  shard?: Shard;
  signal?: AbortSignal;
  maxAttempts?: number;
  onNote?: (message: string) => void;
}

export interface StartRestoreOptions extends RestoreOptions {
  /** Default Standard (3-5 hours); Expedited (minutes) and Bulk (5-12 hours) cost differently. */
  tier?: RetrievalTier;
  /** Start at most this many jobs. */
  maxFiles?: number;
}

export interface RestoreEntry {
  path: string;
  archiveId: string;
  jobId: string;
}

export interface StartRestoreResult {
  started: RestoreEntry[];
  /** Files whose recorded job is still running or has finished (run completeRestore). */
  pending: RestoreEntry[];
  /** Catalog files already present locally. */
  present: number;
}

export interface CompleteRestoreOptions extends RestoreOptions {
  /** One pool hashes every file (default: one made here, used for all files, destroyed at the end). */
  pool?: HashPool;
  threads?: number;
  /** Files described and downloaded at once (default DEFAULT_RESTORE_CONCURRENCY). */
  concurrency?: number;
}

export interface CompleteRestoreResult {
  restored: (RestoreEntry & { size: number })[];
  /** Jobs still running. */
  inProgress: RestoreEntry[];
  /** Files without a usable job (none recorded, failed, or expired): run startRestore again. */
  needJob: string[];
  failed: { path: string; error: Error }[];
}

/** The catalog files (current archives) missing from the directory, in path order. */
async function missingFiles(o: RestoreOptions): Promise<{ missing: CatalogArchive[]; present: number }> {
  const missing: CatalogArchive[] = [];
  let present = 0;
  const files = [...o.catalog.files()].filter((f) => (!o.filter || o.filter(f.path)) && inShard(f.path, o.shard)).sort((a, b) => (a.path < b.path ? -1 : 1));
  for (const f of files) {
    const st = await stat(localPath(o.dir, f.path)).catch(() => undefined);
    if (st) present++;
    else missing.push(f);
  }
  return { missing, present };
}

function localPath(dir: string, path: string): string {
  return join(dir, ...path.split('/'));
}

/** The latest recorded job of an archive, as Glacier describes it now; undefined when none is usable. */
async function latestJob(o: RestoreOptions, archiveId: string): Promise<RetrievalJob | undefined> {
  const jobs = o.catalog.retrieveJobs(archiveId);
  const last = jobs[jobs.length - 1];
  if (!last) return undefined;
  try {
    const job = await describeJob({ client: o.client, vaultName: o.vaultName, accountId: o.accountId, jobId: last.jobId, archiveId, signal: o.signal, maxAttempts: o.maxAttempts });
    return job.statusCode === 'Failed' ? undefined : job;
  } catch (err) {
    // Expired (24 h after completion) or unknown: a new job is needed.
    if ((err as { code?: string }).code === 'JOB_NOT_FOUND') return undefined;
    throw err;
  }
}

export async function startRestore(o: StartRestoreOptions): Promise<StartRestoreResult> {
  checkVaultCall(o, 'startRestore', '{ dir, vaultName, catalog, client, ... }');
  checkTier(o.tier);
  checkLimit('maxFiles', o.maxFiles);
  const { missing, present } = await missingFiles(o);
  const result: StartRestoreResult = { started: [], pending: [], present };
  for (const f of missing) {
    if (o.signal?.aborted) throw cancelledError(o.signal);
    const job = await latestJob(o, f.archiveId);
    if (job) {
      result.pending.push({ path: f.path, archiveId: f.archiveId, jobId: job.jobId });
      continue;
    }
    if (o.maxFiles !== undefined && result.started.length >= o.maxFiles) continue;
    const { jobId } = await initiateRetrievalJob({
      client: o.client, vaultName: o.vaultName, accountId: o.accountId, archiveId: f.archiveId, tier: o.tier, signal: o.signal, maxAttempts: o.maxAttempts,
      description: `glacier-multipart restore`,
    });
    await o.catalog.recordRetrieveJob(f.archiveId, jobId);
    result.started.push({ path: f.path, archiveId: f.archiveId, jobId });
  }
  return result;
}

export async function completeRestore(o: CompleteRestoreOptions): Promise<CompleteRestoreResult> {
  checkVaultCall(o, 'completeRestore', '{ dir, vaultName, catalog, client, ... }');
  checkLimit('restoreConcurrency', o.concurrency);
  checkLimit('threads', o.threads);
  const { missing } = await missingFiles(o);
  const result: CompleteRestoreResult = { restored: [], inProgress: [], needJob: [], failed: [] };
  // One pool for every file: a pool per download costs a worker start and calibration (~60 ms of CPU)
  // per file, which dominated restoring many small files.
  let pool = o.pool;
  const getPool = () => (pool ??= new HashPool({ threads: o.threads ?? defaultHashThreads() }));
  const stopped = () => o.signal?.aborted === true;
  try {
    await forEachLimit(missing, o.concurrency ?? DEFAULT_RESTORE_CONCURRENCY, (f) => completeOne(o, f, getPool, result), stopped);
  } catch (err) {
    if (stopped()) throw cancelledError(o.signal!, err);
    throw err;
  } finally {
    if (!o.pool && pool) await pool.destroy().catch(() => undefined);
  }
  if (stopped()) throw cancelledError(o.signal!);
  // Finished in any order; reported in path order, as before.
  const byPath = <T extends { path: string }>(a: T, b: T) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  result.restored.sort(byPath);
  result.inProgress.sort(byPath);
  result.failed.sort(byPath);
  result.needJob.sort();
  return result;
}

async function completeOne(o: CompleteRestoreOptions, f: CatalogArchive, getPool: () => HashPool, result: CompleteRestoreResult): Promise<void> {
  const job = await latestJob(o, f.archiveId);
  if (!job) {
    result.needJob.push(f.path);
    return;
  }
  const entry = { path: f.path, archiveId: f.archiveId, jobId: job.jobId };
  if (!job.completed || job.statusCode !== 'Succeeded') {
    result.inProgress.push(entry);
    return;
  }
  try {
    const size = await restoreOne(o, f, job.jobId, getPool());
    result.restored.push({ ...entry, size });
  } catch (err) {
    if (o.signal?.aborted) throw err;
    const code = (err as { code?: string }).code;
    if (['RESTORE_MISMATCH', 'UNSAFE_DESTINATION', 'CHECKSUM_MISMATCH', 'JOB_NOT_FOUND', 'JOB_OUTPUT_EXPIRED', 'JOB_FAILED'].includes(code ?? '')) {
      result.failed.push({ path: f.path, error: err as Error });
      o.onNote?.(`${f.path}: not restored: ${(err as Error).message}`);
    } else throw err;
  }
}

/** Downloads one job's output beside its destination, verifies it against the catalog, sets mtime, renames. */
async function restoreOne(o: CompleteRestoreOptions, f: CatalogArchive, jobId: string, pool: HashPool): Promise<number> {
  // The temporary file, its partial file and its download journal (see downloadArchive).
  const dest = await restoreDestination(o.dir, f.path, ['.glacier-restore', '.glacier-restore.part', '.glacier-restore.glacier-download.json']);
  const tmp = `${dest}.glacier-restore`;
  const r = await downloadArchive({
    vaultName: o.vaultName, accountId: o.accountId, jobId, destination: tmp, client: o.client, pool,
    signal: o.signal, maxAttempts: o.maxAttempts, overwrite: true, wait: false,
  });
  if (r.treeHash !== f.treeHash || r.size !== f.size) {
    await rm(tmp, { force: true });
    throw new RestoreMismatchError(f.path, f.treeHash, r.treeHash);
  }
  if (f.mtime !== null) await utimes(tmp, f.mtime, f.mtime);
  await rename(tmp, dest);
  return r.size;
}
