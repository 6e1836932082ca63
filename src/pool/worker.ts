/**
 * The HashPool's Piscina worker (compiled to dist/src/pool/worker.js). One instance per thread;
 * the WebAssembly core is instantiated once per thread, on first use, and its memory reused.
 *
 * Tasks are synchronous on purpose: Piscina parks idle workers in Atomics.wait, so a task must not
 * leave asynchronous work behind. File parts are read with readSync into one buffer per thread.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { combineDigests, leafDigests, MiB, nodeHashPart, sha256Digest, type PartDigest } from './node-hash.js';
import {
  FILE_TASK_BYTES,
  STREAM_CHUNK,
  type CalibrateResult,
  type CalibrateTask,
  type FileResult,
  type FileTask,
  type HashEngine,
  type PartsResult,
  type PartsTask,
  type WorkerFailure,
  type WorkerTask,
} from './protocol.js';
import { getCore, type HashCore } from './wasm-core.js';
import { releaseSharedParts } from './shared-release.js';

let readBuffer: Uint8Array | null = null;

export default function hashTask(task: WorkerTask): unknown {
  switch (task.kind) {
    case 'parts':
      return hashPartsTask(task);
    case 'file':
      return hashFileTask(task);
    case 'calibrate':
      return calibrate(task);
    default:
      throw new Error(`unknown hash task kind ${(task as { kind: unknown }).kind}`);
  }
}

function loadCore(): HashCore | WorkerFailure {
  try {
    return getCore();
  } catch (e) {
    return { failure: { code: 'WASM_ENGINE_UNAVAILABLE', message: e instanceof Error ? e.message : String(e) } };
  }
}

function hashPartsTask(task: PartsTask): unknown {
  let digests: PartDigest[];
  if (task.engine === 'wasm') {
    const core = loadCore();
    if ('failure' in core) return core;
    digests = wasmHashParts(core, task.parts, task.linear);
  } else {
    digests = task.parts.map((p, i) => nodeHashPart(p, task.linear[i]!));
  }
  // Hand transferred buffers back (moved, not cloned); shared ones stay where they are.
  const back: (Uint8Array | null)[] = task.parts.map((p) => (p.buffer instanceof SharedArrayBuffer ? null : p));
  const transfer = back.filter((p): p is Uint8Array => p !== null).map((p) => p.buffer as ArrayBuffer);
  const value: PartsResult = { digests, parts: back };
  releaseSharedParts(task.parts);
  return move({
    get [transferableSymbol]() {
      return transfer;
    },
    get [valueSymbol]() {
      return value;
    },
  } as never);
}

/**
 * Hash parts with the WebAssembly core: all linear parts in one hashParts call, so up to four
 * linear hashes share the four SIMD lanes (the core streams each part through a fixed staging
 * area, so its memory stays bounded whatever the part size).
 */
function wasmHashParts(core: HashCore, parts: readonly Uint8Array[], linear: readonly boolean[]): PartDigest[] {
  const out: PartDigest[] = new Array(parts.length);
  for (const wantLinear of [true, false]) {
    const idx: number[] = [];
    for (let i = 0; i < parts.length; i++) if (linear[i] === wantLinear) idx.push(i);
    if (idx.length === 0) continue;
    const hashes = core.hashParts(
      idx.map((i) => parts[i]!),
      { linear: wantLinear },
    );
    idx.forEach((i, k) => {
      const h = hashes[k]!;
      out[i] = wantLinear
        ? { treeHash: h.treeHash, sha256: h.sha256 ?? h.treeHash, size: h.size }
        : { treeHash: h.treeHash, size: h.size };
    });
  }
  return out;
}

/**
 * Tree hash from aligned power-of-two-MiB subtrees plus a streamed linear SHA-256. The linear hash
 * of one part is a single sequential stream with no lanes to fill, so node:crypto (native, SHA
 * instructions where present) streams it for both engines.
 */
class StreamingPartHasher {
  readonly #subtrees: Buffer[] = [];
  readonly #linear: Hash | null;
  #size = 0;

  constructor(
    private readonly engine: HashEngine,
    private readonly core: HashCore | null,
    linear: boolean,
  ) {
    this.#linear = linear ? createHash('sha256') : null;
  }

