/**
 * Inventory-retrieval jobs: start one (or take a job id), wait for it with capped polling, and
 * stream its output. Real Glacier takes hours for an inventory, and the inventory itself is up to
 * a day old: archives uploaded since are not in it yet.
 */
import { DescribeJobCommand, GetJobOutputCommand, InitiateJobCommand, type GlacierClient } from '@aws-sdk/client-glacier';
import { GlacierMultipartError } from '../errors.js';
import { VaultNotFoundError } from '../glacier/errors.js';
import { sleep, withRetries } from '../glacier/retry.js';
import type { InventoryFormat } from './inventory.js';

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

function translate(err: unknown, vaultName: string, jobId?: string): unknown {
  const e = err as { name?: string; message?: string };
  if (e?.name !== 'ResourceNotFoundException') return err;
  if (/vault/i.test(e.message ?? '') && !/job/i.test(e.message ?? '')) return new VaultNotFoundError(vaultName, { cause: err });
  return new InventoryJobError(jobId ?? '', `Job ${jobId} is not known to vault "${vaultName}" (a wrong id, or its output expired 24 hours after it completed): start a new inventory job (glacier-multipart inventory --vault ${vaultName}).`, { cause: err });
}

/** Starts an inventory job (or takes `jobId`), waits for it, and returns its output as a byte stream. */
export async function retrieveInventory(o: InventoryJobOptions): Promise<{ jobId: string; size: number | undefined; body: AsyncIterable<Uint8Array> }> {
  const accountId = o.accountId ?? '-';
  const retry = { maxAttempts: o.maxAttempts ?? 5, signal: o.signal };
  const send = <T>(cmd: unknown, ms = REQUEST_TIMEOUT) => withRetries(() => o.client.send(cmd as never, { abortSignal: AbortSignal.any([...(o.signal ? [o.signal] : []), AbortSignal.timeout(ms)]) }) as Promise<T>, retry);
  let jobId = o.jobId;
  if (!jobId) {
    const format = (o.format ?? 'json').toUpperCase();
    const started = await send<{ jobId?: string }>(new InitiateJobCommand({ accountId, vaultName: o.vaultName, jobParameters: { Type: 'inventory-retrieval', Format: format } }))
      .catch((err) => { throw translate(err, o.vaultName); });
    jobId = started.jobId!;
    o.onJob?.(jobId, true);
  } else o.onJob?.(jobId, false);
  const begun = Date.now();
  const timeout = o.timeout ?? 24 * 3600_000;
  let interval = 1000;
  let size: number | undefined;
  for (;;) {
    const d = await send<{ Action?: string; StatusCode?: string; StatusMessage?: string; Completed?: boolean; InventorySizeInBytes?: number }>(
      new DescribeJobCommand({ accountId, vaultName: o.vaultName, jobId })).catch((err) => { throw translate(err, o.vaultName, jobId); });
    if (d.Action !== 'InventoryRetrieval') throw new InventoryJobError(jobId, `Job ${jobId} is an ${d.Action} job, not an inventory: pass the id of an inventory-retrieval job, or none to start one.`);
    if (d.StatusCode === 'Failed') throw new InventoryJobError(jobId, `Inventory job ${jobId} failed (${d.StatusMessage ?? 'no reason given'}): start a new one.`);
    if (d.Completed && d.StatusCode === 'Succeeded') {
      size = d.InventorySizeInBytes;
      break;
    }
    const waited = Date.now() - begun;
    if (waited >= timeout) throw new InventoryNotReadyError(o.vaultName, jobId);
    await sleep(Math.min(o.pollInterval ?? interval, timeout - waited), o.signal);
    interval = Math.min(300_000, Math.round(interval * 1.5));
  }
  const out = await send<{ body?: AsyncIterable<Uint8Array> }>(new GetJobOutputCommand({ accountId, vaultName: o.vaultName, jobId }), OUTPUT_TIMEOUT)
    .catch((err) => { throw translate(err, o.vaultName, jobId); });
  return { jobId, size, body: counted(out.body!, size, jobId) };
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
