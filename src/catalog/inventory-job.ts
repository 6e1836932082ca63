/**
 * Inventory-retrieval jobs: start one (or take a job id), wait for it with capped polling, and
 * stream its output. Real Glacier takes hours for an inventory, and the inventory itself is up to
 * a day old: archives uploaded since are not in it yet.
 */
import { GetJobOutputCommand, type GlacierClient } from '@aws-sdk/client-glacier';
import { GlacierMultipartError } from '../errors.js';
import { JobNotFoundError, JobWaitTimeoutError, RetrievalJobFailedError } from '../glacier/download/download-errors.js';
import { describeJob, initiateInventoryJob, jobKind, waitForJob, type JobTarget, type RetrievalJob } from '../glacier/download/jobs.js';
import { callGlacier } from '../glacier/request.js';
import { DEFAULT_MAX_ATTEMPTS } from '../glacier/retry.js';
import type { InventoryFormat } from './inventory.js';
import { checkLimit, checkVaultCall } from '../options.js';

export interface InventoryJobOptions {
  client: GlacierClient;
  vaultName: string;
  accountId?: string;
  format?: InventoryFormat;
  /** An inventory job started earlier (no new job is started). */
  jobId?: string;
  /** How long to wait for the job, ms (default 24 h); then InventoryNotReadyError (the job keeps running). */
  timeout?: number;
  /** Fixed ms between DescribeJob calls (default: 1 s, growing by half up to 5 min). */
  pollInterval?: number;
  signal?: AbortSignal;
  maxAttempts?: number;
  /** Told the job id as soon as it is known. */
  onJob?: (jobId: string, started: boolean) => void;
}

/** The inventory job has not finished within the wait; it keeps running at Glacier. */
export class InventoryNotReadyError extends GlacierMultipartError {
  readonly jobId: string;
  constructor(vaultName: string, jobId: string) {
    super('INVENTORY_NOT_READY',
      `Inventory job ${jobId} of vault "${vaultName}" has not finished yet (Glacier takes about 3-5 hours). It keeps ` +
      `running: fetch it later with glacier-multipart inventory --vault ${vaultName} --job-id ${jobId}`);
    this.jobId = jobId;
  }
}

/** The job failed, is not an inventory job, or its output expired (24 h after it completed). */
export class InventoryJobError extends GlacierMultipartError {
  readonly jobId: string;
  constructor(jobId: string, message: string, options?: { cause?: unknown }) {
    super('INVENTORY_JOB_FAILED', message, options);
    this.jobId = jobId;
  }
}

const REQUEST_TIMEOUT = 5 * 60_000;
/** The output streams through this request: an inventory of millions of archives takes a while. */
const OUTPUT_TIMEOUT = 2 * 3600_000;

/** The job errors of the shared request path and job polling, worded for an inventory. */
function inventoryError(err: unknown, vaultName: string, jobId: string): unknown {
  if (err instanceof JobNotFoundError) {
    return new InventoryJobError(jobId, `Job ${jobId} is not known to vault "${vaultName}" (a wrong id, or its output expired 24 hours after it completed): start a new inventory job (glacier-multipart inventory --vault ${vaultName}).`, { cause: err });
  }
  if (err instanceof RetrievalJobFailedError) return new InventoryJobError(jobId, `Inventory job ${jobId} failed: start a new one.`, { cause: err });
  if (err instanceof JobWaitTimeoutError) return new InventoryNotReadyError(vaultName, jobId);
  return err;
}

/** The job when it has completed, waited for with the shared capped polling. */
async function completedInventoryJob(o: InventoryJobOptions, target: JobTarget, jobId: string): Promise<RetrievalJob> {
  const job = await describeJob({ ...target, jobId });
  if (job.action !== 'InventoryRetrieval') throw new InventoryJobError(jobId, `Job ${jobId} is ${jobKind(job.action)}, not an inventory: pass the id of an inventory-retrieval job, or none to start one.`);
  if (job.completed && job.statusCode === 'Succeeded') return job;
  if (job.statusCode === 'Failed') throw new InventoryJobError(jobId, `Inventory job ${jobId} failed (${job.statusMessage ?? 'no reason given'}): start a new one.`);
  return waitForJob({ ...target, jobId, timeout: o.timeout ?? 24 * 3600_000, ...(o.pollInterval !== undefined ? { pollInterval: o.pollInterval } : {}) });
}

/** Starts an inventory job (or takes `jobId`), waits for it, and returns its output as a byte stream. */
export async function retrieveInventory(o: InventoryJobOptions): Promise<{ jobId: string; size: number | undefined; body: AsyncIterable<Uint8Array> }> {
  checkVaultCall(o, 'retrieveInventory');
  checkLimit('pollInterval', o.pollInterval);
  checkLimit('waitTimeout', o.timeout);
  const accountId = o.accountId ?? '-';
  const maxAttempts = o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  // The caller's client may have no timeouts of its own: every request here has one.
  const target: JobTarget = { client: o.client, vaultName: o.vaultName, accountId, signal: o.signal, maxAttempts, requestTimeout: REQUEST_TIMEOUT };
  let jobId = o.jobId;
  if (!jobId) {
    const format = (o.format ?? 'json').toUpperCase() as 'JSON' | 'CSV';
    ({ jobId } = await initiateInventoryJob({ ...target, format }));
    o.onJob?.(jobId, true);
  } else o.onJob?.(jobId, false);
  const id = jobId;
  try {
    const job = await completedInventoryJob(o, target, id);
    const size = job.outputSize;
    const out = await callGlacier({ client: o.client, vaultName: o.vaultName, maxAttempts, missing: { kind: 'job', jobId: id } }, 'GetJobOutput',
      (abortSignal) => o.client.send(new GetJobOutputCommand({ accountId, vaultName: o.vaultName, jobId: id }), { abortSignal }),
      { signal: o.signal, timeout: OUTPUT_TIMEOUT });
    return { jobId: id, size, body: counted(out.body as AsyncIterable<Uint8Array>, size, id) };
  } catch (err) {
    throw inventoryError(err, o.vaultName, id);
  }
}
/** Passes the bytes through and checks, at the end, that exactly `size` arrived. */
async function* counted(body: AsyncIterable<Uint8Array>, size: number | undefined, jobId: string): AsyncGenerator<Uint8Array> {
  let n = 0;
  for await (const chunk of body) {
    n += chunk.byteLength;
    yield chunk;
  }
  if (size !== undefined && n !== size) throw new InventoryJobError(jobId, `The output of inventory job ${jobId} ended after ${n} of its ${size} bytes: the connection broke; run the command again with --job-id ${jobId}.`);
}
