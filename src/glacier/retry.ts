import { UploadCancelledError } from './errors.js';
import { LIMITS, checkLimit } from '../options.js';

/** Attempts per request, the first included, when the caller names none (MultipartUpload and uploadArchive). */
export const DEFAULT_MAX_ATTEMPTS = LIMITS.maxAttempts.default;

/** The one maxAttempts rule (every call that sends requests, and the CLI): see LIMITS.maxAttempts. */
export const MAX_ATTEMPTS_LIMIT = LIMITS.maxAttempts.max;

export function checkMaxAttempts(value: unknown): void {
  checkLimit('maxAttempts', value);
}

/** Error names (SDK exception names and Glacier codes) worth another attempt. */
const RETRYABLE_NAMES = new Set([
  'ThrottlingException', 'Throttling', 'ThrottledException', 'TooManyRequestsException', 'SlowDown',
  'RequestTimeoutException', 'RequestTimeout', 'TimeoutError',
  'ServiceUnavailableException', 'ServiceUnavailable', 'InternalFailure', 'InternalError', 'InternalServerError',
]);

/**
 * HTTP statuses worth another attempt (glacier-rules: 500, 502, 503, 504; 408 and 429). Not every
 * 5xx: 501 Not Implemented, say, is an endpoint that is not Glacier and will never answer otherwise.
 */
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** Network failures worth another attempt (the request may or may not have arrived: parts are idempotent). */
const RETRYABLE_CODES = new Set([
  'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED', 'ECONNABORTED', 'EAI_AGAIN', 'ENETUNREACH',
  'EHOSTUNREACH', 'ENETDOWN', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE',
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/**
 * Whether a failed Glacier call may succeed if repeated: throttling, 500/502/503/504, 408 (and 429), and the
 * connection failures ECONNRESET, ETIMEDOUT, EPIPE, ECONNREFUSED, socket hang-ups. Everything else
 * (400 validation errors, 403 signature errors, 404 unknown upload, our own checks) fails fast.
 */
export function isRetryableError(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== 'object' || depth > 4) return false;
  const e = err as ErrorLike;
  if (e.name === 'AbortError' || e instanceof UploadCancelledError) return false;
  const status = e.$metadata?.httpStatusCode;
  // The SDK names unknown errors after the status ("NotImplemented") and marks some $retryable by
  // status alone: a status outside the rule's list is final whatever the name says.
  if (typeof status === 'number' && status >= 500 && !RETRYABLE_STATUSES.has(status)) return false;
  if (typeof e.name === 'string' && RETRYABLE_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && RETRYABLE_CODES.has(e.code)) return true;
  if (e.$retryable) return true;
  if (typeof status === 'number' && RETRYABLE_STATUSES.has(status)) return true;
  if (typeof e.message === 'string' && /socket hang up|ECONNRESET|EPIPE|ETIMEDOUT|socket closed|other side closed/i.test(e.message)) {
    return true;
  }
  return e.cause !== undefined && isRetryableError(e.cause, depth + 1);
}

export interface RetryOptions {
  /** Total attempts, the first one included (>= 1). */
  maxAttempts: number;
  /** Upper bound of the first retry's delay (default 100 ms); doubles per attempt. */
  baseDelayMs?: number;
  /** Cap of the exponential bound (default 20 s). */
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** For tests and figures: where the jitter comes from (default Math.random). */
  random?: () => number;
  /** Called before each wait, e.g. to count retries. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Whether a failure is worth another attempt (default isRetryableError). */
  isRetryable?: (err: unknown) => boolean;
}

export const DEFAULT_BASE_DELAY_MS = 100;
export const DEFAULT_MAX_DELAY_MS = 20_000;

/**
 * "Full jitter" exponential backoff: a uniformly random delay in [0, min(cap, base x 2^(attempt-1))),
 * where `attempt` is the number of the attempt that just failed (1 for the first). Spreading the
 * retries of many parts this way keeps them from hammering a throttling service in lockstep.
 */
export function backoffDelay(attempt: number, baseDelayMs = DEFAULT_BASE_DELAY_MS, maxDelayMs = DEFAULT_MAX_DELAY_MS,
  random: () => number = Math.random): number {
  const bound = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * bound);
}

/** Throws UploadCancelledError when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError(signal);
}

export function cancelledError(signal: AbortSignal | undefined, cause?: unknown): UploadCancelledError {
  const reason = signal?.reason;
  if (reason instanceof UploadCancelledError) return reason;
  return new UploadCancelledError(undefined, { cause: reason ?? cause });
}

/** Waits `ms`, or rejects with UploadCancelledError as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelledError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelledError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `fn` until it succeeds, a non-retryable error occurs, or `maxAttempts` attempts have failed
 * (then the last error is thrown). A fired signal ends it with UploadCancelledError.
 */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { maxAttempts, signal } = options;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(signal);
    try {
      return await fn(attempt);
    } catch (err) {
      if (signal?.aborted) throw cancelledError(signal, err);
      if (attempt >= maxAttempts || !(options.isRetryable ?? isRetryableError)(err)) throw err;
      const delay = backoffDelay(attempt, options.baseDelayMs, options.maxDelayMs, options.random);
      options.onRetry?.(err, attempt, delay);
      await sleep(delay, signal);
    }
  }
}

/** Rejects with UploadCancelledError as soon as the signal fires (for reads that cannot be cancelled). */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(cancelledError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelledError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then((v) => {
      signal.removeEventListener('abort', onAbort);
      resolve(v);
    }, (err: unknown) => {
      signal.removeEventListener('abort', onAbort);
      reject(err);
    });
  });
}

