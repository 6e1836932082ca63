import { GlacierMultipartError } from '../errors.js';

/** A tree hash given to combineTreeHashes() is not a 32-byte SHA-256 digest (64 hex digits). */
export class InvalidTreeHashError extends GlacierMultipartError {
  constructor(message: string) {
    super('INVALID_TREE_HASH', message);
  }
}

/** A TreeHasher was used after digest(): its state is gone. */
export class HasherFinalizedError extends GlacierMultipartError {
  constructor(method: string) {
    super(
      'HASHER_FINALIZED',
      `TreeHasher.${method}() called after digest(); a TreeHasher hashes one stream — create a new TreeHasher for the next one`,
    );
  }
}

/**
 * The WebAssembly core cannot do what was asked on this host: an embedded build is not the one it
 * claims to be, the host lacks WASM SIMD for the SIMD build, or linear memory cannot grow.
 */
export class WasmCoreError extends GlacierMultipartError {
  constructor(message: string) {
    super('WASM_CORE', message);
  }
}
