/**
 * hashPart's queue: calls waiting together are batched, up to four per worker task, so their
 * linear hashes fill the WebAssembly core's four SIMD lanes; at most one batch per thread runs, so
 * later parts wait here, where they can still join a batch.
 */
import { HashAbortedError, PoolDestroyedError, PoolQueueFullError } from './errors.js';
import { InvalidOptionError } from '../options.js';
import { describe } from './describe-value.js';
import { takePart, transferList, type TakenPart } from './part-transfer.js';
import { BATCH_BYTES, partsPerTask, type HashEngine, type PartsResult } from './protocol.js';
import type { HashPartOptions, PartHashResult } from './types.js';
import type { TaskRunner } from './worker-threads.js';

interface PendingPart extends TakenPart {
  callerView: Uint8Array;
  linear: boolean;
  settled: boolean;
  aborted: boolean;
  batch: Batch | null;
  resolve(r: PartHashResult): void;
  reject(e: unknown): void;
}

interface Batch {
  parts: PendingPart[];
  controller: AbortController;
}

/** The engine in use, once known (calibration may still be running). */
export interface EngineChoice {
  resolved(): HashEngine | null;
  ready(): Promise<HashEngine>;
}

export class PartBatcher {
  readonly #pending: PendingPart[] = [];
  #runningBatches = 0;
  #dispatchScheduled = false;
  #closed = false;

  constructor(
    private readonly threads: number,
    private readonly maxQueue: number,
    private readonly run: TaskRunner,
    private readonly engine: EngineChoice,
  ) {}

  /** HashPool.hashPart (see there for the buffer and abort rules). */
  submit(data: Uint8Array, opts: HashPartOptions): Promise<PartHashResult> {
    const what = `hashPart (${data instanceof Uint8Array ? data.byteLength : 0} bytes)`;
    if (this.#closed) throw new PoolDestroyedError(what);
    const linear = opts.linear ?? true;
    if (typeof linear !== 'boolean') {
      throw new InvalidOptionError('linear', `Invalid linear option: ${describe(opts.linear)}. Use true or false.`);
    }
    const signal = opts.signal;
    if (signal?.aborted) throw new HashAbortedError(what, signal.reason);
    if (this.#pending.length >= this.maxQueue) throw new PoolQueueFullError(this.maxQueue);
    const taken = takePart(data);

    return new Promise<PartHashResult>((resolve, reject) => {
      const onAbort = () => this.#abortPart(part, new HashAbortedError(what, signal!.reason));
      const settle = (): boolean => {
        if (part.settled) return false;
        part.settled = true;
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const part: PendingPart = {
        ...taken,
        callerView: data,
        linear,
        settled: false,
        aborted: false,
        batch: null,
        resolve: (r) => settle() && resolve(r),
        reject: (e) => settle() && reject(e),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.push(part);
      this.#scheduleDispatch();
    });
  }

  /** Waiting parts fail with PoolDestroyedError; later calls too. */
  close(): void {
    this.#closed = true;
    for (const p of this.#pending.splice(0)) p.reject(new PoolDestroyedError(`hashPart (${p.sent.byteLength} bytes)`));
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
    if (this.#closed || this.#pending.length === 0) return;
    const engine = this.engine.resolved();
    if (engine === null) {
      this.engine.ready().then(
        () => this.#scheduleDispatch(),
        (e: unknown) => {
          for (const p of this.#pending.splice(0)) p.reject(e);
        },
      );
      return;
    }
    while (this.#pending.length > 0 && this.#runningBatches < this.threads) {
      this.#runBatch(engine, this.#nextBatch(engine));
    }
  }

  /** Spread over idle threads first; fill lanes when parts outnumber threads. */
  #nextBatch(engine: HashEngine): PendingPart[] {
    const free = this.threads - this.#runningBatches;
    const want = Math.min(partsPerTask(engine, this.#pending[0]!.sent.byteLength), Math.ceil(this.#pending.length / free));
    const parts: PendingPart[] = [];
    let bytes = 0;
    while (parts.length < want && this.#pending.length > 0) {
      const next = this.#pending[0]!;
      if (parts.length > 0 && bytes + next.sent.byteLength > BATCH_BYTES) break;
      parts.push(this.#pending.shift()!);
      bytes += next.sent.byteLength;
    }
    return parts;
  }

  #runBatch(engine: HashEngine, parts: PendingPart[]): void {
    const batch: Batch = { parts, controller: new AbortController() };
    for (const p of parts) p.batch = batch;
    const what = parts.length === 1 ? `hashPart (${parts[0]!.sent.byteLength} bytes)` : `a batch of ${parts.length} hashPart calls`;
    this.#runningBatches++;
    this.run<PartsResult>(
      { kind: 'parts', engine, parts: parts.map((p) => p.sent), linear: parts.map((p) => p.linear) },
      { transferList: transferList(parts), signal: batch.controller.signal },
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
}
