/**
 * Low-level hashing core (not part of the public API): loads one of the two WebAssembly builds of
 * assembly/index.ts and drives it over its linear memory. src/hash/index.ts (the public API) and
 * src/pool (worker threads) build on it. Browser-safe: no `node:` imports, synchronous
 * instantiation from bytes embedded as base64.
 */
import { instantiateSync } from '@assemblyscript/loader';
import { WasmCoreError } from './errors.js';
import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from './wasm-binaries.js';

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

/** Glacier's tree-hash leaf: 1 MiB. */
export const MiB = 1024 * 1024;
/** Leaves hashed per WebAssembly call (the four SIMD lanes). */
const LANES = 4;
const GROUP = LANES * MiB;
/** Byte size of a scalar SHA-256 context and of a 4-lane state (see assembly/index.ts). */
const CTX_SIZE = 128;
const STATE4_SIZE = 128;

// The project compiles without the DOM lib and @types/node 20 does not declare WebAssembly, so
// declare the little used here (the global exists in Node and in browsers).
declare const WebAssembly: { validate(bytes: Uint8Array): boolean };

interface CoreExports {
  memory: { buffer: ArrayBuffer };
  heapBase(): number;
  simdBuild(): number;
  ensureMemory(bytes: number): number;
  ctxInit(ctx: number): void;
  ctxUpdate(ctx: number, src: number, len: number): void;
  ctxFinal(ctx: number, out: number): void;
  ctxFromLane(ctx: number, state4: number, lane: number, total: bigint): void;
  sha256(src: number, len: number, out: number): void;
  initX4(state4: number): void;
  hashX4(p0: number, p1: number, p2: number, p3: number, len: number, out: number, linear4: number): void;
}

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

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array, offset = 0, length = 32): string {
  let s = '';
  for (let i = offset; i < offset + length; i++) s += HEX[bytes[i]!];
  return s;
}

/**
 * Pending digests of a tree hash as a binary counter: entry k covers `counts[k]` leaves, and two
 * neighbours covering equally many leaves are combined at once. Folding what is left from the
 * right gives exactly Glacier's level-by-level pairing with odd digests carried up, in O(log n)
 * memory, whatever order the leaves arrive in chunks.
 */
export class TreeStack {
  private readonly digests: Uint8Array[] = [];
  private readonly counts: number[] = [];

  constructor(private readonly core: WasmHashCore) {}

  push(digest: Uint8Array): void {
    this.digests.push(digest);
    this.counts.push(1);
    let n = this.digests.length;
    while (n >= 2 && this.counts[n - 1] === this.counts[n - 2]) {
      const right = this.digests.pop()!;
      const count = this.counts.pop()!;
      this.digests[n - 2] = this.core.combinePair(this.digests[n - 2]!, right);
      this.counts[n - 2] = count * 2;
      n--;
    }
  }

  /** The tree hash of everything pushed (at least one digest). */
  finish(): Uint8Array {
    let acc = this.digests[this.digests.length - 1]!;
    for (let i = this.digests.length - 2; i >= 0; i--) acc = this.core.combinePair(this.digests[i]!, acc);
    return acc;
  }
}

/**
 * Streams bytes through a 4 MiB staging area in WebAssembly memory: every full 4 MiB becomes four
 * tree-hash leaves in one 4-lane call, and optionally also feeds a running linear SHA-256.
 * Used by treeHash(), TreeHasher and the single-part path of hashParts().
 */
export class LeafStream {
  private fill = 0;
  private size: number;

  /**
   * @param stage start of a GROUP-byte staging area in the core's memory
   * @param ctx a scalar context (already started, possibly mid-stream) for the linear hash, or 0
   * @param offset bytes of the message already accounted for (in `stack` and `ctx`)
   */
  constructor(
    private readonly core: WasmHashCore,
    private readonly stage: number,
    private readonly ctx: number,
    private readonly stack: TreeStack = new TreeStack(core),
    offset = 0,
  ) {
    this.size = offset;
  }

  get bytes(): number {
    return this.size;
  }

  update(data: Uint8Array): void {
    let off = 0;
    while (off < data.length) {
      const n = Math.min(GROUP - this.fill, data.length - off);
      this.core.view().set(data.subarray(off, off + n), this.stage + this.fill);
      this.fill += n;
      off += n;
      if (this.fill === GROUP) this.flushGroup();
    }
    this.size += data.length;
  }

  private flushGroup(): void {
    const { core, stage } = this;
    const x = core.x;
    x.hashX4(stage, stage + MiB, stage + 2 * MiB, stage + 3 * MiB, MiB, core.out, 0);
    for (let j = 0; j < LANES; j++) this.stack.push(core.digestAt(core.out + 32 * j));
    if (this.ctx) x.ctxUpdate(this.ctx, stage, GROUP);
    this.fill = 0;
  }

