import { HashAbortedError, PoolDestroyedError } from './errors.js';
import { calibrateEngines } from './calibration.js';
import { hashFileParts } from './file-hasher.js';
import { checkHashFileArgs } from './file-options.js';
import { registerPoolTaskRunner } from './internal.js';
import { PartBatcher } from './part-batcher.js';
import { checkPoolOptions } from './pool-options.js';
import type { WorkerTask } from './protocol.js';
import { openSource } from './source-file.js';
import type {
  EngineCalibration,
  FileHashResult,
  HashEngine,
  HashFileOptions,
  HashPartOptions,
  HashPoolOptions,
  PartHashResult,
} from './types.js';
import { WorkerThreads, type TaskRunner } from './worker-threads.js';

export type {
  EngineCalibration,
  FileHashResult,
  FilePartHash,
  HashEngine,
  HashFileOptions,
  HashPartOptions,
  HashPoolOptions,
  PartHashResult,
} from './types.js';

/**
 * Hashes Glacier parts on worker threads (Piscina). One pool serves any number of concurrent
 * callers; destroy() ends its threads.
 *
 * Buffer rules for hashPart (no part byte is copied between threads):
 * - a view on a SharedArrayBuffer is shared with the worker, never copied or detached, and
 *   `result.data` is that same view object; do not write to it until the promise settles;
 * - a view covering its whole ArrayBuffer (byteOffset 0, byteLength == buffer.byteLength) is
 *   TRANSFERRED: from the call on, the caller's view is detached (byteLength 0); `result.data` is a
 *   new view over the same memory, moved back. If the call fails, the bytes are gone with it;
 * - any other view (for example a small Buffer sliced from Node's shared pool slab) cannot be
 *   transferred without taking bytes that are not the caller's, so it is copied once, at the call,
 *   into a buffer of its own that is transferred; the caller's view is left untouched. So is a
 *   buffer that cannot be transferred at all (a WebAssembly.Memory's). This is the only copy.
 *
 * A long-lived pool keeps no part: workers let go of shared views after each task (see
 * shared-release.ts).
 */
export class HashPool {
  readonly threads: number;
  readonly #workers: WorkerThreads;
  readonly #run: TaskRunner;
  readonly #batcher: PartBatcher;
  #resolved: HashEngine | null;
  #calibration: EngineCalibration | null = null;
  #readyPromise: Promise<HashEngine> | null = null;

  static {
    registerPoolTaskRunner((pool, task, opts) => {
      if (!(pool instanceof HashPool)) throw new TypeError('internal: not a HashPool');
      return pool.#run(task as WorkerTask, opts, 'a test task');
    });
  }

