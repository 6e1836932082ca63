import { GlacierMultipartError } from '../errors.js';
import { InvalidOptionError } from '../options.js';

/**
 * Errors of the hash pool layer (src/pool). Every message says what was wrong and what to do;
 * every class has a stable `code`. Re-exported from the package root.
 */

/** @deprecated HashPool's option error (code was INVALID_POOL_OPTION): use InvalidOptionError (the one option error; same `option` and code 'INVALID_OPTION'). */
export const InvalidPoolOptionError = InvalidOptionError;
/** @deprecated use InvalidOptionError. */
export type InvalidPoolOptionError = InvalidOptionError;

/** hashPart was given something that is not part bytes (or a view whose buffer is detached). */
export class InvalidPartDataError extends GlacierMultipartError {
  constructor(message: string) {
    super('INVALID_PART_DATA', message);
  }
}

/** The path given to hashFile does not exist. */
export class FileNotFoundError extends GlacierMultipartError {
  readonly path: string;
  constructor(path: string, options?: { cause?: unknown }) {
    super('FILE_NOT_FOUND', `File not found: ${path}. Check the path (relative paths are resolved from ${process.cwd()}).`, options);
    this.path = path;
  }
}

/** The path given to hashFile is a directory. */
export class FileIsDirectoryError extends GlacierMultipartError {
  readonly path: string;
  constructor(path: string) {
    super('FILE_IS_DIRECTORY', `${path} is a directory, not a file. Give the path of one archive file (pack a directory with tar or zip first).`);
    this.path = path;
  }
}

/** The path exists but cannot be read (permissions) or is not a regular file (FIFO, socket, device). */
export class FileNotReadableError extends GlacierMultipartError {
  readonly path: string;
  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super('FILE_NOT_READABLE', `Cannot read ${path}: ${reason}.`, options);
    this.path = path;
  }
}

/** The file changed while its parts were being hashed: the project's one "file changed" error. */
export { SourceChangedError as FileChangedError } from '../errors.js';

/**
 * The work was cancelled through its AbortSignal. `name` is 'AbortError' like the DOM's and
 * Node's own abort errors, so generic `err.name === 'AbortError'` checks also work.
 */
export class HashAbortedError extends GlacierMultipartError {
  constructor(what: string, reason?: unknown) {
    super('ABORTED', `${what} was aborted${describeReason(reason)}.`, reason === undefined ? undefined : { cause: reason });
    this.name = 'AbortError';
  }
}

/** The worker thread running this task died (process.exit, fatal error, out of memory). */
export class WorkerCrashedError extends GlacierMultipartError {
  readonly exitCode: number | undefined;
  constructor(what: string, exitCode: number | undefined, options?: { cause?: unknown }) {
    super(
      'WORKER_CRASHED',
      `The hash worker thread running ${what} exited` +
        (exitCode === undefined ? '' : ` with code ${exitCode}`) +
        '. Only this task failed; the pool replaced the thread, so the work can be retried.',
      options,
    );
    this.exitCode = exitCode;
  }
}

/** The hash worker threw while running the task (the pool keeps working). */
export class HashWorkerError extends GlacierMultipartError {
  constructor(what: string, cause: unknown) {
    super('HASH_WORKER_FAILED', `The hash worker failed on ${what}: ${messageOf(cause)}`, { cause });
  }
}

/** The WebAssembly engine was asked for but the hashing core could not be loaded in the worker. */
export class WasmEngineUnavailableError extends GlacierMultipartError {
  constructor(detail: string) {
    super('WASM_ENGINE_UNAVAILABLE', `The 'wasm' hash engine is unavailable: ${detail}. Use engine 'node' or 'auto'.`);
  }
}

/** The pool was destroyed before or while this work ran. */
export class PoolDestroyedError extends GlacierMultipartError {
  constructor(what: string) {
    super('POOL_DESTROYED', `${what} could not finish: the HashPool was destroyed. Create a new HashPool.`);
  }
}

/** More parts are waiting than the pool's `maxQueue` allows. */
export class PoolQueueFullError extends GlacierMultipartError {
  readonly maxQueue: number;
  constructor(maxQueue: number) {
    super(
      'POOL_QUEUE_FULL',
      `The HashPool queue is full (maxQueue ${maxQueue} parts waiting). Wait for earlier hashPart calls to settle, or raise maxQueue.`,
    );
    this.maxQueue = maxQueue;
  }
}

function describeReason(reason: unknown): string {
  if (reason === undefined) return '';
  if (reason instanceof Error) return reason.name === 'AbortError' ? '' : `: ${reason.message}`;
  return `: ${String(reason)}`;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
