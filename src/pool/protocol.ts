/**
 * Messages between HashPool (main thread) and its Piscina worker (src/pool/worker.ts). Internal:
 * not exported from the package.
 */
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
  /** The file as the main thread saw it; the worker refuses a different file behind the path. */
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
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
