import type { OpenedFile } from '../file-identity.js';
/**
 * The pool layer's public option and result types (re-exported from the package root through
 * src/pool/index.ts). Behaviour is documented on HashPool's methods (src/pool/pool.ts).
 */
import type { HashEngine } from './protocol.js';

export type { HashEngine };

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
  /**
   * The file, already open, with its identity from one fstat of that descriptor
   * (src/file-identity.ts openFile; uploadArchive hands over its reader's). The workers read through
   * this descriptor instead of opening the file, and refuse it once it no longer matches the
   * identity. It stays the caller's: keep it open until hashFile settles. Default: the pool opens
   * `path` once itself.
   */
  opened?: OpenedFile;
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