  constructor(opts: HashPoolOptions = {}) {
    const settings = checkPoolOptions(opts);
    this.threads = settings.threads;
    this.#resolved = settings.engine === 'auto' ? null : settings.engine;
    this.#workers = new WorkerThreads(settings.threads, settings.idleTimeout);
    this.#run = (task, runOpts, what) => this.#workers.run(task, runOpts, what);
    this.#batcher = new PartBatcher(settings.threads, settings.maxQueue, this.#run, {
      resolved: () => this.#resolved,
      ready: () => this.ready(),
    });
    // 'auto': start the calibration now, while the threads boot and the caller prepares its first
    // part, so first use rarely waits for it. A failure surfaces from ready() / first use.
    if (settings.engine === 'auto') this.ready().catch(() => {});
  }

  /** The engine in use: 'auto' until the calibration ran (see ready()), then the one it chose. */
  get engine(): HashEngine | 'auto' {
    return this.#resolved ?? 'auto';
  }

  /** What the 'auto' calibration measured (null for a fixed engine or before it ran). */
  get calibration(): EngineCalibration | null {
    return this.#calibration;
  }

  /**
   * Resolves to the engine in use. For 'auto', the calibration (once per process, ~60 ms on one
   * thread; started by the constructor): both engines hash the same four parts (linear + tree, the
   * upload's work) on a worker and the faster wins. node:crypto wins on CPUs with SHA
   * instructions; the WebAssembly SIMD core where OpenSSL has none to use.
   */
  ready(): Promise<HashEngine> {
    if (this.#resolved !== null) return Promise.resolve(this.#resolved);
    if (this.#workers.destroyed) return Promise.reject(new PoolDestroyedError('HashPool.ready()'));
    this.#readyPromise ??= calibrateEngines(this, this.#run, () => this.#workers.destroyed).then(
      (c) => {
        this.#calibration = c;
        this.#resolved = c.chosen;
        return c.chosen;
      },
      (e: unknown) => {
        this.#readyPromise = null;
        throw e;
      },
    );
    return this.#readyPromise;
  }

  /**
   * Tree hash and linear SHA-256 of one part (at most 4 GiB; up to 1 MiB both are computed once,
   * being equal). Calls waiting together are batched, up to four per worker task, so their linear
   * hashes fill the WebAssembly core's four SIMD lanes.
   *
   * Buffer rules (see the class comment): SharedArrayBuffer views are shared and come back as the
   * same object; a view covering its whole ArrayBuffer is transferred (the caller's view is
   * detached from the call on; use `result.data`); any other view is copied once.
   *
   * Aborting `signal` rejects with HashAbortedError: a waiting part is dropped; a running one
   * stops (its thread is ended and replaced) unless it shares a task with parts still wanted, in
   * which case only its result is dropped.
   *
   * With `linear` left at its default the result's `sha256` is always there (typed so), so it can
   * go straight to MultipartUpload.uploadPart as its hashes.
   */
  hashPart(data: Uint8Array, opts?: HashPartOptions & { linear?: true }): Promise<PartHashResult & { sha256: string }>;
  hashPart(data: Uint8Array, opts: HashPartOptions): Promise<PartHashResult>;
  hashPart(data: Uint8Array, opts: HashPartOptions = {}): Promise<PartHashResult> {
    try {
      return this.#batcher.submit(data, opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Per-part linear + tree hashes of a file and its archive tree hash (combined from the parts'),
   * with parts hashed in parallel. The file is read in the workers, part by part, into one reused
   * buffer per thread: memory stays bounded by the parts in flight (at most 128 MiB per thread;
   * parts above 128 MiB stream through 64 MiB), never by the file size. An empty file has no parts
   * and the tree hash of empty input.
   *
   * `parts` hashes only the listed part indexes (the result's `treeHash` is then '' unless all are
   * listed); `onPart` hands over each part's hashes as they complete, so a caller (uploadArchive)
   * can send a part while later ones are still being hashed. Workers read from disk, so parts hashed
   * ahead of their upload hold no part bytes, only their hashes.
   */
  async hashFile(path: string, opts: HashFileOptions = {}): Promise<FileHashResult> {
    checkHashFileArgs(path, opts);
    const signal = opts.signal;
    const what = `hashFile ${path}`;
    if (this.#workers.destroyed) throw new PoolDestroyedError(what);
    if (signal?.aborted) throw new HashAbortedError(what, signal.reason);
    // A file the caller opened (uploadArchive's reader) is read through its descriptor; else the
    // pool opens it once, and closes it after the last task settled.
    const opened = opts.opened ?? (await openSource(path));
    try {
      const engine = await this.ready();
      if (signal?.aborted) throw new HashAbortedError(what, signal.reason);
      return await hashFileParts({ run: this.#run, threads: this.threads, engine, path, fd: opened.handle.fd, identity: opened.identity, opts });
    } finally {
      if (opts.opened === undefined) await opened.handle.close().catch(() => undefined);
    }
  }

  /** Ends all threads. Waiting and running work fails with PoolDestroyedError. Idempotent. */
  destroy(): Promise<void> {
    this.#batcher.close();
    return this.#workers.destroy();
  }
}
