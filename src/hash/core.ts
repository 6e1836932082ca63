/**
 * Low-level hashing core (not part of the public API): loads one of the two WebAssembly builds of
 * assembly/index.ts and drives it over its linear memory. src/hash/index.ts (the public API) and
 * src/pool (worker threads) build on it. Browser-safe: no `node:` imports, synchronous
 * instantiation from bytes embedded as base64.
 */
import { instantiateSync } from '@assemblyscript/loader';
import { WasmCoreError } from './errors.js';
import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from './wasm-binaries.js';
import { CTX_SIZE, describe, GROUP, LANES, STATE4_SIZE, type CoreExports } from './core-layout.js';
import { LeafStream } from './leaf-stream.js';
import { hashParts } from './multi-part.js';
import { combineDigestList, toHex } from './tree-combine.js';

export { MiB, describe } from './core-layout.js';
export { toHex } from './tree-combine.js';
export { LeafStream } from './leaf-stream.js';

export type CoreKind = 'simd' | 'scalar';

export interface PartHash {
  treeHash: string;
  sha256?: string;
  size: number;
}

export interface HashCore {
  readonly kind: CoreKind;
  sha256(data: Uint8Array): string;
  treeHash(data: Uint8Array): string;
  /**
   * Hashes several parts at once keeping SIMD lanes full: the linear SHA-256 of up to four parts
   * runs in the four lanes while their 1 MiB tree-hash leaves also run four at a time. `linear`
   * defaults to true. Parts of at most 1 MiB are hashed once (tree hash == linear hash). Parts may
   * differ in length (a short last part). Returns one PartHash per input, in order.
   */
  hashParts(parts: readonly Uint8Array[], opts?: { linear?: boolean }): PartHash[];
}

// The project compiles without the DOM lib and @types/node 20 does not declare WebAssembly, so
// declare the little used here (the global exists in Node and in browsers).
declare const WebAssembly: { validate(bytes: Uint8Array): boolean };

// A minimal module using one SIMD instruction: (func (result v128) i32.const 0 i8x16.splat).
// WebAssembly.validate() of it tells whether this host runs WASM SIMD.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
  0x03, 0x02, 0x01, 0x00, // function 0 has type 0
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b, // body: i32.const 0; i8x16.splat
]);

