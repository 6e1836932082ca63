import {
  DescribeJobCommand, InitiateJobCommand, ListJobsCommand, type GlacierClient, type GlacierJobDescription,
} from '@aws-sdk/client-glacier';
import {
  DownloadCancelledError, InsufficientCapacityError, JobNotCompleteError,
  JobWaitTimeoutError, RangeNotAlignedError, RetrievalJobFailedError, RetrievalPolicyError,
} from './download-errors.js';
import { UnexpectedResponseError, UploadCancelledError } from '../errors.js';
import { MiB } from '../part-size.js';
import { callGlacier, errorName, type CallOptions, type MissingResource } from '../request.js';
import { DEFAULT_MAX_ATTEMPTS, sleep } from '../retry.js';

import {
  InvalidOptionError, RETRIEVAL_TIERS, checkAccountId, checkByteRange, checkClient, checkLimit, checkOptionsObject, checkSignal,
  checkTier, checkVaultName, type RetrievalTier,
} from '../../options.js';

export { RETRIEVAL_TIERS, checkTier, type RetrievalTier };

/** Which vault a job call talks to, and how. */
export interface JobTarget {
  client: GlacierClient;
  vaultName: string;
  /** Default '-': the account of the credentials. */
  accountId?: string;
  signal?: AbortSignal;
  /** Attempts per request, first included (default 5): throttling, 5xx and resets are retried. */
  maxAttempts?: number;
  /**
   * Milliseconds one request may take in all (then it is retried as a timeout). Default: none
   * beyond the client's own timeouts (createGlacierClient's idle timeout).
   */
  requestTimeout?: number;
}

/** An inclusive byte range of an archive. */
export interface ByteRange {
  first: number;
  last: number;
}

/** DescribeJob's answer, with the fields a download needs parsed. */
export interface RetrievalJob {
  jobId: string;
  action: 'ArchiveRetrieval' | 'InventoryRetrieval' | string;
  statusCode: 'InProgress' | 'Succeeded' | 'Failed' | string;
  statusMessage: string | undefined;
  completed: boolean;
  archiveId: string | undefined;
  archiveSize: number | undefined;
  /** The whole archive's tree hash. */
  archiveTreeHash: string | undefined;
  /** Tree hash of the retrieved bytes: null unless they are tree-hash aligned (and the job succeeded). */
  treeHash: string | null;
  /** The retrieved range in archive bytes (the whole archive when Glacier names none). */
  range: ByteRange | undefined;
  /** Bytes of output (the retrieved range's length, or the inventory's size). */
  outputSize: number | undefined;
  tier: string | undefined;
  description: string | undefined;
  creationDate: string | undefined;
  completionDate: string | undefined;
  /** DescribeJob's raw answer. */
  raw: GlacierJobDescription;
}

/** "an ArchiveRetrieval job", or what a job description without an Action is (a malformed answer). */
export function jobKind(action: string | undefined): string {
  return action ? `an ${action} job` : 'a job whose description names no Action (a malformed answer from the endpoint)';
}

export function parseJob(d: GlacierJobDescription): RetrievalJob {
  const m = d.RetrievalByteRange ? /^(\d+)-(\d+)$/.exec(d.RetrievalByteRange) : null;
  const archiveSize = d.ArchiveSizeInBytes;
  const range = m ? { first: Number(m[1]), last: Number(m[2]) } : archiveSize !== undefined ? { first: 0, last: archiveSize - 1 } : undefined;
  return {
    jobId: d.JobId ?? '',
    action: d.Action ?? '',
    statusCode: d.StatusCode ?? '',
    statusMessage: d.StatusMessage ?? undefined,
    completed: Boolean(d.Completed),
    archiveId: d.ArchiveId ?? undefined,
    archiveSize,
    archiveTreeHash: d.ArchiveSHA256TreeHash ?? undefined,
    treeHash: d.SHA256TreeHash ?? null,
    range,
    outputSize: d.Action === 'InventoryRetrieval' ? d.InventorySizeInBytes : range ? range.last - range.first + 1 : undefined,
    tier: d.Tier ?? undefined,
    description: d.JobDescription ?? undefined,
    creationDate: d.CreationDate ?? undefined,
    completionDate: d.CompletionDate ?? undefined,
    raw: d,
  };
}

function checkTarget(t: JobTarget): void {
  checkOptionsObject(t, 'A job call', '{ client, vaultName, ... }');
  checkClient(t, true);
  checkVaultName(t.vaultName);
  checkAccountId(t.accountId);
  checkSignal(t.signal);
  checkLimit('maxAttempts', t.maxAttempts);
  checkLimit('requestTimeout', t.requestTimeout);
}

