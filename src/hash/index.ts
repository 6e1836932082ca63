/**
 * glacier-multipart/hash — SHA-256 and the Amazon S3 Glacier tree hash in WebAssembly (4-lane SIMD
 * where the host has it, scalar otherwise). Synchronous and ready right after import; no `node:`
 * imports, so it also works in a browser bundle.
 */
import { describe, getCore, MiB, toHex, type CoreStream, type PartHash } from './core.js';
import { HasherFinalizedError, InvalidTreeHashError } from './errors.js';

export { HasherFinalizedError, InvalidTreeHashError, WasmCoreError } from './errors.js';
export type { PartHash } from './core.js';

/** Glacier's tree-hash chunk size: 1 MiB. */
export const TREE_HASH_CHUNK_SIZE = MiB;

function requireBytes(fn: string, data: unknown): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array)) {
    const hint = typeof data === 'string' ? '; encode text first, e.g. new TextEncoder().encode(text)' : '';
    throw new TypeError(`${fn} expects a Uint8Array (a Buffer is fine), got ${describe(data)}${hint}`);
  }
}

/** Linear SHA-256 of `data`, lowercase hex (what Glacier wants in `x-amz-content-sha256`). */
export function sha256(data: Uint8Array): string {
  requireBytes('sha256()', data);
  return getCore().sha256(data);
}

/** Glacier tree hash of `data` (1 MiB leaves, pairwise combined), lowercase hex. */
export function treeHash(data: Uint8Array): string {
  requireBytes('treeHash()', data);
  return getCore().treeHash(data);
}

const HEX_DIGEST = /^[0-9a-fA-F]{64}$/;

/**
 * Tree hash of a whole archive from the tree hashes of its parts, in order (parts of 1 MiB x 2^n,
 * aligned, only the last one shorter): the parts' hashes combined with the same pairwise rule.
 * Each hash is 64 hex digits or 32 bytes.
 */
export function combineTreeHashes(hashes: readonly (string | Uint8Array)[]): string {
  if (!Array.isArray(hashes)) {
    throw new TypeError(`combineTreeHashes() expects an array of tree hashes (hex strings or 32-byte Uint8Arrays), got ${describe(hashes)}`);
  }
  if (hashes.length === 0) {
    throw new InvalidTreeHashError('combineTreeHashes() got an empty list; pass the tree hash of every part, in order');
  }
  const digests = hashes.map((h: unknown, i) => {
    if (typeof h === 'string') {
      if (!HEX_DIGEST.test(h)) {
        throw new InvalidTreeHashError(
          `combineTreeHashes(): hash ${i} is not a SHA-256 tree hash (64 hex digits): ${JSON.stringify(h.slice(0, 80))}`,
        );
      }
      const b = new Uint8Array(32);
      for (let k = 0; k < 32; k++) b[k] = parseInt(h.slice(2 * k, 2 * k + 2), 16);
      return b;
    }
    if (h instanceof Uint8Array) {
      if (h.length !== 32) {
        throw new InvalidTreeHashError(`combineTreeHashes(): hash ${i} has ${h.length} bytes; a SHA-256 tree hash has 32`);
      }
      return h;
    }
    throw new TypeError(`combineTreeHashes(): hash ${i} must be a hex string or a 32-byte Uint8Array, got ${describe(h)}`);
  });
  return toHex(getCore().combine(digests));
}

// Gives a dropped, never-digested hasher's staging memory back to the core.
const abandoned =
  typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<CoreStream>((s) => s.release()) : undefined;

/**
 * Streaming Glacier tree hash (and, with `{ linear: true }`, the linear SHA-256 alongside): feed
 * the bytes with update() in chunks of any size, then digest() once.
 */
export class TreeHasher {
  private stream: CoreStream | undefined;
  private readonly linear: boolean;
  private done = false;

  constructor(options: { linear?: boolean } = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`TreeHasher options must be an object like { linear: true }, got ${describe(options)}`);
    }
    if (options.linear !== undefined && typeof options.linear !== 'boolean') {
      throw new TypeError(`TreeHasher option linear must be a boolean, got ${describe(options.linear)}`);
    }
    this.linear = options.linear ?? false;
  }

  update(chunk: Uint8Array): this {
    if (this.done) throw new HasherFinalizedError('update');
    requireBytes('TreeHasher.update()', chunk);
    if (!this.stream) {
      // Staging memory is taken on first use, so hashers that are only constructed cost nothing.
      this.stream = getCore().stream(this.linear);
      abandoned?.register(this, this.stream, this);
    }
    this.stream.update(chunk);
    return this;
  }

  digest(): PartHash {
    if (this.done) throw new HasherFinalizedError('digest');
    this.done = true;
    if (!this.stream) {
      const empty = getCore().sha256(new Uint8Array(0));
      return this.linear ? { treeHash: empty, sha256: empty, size: 0 } : { treeHash: empty, size: 0 };
    }
    abandoned?.unregister(this);
    const r = this.stream.digest();
    this.stream = undefined;
    return r;
  }
}