function detectSimd(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** Whether this host runs WebAssembly SIMD (else getCore() falls back to the scalar build). */
export const simdSupported: boolean = detectSimd();

function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The streaming state a TreeHasher drives; owns a staging region until finished. */
export interface CoreStream {
  update(data: Uint8Array): void;
  digest(): PartHash;
  /** Gives the memory back without a result (e.g. an abandoned hasher). */
  release(): void;
}

// Arithmetic, not bitwise: addresses above 2 GiB would turn negative in 32-bit bitwise operations.
const align64 = (n: number) => Math.ceil(n / 64) * 64;

export class WasmHashCore implements HashCore {
  readonly kind: CoreKind;
  readonly x: CoreExports;
  private u8: Uint8Array;
  private top: number;
  private readonly freeList: { ptr: number; size: number }[] = [];
  /** Shared scratch for the synchronous one-shot calls (never held across calls). */
  readonly stage: number; // GROUP bytes: 4 x 1 MiB slots
  readonly out: number; // 4 x 32-byte digests
  private readonly pair: number; // 96 bytes: two digests to combine, then their combined digest
  readonly ctxs: number; // LANES + 1 scalar contexts
  readonly lin4: number; // 4-lane state of the linear hashes in hashParts

  constructor(kind: CoreKind, bytes: Uint8Array) {
    this.kind = kind;
    const { exports } = instantiateSync<Record<string, unknown>>(bytes as never, {});
    this.x = exports as unknown as CoreExports;
    if (Boolean(this.x.simdBuild()) !== (kind === 'simd')) {
      throw new WasmCoreError(`glacier-multipart: the embedded ${kind} WebAssembly build reports the wrong kind; rebuild it with npm run build`);
    }
    this.top = this.x.heapBase();
    this.u8 = new Uint8Array(this.x.memory.buffer);
    this.stage = this.alloc(GROUP);
    this.out = this.alloc(LANES * 32);
    this.pair = this.alloc(96);
    this.ctxs = this.alloc((LANES + 1) * CTX_SIZE);
    this.lin4 = this.alloc(STATE4_SIZE);
    this.warmUp();
  }

  /**
   * V8 runs new WebAssembly with its baseline compiler first (several times slower here) and
   * optimizes a function only after it has run for a while; a long call cannot switch midway. A
   * fraction of a millisecond of each hot routine now starts that optimization in the background,
   * so the first real calls (e.g. the pool's calibration) already run at full speed.
   */
  private warmUp(): void {
    const { x, stage, out } = this;
    const len = 16 * 1024;
    x.initX4(this.lin4);
    x.hashX4(stage, stage + len, stage + 2 * len, stage + 3 * len, len, out, this.lin4);
    const ctx = this.ctxs;
    x.ctxInit(ctx);
    x.ctxUpdate(ctx, stage, 4 * len);
    x.ctxFinal(ctx, out);
  }

  /** A byte view of the current linear memory (replaced whenever memory grows). */
  view(): Uint8Array {
    if (this.u8.buffer !== this.x.memory.buffer) this.u8 = new Uint8Array(this.x.memory.buffer);
    return this.u8;
  }

  /** Reserves `size` bytes of linear memory (64-byte aligned), growing it when needed. */
  alloc(size: number): number {
    size = align64(size);
    const i = this.freeList.findIndex((r) => r.size >= size);
    if (i >= 0) {
      const r = this.freeList[i]!;
      if (r.size === size) this.freeList.splice(i, 1);
      else {
        r.ptr += size;
        r.size -= size;
        return r.ptr - size;
      }
      return r.ptr;
    }
    const ptr = align64(this.top);
    // wasm32 addresses end at 4 GiB; ensureMemory takes a u32, so refuse before it wraps.
    if (ptr + size > 0xffff0000 || !this.x.ensureMemory(ptr + size)) {
      throw new WasmCoreError(`glacier-multipart: cannot grow WebAssembly memory to ${ptr + size} bytes (4 GiB at most, less if the host limits it); hash the data in smaller pieces, e.g. TreeHasher.update() chunk by chunk`);
    }
    this.top = ptr + size;
    return ptr;
  }

  free(ptr: number, size: number): void {
    this.freeList.push({ ptr, size: align64(size) });
  }

  digestAt(ptr: number): Uint8Array {
    return this.view().slice(ptr, ptr + 32);
  }

  hexAt(ptr: number): string {
    return toHex(this.view(), ptr, 32);
  }

  /**
   * SHA-256(left || right) of two 32-byte digests: one tree-hash combine step. Uses its own scratch
   * (not `out`), so leaf digests waiting in `out` survive combines triggered while they are read.
   */
  combinePair(left: Uint8Array, right: Uint8Array): Uint8Array {
    const m = this.view();
    m.set(left, this.pair);
    m.set(right, this.pair + 32);
    this.x.sha256(this.pair, 64, this.pair + 64);
    return this.digestAt(this.pair + 64);
  }

  sha256(data: Uint8Array): string {
    const ctx = this.ctxs + LANES * CTX_SIZE;
    this.x.ctxInit(ctx);
    for (let off = 0; off < data.length; off += GROUP) {
      const piece = data.subarray(off, Math.min(off + GROUP, data.length));
      this.view().set(piece, this.stage);
      this.x.ctxUpdate(ctx, this.stage, piece.length);
    }
    this.x.ctxFinal(ctx, this.out);
    return this.hexAt(this.out);
  }

  treeHash(data: Uint8Array): string {
    const s = new LeafStream(this, this.stage, 0);
    s.update(data);
    return s.finish().treeHash;
  }

  /** Tree hash of a list of 32-byte digests (Glacier's rule for combining parts). */
  combine(digests: readonly Uint8Array[]): Uint8Array {
    return combineDigestList(digests, (l, r) => this.combinePair(l, r));
  }

  /** A streaming hasher with its own staging region in this core's memory. */
  stream(linear: boolean): CoreStream {
    const size = GROUP + CTX_SIZE;
    let region = this.alloc(size);
    const ctx = linear ? region + GROUP : 0;
    if (ctx) this.x.ctxInit(ctx);
    const s = new LeafStream(this, region, ctx);
    const release = () => {
      if (region) this.free(region, size);
      region = 0;
    };
    return {
      update: (data) => s.update(data),
      digest: () => {
        const r = s.finish();
        release();
        return { ...r, size: s.bytes };
      },
      release,
    };
  }

  hashParts(parts: readonly Uint8Array[], opts?: { linear?: boolean }): PartHash[] {
    return hashParts(this, parts, opts);
  }
}

const cores: Partial<Record<CoreKind, WasmHashCore>> = {};

/**
 * The hashing core of the given kind, instantiated once, lazily. Default: 'simd' where the host
 * runs WASM SIMD, else 'scalar'. Asking for 'simd' on a host without it throws.
 */
export function getCore(kind: CoreKind = simdSupported ? 'simd' : 'scalar'): WasmHashCore {
  let core = cores[kind];
  if (!core) {
    if (kind === 'simd') {
      if (!simdSupported) throw new WasmCoreError("glacier-multipart: this host has no WebAssembly SIMD; use the scalar core (getCore('scalar'), or getCore() to pick the best one)");
      core = new WasmHashCore('simd', decodeBase64(SIMD_WASM_BASE64));
    } else if (kind === 'scalar') {
      core = new WasmHashCore('scalar', decodeBase64(SCALAR_WASM_BASE64));
    } else {
      throw new TypeError(`getCore: kind must be 'simd' or 'scalar', got ${describe(kind)}`);
    }
    cores[kind] = core;
  }
  return core;
}
