/**
 * The pool's Piscina threads, and the one place a worker task runs: every way it can fail comes
 * back as this layer's typed errors.
 */
import { Piscina } from 'piscina';
import { PoolDestroyedError } from './errors.js';
import { isWorkerFailure, type WorkerTask } from './protocol.js';
import { failureToError, mapRunError } from './task-errors.js';

// A CommonJS entry that imports worker.js: see worker-entry.cts for why not worker.js itself.
const WORKER_URL = new URL('./worker-entry.cjs', import.meta.url);

export interface RunOptions {
  transferList?: ArrayBuffer[];
  signal?: AbortSignal;
  /** Another task module than worker.js (tests only; see internal.ts). */
  filename?: string;
  name?: string;
}

export class WorkerThreads {
  readonly #piscina: Piscina;
  #destroyed = false;
  #destroyPromise: Promise<void> | null = null;

  constructor(threads: number, idleTimeout: number | undefined) {
    this.#piscina = new Piscina({
      filename: WORKER_URL.href,
      minThreads: idleTimeout === undefined ? threads : 0,
      maxThreads: threads,
      idleTimeout: idleTimeout ?? 0,
      // hashPart calls queue in the batcher; hashFile bounds itself by `concurrency`.
      maxQueue: Infinity,
    });
    // Errors of a task reject that task; a worker failing while idle is replaced by Piscina. Without
    // a listener such an 'error' event would crash the process.
    this.#piscina.on('error', () => {});
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Runs one task; `what` names it in errors. */
  async run<T>(task: WorkerTask, opts: RunOptions, what: string): Promise<T> {
    if (this.#destroyed) throw new PoolDestroyedError(what);
    let result: unknown;
    try {
      result = await this.#piscina.run(task, opts);
    } catch (e) {
      throw mapRunError(e, what, opts.signal, this.#destroyed);
    }
    if (isWorkerFailure(result)) throw failureToError(result);
    return result as T;
  }

  /** Ends all threads; running tasks fail with PoolDestroyedError. Idempotent. */
  destroy(): Promise<void> {
    if (this.#destroyPromise === null) {
      this.#destroyed = true;
      this.#destroyPromise = this.#piscina.destroy();
    }
    return this.#destroyPromise;
  }
}

/** How the pool's parts run tasks (WorkerThreads.run, bound). */
export type TaskRunner = <T>(task: WorkerTask, opts: RunOptions, what: string) => Promise<T>;
