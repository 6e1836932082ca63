/**
 * Every way a worker task can fail, turned into this layer's typed errors: Piscina's rejections
 * (abort, thread exit, a throw in the task) and the failures workers return as values.
 */
import { GlacierMultipartError } from '../errors.js';
import {
  FileChangedError,
  FileNotReadableError,
  hashAborted,
  HashWorkerError,
  PoolDestroyedError,
  WasmEngineUnavailableError,
  WorkerCrashedError,
} from './errors.js';
import type { WorkerFailure } from './protocol.js';

/** A rejection of Piscina's run(), for the task described by `what`. */
export function mapRunError(e: unknown, what: string, signal: AbortSignal | undefined, destroyed: boolean): unknown {
  if (e instanceof GlacierMultipartError) return e;
  if (destroyed) return new PoolDestroyedError(what);
  const err = e instanceof Error ? e : new Error(String(e));
  if (err.name === 'AbortError') {
    // Our own controllers abort with the error that caused it (a failed sibling task, or the
    // caller's HashAbortedError); surface that instead of Piscina's generic one.
    const reason = signal?.reason;
    if (reason instanceof GlacierMultipartError) return reason;
    return hashAborted(what, reason);
  }
  const exit = /worker exited with code: (-?\d+)/.exec(err.message);
  if (exit) return new WorkerCrashedError(what, Number(exit[1]), { cause: err });
  if (/terminat/i.test(err.message)) return new WorkerCrashedError(what, undefined, { cause: err });
  return new HashWorkerError(what, err);
}

/** A failure a worker returned as a value (see protocol.ts for why values). */
export function failureToError(f: WorkerFailure): GlacierMultipartError {
  const { code, message, path = '' } = f.failure;
  switch (code) {
    case 'FILE_NOT_FOUND':
      return new FileChangedError(path, `it was removed (${message})`);
    case 'FILE_IS_DIRECTORY':
      return new FileChangedError(path, 'it is now a directory');
    case 'FILE_CHANGED':
      return new FileChangedError(path, message);
    case 'FILE_NOT_READABLE':
      return new FileNotReadableError(path, message);
    case 'WASM_ENGINE_UNAVAILABLE':
      return new WasmEngineUnavailableError(message);
  }
}
