/**
 * The one request path of every Glacier call the library makes (uploads, downloads, jobs,
 * inventories, single-request uploads, deletes): one retry loop (withRetries: backoff with full
 * jitter, cancellation through the signal), an optional per-attempt time limit, and one table that
 * turns Glacier's ResourceNotFoundException into the typed error of what was missing.
 */
import type { GlacierClient } from '@aws-sdk/client-glacier';
import { ArchiveNotFoundError, JobNotFoundError } from './download/download-errors.js';
import { RequestTimeoutError, UploadNotFoundError, VaultNotFoundError } from './errors.js';
import { isRetryableError, withRetries } from './retry.js';

/** What a call names besides its vault: a 404 not about the vault means this one is missing. */
export type MissingResource =
  | { kind: 'upload'; uploadId: string }
  | { kind: 'job'; jobId: string; archiveId?: string; duringDownload?: boolean }
  | { kind: 'archive'; archiveId: string };

/** Where and how a call is made. */
export interface CallTarget {
  client: GlacierClient;
  vaultName: string;
  /** Attempts, the first included. */
  maxAttempts: number;
  /** Set for calls on one upload: its 404 is an UploadNotFoundError (shorthand for missing: upload). */
  uploadId?: string;
  /** What a 404 that is not the vault's means; without it (and without uploadId) such a 404 passes through. */
  missing?: MissingResource;
}

export interface CallOptions {
  /** Cancels the request, the retries and the waits between them. */
  signal?: AbortSignal;
  /**
   * When set, cancels the request in place of `signal` (which then stops only what comes before
   * and after it): a stop that should let a request in flight finish.
   */
  requestSignal?: AbortSignal;
  maxAttempts?: number;
  /**
   * Milliseconds one attempt may take in all, for clients whose own timeouts are unknown (the
   * caller's); past it the attempt is a retryable timeout, and the last one a RequestTimeoutError.
   */
  timeout?: number;
  /** A call's own rule over the common one: true retries, false ends, undefined asks isRetryableError. */
  retryable?: (err: unknown) => boolean | undefined;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export function errorName(err: unknown): string | undefined {
  return err && typeof err === 'object' ? (err as { name?: string }).name : undefined;
}

export function isNotFound(err: unknown): boolean {
  return errorName(err) === 'ResourceNotFoundException'
    || (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode === 404;
}

/** Glacier says "Vault not found for ARN: arn:…:vaults/NAME"; the vault's name may itself read "upload" or "job". */
function isVaultNotFound(err: unknown): boolean {
  const message = (err as { message?: unknown } | undefined)?.message;
  return isNotFound(err) && typeof message === 'string' && /vault not found/i.test(message);
}

type NotFoundFactory = (vaultName: string, missing: never, cause: unknown) => Error;

/** The one not-found table: which typed error a 404 becomes, by the resource that was missing. Data only. */
export const NOT_FOUND_ERRORS = {
  vault: (vaultName: string, _m: undefined, cause: unknown) => new VaultNotFoundError(vaultName, { cause }),
  upload: (vaultName: string, m: { uploadId: string }, cause: unknown) => new UploadNotFoundError(vaultName, m.uploadId, { cause }),
  job: (vaultName: string, m: { jobId: string; archiveId?: string; duringDownload?: boolean }, cause: unknown) =>
    new JobNotFoundError(vaultName, m.jobId, { archiveId: m.archiveId, duringDownload: m.duringDownload, cause }),
  archive: (vaultName: string, m: { archiveId: string }, cause: unknown) => new ArchiveNotFoundError(vaultName, m.archiveId, { cause }),
} satisfies Record<'vault' | MissingResource['kind'], NotFoundFactory>;

function missingOf(target: Pick<CallTarget, 'uploadId' | 'missing'>): MissingResource | undefined {
  return target.missing ?? (target.uploadId !== undefined ? { kind: 'upload', uploadId: target.uploadId } : undefined);
}

/** Turns 404s and timeouts into typed errors that say what to do; others pass through. */
export function translate(err: unknown, target: Pick<CallTarget, 'vaultName' | 'uploadId' | 'missing'>, operation: string): unknown {
  if (errorName(err) === 'TimeoutError') return new RequestTimeoutError(operation, { cause: err });
  if (isVaultNotFound(err)) return NOT_FOUND_ERRORS.vault(target.vaultName, undefined, err);
  const missing = missingOf(target);
  if (missing && isNotFound(err)) return (NOT_FOUND_ERRORS[missing.kind] as NotFoundFactory)(target.vaultName, missing as never, err);
  return err;
}

/** One attempt, cut off after `timeout` ms when one is set. */
async function attempt<T>(operation: string, send: (signal: AbortSignal | undefined) => Promise<T>, signal: AbortSignal | undefined,
  timeout: number | undefined): Promise<T> {
  if (timeout === undefined) return send(signal);
  const limit = AbortSignal.timeout(timeout);
  try {
    return await send(signal ? AbortSignal.any([signal, limit]) : limit);
  } catch (err) {
    // Our own limit is worth another attempt (a cancellation is not): named like the SDK's timeout.
    if (limit.aborted && !signal?.aborted) throw Object.assign(new Error(`${operation} took over ${timeout} ms`, { cause: err }), { name: 'TimeoutError' });
    throw err;
  }
}

/**
 * The one way a Glacier request is sent: `send` is called once per attempt (with the signal to
 * hand to client.send), retried with backoff on transient failures, and a final failure is
 * translated into a typed error.
 */
export async function callGlacier<T>(target: CallTarget, operation: string, send: (signal: AbortSignal | undefined) => Promise<T>,
  options: CallOptions = {}): Promise<T> {
  const requestSignal = options.requestSignal ?? options.signal;
  const rule = options.retryable;
  try {
    return await withRetries(() => attempt(operation, send, requestSignal, options.timeout), {
      maxAttempts: options.maxAttempts ?? target.maxAttempts, signal: options.signal, onRetry: options.onRetry,
      ...(rule ? { isRetryable: (err: unknown) => rule(err) ?? isRetryableError(err) } : {}),
    });
  } catch (err) {
    throw translate(err, target, operation);
  }
}
