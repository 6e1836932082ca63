// AssemblyScript core of glacier-multipart: SHA-256 (scalar, and 4-lane WASM SIMD multi-buffer)
// plus the pieces of the Glacier tree hash (1 MiB leaves four at a time, 64-byte pair combine).
//
// One source, two builds (asconfig.json): the `simd` target compiles the v128 branches, the
// `scalar` target compiles the same exports with plain i32 code. `ASC_FEATURE_SIMD` is a
// compile-time constant, so the branch not taken is never compiled and the scalar build holds no
// v128 instruction at all (a host without WASM SIMD can validate and run it).
//
// Everything works on caller-provided pointers into linear memory; nothing allocates. The
// TypeScript side (src/hash/core.ts) owns the memory above `heapBase()` and asks `ensureMemory`
// to grow it when it needs more room.
//
// Memory layouts shared with TypeScript:
//   scalar context (CTX_SIZE = 128 bytes): u32 state[8] @0, u64 byte count @32,
//                                          u32 buffered bytes @40, 64-byte block buffer @64
//   4-lane state (STATE4_SIZE = 128 bytes): word i of lane j at i * 16 + j * 4
//                                          (each word a v128 of four lanes)

import { compressScalar, roundsX4 } from './sha256-rounds';
import { rotrV } from './simd';

// FIPS 180-4 round constants (the generator of the unrolled rounds holds them too, as immediates).
const K: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
], 16);

// Initial hash value H(0).
const IV: usize = memory.data<u32>([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
], 16);

const CTX_SIZE: usize = 128;
const STATE4_SIZE: usize = 128;

// Scratch, reused by every call (the module is single-threaded and nothing here is re-entrant).
const WV: usize = memory.data(64 * 16, 16); // 4-lane raw schedule W[t]
const WKV: usize = memory.data(64 * 16, 16); // 4-lane W[t] + K[t]
const LEAF4: usize = memory.data(<i32>STATE4_SIZE, 16); // 4-lane state of the messages in hashX4
const PAD4: usize = memory.data(4 * 128, 16); // per-lane final (padding) blocks for hashX4
const ONE_CTX: usize = memory.data(<i32>CTX_SIZE, 16); // context of the one-shot sha256()

/** First byte of linear memory that the TypeScript side may use. */
export function heapBase(): usize {
  return (__heap_base + 63) & ~<usize>63;
}

/** Whether this build runs the rounds with WASM SIMD (the `simd` target) or scalar i32 code. */
export function simdBuild(): bool {
  return ASC_FEATURE_SIMD;
}

/** Grows linear memory until it holds at least `bytes` bytes; returns false if it cannot. */
export function ensureMemory(bytes: usize): bool {
  const have = <usize>memory.size() << 16;
  if (bytes <= have) return true;
  const pages = <i32>((bytes - have + 0xffff) >> 16);
  return memory.grow(pages) >= 0;
}

// ---------------------------------------------------------------------------------------------
// Scalar SHA-256 (the unrolled rounds, compressScalar, are generated: assembly/sha256-rounds.ts)

/** Starts a SHA-256 context (CTX_SIZE bytes at `ctx`). */
export function ctxInit(ctx: usize): void {
  memory.copy(ctx, IV, 32);
  store<u64>(ctx, 0, 32);
  store<u32>(ctx, 0, 40);
}

/** Feeds `len` bytes at `src` into the context; any length, any alignment. */
export function ctxUpdate(ctx: usize, src: usize, len: usize): void {
  store<u64>(ctx, load<u64>(ctx, 32) + <u64>len, 32);
  let buffered = <usize>load<u32>(ctx, 40);
  const buf = ctx + 64;
  if (buffered > 0) {
    const take = min<usize>(64 - buffered, len);
    memory.copy(buf + buffered, src, take);
    buffered += take;
    src += take;
    len -= take;
    if (buffered < 64) {
      store<u32>(ctx, <u32>buffered, 40);
      return;
    }
    compressScalar(ctx, 4, buf, 1);
    buffered = 0;
  }
  const nblocks = len >> 6;
  if (nblocks > 0) {
    compressScalar(ctx, 4, src, nblocks);
    src += nblocks << 6;
    len &= 63;
  }
  if (len > 0) memory.copy(buf, src, len);
  store<u32>(ctx, <u32>len, 40);
}

// Writes the 32-byte big-endian digest of `state` (word i at st + i * stride) to `out`.
@inline
function writeDigest(st: usize, stride: usize, out: usize): void {
  for (let i: usize = 0; i < 8; i++) {
    store<u32>(out + (i << 2), bswap<u32>(load<u32>(st + i * stride)));
  }
}

