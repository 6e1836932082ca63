/**
 * Retrieval jobs of a migration: started with the chosen tier (Expedited without capacity falls
 * back to Standard, once, with a note), and made ready before a copy: a job whose output expired (or
 * is about to: its window ends within renewBeforeMs) is started again, which Glacier does at no extra
 * cost for an archive already staged.
 */
import type { GlacierClient } from '@aws-sdk/client-glacier';
import { InsufficientCapacityError, JobNotFoundError, RetrievalJobFailedError } from '../glacier/download/download-errors.js';
import { describeJob, initiateRetrievalJob, waitForJob, type RetrievalTier } from '../glacier/download/jobs.js';
import type { MigrationState } from './state.js';

export const DEFAULT_OUTPUT_TTL_MS = 24 * 3600_000;
export const DEFAULT_RENEW_BEFORE_MS = 5 * 3600_000;

export interface JobCounters {
  started: number;
  renewed: number;
  expired: number;
  expeditedFallbacks: number;
}

export interface RetrievalContext {
  client: GlacierClient;
  vaultName: string;
  accountId: string;
  maxAttempts: number;
  signal: AbortSignal;
  state: MigrationState;
  /** The tier asked for; becomes Standard after Expedited ran out of capacity. */
  tier: { current: RetrievalTier };
  outputTtlMs: number;
  renewBeforeMs: number;
  pollInterval?: number;
  waitTimeout?: number;
  counters: JobCounters;
  onNote: (note: string) => void;
  now: () => number;
}

const target = (r: RetrievalContext) => ({ client: r.client, vaultName: r.vaultName, accountId: r.accountId, maxAttempts: r.maxAttempts, signal: r.signal });

/** InitiateJob for the archive, recorded in the state before it is used. */
export async function startJob(r: RetrievalContext, archiveId: string): Promise<string> {
  let jobId: string;
  const tier = r.tier.current;
  try {
    ({ jobId } = await initiateRetrievalJob({ ...target(r), archiveId, tier, description: 'glacier-multipart migrate' }));
  } catch (err) {
    if (!(err instanceof InsufficientCapacityError) || tier !== 'Expedited') throw err;
    // Jobs started at the same time may all be refused: the first to hear it switches and says so.
    if (r.tier.current === 'Expedited') {
      r.tier.current = 'Standard';
      r.counters.expeditedFallbacks++;
      r.onNote('Expedited retrieval has no capacity now (InsufficientCapacityException): this and later jobs use Standard (3-5 hours); buy provisioned capacity to keep Expedited.');
    }
    ({ jobId } = await initiateRetrievalJob({ ...target(r), archiveId, tier: 'Standard', description: 'glacier-multipart migrate' }));
  }
  r.counters.started++;
  await r.state.record({ t: 'job', id: archiveId, job: jobId, tier: r.tier.current, at: new Date(r.now()).toISOString() });
  return jobId;
}

/**
 * A job for the archive whose output can be read now, with at least renewBeforeMs of its window
 * left: the given one (waited for), or a new one when it expired, failed or its window runs short.
 */
export async function readyJob(r: RetrievalContext, archiveId: string, jobId: string): Promise<string> {
  let fresh = false;
  for (;;) {
    let job;
    try {
      job = await describeJob({ ...target(r), jobId, archiveId });
      if (!job.completed) {
        job = await waitForJob({ ...target(r), jobId, archiveId, ...(r.pollInterval !== undefined ? { pollInterval: r.pollInterval } : {}), ...(r.waitTimeout !== undefined ? { timeout: r.waitTimeout } : {}) });
      }
    } catch (err) {
      if (err instanceof JobNotFoundError && !fresh) {
        r.counters.expired++;
        jobId = await startJob(r, archiveId);
        fresh = true;
        continue;
      }
      if (err instanceof RetrievalJobFailedError && !fresh) {
        jobId = await startJob(r, archiveId);
        fresh = true;
        continue;
      }
      throw err;
    }
    const completed = job.completionDate ? Date.parse(job.completionDate) : r.now();
    if (!fresh && completed + r.outputTtlMs - r.renewBeforeMs <= r.now()) {
      // The window ends soon: copying a large archive may outlast it; a new job restarts it.
      r.counters.renewed++;
      jobId = await startJob(r, archiveId);
      fresh = true;
      continue;
    }
    return jobId;
  }
}
