import { availableParallelism } from 'node:os';
import { open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { Piscina } from 'piscina';
import { GlacierMultipartError } from '../errors.js';
import {
  FileChangedError,
  FileIsDirectoryError,
  FileNotFoundError,
  FileNotReadableError,
  HashAbortedError,
  HashWorkerError,
  InvalidPartDataError,
  InvalidPoolOptionError,
  PoolDestroyedError,
  PoolQueueFullError,
  WasmEngineUnavailableError,
  WorkerCrashedError,
} from './errors.js';
import { MAX_PART_SIZE, MiB, choosePartSize, validatePartSize } from '../limits.js';
import { combineTreeHashHex, sha256Digest, type PartDigest } from './node-hash.js';
import {
  FILE_TASK_BYTES,
  isWorkerFailure,
  type CalibrateResult,
  type FileResult,
  type FileTask,
  type PartsResult,
  type WorkerFailure,
  type WorkerTask,
} from './protocol.js';

export type HashEngine = 'wasm' | 'node';

export interface HashPoolOptions {
  /** Worker threads. Default: os.availableParallelism(). */
  threads?: number;
  /**
   * 'wasm': the project's WebAssembly core (4-lane SIMD); 'node': node:crypto (OpenSSL, SHA
   * instructions where the CPU has them); 'auto' (default): a short calibration on first use picks
   * whichever is faster on this machine (see HashPool.ready()).
   */
  engine?: HashEngine | 'auto';
  /**
   * Milliseconds an idle thread lives before exiting; threads start again on demand. Default: threads
   * stay (they are unref'd, so an idle pool never keeps the process alive).
   */
  idleTimeout?: number;
  /** Most hashPart calls waiting for a thread; one more fails with PoolQueueFullError. Default: no limit. */
  maxQueue?: number;
}

export interface HashPartOptions {
  /** Also compute the linear SHA-256 (x-amz-content-sha256). Default true. */
  linear?: boolean;
  signal?: AbortSignal;
}

export interface PartHashResult {
  /** Glacier tree hash (x-amz-sha256-tree-hash), hex. */
  treeHash: string;
  /** Linear SHA-256 (x-amz-content-sha256), hex; present when `linear` (the default). */
  sha256?: string;
  size: number;
  /** The part's bytes, usable after hashing: see the buffer rules on HashPool.hashPart. */
  data: Uint8Array;
}

export interface HashFileOptions {
  /** 1 MiB x 2^n, up to 4 GiB. Default: choosePartSize(size), the part size uploadArchive picks with 'auto'. */
  partSize?: number;
  signal?: AbortSignal;
  /** Most parts of this file queued or hashing at once. Default: 2 tasks' worth per thread. */
  concurrency?: number;
  /**
   * Hash only these part indexes (0-based, each a whole number below the file's part count, no
   * repeats; any order). The result's `parts` then holds just those, in index order, and its
   * `treeHash` is '' unless every part of the file is listed (an archive's tree hash needs them
   * all). Default: every part. A resumed upload uses this to hash only the parts Glacier lacks.
   */
  parts?: readonly number[];
  /**
   * Called with each part's hashes as soon as they are ready (in completion order, not index order),
   * before hashFile resolves: a caller can start uploading that part at once. An exception it throws
   * fails the hashFile call (the rest of the file's work stops).
   */
  onPart?: (part: FilePartHash) => void;
}

export interface FilePartHash {
  index: number;
  /** Byte range of the part, inclusive (as in Content-Range). */
  first: number;
  last: number;
  treeHash: string;
  sha256: string;
}

export interface FileHashResult {
  size: number;
  /**
   * Tree hash of the whole file, combined from the parts' tree hashes; '' when `parts` selected
   * only some of the file's parts.
   */
  treeHash: string;
  partSize: number;
  /** One per part hashed (every part, or those `parts` selected), in index order; empty for an empty file. */
  parts: FilePartHash[];
}

/** What the 'auto' calibration measured: MiB/s of part data (linear + tree) per thread. */
export interface EngineCalibration {
  node: number;
  wasm: number | null;
  wasmKind: string | null;
  chosen: HashEngine;
  /**
   * Milliseconds from the start of the calibration (when the pool was created) to its result,
   * including the first thread's start-up; `measureMs` is the measuring alone.
   */
  ms: number;
  measureMs: number;
  /** Why the wasm engine was not measured (it could not be loaded), else null. */
  wasmError: string | null;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);
/** SIMD lanes of the WebAssembly core: linear hashes of up to four parts run side by side. */
const LANES = 4;
/** A hashPart batch stops growing at this many bytes (the core copies a batch into its memory). */
const BATCH_BYTES = 256 * MiB;

/** Calibration: four 2 MiB parts (both hashes needed, all four lanes full), best of two rounds
 * (~60 ms of one thread). */
const CALIBRATION = { kind: 'calibrate', parts: 4, partBytes: 2 * MiB, rounds: 2 } as const;
/** The CPU does not change while the process runs: calibrate once per process. */
let processCalibration: { promise: Promise<EngineCalibration>; pool: HashPool } | undefined;

interface PendingPart {
  /** What travels to the worker: the caller's shared view, or an exact-cover view we own. */
  data: Uint8Array;
  callerView: Uint8Array;
  shared: boolean;
  linear: boolean;
  settled: boolean;
  aborted: boolean;
  batch: Batch | null;
  resolve(r: PartHashResult): void;
  reject(e: unknown): void;
  cleanup(): void;
}

interface Batch {
  parts: PendingPart[];
  controller: AbortController;
}

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
 */
export class HashPool {
  readonly threads: number;
  readonly #maxQueue: number;
  readonly #piscina: Piscina;
  #resolved: HashEngine | null;
  #calibration: EngineCalibration | null = null;
  #readyPromise: Promise<HashEngine> | null = null;
  readonly #pending: PendingPart[] = [];
  #runningBatches = 0;
  #dispatchScheduled = false;
  #destroyed = false;
  #destroyPromise: Promise<void> | null = null;

  constructor(opts: HashPoolOptions = {}) {
    if (typeof opts !== 'object' || opts === null) {
      throw new InvalidPoolOptionError('options', `HashPool options must be an object; got ${describe(opts)}.`);
    }
    const threads = opts.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
      throw new InvalidPoolOptionError('threads', `Invalid threads: ${describe(opts.threads)}. Use a whole number from 1 to 1024 (default: os.availableParallelism(), here ${availableParallelism()}).`);
    }
    const engine = opts.engine ?? 'auto';
    if (engine !== 'wasm' && engine !== 'node' && engine !== 'auto') {
      throw new InvalidPoolOptionError('engine', `Invalid engine: ${describe(opts.engine)}. Use 'wasm', 'node' or 'auto'.`);
    }
    if (opts.idleTimeout !== undefined && !(typeof opts.idleTimeout === 'number' && opts.idleTimeout >= 0)) {
      throw new InvalidPoolOptionError('idleTimeout', `Invalid idleTimeout: ${describe(opts.idleTimeout)}. Use milliseconds >= 0 (or Infinity).`);
    }
    const maxQueue = opts.maxQueue ?? Infinity;
    if (!(maxQueue === Infinity || (Number.isInteger(maxQueue) && maxQueue >= 0))) {
      throw new InvalidPoolOptionError('maxQueue', `Invalid maxQueue: ${describe(opts.maxQueue)}. Use a whole number >= 0 (or Infinity).`);
    }
    this.threads = threads;
    this.#resolved = engine === 'auto' ? null : engine;
    this.#maxQueue = maxQueue;
    this.#piscina = new Piscina({
      filename: WORKER_URL.href,
      minThreads: opts.idleTimeout === undefined ? threads : 0,
      maxThreads: threads,
      idleTimeout: opts.idleTimeout ?? 0,
      // hashPart calls queue in this class (to be batched); hashFile bounds itself by `concurrency`.
      maxQueue: Infinity,
    });
    // Errors of a task reject that task; a worker failing while idle is replaced by Piscina. Without
    // a listener such an 'error' event would crash the process.
    this.#piscina.on('error', () => {});
    // 'auto': start the calibration now, while the threads boot and the caller prepares its first
    // part, so first use rarely waits for it. A failure surfaces from ready() / first use.
    if (engine === 'auto') this.ready().catch(() => {});
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
    if (this.#destroyed) return Promise.reject(new PoolDestroyedError('HashPool.ready()'));
    this.#readyPromise ??= this.#calibrate().then(
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

  async #calibrate(): Promise<EngineCalibration> {
    for (;;) {
      if (processCalibration === undefined) {
        const t0 = performance.now();
        const promise = this.#run<CalibrateResult>({ ...CALIBRATION }, {}, 'the engine calibration').then((r) => {
          const chosen: HashEngine = r.wasm !== null && r.wasm > r.node ? 'wasm' : 'node';
          return { ...r, chosen, ms: performance.now() - t0 };
        });
        processCalibration = { promise, pool: this };
        promise.catch(() => {
          if (processCalibration?.promise === promise) processCalibration = undefined;
        });
      }
      const { promise, pool } = processCalibration;
      try {
        return await promise;
      } catch (e) {
        // Another pool's calibration failed (e.g. that pool was destroyed): run our own.
        if (pool === this || this.#destroyed) throw e;
      }
    }
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
   */
  hashPart(data: Uint8Array, opts: HashPartOptions = {}): Promise<PartHashResult> {
    const what = `hashPart (${data instanceof Uint8Array ? data.byteLength : 0} bytes)`;
    try {
      if (this.#destroyed) throw new PoolDestroyedError(what);
      const linear = opts.linear ?? true;
      if (typeof linear !== 'boolean') {
        throw new InvalidPoolOptionError('linear', `Invalid linear option: ${describe(opts.linear)}. Use true or false.`);
      }
      const signal = opts.signal;
      if (signal?.aborted) throw new HashAbortedError(what, signal.reason);
      if (this.#pending.length >= this.#maxQueue) throw new PoolQueueFullError(this.#maxQueue);
      const { sent, shared } = takePart(data);

      return new Promise<PartHashResult>((resolve, reject) => {
        const onAbort = () => this.#abortPart(part, new HashAbortedError(what, signal!.reason));
        const part: PendingPart = {
          data: sent,
          callerView: data,
          shared,
          linear,
          settled: false,
          aborted: false,
          batch: null,
          resolve: (r) => {
            if (part.settled) return;
            part.settled = true;
            part.cleanup();
            resolve(r);
          },
          reject: (e) => {
            if (part.settled) return;
            part.settled = true;
            part.cleanup();
            reject(e);
          },
          cleanup: () => signal?.removeEventListener('abort', onAbort),
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.#pending.push(part);
        this.#scheduleDispatch();
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #abortPart(part: PendingPart, err: HashAbortedError): void {
    if (part.settled) return;
    part.aborted = true;
    part.reject(err);
    if (part.batch === null) {
      const i = this.#pending.indexOf(part);
      if (i >= 0) this.#pending.splice(i, 1);
    } else if (part.batch.parts.every((p) => p.aborted)) {
      // Nobody wants this task any more: stop it (Piscina ends the thread and starts another).
      part.batch.controller.abort(err);
    }
  }

  #scheduleDispatch(): void {
    if (this.#dispatchScheduled) return;
    this.#dispatchScheduled = true;
    // A microtask later, so parts submitted in one synchronous burst are batched together.
    queueMicrotask(() => {
      this.#dispatchScheduled = false;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    if (this.#destroyed || this.#pending.length === 0) return;
    const engine = this.#resolved;
    if (engine === null) {
      this.ready().then(
        () => this.#scheduleDispatch(),
        (e: unknown) => {
          for (const p of this.#pending.splice(0)) p.reject(e);
        },
      );
      return;
    }
    // At most one batch per thread in flight: parts wait here, where they can still join a batch.
    while (this.#pending.length > 0 && this.#runningBatches < this.threads) {
      const free = this.threads - this.#runningBatches;
      // Spread over idle threads first; fill lanes when parts outnumber threads.
      const want = Math.min(partsPerTask(engine, this.#pending[0]!.data.byteLength), Math.ceil(this.#pending.length / free));
      const parts: PendingPart[] = [];
      let bytes = 0;
      while (parts.length < want && this.#pending.length > 0) {
        const next = this.#pending[0]!;
        if (parts.length > 0 && bytes + next.data.byteLength > BATCH_BYTES) break;
        parts.push(this.#pending.shift()!);
        bytes += next.data.byteLength;
      }
      this.#runBatch(engine, parts);
    }
  }

  #runBatch(engine: HashEngine, parts: PendingPart[]): void {
    const batch: Batch = { parts, controller: new AbortController() };
    for (const p of parts) p.batch = batch;
    const transferList = parts.filter((p) => !p.shared).map((p) => p.data.buffer as ArrayBuffer);
    const what = parts.length === 1 ? `hashPart (${parts[0]!.data.byteLength} bytes)` : `a batch of ${parts.length} hashPart calls`;
    this.#runningBatches++;
    this.#run<PartsResult>(
      { kind: 'parts', engine, parts: parts.map((p) => p.data), linear: parts.map((p) => p.linear) },
      { transferList, signal: batch.controller.signal },
      what,
    )
      .then(
        (r) => {
          parts.forEach((p, i) => {
            const d = r.digests[i]!;
            const data = p.shared ? p.callerView : r.parts[i]!;
            p.resolve(d.sha256 === undefined ? { treeHash: d.treeHash, size: d.size, data } : { treeHash: d.treeHash, sha256: d.sha256, size: d.size, data });
          });
        },
        (e: unknown) => {
          for (const p of parts) p.reject(e);
        },
      )
      .finally(() => {
        this.#runningBatches--;
        this.#scheduleDispatch();
      });
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
    if (typeof path !== 'string' || path.length === 0) {
      throw new InvalidPoolOptionError('path', `hashFile expects a file path (a non-empty string); got ${describe(path)}.`);
    }
    if (opts.partSize !== undefined) validatePartSize(opts.partSize);
    const concurrency = opts.concurrency;
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
      throw new InvalidPoolOptionError('concurrency', `Invalid concurrency: ${describe(concurrency)}. Use a whole number of parts >= 1.`);
    }
    const selected = opts.parts;
    if (selected !== undefined && !Array.isArray(selected)) {
      throw new InvalidPoolOptionError('parts', `Invalid parts: ${describe(selected)}. Pass an array of part indexes (0-based whole numbers), or leave it out to hash every part.`);
    }
    const onPart = opts.onPart;
    if (onPart !== undefined && typeof onPart !== 'function') {
      throw new InvalidPoolOptionError('onPart', `Invalid onPart: ${describe(onPart)}. Pass a function (part) => void.`);
    }
    const signal = opts.signal;
    const what = `hashFile ${path}`;
    if (this.#destroyed) throw new PoolDestroyedError(what);
    if (signal?.aborted) throw new HashAbortedError(what, signal.reason);

    const st = await statSource(path);
    const engine = await this.ready();
    if (signal?.aborted) throw new HashAbortedError(what, signal.reason);

    const size = st.size;
    // The same part size uploadArchive picks with 'auto', so hashes match what an upload sends.
    const partSize = opts.partSize ?? choosePartSize(size);
    const partCount = Math.ceil(size / partSize);
    const indexes = selected === undefined ? [...Array(partCount).keys()] : checkPartIndexes(selected, partCount, path, size, partSize);
    const parts: FilePartHash[] = [];
    if (indexes.length > 0) {
      // wasm: up to four parts per task (four SIMD lanes); node: one (no lanes to fill) unless tiny.
      const lanes = partsPerTask(engine, partSize);
      // Few parts: spread them over the threads first (lanes of one thread are no faster than
      // threads), then fill lanes.
      const spread = Math.ceil(indexes.length / this.threads);
      let perTask = Math.max(1, Math.min(lanes, spread, Math.floor(FILE_TASK_BYTES / partSize)));
      const limit = concurrency ?? perTask * this.threads * 2;
      perTask = Math.min(perTask, limit);
      const emit = (index: number, d: PartDigest) => {
        const part: FilePartHash = {
          index,
          first: index * partSize,
          last: Math.min((index + 1) * partSize, size) - 1,
          treeHash: d.treeHash,
          sha256: d.sha256!,
        };
        parts.push(part);
        onPart?.(part);
      };
      await this.#runFileTasks(path, st, engine, partSize, indexes, perTask, limit, emit, signal);
      parts.sort((a, b) => a.index - b.index);
    }
    const whole = parts.length === partCount;
    const treeHash = partCount === 0 ? sha256Digest(new Uint8Array(0)).toString('hex') : whole ? combineTreeHashHex(parts.map((p) => p.treeHash)) : '';
    return { size, treeHash, partSize, parts };
  }

  #runFileTasks(
    path: string,
    st: Stats,
    engine: HashEngine,
    partSize: number,
    indexes: readonly number[],
    perTask: number,
    limit: number,
    emit: (index: number, d: PartDigest) => void,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    return new Promise<void>((resolve, reject) => {
      // `indexes` is sorted: a task takes a run of consecutive indexes (a worker reads a contiguous
      // range), up to perTask of them.
      let next = 0;
      let inFlight = 0;
      let done = 0;
      let failed = false;
      const failWith = (e: unknown) => {
        if (failed) return;
        failed = true;
        // Stop the rest of this file's work: queued tasks leave the queue, running ones end.
        controller.abort(e);
        reject(e);
      };
      const pump = () => {
        while (!failed && next < indexes.length && (inFlight === 0 || inFlight + perTask <= limit)) {
          const firstIndex = indexes[next]!;
          let count = 1;
          while (count < perTask && next + count < indexes.length && indexes[next + count] === firstIndex + count) count++;
          next += count;
          inFlight += count;
          const task: FileTask = { kind: 'file', engine, path, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, partSize, firstIndex, count };
          const what = `hashFile ${path} (part${count > 1 ? 's' : ''} ${firstIndex}${count > 1 ? `-${firstIndex + count - 1}` : ''})`;
          this.#run<FileResult>(task, { signal: controller.signal }, what).then(
            (r) => {
              if (failed) return;
              try {
                r.digests.forEach((d, k) => emit(firstIndex + k, d));
              } catch (e) {
                // The caller's onPart threw.
                failWith(e);
                return;
              }
              inFlight -= count;
              done += count;
              if (done === indexes.length) resolve();
              else pump();
            },
            failWith,
          );
        }
      };
      pump();
    }).finally(() => signal?.removeEventListener('abort', onAbort));
  }

  /** Ends all threads. Waiting and running work fails with PoolDestroyedError. Idempotent. */
  destroy(): Promise<void> {
    if (this.#destroyPromise === null) {
      this.#destroyed = true;
      for (const p of this.#pending.splice(0)) p.reject(new PoolDestroyedError(`hashPart (${p.data.byteLength} bytes)`));
      this.#destroyPromise = this.#piscina.destroy();
    }
    return this.#destroyPromise;
  }

  /** Runs one worker task and turns every way it can fail into this layer's typed errors. */
  async #run<T>(
    task: WorkerTask,
    opts: { transferList?: ArrayBuffer[]; signal?: AbortSignal; filename?: string; name?: string },
    what: string,
  ): Promise<T> {
    if (this.#destroyed) throw new PoolDestroyedError(what);
    let result: unknown;
    try {
      result = await this.#piscina.run(task, opts);
    } catch (e) {
      throw this.#mapError(e, what, opts.signal);
    }
    if (isWorkerFailure(result)) throw failureToError(result);
    return result as T;
  }

  #mapError(e: unknown, what: string, signal: AbortSignal | undefined): unknown {
    if (e instanceof GlacierMultipartError) return e;
    if (this.#destroyed) return new PoolDestroyedError(what);
    const err = e instanceof Error ? e : new Error(String(e));
    if (err.name === 'AbortError') {
      // Our own controllers abort with the error that caused it (a failed sibling task, or the
      // caller's HashAbortedError); surface that instead of Piscina's generic one.
      const reason = signal?.reason;
      if (reason instanceof GlacierMultipartError) return reason;
      return new HashAbortedError(what, reason);
    }
    const exit = /worker exited with code: (-?\d+)/.exec(err.message);
    if (exit) return new WorkerCrashedError(what, Number(exit[1]), { cause: err });
    if (/terminat/i.test(err.message)) return new WorkerCrashedError(what, undefined, { cause: err });
    return new HashWorkerError(what, err);
  }

  /**
   * Internal, for tests only: runs an arbitrary task (optionally from another module, as Piscina
   * allows) on this pool's threads, through the same error handling as real work.
   */
  _runTaskForTest<T>(task: unknown, opts: { filename?: string; name?: string; signal?: AbortSignal } = {}): Promise<T> {
    return this.#run<T>(task as WorkerTask, opts, 'a test task');
  }
}

/** hashFile's `parts`: whole numbers below partCount, no repeats; returned sorted. */
function checkPartIndexes(parts: readonly number[], partCount: number, path: string, size: number, partSize: number): number[] {
  const seen = new Set<number>();
  for (const i of parts) {
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= partCount) {
      const valid = partCount === 0 ? 'it is empty and has no parts, so pass parts: []' : `its ${size} bytes make ${partCount} part${partCount === 1 ? '' : 's'} of ${partSize} bytes, so use whole numbers from 0 to ${partCount - 1}`;
      throw new InvalidPoolOptionError('parts', `Invalid part index ${describe(i)} for ${path}: ${valid}.`);
    }
    if (seen.has(i)) throw new InvalidPoolOptionError('parts', `Part index ${i} is listed twice in parts: list each part once.`);
    seen.add(i);
  }
  return [...seen].sort((a, b) => a - b);
}

/**
 * How many parts one worker task takes. wasm: four, so their linear hashes share the SIMD lanes.
 * node: one (node:crypto has no lanes to fill, and a batch would make each part wait for the others)
 * unless parts are small enough that the per-task overhead dominates.
 */
function partsPerTask(engine: HashEngine, partBytes: number): number {
  return engine === 'wasm' || partBytes <= 4 * MiB ? LANES : 1;
}

async function statSource(path: string): Promise<Stats> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (e) {
    throw sourceError(path, e);
  }
  if (st.isDirectory()) throw new FileIsDirectoryError(path);
  if (!st.isFile()) {
    throw new FileNotReadableError(path, 'it is not a regular file (a FIFO, socket or device has no size to split into parts); copy it to a file first, or hash its bytes with hashPart');
  }
  // Opening proves read permission before any worker runs (and gives a clear error for EACCES).
  try {
    await (await open(path, 'r')).close();
  } catch (e) {
    throw sourceError(path, e);
  }
  return st;
}

function sourceError(path: string, e: unknown): GlacierMultipartError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new FileNotFoundError(path, { cause: e });
  if (code === 'EISDIR') return new FileIsDirectoryError(path);
  if (code === 'EACCES' || code === 'EPERM') {
    return new FileNotReadableError(path, `permission denied (${code}); check the file's mode and owner, or run as a user who may read it`, { cause: e });
  }
  return new FileNotReadableError(path, e instanceof Error ? e.message : String(e), { cause: e });
}

function failureToError(f: WorkerFailure): GlacierMultipartError {
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

/**
 * Decides how the part's bytes travel to the worker without copying (see the class comment), and
 * does the transfer or the one copy now, so the caller's view behaves the same whenever the part
 * actually leaves the queue.
 */
function takePart(data: Uint8Array): { sent: Uint8Array; shared: boolean } {
  if (!(data instanceof Uint8Array)) {
    throw new InvalidPartDataError(`hashPart expects the part's bytes as a Uint8Array (or Buffer); got ${describe(data)}.`);
  }
  if (data.byteLength > MAX_PART_SIZE) {
    throw new InvalidPartDataError(`A Glacier part is at most 4 GiB (4294967296 bytes); got ${data.byteLength} bytes.`);
  }
  const buf = data.buffer;
  if (buf instanceof SharedArrayBuffer) return { sent: data, shared: true };
  if (data.byteLength === 0 && isDetached(buf)) {
    throw new InvalidPartDataError(
      "hashPart was given a view whose ArrayBuffer is detached: it was transferred away (for example to an earlier hashPart call, whose result.data now holds the bytes). Pass result.data, or a SharedArrayBuffer-backed view to keep the buffer.",
    );
  }
  if (data.byteOffset === 0 && data.byteLength === buf.byteLength) {
    try {
      // Moves the memory to a new ArrayBuffer (no copy) and detaches the caller's, as postMessage would.
      const moved = structuredClone(buf, { transfer: [buf] });
      return { sent: new Uint8Array(moved), shared: false };
    } catch {
      // Not transferable (a WebAssembly.Memory buffer, or one Node marked untransferable): copy.
    }
  }
  return { sent: new Uint8Array(data), shared: false };
}

function isDetached(buf: ArrayBuffer): boolean {
  if (buf.byteLength !== 0) return false;
  try {
    new Uint8Array(buf);
    return false;
  } catch {
    return true;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return `${typeof v} ${String(v)}`;
}