  /** `chunk` must start at a multiple of its own (power-of-two MiB) size; only the last may be short. */
  update(chunk: Uint8Array): void {
    this.#size += chunk.byteLength;
    this.#linear?.update(chunk);
    if (this.engine === 'wasm') this.#subtrees.push(Buffer.from(this.core!.treeHash(chunk), 'hex'));
    else leafDigests(chunk, this.#subtrees);
  }

  digest(): PartDigest {
    const treeHash = this.#subtrees.length === 0 ? sha256Digest(new Uint8Array(0)).toString('hex') : combineDigests(this.#subtrees).toString('hex');
    if (this.#linear === null) return { treeHash, size: this.#size };
    return { treeHash, sha256: this.#linear.digest('hex'), size: this.#size };
  }
}

function buffer(bytes: number): Uint8Array {
  if (readBuffer === null || readBuffer.byteLength < bytes) readBuffer = new Uint8Array(bytes);
  return readBuffer;
}

function fileFailure(task: FileTask, e: unknown): WorkerFailure {
  const code = (e as NodeJS.ErrnoException).code;
  const message = e instanceof Error ? e.message : String(e);
  if (code === 'ENOENT') return { failure: { code: 'FILE_NOT_FOUND', message, path: task.path } };
  if (code === 'EISDIR') return { failure: { code: 'FILE_IS_DIRECTORY', message, path: task.path } };
  return { failure: { code: 'FILE_NOT_READABLE', message, path: task.path } };
}

/** Fill `into` from `position`; a short file means it shrank since the main thread looked. */
function readFully(fd: number, into: Uint8Array, position: number): boolean {
  let done = 0;
  while (done < into.byteLength) {
    const n = readSync(fd, into, done, into.byteLength - done, position + done);
    if (n === 0) return false;
    done += n;
  }
  return true;
}

function hashFileTask(task: FileTask): FileResult | WorkerFailure {
  let core: HashCore | null = null;
  if (task.engine === 'wasm') {
    const c = loadCore();
    if ('failure' in c) return c;
    core = c;
  }
  let fd: number;
  try {
    fd = openSync(task.path, 'r');
  } catch (e) {
    return fileFailure(task, e);
  }
  try {
    const st = fstatSync(fd);
    if (st.ino !== task.ino || st.dev !== task.dev) {
      return { failure: { code: 'FILE_CHANGED', message: 'another file now has this path', path: task.path } };
    }
    if (st.size !== task.size) {
      return { failure: { code: 'FILE_CHANGED', message: `size was ${task.size} bytes, now ${st.size}`, path: task.path } };
    }
    if (st.mtimeMs !== task.mtimeMs) {
      return { failure: { code: 'FILE_CHANGED', message: 'it was modified (its mtime changed)', path: task.path } };
    }
    const shrank: WorkerFailure = { failure: { code: 'FILE_CHANGED', message: 'it became shorter while being read', path: task.path } };
    const first = task.firstIndex * task.partSize;
    const end = Math.min(task.size, (task.firstIndex + task.count) * task.partSize);

    if (task.partSize > FILE_TASK_BYTES) {
      // One large part per task: stream it through a bounded buffer.
      const h = new StreamingPartHasher(task.engine, core, true);
      const buf = buffer(STREAM_CHUNK);
      for (let pos = first; pos < end; pos += STREAM_CHUNK) {
        const chunk = buf.subarray(0, Math.min(STREAM_CHUNK, end - pos));
        if (!readFully(fd, chunk, pos)) return shrank;
        h.update(chunk);
      }
      return { digests: [h.digest()] };
    }

    const buf = buffer(end - first);
    const parts: Uint8Array[] = [];
    for (let pos = first; pos < end; pos += task.partSize) {
      const part = buf.subarray(pos - first, Math.min(pos + task.partSize, end) - first);
      if (!readFully(fd, part, pos)) return shrank;
      parts.push(part);
    }
    const linear = parts.map(() => true);
    const digests = core !== null ? wasmHashParts(core, parts, linear) : parts.map((p) => nodeHashPart(p, true));
    return { digests };
  } catch (e) {
    return fileFailure(task, e);
  } finally {
    closeSync(fd);
  }
}

/**
 * Milliseconds this thread has spent runnable but waiting for a CPU (Linux: the second field of
 * /proc/thread-self/schedstat, brought up to date whenever the thread gets a CPU back, so exact
 * when read by the running thread); null where unavailable. Subtracting it from a wall-clock
 * interval removes the time other processes took the CPU, so the calibration holds on a busy
 * machine.
 */
function runQueueDelayMs(): number | null {
  try {
    const fields = readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ');
    const ns = Number(fields[1]);
    return Number.isFinite(ns) ? ns / 1e6 : null;
  } catch {
    return null;
  }
}

/**
 * Time both engines on identical parts, linear + tree (what an upload needs). SHA-256 takes the
 * same time whatever the bytes, so the parts are constant. Time waiting for a CPU does not count
 * (see runQueueDelayMs). Best of `rounds`, interleaved so what load remains hits both alike (the best also skips the WebAssembly's first call, which V8 runs
 * in its baseline tier, ~30% slower), and as many rounds again when the two come out within 15%.
 */
function calibrate(task: CalibrateTask): CalibrateResult {
  const start = performance.now();
  const parts: Uint8Array[] = [];
  for (let i = 0; i < task.parts; i++) parts.push(new Uint8Array(task.partBytes).fill(0x5a));
  const linear = parts.map(() => true);
  const mib = (task.parts * task.partBytes) / MiB;

  const c = loadCore();
  const core = 'failure' in c ? null : c;
  const time = (fn: () => void): number => {
    const d0 = runQueueDelayMs();
    const t0 = performance.now();
    fn();
    const wall = performance.now() - t0;
    return d0 === null ? wall : wall - (runQueueDelayMs()! - d0);
  };
  const runNode = () => parts.forEach((p) => nodeHashPart(p, true));
  const runWasm = () => wasmHashParts(core!, parts, linear);

  let bestNode = Infinity;
  let bestWasm = Infinity;
  const measure = (rounds: number) => {
    for (let r = 0; r < rounds; r++) {
      bestNode = Math.min(bestNode, time(runNode));
      if (core !== null) bestWasm = Math.min(bestWasm, time(runWasm));
    }
  };
  measure(task.rounds);
  if (core !== null && bestNode / bestWasm > 1 / 1.15 && bestNode / bestWasm < 1.15) measure(task.rounds);
  return {
    node: mib / (bestNode / 1000),
    wasm: core === null ? null : mib / (bestWasm / 1000),
    wasmKind: core === null ? null : core.kind,
    wasmError: 'failure' in c ? c.failure.message : null,
    measureMs: performance.now() - start,
  };
}
