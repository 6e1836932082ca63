/**
 * Messages between HashPool (main thread) and its Piscina worker (src/pool/worker.ts), and how many
 * parts a task carries. Internal: not exported from the package.
 */
import { MiB } from '../options.js';
import type { PartDigest } from './node-hash.js';

export type HashEngine = 'wasm' | 'node';

/**
 * A file task reads whole parts into one per-thread buffer of at most this many bytes; a part
 * larger than this is streamed by its task in STREAM_CHUNK pieces instead.
 */
export const FILE_TASK_BYTES = 128 * 1024 * 1024;
/** Streaming chunk for large file parts: a power of two MiB, so each chunk is a tree-hash subtree. */
export const STREAM_CHUNK = 64 * 1024 * 1024;

/** Hash parts whose bytes travel with the task (transferred ArrayBuffers or SharedArrayBuffer views). */
export interface PartsTask {
  kind: 'parts';
  engine: HashEngine;
  parts: Uint8Array[];
  /** Per part: also compute the linear SHA-256. */
  linear: boolean[];
}

/** Read parts [firstIndex, firstIndex + count) of a file in the worker and hash them. */
export interface FileTask {
  kind: 'file';
  engine: HashEngine;
  path: string;
  /**
   * The descriptor the main thread opened (threads share the process's descriptors): the worker
   * reads through it with positional reads and never opens the file. Without it (a task built by
   * hand) the worker opens `path` itself.
   */
  fd?: number;
  /**
   * The file's identity as the main thread took it (src/file-identity.ts); the worker refuses a
   * file that differs. `mtimeNs`/`ctimeNs` absent: compared at millisecond precision.
   */
  dev: string | number;
  ino: string | number;
  size: number;
  mtimeMs: number;
  mtimeNs?: string;
  ctimeNs?: string;
  partSize: number;
  firstIndex: number;
  count: number;
}

/** Time both engines on the same parts (linear + tree) in this worker. */
export interface CalibrateTask {
  kind: 'calibrate';
  partBytes: number;
  parts: number;
  rounds: number;
}

export type WorkerTask = PartsTask | FileTask | CalibrateTask;

export interface PartsResult {
  digests: PartDigest[];
  /** Per part: the part's bytes handed back (transferred) or null when they were shared. */
  parts: (Uint8Array | null)[];
}

export interface FileResult {
  digests: PartDigest[];
}

export interface CalibrateResult {
  /** MiB/s of part data (linear + tree) per thread, best round. */
  node: number;
  wasm: number | null;
  wasmKind: string | null;
  /** Why wasm could not be measured. */
  wasmError: string | null;
  /** Time the measuring took on the worker, milliseconds. */
  measureMs: number;
}

/**
 * Expected failures travel as values: Piscina clones thrown errors without their own properties,
 * so codes and paths would be lost.
 */
export interface WorkerFailure {
  failure: {
    code: 'FILE_NOT_FOUND' | 'FILE_NOT_READABLE' | 'FILE_IS_DIRECTORY' | 'FILE_CHANGED' | 'WASM_ENGINE_UNAVAILABLE';
    message: string;
    path?: string;
  };
}

export function isWorkerFailure(v: unknown): v is WorkerFailure {
  return typeof v === 'object' && v !== null && 'failure' in v;
}

// How many parts one worker task carries, for hashPart batches and hashFile tasks alike.

/** SIMD lanes of the WebAssembly core: linear hashes of up to four parts run side by side. */
export const LANES = 4;
/** A hashPart batch stops growing at this many bytes (the core copies a batch into its memory). */
export const BATCH_BYTES = 256 * MiB;

/**
 * wasm: four parts, so their linear hashes share the SIMD lanes. node: one (node:crypto has no
 * lanes to fill, and a batch would make each part wait for the others) unless parts are small
 * enough that the per-task overhead dominates.
 */
export function partsPerTask(engine: HashEngine, partBytes: number): number {
  return engine === 'wasm' || partBytes <= 4 * MiB ? LANES : 1;
}