// Builds the final block(s) for a message of `total` bytes whose last `tail` (< 64) bytes sit at
// `src`, into `dst` (128 bytes); returns how many blocks (1 or 2) it used.
function padBlocks(dst: usize, src: usize, tail: usize, total: u64): usize {
  memory.copy(dst, src, tail);
  store<u8>(dst + tail, 0x80);
  const blocks: usize = tail < 56 ? 1 : 2;
  const end = dst + (blocks << 6);
  memory.fill(dst + tail + 1, 0, end - 8 - (dst + tail + 1));
  store<u64>(end - 8, bswap<u64>(total << 3));
  return blocks;
}

/** Finishes the context and writes the 32-byte digest to `out`. The context is left finished. */
export function ctxFinal(ctx: usize, out: usize): void {
  const buffered = <usize>load<u32>(ctx, 40);
  const buf = ctx + 64;
  // padBlocks may need 128 bytes; the block buffer has 64, so pad into the shared PAD4 scratch.
  const blocks = padBlocks(PAD4, buf, buffered, load<u64>(ctx, 32));
  compressScalar(ctx, 4, PAD4, blocks);
  writeDigest(ctx, 4, out);
}

/** Loads lane `lane` of a 4-lane state into a context that has consumed `total` bytes (a multiple of 64). */
export function ctxFromLane(ctx: usize, state4: usize, lane: usize, total: u64): void {
  for (let i: usize = 0; i < 8; i++) {
    store<u32>(ctx + (i << 2), load<u32>(state4 + (i << 4) + (lane << 2)));
  }
  store<u64>(ctx, total, 32);
  store<u32>(ctx, 0, 40);
}

/** One-shot SHA-256 of `len` bytes at `src`; digest to `out`. */
export function sha256(src: usize, len: usize, out: usize): void {
  ctxInit(ONE_CTX);
  ctxUpdate(ONE_CTX, src, len);
  ctxFinal(ONE_CTX, out);
}

// ---------------------------------------------------------------------------------------------
// 4-lane SHA-256: lane j hashes its own message; word i of all four lanes lives in one v128.