  /** Ends the stream: the tree hash, and the linear hash if a context was given. */
  finish(): { treeHash: string; sha256?: string } {
    const { core, stage, fill } = this;
    const x = core.x;
    let linear: string | undefined;
    if (this.ctx) {
      x.ctxUpdate(this.ctx, stage, fill);
      x.ctxFinal(this.ctx, core.out);
      linear = core.hexAt(core.out);
      // At most one leaf: the tree hash is the linear hash, no need to hash it twice.
      if (this.size <= MiB) return { treeHash: linear, sha256: linear };
    }
    if (this.size === 0) {
      x.sha256(stage, 0, core.out);
      return { treeHash: core.hexAt(core.out) };
    }
    const full = Math.floor(fill / MiB);
    const rest = fill - full * MiB;
    if (full >= 2) {
      // Unused lanes re-read leaf 0; their digests are ignored.
      const p = (j: number) => stage + (j < full ? j : 0) * MiB;
      x.hashX4(p(0), p(1), p(2), p(3), MiB, core.out, 0);
      for (let j = 0; j < full; j++) this.stack.push(core.digestAt(core.out + 32 * j));
    } else if (full === 1) {
      x.sha256(stage, MiB, core.out);
      this.stack.push(core.digestAt(core.out));
    }
    if (rest > 0) {
      x.sha256(stage + full * MiB, rest, core.out);
      this.stack.push(core.digestAt(core.out));
    }
    const tree = toHex(this.stack.finish());
    return linear === undefined ? { treeHash: tree } : { treeHash: tree, sha256: linear };
  }
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
  private readonly stage: number; // GROUP bytes: 4 x 1 MiB slots
  readonly out: number; // 4 x 32-byte digests
  private readonly pair: number; // 96 bytes: two digests to combine, then their combined digest
  private readonly ctxs: number; // LANES + 1 scalar contexts
  private readonly lin4: number; // 4-lane state of the linear hashes in hashParts

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

  /** Tree hash of a list of 32-byte digests, level by level (Glacier's rule for combining parts). */
  combine(digests: readonly Uint8Array[]): Uint8Array {
    let level = digests.slice();
    while (level.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(this.combinePair(level[i]!, level[i + 1]!));
      if (level.length % 2 === 1) next.push(level[level.length - 1]!);
      level = next;
    }
    return level[0]!;
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
    const linear = opts?.linear ?? true;
    if (typeof linear !== 'boolean') throw new TypeError(`hashParts option linear must be a boolean, got ${describe(linear)}`);
    const results: PartHash[] = new Array(parts.length);
    const big: number[] = [];
    if (!Array.isArray(parts)) throw new TypeError(`hashParts expects an array of Uint8Array parts, got ${describe(parts)}`);
    parts.forEach((p, i) => {
      if (!(p instanceof Uint8Array)) throw new TypeError(`hashParts: part ${i} must be a Uint8Array, got ${describe(p)}`);
    });
    if (!linear) return this.treeHashParts(parts);
    // Parts of at most 1 MiB are one leaf (tree hash == linear hash): equal-length ones (e.g. a
    // batch of 1 MiB parts) go four at a time through the lanes, the rest one by one.
    const small = new Map<number, number[]>();
    parts.forEach((p, i) => {
      if (p.length > MiB) big.push(i);
      else small.set(p.length, [...(small.get(p.length) ?? []), i]);
    });
    for (const [len, idx] of small) {
      let k = 0;
      for (; idx.length - k >= 2; k += LANES) {
        const group = idx.slice(k, k + LANES);
        const m = this.view();
        group.forEach((i, j) => m.set(parts[i]!, this.stage + j * MiB));
        const p = (j: number) => this.stage + (j < group.length ? j : 0) * MiB;
        this.x.hashX4(p(0), p(1), p(2), p(3), len, this.out, 0);
        group.forEach((i, j) => {
          const h = this.hexAt(this.out + 32 * j);
          results[i] = { treeHash: h, sha256: h, size: len };
        });
      }
      for (; k < idx.length; k++) {
        const h = this.sha256(parts[idx[k]!]!);
        results[idx[k]!] = { treeHash: h, sha256: h, size: len };
      }
    }
    for (let g = 0; g < big.length; g += LANES) {
      const group = big.slice(g, g + LANES);
      const hashes = this.hashLanes(group.map((i) => parts[i]!));
      group.forEach((i, k) => (results[i] = hashes[k]!));
    }
    return results;
  }