/** What can be checked of a range before the archive's size is known: FIRST a multiple of 1 MiB, LAST >= FIRST. */
export function checkRange(range: unknown): ByteRange | undefined {
  const r = checkByteRange(range);
  if (r && r.first % MiB !== 0) throw new RangeNotAlignedError(`${r.first}-${r.last}`, `FIRST ${r.first} is not a multiple of 1048576`);
  return r;
}

const errMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A cancellation of a job call is the download's. */
function cancelledJob(err: unknown, jobId?: string): unknown {
  return err instanceof UploadCancelledError ? new DownloadCancelledError({ jobId, cause: err.cause }) : err;
}

/** A job call through the one request path (retries, timeouts, the not-found table). */
function jobCall<T>(t: JobTarget, operation: string, missing: MissingResource | undefined, send: (abortSignal: AbortSignal | undefined) => Promise<T>,
  extra: Pick<CallOptions, 'retryable'> = {}): Promise<T> {
  const target = { client: t.client, vaultName: t.vaultName, maxAttempts: t.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, missing };
  return callGlacier(target, operation, send, { signal: t.signal, timeout: t.requestTimeout, ...extra })
    .catch((err: unknown) => { throw cancelledJob(err, missing?.kind === 'job' ? missing.jobId : undefined); });
}

export interface InitiateRetrievalOptions extends JobTarget {
  archiveId: string;
  /** Default Standard (Glacier's default). */
  tier?: RetrievalTier;
  /** Inclusive archive bytes; megabyte aligned. Default: the whole archive. */
  range?: ByteRange;
  description?: string;
  snsTopic?: string;
}

/** InitiateJob (archive-retrieval): starts the job and returns its id. */
export async function initiateRetrievalJob(o: InitiateRetrievalOptions): Promise<{ jobId: string; location: string | undefined }> {
  checkTarget(o);
  if (typeof o.archiveId !== 'string' || o.archiveId.length === 0) {
    throw new InvalidOptionError('archiveId', `archiveId must be the id Glacier gave the archive, got ${JSON.stringify(o.archiveId)}.`);
  }
  checkTier(o.tier);
  const range = checkRange(o.range);
  const accountId = o.accountId ?? '-';
  try {
    const out = await jobCall(o, 'InitiateJob', { kind: 'archive', archiveId: o.archiveId }, (abortSignal) => o.client.send(new InitiateJobCommand({
      accountId,
      vaultName: o.vaultName,
      jobParameters: {
        Type: 'archive-retrieval',
        ArchiveId: o.archiveId,
        ...(o.tier ? { Tier: o.tier } : {}),
        ...(range ? { RetrievalByteRange: `${range.first}-${range.last}` } : {}),
        ...(o.description !== undefined ? { Description: o.description } : {}),
        ...(o.snsTopic !== undefined ? { SNSTopic: o.snsTopic } : {}),
      },
    }), { abortSignal }), {
      // A 503 that is not a blip: no Expedited capacity. Retrying only delays the advice.
      retryable: (err) => (errorName(err) === 'InsufficientCapacityException' ? false : undefined),
    });
    if (!out.jobId) throw new UnexpectedResponseError('InitiateJob', 'an x-amz-job-id header');
    return { jobId: out.jobId, location: out.location };
  } catch (err) {
    const name = errorName(err);
    if (name === 'InsufficientCapacityException') throw new InsufficientCapacityError(o.vaultName, o.archiveId, { cause: err });
    if (name === 'PolicyEnforcedException') throw new RetrievalPolicyError(errMessage(err), { cause: err });
    if (name === 'InvalidParameterValueException' && /RetrievalByteRange/i.test(errMessage(err)) && range) {
      throw new RangeNotAlignedError(`${range.first}-${range.last}`, errMessage(err), { cause: err });
    }
    throw err;
  }
}

/** DescribeJob, parsed. A 404 is JobNotFoundError (expired or wrong id). */
export async function describeJob(o: JobTarget & { jobId: string; archiveId?: string }): Promise<RetrievalJob> {
  checkTarget(o);
  if (typeof o.jobId !== 'string' || o.jobId.length === 0) {
    throw new InvalidOptionError('jobId', `jobId must be the id InitiateJob returned, got ${JSON.stringify(o.jobId)}.`);
  }
  const d = await jobCall(o, 'DescribeJob', { kind: 'job', jobId: o.jobId, archiveId: o.archiveId }, (abortSignal) => o.client.send(
    new DescribeJobCommand({ accountId: o.accountId ?? '-', vaultName: o.vaultName, jobId: o.jobId }), { abortSignal }));
  return parseJob(d);
}