// Loads block words 4q..4q+3 of the four lanes, byte-swapped and transposed so that result k holds
// word 4q+k of lanes 0..3; stores them at WV (raw, for the recurrence) and WKV (plus K).
@inline
function loadTransposed(p0: usize, p1: usize, p2: usize, p3: usize, q: usize): void {
  // Big-endian words: one swizzle with a constant mask reverses the bytes of each 32-bit lane
  // (the equivalent i8x16.shuffle compiles to five instructions).
  const swap = i8x16(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
  const off = q << 4;
  const r0 = i8x16.swizzle(v128.load(p0 + off), swap);
  const r1 = i8x16.swizzle(v128.load(p1 + off), swap);
  const r2 = i8x16.swizzle(v128.load(p2 + off), swap);
  const r3 = i8x16.swizzle(v128.load(p3 + off), swap);
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
  const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
  const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
  const w0 = i64x2.shuffle(t0, t2, 0, 2);
  const w1 = i64x2.shuffle(t0, t2, 1, 3);
  const w2 = i64x2.shuffle(t1, t3, 0, 2);
  const w3 = i64x2.shuffle(t1, t3, 1, 3);
  const dst = q << 6;
  v128.store(WV + dst, w0);
  v128.store(WV + dst, w1, 16);
  v128.store(WV + dst, w2, 32);
  v128.store(WV + dst, w3, 48);
  const k = K + (q << 4);
  v128.store(WKV + dst, i32x4.add(w0, v128.load32_splat(k)));
  v128.store(WKV + dst, i32x4.add(w1, v128.load32_splat(k, 4)), 16);
  v128.store(WKV + dst, i32x4.add(w2, v128.load32_splat(k, 8)), 32);
  v128.store(WKV + dst, i32x4.add(w3, v128.load32_splat(k, 12)), 48);
}

// Expands one block of each lane into W[t] + K[t] at WKV. Computing the whole schedule into memory
// first and running the rounds from it is faster than keeping 16 live schedule words in registers
// (x64 has 16 xmm registers; the rolling form spills heavily).
@inline
function scheduleX4(p0: usize, p1: usize, p2: usize, p3: usize): void {
  loadTransposed(p0, p1, p2, p3, 0);
  loadTransposed(p0, p1, p2, p3, 1);
  loadTransposed(p0, p1, p2, p3, 2);
  loadTransposed(p0, p1, p2, p3, 3);
  for (let t: usize = 16; t < 64; t++) {
    const w15 = v128.load(WV + ((t - 15) << 4));
    const w2 = v128.load(WV + ((t - 2) << 4));
    const s0 = v128.xor(v128.xor(rotrV(w15, 7), rotrV(w15, 18)), i32x4.shr_u(w15, 3));
    const s1 = v128.xor(v128.xor(rotrV(w2, 17), rotrV(w2, 19)), i32x4.shr_u(w2, 10));
    const w = i32x4.add(
      i32x4.add(s1, v128.load(WV + ((t - 7) << 4))),
      i32x4.add(s0, v128.load(WV + ((t - 16) << 4))),
    );
    v128.store(WV + (t << 4), w);
    v128.store(WKV + (t << 4), i32x4.add(w, v128.load32_splat(K + (t << 2))));
  }
}

/**
 * Compresses `nblocks` 64-byte blocks of each of four messages (lane j reads from pj) into the
 * 4-lane state `stA`, and, when `stB` is not 0, into the 4-lane state `stB` too from the same
 * schedule. A lane nobody needs may point at any readable memory (its result is ignored).
 */
export function compressX4(stA: usize, stB: usize, p0: usize, p1: usize, p2: usize, p3: usize, nblocks: usize): void {
  if (ASC_FEATURE_SIMD) {
    if (stB == 0) {
      for (let i: usize = 0; i < nblocks; i++) {
        scheduleX4(p0, p1, p2, p3);
        roundsX4(stA, WKV);
        p0 += 64;
        p1 += 64;
        p2 += 64;
        p3 += 64;
      }
    } else {
      for (let i: usize = 0; i < nblocks; i++) {
        scheduleX4(p0, p1, p2, p3);
        roundsX4(stA, WKV);
        roundsX4(stB, WKV);
        p0 += 64;
        p1 += 64;
        p2 += 64;
        p3 += 64;
      }
    }
  } else {
    // Scalar build: the same interface, lane by lane (state words strided by 16 bytes).
    const n = nblocks;
    if (stB == 0) {
      compressScalar(stA, 16, p0, n);
      compressScalar(stA + 4, 16, p1, n);
      compressScalar(stA + 8, 16, p2, n);
      compressScalar(stA + 12, 16, p3, n);
    } else {
      // Two unrolled passes (each computing its schedule on the fly, in registers) measured
      // faster than one pass sharing a schedule kept in memory: ~250 vs ~205 MiB/s.
      compressScalar(stA, 16, p0, n);
      compressScalar(stA + 4, 16, p1, n);
      compressScalar(stA + 8, 16, p2, n);
      compressScalar(stA + 12, 16, p3, n);
      compressScalar(stB, 16, p0, n);
      compressScalar(stB + 4, 16, p1, n);
      compressScalar(stB + 8, 16, p2, n);
      compressScalar(stB + 12, 16, p3, n);
    }
  }
}

/** Sets all four lanes of the 4-lane state at `state4` to the initial hash value. */
export function initX4(state4: usize): void {
  for (let i: usize = 0; i < 8; i++) {
    const w = load<u32>(IV + (i << 2));
    store<u32>(state4 + (i << 4), w);
    store<u32>(state4 + (i << 4), w, 4);
    store<u32>(state4 + (i << 4), w, 8);
    store<u32>(state4 + (i << 4), w, 12);
  }
}

/**
 * SHA-256 of four messages of the same length `len` (lane j at pj), the four 32-byte digests to
 * out[0..128). The tree-hash leaf routine: four 1 MiB chunks per call. If `linear4` is not 0 the
 * same blocks are also fed into that 4-lane state (the running linear hashes of four parts); then
 * `len` must be a multiple of 64.
 */
export function hashX4(p0: usize, p1: usize, p2: usize, p3: usize, len: usize, out: usize, linear4: usize): void {
  initX4(LEAF4);
  const nblocks = len >> 6;
  compressX4(LEAF4, linear4, p0, p1, p2, p3, nblocks);
  const tail = len & 63;
  const done = nblocks << 6;
  const blocks = padBlocks(PAD4, p0 + done, tail, <u64>len);
  padBlocks(PAD4 + 128, p1 + done, tail, <u64>len);
  padBlocks(PAD4 + 256, p2 + done, tail, <u64>len);
  padBlocks(PAD4 + 384, p3 + done, tail, <u64>len);
  compressX4(LEAF4, 0, PAD4, PAD4 + 128, PAD4 + 256, PAD4 + 384, blocks);
  for (let j: usize = 0; j < 4; j++) writeDigest(LEAF4 + (j << 2), 16, out + (j << 5));
}