  /**
   * Tree hashes only: the full 1 MiB leaves of all parts, in order, four per 4-lane call whichever
   * part they belong to (so a batch of small parts still fills the lanes); each part's short last
   * leaf, if any, with one scalar call.
   */
  private treeHashParts(parts: readonly Uint8Array[]): PartHash[] {
    const x = this.x;
    const stacks = parts.map(() => new TreeStack(this));
    const pending: { part: number; chunk: number }[] = [];
    const flush = () => {
      const m = this.view();
      pending.forEach((l, k) => m.set(parts[l.part]!.subarray(l.chunk * MiB, (l.chunk + 1) * MiB), this.stage + k * MiB));
      const p = (k: number) => this.stage + (k < pending.length ? k : 0) * MiB;
      x.hashX4(p(0), p(1), p(2), p(3), MiB, this.out, 0);
      pending.forEach((l, k) => stacks[l.part]!.push(this.digestAt(this.out + 32 * k)));
      pending.length = 0;
    };
    parts.forEach((part, i) => {
      const full = Math.floor(part.length / MiB);
      for (let c = 0; c < full; c++) {
        pending.push({ part: i, chunk: c });
        if (pending.length === LANES) flush();
      }
    });
    if (pending.length > 0) flush();
    return parts.map((part, i) => {
      const done = Math.floor(part.length / MiB) * MiB;
      if (part.length === 0 || done < part.length) {
        this.view().set(part.subarray(done), this.stage);
        x.sha256(this.stage, part.length - done, this.out);
        stacks[i]!.push(this.digestAt(this.out));
      }
      return { treeHash: toHex(stacks[i]!.finish()), size: part.length };
    });
  }

  /**
   * Linear + tree hash of up to four parts (each > 1 MiB): chunk c of every part still holding a
   * full 1 MiB chunk c is copied into its lane's slot, then one call hashes the four leaves and
   * advances the four linear hashes from the same message schedule. When at most one part still
   * has full chunks, it finishes through a LeafStream (four of its own leaves per call) and the
   * others finish their short tails with scalar calls.
   */
  private hashLanes(parts: Uint8Array[]): PartHash[] {
    const x = this.x;
    const n = parts.length;
    const full = parts.map((p) => Math.floor(p.length / MiB));
    const stacks = parts.map(() => new TreeStack(this));
    const ctx = (j: number) => this.ctxs + j * CTX_SIZE;
    const slot = (j: number) => this.stage + j * MiB;
    x.initX4(this.lin4);
    let c = 0;
    let active: number[];
    for (;;) {
      active = [];
      for (let j = 0; j < n; j++) if (full[j]! > c) active.push(j);
      if (active.length < 2) break;
      const m = this.view();
      for (const j of active) m.set(parts[j]!.subarray(c * MiB, (c + 1) * MiB), slot(j));
      const p = (j: number) => slot(full[j]! > c ? j : active[0]!);
      x.hashX4(p(0), p(1), p(2), p(3), MiB, this.out, this.lin4);
      for (const j of active) {
        stacks[j]!.push(this.digestAt(this.out + 32 * j));
        if (full[j] === c + 1) x.ctxFromLane(ctx(j), this.lin4, j, BigInt((c + 1) * MiB));
      }
      c++;
    }
    const results: PartHash[] = new Array(n);
    const streamLane = active.length === 1 ? active[0]! : -1;
    for (let j = 0; j < n; j++) {
      if (j === streamLane) continue;
      // Every full chunk is done (lane state already in ctx(j)); hash the short tail, if any.
      const part = parts[j]!;
      const done = full[j]! * MiB;
      const rest = part.length - done;
      if (rest > 0) {
        this.view().set(part.subarray(done), slot(0));
        x.sha256(slot(0), rest, this.out);
        stacks[j]!.push(this.digestAt(this.out));
        x.ctxUpdate(ctx(j), slot(0), rest);
      }
      x.ctxFinal(ctx(j), this.out);
      results[j] = { treeHash: toHex(stacks[j]!.finish()), sha256: this.hexAt(this.out), size: part.length };
    }
    if (streamLane >= 0) {
      const j = streamLane;
      if (c === 0) x.ctxInit(ctx(j));
      else x.ctxFromLane(ctx(j), this.lin4, j, BigInt(c * MiB));
      const s = new LeafStream(this, this.stage, ctx(j), stacks[j]!, c * MiB);
      s.update(parts[j]!.subarray(c * MiB));
      const r = s.finish();
      results[j] = { treeHash: r.treeHash, sha256: r.sha256!, size: parts[j]!.length };
    }
    return results;
  }
}

/** Names what a caller passed, for TypeErrors. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  // 'u' is left out on purpose: a Uint8Array ("you"), but an Int8Array, an ArrayBuffer, an object.
  const article = (word: string) => (/^[aeio]/i.test(word) ? `an ${word}` : `a ${word}`);
  if (typeof value === 'object' || typeof value === 'function') {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    return name ? article(name) : 'an object';
  }
  return `${article(typeof value)} (${String(value).slice(0, 40)})`;
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
