import type { GlacierClient } from '@aws-sdk/client-glacier';
import { RequestTimeoutError, UploadNotFoundError, VaultNotFoundError } from './errors.js';
import { withRetries } from './retry.js';

/** Where and how a call is made: the parts of a MultipartUpload every request needs. */
export interface CallTarget {
  client: GlacierClient;
  vaultName: string;
  /** Attempts, the first included. */
  maxAttempts: number;
  /** Set for calls on one upload: its 404 is an UploadNotFoundError. */
  uploadId?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
  maxAttempts?: number;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export function errorName(err: unknown): string | undefined {
  return err && typeof err === 'object' ? (err as { name?: string }).name : undefined;
}

function isNotFound(err: unknown): boolean {
  return errorName(err) === 'ResourceNotFoundException'
    || (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode === 404;
}

function isVaultNotFound(err: unknown): boolean {
  const message = (err as { message?: unknown } | undefined)?.message;
  return isNotFound(err) && typeof message === 'string' && /vault/i.test(message) && !/upload/i.test(message);
}

/** Turns 404s and timeouts into typed errors that say what to do; others pass through. */
export function translate(err: unknown, target: Pick<CallTarget, 'vaultName' | 'uploadId'>, operation: string): unknown {
  if (errorName(err) === 'TimeoutError') return new RequestTimeoutError(operation, { cause: err });
  if (isVaultNotFound(err)) return new VaultNotFoundError(target.vaultName, { cause: err });
  if (target.uploadId !== undefined && isNotFound(err)) return new UploadNotFoundError(target.vaultName, target.uploadId, { cause: err });
  return err;
}

/**
 * The one way the uploader sends a Glacier request: `send` is called once per attempt (with the
 * signal to hand to client.send), retried with backoff on transient failures, and a final failure
 * is translated into a typed error.
 */
export async function callGlacier<T>(target: CallTarget, operation: string, send: (signal: AbortSignal | undefined) => Promise<T>,
  options: CallOptions = {}): Promise<T> {
  try {
    return await withRetries(() => send(options.signal), {
      maxAttempts: options.maxAttempts ?? target.maxAttempts, signal: options.signal, onRetry: options.onRetry,
    });
  } catch (err) {
    throw translate(err, target, operation);
  }
}