/** InitiateJob (inventory-retrieval): starts the job and returns its id. */
export async function initiateInventoryJob(o: JobTarget & { format?: 'JSON' | 'CSV'; description?: string }): Promise<{ jobId: string }> {
  checkTarget(o);
  const out = await jobCall(o, 'InitiateJob', undefined, (abortSignal) => o.client.send(new InitiateJobCommand({
    accountId: o.accountId ?? '-', vaultName: o.vaultName,
    jobParameters: { Type: 'inventory-retrieval', Format: o.format ?? 'JSON', ...(o.description !== undefined ? { Description: o.description } : {}) },
  }), { abortSignal }));
  if (!out.jobId) throw new UnexpectedResponseError('InitiateJob', 'an x-amz-job-id header');
  return { jobId: out.jobId };
}

export interface ListJobsOptions extends JobTarget {
  /** Only completed (true) or only running (false) jobs. */
  completed?: boolean;
  statusCode?: 'InProgress' | 'Succeeded' | 'Failed';
}

/** ListJobs, following Marker until the last page. */
export async function* listJobs(o: ListJobsOptions): AsyncGenerator<RetrievalJob> {
  checkTarget(o);
  let marker: string | undefined;
  // A Marker seen before would page forever: an endpoint that repeats one is not paging.
  const seen = new Set<string>();
  do {
    if (marker) seen.add(marker);
    const page = await jobCall(o, 'ListJobs', undefined, (abortSignal) => o.client.send(new ListJobsCommand({
      accountId: o.accountId ?? '-',
      vaultName: o.vaultName,
      ...(o.completed !== undefined ? { completed: String(o.completed) } : {}),
      ...(o.statusCode ? { statuscode: o.statusCode } : {}),
      ...(marker ? { marker } : {}),
    }), { abortSignal }));
    for (const d of page.JobList ?? []) yield parseJob(d);
    marker = page.Marker ?? undefined;
    if (marker && seen.has(marker)) throw new UnexpectedResponseError('ListJobs', `a new Marker (it repeated ${JSON.stringify(marker)}, which would page forever)`);
  } while (marker);
}

export interface WaitOptions {
  /**
   * Milliseconds between DescribeJob calls. Default: adaptive, 1 s at first, growing by half per
   * poll up to 60 s for Expedited and 5 min for Standard and Bulk (which take hours).
   */
  pollInterval?: number;
  /** Give up (JobWaitTimeoutError; the job keeps running) after this many ms. Default 48 h. */
  timeout?: number;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 48 * 3600_000;

export function checkWait(wait: unknown): WaitOptions {
  if (wait === undefined || wait === true) return {};
  const w = wait as WaitOptions;
  if (typeof w !== 'object' || w === null) {
    throw new InvalidOptionError('wait', `wait must be { pollInterval?, timeout? } in milliseconds (or false: do not wait), got ${JSON.stringify(wait)}.`);
  }
  checkLimit('pollInterval', w.pollInterval);
  checkLimit('waitTimeout', w.timeout);
  return w;
}

/**
 * Polls DescribeJob until the job completes: resolves with it when it Succeeded; RetrievalJobFailedError
 * when it Failed, JobWaitTimeoutError after `timeout`, DownloadCancelledError when the signal fires
 * (the job keeps running at Glacier).
 */
export async function waitForJob(o: JobTarget & WaitOptions & { jobId: string; archiveId?: string; onPoll?: (job: RetrievalJob, waitedMs: number) => void }): Promise<RetrievalJob> {
  checkTarget(o);
  checkWait({ pollInterval: o.pollInterval, timeout: o.timeout });
  const started = Date.now();
  const timeout = o.timeout ?? DEFAULT_WAIT_TIMEOUT_MS;
  let interval = 1000;
  for (;;) {
    const job = await describeJob(o);
    const waited = Date.now() - started;
    o.onPoll?.(job, waited);
    if (job.statusCode === 'Failed') throw new RetrievalJobFailedError(o.vaultName, o.jobId, job.archiveId ?? o.archiveId, job.statusMessage);
    if (job.completed && job.statusCode === 'Succeeded') return job;
    if (waited >= timeout) throw new JobWaitTimeoutError(o.vaultName, o.jobId, waited);
    const cap = job.tier === 'Expedited' ? 60_000 : 300_000;
    const next = o.pollInterval ?? interval;
    interval = Math.min(cap, Math.round(interval * 1.5));
    await sleep(Math.max(0, Math.min(next, timeout - waited)), o.signal).catch((err: unknown) => {
      throw cancelledJob(err, o.jobId);
    });
  }
}

/** Without waiting: the job when it Succeeded, else JobNotCompleteError / RetrievalJobFailedError. */
export async function requireCompletedJob(o: JobTarget & { jobId: string; archiveId?: string }): Promise<RetrievalJob> {
  const job = await describeJob(o);
  if (job.statusCode === 'Failed') throw new RetrievalJobFailedError(o.vaultName, o.jobId, job.archiveId ?? o.archiveId, job.statusMessage);
  if (!job.completed || job.statusCode !== 'Succeeded') throw new JobNotCompleteError(o.vaultName, o.jobId);
  return job;
}
