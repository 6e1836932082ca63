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

// FIPS 180-4 round constants.
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
// Scalar SHA-256

// Compresses `nblocks` consecutive 64-byte blocks at `src` into the state at `st`. The 64 rounds
// are fully unrolled with the round constants as immediates and the message schedule computed on
// the fly in a rolling window of 16 locals; the state stays in locals across blocks. Each round
// adds the terms that depend on this round's e (Ch, then Σ1) last, so the dependency chain from
// one e to the next is short (V8 does not reassociate the additions for us): ~5% faster.
function compressScalar(st: usize, stride: usize, src: usize, nblocks: usize): void {
  let a = load<u32>(st);
  let b = load<u32>(st + stride);
  let c = load<u32>(st + 2 * stride);
  let d = load<u32>(st + 3 * stride);
  let e = load<u32>(st + 4 * stride);
  let f = load<u32>(st + 5 * stride);
  let g = load<u32>(st + 6 * stride);
  let h = load<u32>(st + 7 * stride);
  let t: u32;
  let u: u32;
  let s: u32;
  const end = src + (nblocks << 6);
  while (src < end) {
    const a0 = a, b0 = b, c0 = c, d0 = d, e0 = e, f0 = f, g0 = g, h0 = h;
    let w0 = bswap<u32>(load<u32>(src, 0));
    let w1 = bswap<u32>(load<u32>(src, 4));
    let w2 = bswap<u32>(load<u32>(src, 8));
    let w3 = bswap<u32>(load<u32>(src, 12));
    let w4 = bswap<u32>(load<u32>(src, 16));
    let w5 = bswap<u32>(load<u32>(src, 20));
    let w6 = bswap<u32>(load<u32>(src, 24));
    let w7 = bswap<u32>(load<u32>(src, 28));
    let w8 = bswap<u32>(load<u32>(src, 32));
    let w9 = bswap<u32>(load<u32>(src, 36));
    let w10 = bswap<u32>(load<u32>(src, 40));
    let w11 = bswap<u32>(load<u32>(src, 44));
    let w12 = bswap<u32>(load<u32>(src, 48));
    let w13 = bswap<u32>(load<u32>(src, 52));
    let w14 = bswap<u32>(load<u32>(src, 56));
    let w15 = bswap<u32>(load<u32>(src, 60));
    // Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)); each round's a ^ b is the next round's b ^ c.
    let x: u32;
    let y: u32 = b ^ c;
    u = h + 0x428a2f98 + w0 + (g ^ (e & (f ^ g)));
    s = (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25));
    t = u + s;
    d = (d + u) + s;
    x = a ^ b;
    h = (t + (b ^ (x & y))) + (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22));
    u = g + 0x71374491 + w1 + (f ^ (d & (e ^ f)));
    s = (rotr<u32>(d, 6) ^ rotr<u32>(d, 11) ^ rotr<u32>(d, 25));
    t = u + s;
    c = (c + u) + s;
    y = h ^ a;
    g = (t + (a ^ (y & x))) + (rotr<u32>(h, 2) ^ rotr<u32>(h, 13) ^ rotr<u32>(h, 22));
    u = f + 0xb5c0fbcf + w2 + (e ^ (c & (d ^ e)));
    s = (rotr<u32>(c, 6) ^ rotr<u32>(c, 11) ^ rotr<u32>(c, 25));
    t = u + s;
    b = (b + u) + s;
    x = g ^ h;
    f = (t + (h ^ (x & y))) + (rotr<u32>(g, 2) ^ rotr<u32>(g, 13) ^ rotr<u32>(g, 22));
    u = e + 0xe9b5dba5 + w3 + (d ^ (b & (c ^ d)));
    s = (rotr<u32>(b, 6) ^ rotr<u32>(b, 11) ^ rotr<u32>(b, 25));
    t = u + s;
    a = (a + u) + s;
    y = f ^ g;
    e = (t + (g ^ (y & x))) + (rotr<u32>(f, 2) ^ rotr<u32>(f, 13) ^ rotr<u32>(f, 22));
    u = d + 0x3956c25b + w4 + (c ^ (a & (b ^ c)));
    s = (rotr<u32>(a, 6) ^ rotr<u32>(a, 11) ^ rotr<u32>(a, 25));
    t = u + s;
    h = (h + u) + s;
    x = e ^ f;
    d = (t + (f ^ (x & y))) + (rotr<u32>(e, 2) ^ rotr<u32>(e, 13) ^ rotr<u32>(e, 22));
    u = c + 0x59f111f1 + w5 + (b ^ (h & (a ^ b)));
    s = (rotr<u32>(h, 6) ^ rotr<u32>(h, 11) ^ rotr<u32>(h, 25));
    t = u + s;
    g = (g + u) + s;
    y = d ^ e;
    c = (t + (e ^ (y & x))) + (rotr<u32>(d, 2) ^ rotr<u32>(d, 13) ^ rotr<u32>(d, 22));
    u = b + 0x923f82a4 + w6 + (a ^ (g & (h ^ a)));
    s = (rotr<u32>(g, 6) ^ rotr<u32>(g, 11) ^ rotr<u32>(g, 25));
    t = u + s;
    f = (f + u) + s;
    x = c ^ d;
    b = (t + (d ^ (x & y))) + (rotr<u32>(c, 2) ^ rotr<u32>(c, 13) ^ rotr<u32>(c, 22));
    u = a + 0xab1c5ed5 + w7 + (h ^ (f & (g ^ h)));
    s = (rotr<u32>(f, 6) ^ rotr<u32>(f, 11) ^ rotr<u32>(f, 25));
    t = u + s;
    e = (e + u) + s;
    y = b ^ c;
    a = (t + (c ^ (y & x))) + (rotr<u32>(b, 2) ^ rotr<u32>(b, 13) ^ rotr<u32>(b, 22));
    u = h + 0xd807aa98 + w8 + (g ^ (e & (f ^ g)));
    s = (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25));
    t = u + s;
    d = (d + u) + s;
    x = a ^ b;
    h = (t + (b ^ (x & y))) + (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22));
    u = g + 0x12835b01 + w9 + (f ^ (d & (e ^ f)));
    s = (rotr<u32>(d, 6) ^ rotr<u32>(d, 11) ^ rotr<u32>(d, 25));
    t = u + s;
    c = (c + u) + s;
    y = h ^ a;
    g = (t + (a ^ (y & x))) + (rotr<u32>(h, 2) ^ rotr<u32>(h, 13) ^ rotr<u32>(h, 22));
    u = f + 0x243185be + w10 + (e ^ (c & (d ^ e)));
    s = (rotr<u32>(c, 6) ^ rotr<u32>(c, 11) ^ rotr<u32>(c, 25));
    t = u + s;
    b = (b + u) + s;
    x = g ^ h;
    f = (t + (h ^ (x & y))) + (rotr<u32>(g, 2) ^ rotr<u32>(g, 13) ^ rotr<u32>(g, 22));
    u = e + 0x550c7dc3 + w11 + (d ^ (b & (c ^ d)));
    s = (rotr<u32>(b, 6) ^ rotr<u32>(b, 11) ^ rotr<u32>(b, 25));
    t = u + s;
    a = (a + u) + s;
    y = f ^ g;
    e = (t + (g ^ (y & x))) + (rotr<u32>(f, 2) ^ rotr<u32>(f, 13) ^ rotr<u32>(f, 22));
    u = d + 0x72be5d74 + w12 + (c ^ (a & (b ^ c)));
    s = (rotr<u32>(a, 6) ^ rotr<u32>(a, 11) ^ rotr<u32>(a, 25));
    t = u + s;
    h = (h + u) + s;
    x = e ^ f;
    d = (t + (f ^ (x & y))) + (rotr<u32>(e, 2) ^ rotr<u32>(e, 13) ^ rotr<u32>(e, 22));
    u = c + 0x80deb1fe + w13 + (b ^ (h & (a ^ b)));
    s = (rotr<u32>(h, 6) ^ rotr<u32>(h, 11) ^ rotr<u32>(h, 25));
    t = u + s;
    g = (g + u) + s;
    y = d ^ e;
    c = (t + (e ^ (y & x))) + (rotr<u32>(d, 2) ^ rotr<u32>(d, 13) ^ rotr<u32>(d, 22));
    u = b + 0x9bdc06a7 + w14 + (a ^ (g & (h ^ a)));
    s = (rotr<u32>(g, 6) ^ rotr<u32>(g, 11) ^ rotr<u32>(g, 25));
    t = u + s;
    f = (f + u) + s;
    x = c ^ d;
    b = (t + (d ^ (x & y))) + (rotr<u32>(c, 2) ^ rotr<u32>(c, 13) ^ rotr<u32>(c, 22));
    u = a + 0xc19bf174 + w15 + (h ^ (f & (g ^ h)));
    s = (rotr<u32>(f, 6) ^ rotr<u32>(f, 11) ^ rotr<u32>(f, 25));
    t = u + s;
    e = (e + u) + s;
    y = b ^ c;
    a = (t + (c ^ (y & x))) + (rotr<u32>(b, 2) ^ rotr<u32>(b, 13) ^ rotr<u32>(b, 22));
    w0 += (rotr<u32>(w14, 17) ^ rotr<u32>(w14, 19) ^ (w14 >>> 10)) + w9 + (rotr<u32>(w1, 7) ^ rotr<u32>(w1, 18) ^ (w1 >>> 3));
    u = h + 0xe49b69c1 + w0 + (g ^ (e & (f ^ g)));
    s = (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25));
    t = u + s;
    d = (d + u) + s;
    x = a ^ b;
    h = (t + (b ^ (x & y))) + (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22));
    w1 += (rotr<u32>(w15, 17) ^ rotr<u32>(w15, 19) ^ (w15 >>> 10)) + w10 + (rotr<u32>(w2, 7) ^ rotr<u32>(w2, 18) ^ (w2 >>> 3));
    u = g + 0xefbe4786 + w1 + (f ^ (d & (e ^ f)));
    s = (rotr<u32>(d, 6) ^ rotr<u32>(d, 11) ^ rotr<u32>(d, 25));
    t = u + s;
    c = (c + u) + s;
    y = h ^ a;
    g = (t + (a ^ (y & x))) + (rotr<u32>(h, 2) ^ rotr<u32>(h, 13) ^ rotr<u32>(h, 22));
    w2 += (rotr<u32>(w0, 17) ^ rotr<u32>(w0, 19) ^ (w0 >>> 10)) + w11 + (rotr<u32>(w3, 7) ^ rotr<u32>(w3, 18) ^ (w3 >>> 3));
    u = f + 0x0fc19dc6 + w2 + (e ^ (c & (d ^ e)));
    s = (rotr<u32>(c, 6) ^ rotr<u32>(c, 11) ^ rotr<u32>(c, 25));
    t = u + s;
    b = (b + u) + s;
    x = g ^ h;
    f = (t + (h ^ (x & y))) + (rotr<u32>(g, 2) ^ rotr<u32>(g, 13) ^ rotr<u32>(g, 22));
    w3 += (rotr<u32>(w1, 17) ^ rotr<u32>(w1, 19) ^ (w1 >>> 10)) + w12 + (rotr<u32>(w4, 7) ^ rotr<u32>(w4, 18) ^ (w4 >>> 3));
    u = e + 0x240ca1cc + w3 + (d ^ (b & (c ^ d)));
    s = (rotr<u32>(b, 6) ^ rotr<u32>(b, 11) ^ rotr<u32>(b, 25));
    t = u + s;
    a = (a + u) + s;
    y = f ^ g;
    e = (t + (g ^ (y & x))) + (rotr<u32>(f, 2) ^ rotr<u32>(f, 13) ^ rotr<u32>(f, 22));
    w4 += (rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >>> 10)) + w13 + (rotr<u32>(w5, 7) ^ rotr<u32>(w5, 18) ^ (w5 >>> 3));
    u = d + 0x2de92c6f + w4 + (c ^ (a & (b ^ c)));
    s = (rotr<u32>(a, 6) ^ rotr<u32>(a, 11) ^ rotr<u32>(a, 25));
    t = u + s;
    h = (h + u) + s;
    x = e ^ f;
    d = (t + (f ^ (x & y))) + (rotr<u32>(e, 2) ^ rotr<u32>(e, 13) ^ rotr<u32>(e, 22));
    w5 += (rotr<u32>(w3, 17) ^ rotr<u32>(w3, 19) ^ (w3 >>> 10)) + w14 + (rotr<u32>(w6, 7) ^ rotr<u32>(w6, 18) ^ (w6 >>> 3));
    u = c + 0x4a7484aa + w5 + (b ^ (h & (a ^ b)));
    s = (rotr<u32>(h, 6) ^ rotr<u32>(h, 11) ^ rotr<u32>(h, 25));
    t = u + s;
    g = (g + u) + s;
    y = d ^ e;
    c = (t + (e ^ (y & x))) + (rotr<u32>(d, 2) ^ rotr<u32>(d, 13) ^ rotr<u32>(d, 22));
    w6 += (rotr<u32>(w4, 17) ^ rotr<u32>(w4, 19) ^ (w4 >>> 10)) + w15 + (rotr<u32>(w7, 7) ^ rotr<u32>(w7, 18) ^ (w7 >>> 3));
    u = b + 0x5cb0a9dc + w6 + (a ^ (g & (h ^ a)));
    s = (rotr<u32>(g, 6) ^ rotr<u32>(g, 11) ^ rotr<u32>(g, 25));
    t = u + s;
    f = (f + u) + s;
    x = c ^ d;
    b = (t + (d ^ (x & y))) + (rotr<u32>(c, 2) ^ rotr<u32>(c, 13) ^ rotr<u32>(c, 22));
    w7 += (rotr<u32>(w5, 17) ^ rotr<u32>(w5, 19) ^ (w5 >>> 10)) + w0 + (rotr<u32>(w8, 7) ^ rotr<u32>(w8, 18) ^ (w8 >>> 3));
    u = a + 0x76f988da + w7 + (h ^ (f & (g ^ h)));
    s = (rotr<u32>(f, 6) ^ rotr<u32>(f, 11) ^ rotr<u32>(f, 25));
    t = u + s;
    e = (e + u) + s;
    y = b ^ c;
    a = (t + (c ^ (y & x))) + (rotr<u32>(b, 2) ^ rotr<u32>(b, 13) ^ rotr<u32>(b, 22));
    w8 += (rotr<u32>(w6, 17) ^ rotr<u32>(w6, 19) ^ (w6 >>> 10)) + w1 + (rotr<u32>(w9, 7) ^ rotr<u32>(w9, 18) ^ (w9 >>> 3));
    u = h + 0x983e5152 + w8 + (g ^ (e & (f ^ g)));
    s = (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25));
    t = u + s;
    d = (d + u) + s;
    x = a ^ b;
    h = (t + (b ^ (x & y))) + (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22));
    w9 += (rotr<u32>(w7, 17) ^ rotr<u32>(w7, 19) ^ (w7 >>> 10)) + w2 + (rotr<u32>(w10, 7) ^ rotr<u32>(w10, 18) ^ (w10 >>> 3));
    u = g + 0xa831c66d + w9 + (f ^ (d & (e ^ f)));
    s = (rotr<u32>(d, 6) ^ rotr<u32>(d, 11) ^ rotr<u32>(d, 25));
    t = u + s;
    c = (c + u) + s;
    y = h ^ a;
    g = (t + (a ^ (y & x))) + (rotr<u32>(h, 2) ^ rotr<u32>(h, 13) ^ rotr<u32>(h, 22));
    w10 += (rotr<u32>(w8, 17) ^ rotr<u32>(w8, 19) ^ (w8 >>> 10)) + w3 + (rotr<u32>(w11, 7) ^ rotr<u32>(w11, 18) ^ (w11 >>> 3));
    u = f + 0xb00327c8 + w10 + (e ^ (c & (d ^ e)));
    s = (rotr<u32>(c, 6) ^ rotr<u32>(c, 11) ^ rotr<u32>(c, 25));
    t = u + s;
    b = (b + u) + s;
    x = g ^ h;
    f = (t + (h ^ (x & y))) + (rotr<u32>(g, 2) ^ rotr<u32>(g, 13) ^ rotr<u32>(g, 22));
    w11 += (rotr<u32>(w9, 17) ^ rotr<u32>(w9, 19) ^ (w9 >>> 10)) + w4 + (rotr<u32>(w12, 7) ^ rotr<u32>(w12, 18) ^ (w12 >>> 3));
    u = e + 0xbf597fc7 + w11 + (d ^ (b & (c ^ d)));
    s = (rotr<u32>(b, 6) ^ rotr<u32>(b, 11) ^ rotr<u32>(b, 25));
    t = u + s;
    a = (a + u) + s;
    y = f ^ g;
    e = (t + (g ^ (y & x))) + (rotr<u32>(f, 2) ^ rotr<u32>(f, 13) ^ rotr<u32>(f, 22));
    w12 += (rotr<u32>(w10, 17) ^ rotr<u32>(w10, 19) ^ (w10 >>> 10)) + w5 + (rotr<u32>(w13, 7) ^ rotr<u32>(w13, 18) ^ (w13 >>> 3));
    u = d + 0xc6e00bf3 + w12 + (c ^ (a & (b ^ c)));
    s = (rotr<u32>(a, 6) ^ rotr<u32>(a, 11) ^ rotr<u32>(a, 25));
    t = u + s;
    h = (h + u) + s;
    x = e ^ f;
    d = (t + (f ^ (x & y))) + (rotr<u32>(e, 2) ^ rotr<u32>(e, 13) ^ rotr<u32>(e, 22));
    w13 += (rotr<u32>(w11, 17) ^ rotr<u32>(w11, 19) ^ (w11 >>> 10)) + w6 + (rotr<u32>(w14, 7) ^ rotr<u32>(w14, 18) ^ (w14 >>> 3));
    u = c + 0xd5a79147 + w13 + (b ^ (h & (a ^ b)));
    s = (rotr<u32>(h, 6) ^ rotr<u32>(h, 11) ^ rotr<u32>(h, 25));
    t = u + s;
    g = (g + u) + s;
    y = d ^ e;
    c = (t + (e ^ (y & x))) + (rotr<u32>(d, 2) ^ rotr<u32>(d, 13) ^ rotr<u32>(d, 22));
    w14 += (rotr<u32>(w12, 17) ^ rotr<u32>(w12, 19) ^ (w12 >>> 10)) + w7 + (rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >>> 3));
    u = b + 0x06ca6351 + w14 + (a ^ (g & (h ^ a)));
    s = (rotr<u32>(g, 6) ^ rotr<u32>(g, 11) ^ rotr<u32>(g, 25));
    t = u + s;
    f = (f + u) + s;
    x = c ^ d;
    b = (t + (d ^ (x & y))) + (rotr<u32>(c, 2) ^ rotr<u32>(c, 13) ^ rotr<u32>(c, 22));
    w15 += (rotr<u32>(w13, 17) ^ rotr<u32>(w13, 19) ^ (w13 >>> 10)) + w8 + (rotr<u32>(w0, 7) ^ rotr<u32>(w0, 18) ^ (w0 >>> 3));
    u = a + 0x14292967 + w15 + (h ^ (f & (g ^ h)));
    s = (rotr<u32>(f, 6) ^ rotr<u32>(f, 11) ^ rotr<u32>(f, 25));
    t = u + s;
    e = (e + u) + s;
    y = b ^ c;
    a = (t + (c ^ (y & x))) + (rotr<u32>(b, 2) ^ rotr<u32>(b, 13) ^ rotr<u32>(b, 22));
    w0 += (rotr<u32>(w14, 17) ^ rotr<u32>(w14, 19) ^ (w14 >>> 10)) + w9 + (rotr<u32>(w1, 7) ^ rotr<u32>(w1, 18) ^ (w1 >>> 3));
    u = h + 0x27b70a85 + w0 + (g ^ (e & (f ^ g)));
    s = (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25));
    t = u + s;
    d = (d + u) + s;
    x = a ^ b;
    h = (t + (b ^ (x & y))) + (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22));
    w1 += (rotr<u32>(w15, 17) ^ rotr<u32>(w15, 19) ^ (w15 >>> 10)) + w10 + (rotr<u32>(w2, 7) ^ rotr<u32>(w2, 18) ^ (w2 >>> 3));
    u = g + 0x2e1b2138 + w1 + (f ^ (d & (e ^ f)));
    s = (rotr<u32>(d, 6) ^ rotr<u32>(d, 11) ^ rotr<u32>(d, 25));
    t = u + s;
    c = (c + u) + s;
    y = h ^ a;
    g = (t + (a ^ (y & x))) + (rotr<u32>(h, 2) ^ rotr<u32>(h, 13) ^ rotr<u32>(h, 22));
    w2 += (rotr<u32>(w0, 17) ^ rotr<u32>(w0, 19) ^ (w0 >>> 10)) + w11 + (rotr<u32>(w3, 7) ^ rotr<u32>(w3, 18) ^ (w3 >>> 3));
    u = f + 0x4d2c6dfc + w2 + (e ^ (c & (d ^ e)));
    s = (rotr<u32>(c, 6) ^ rotr<u32>(c, 11) ^ rotr<u32>(c, 25));
    t = u + s;
    b = (b + u) + s;
    x = g ^ h;
    f = (t + (h ^ (x & y))) + (rotr<u32>(g, 2) ^ rotr<u32>(g, 13) ^ rotr<u32>(g, 22));
    w3 += (rotr<u32>(w1, 17) ^ rotr<u32>(w1, 19) ^ (w1 >>> 10)) + w12 + (rotr<u32>(w4, 7) ^ rotr<u32>(w4, 18) ^ (w4 >>> 3));
    u = e + 0x53380d13 + w3 + (d ^ (b & (c ^ d)));
    s = (rotr<u32>(b, 6) ^ rotr<u32>(b, 11) ^ rotr<u32>(b, 25));
    t = u + s;
    a = (a + u) + s;
    y = f ^ g;
    e = (t + (g ^ (y & x))) + (rotr<u32>(f, 2) ^ rotr<u32>(f, 13) ^ rotr<u32>(f, 22));
    w4 += (rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >>> 10)) + w13 + (rotr<u32>(w5, 7) ^ rotr<u32>(w5, 18) ^ (w5 >>> 3));
    u = d + 0x650a7354 + w4 + (c ^ (a & (b ^ c)));
    s = (rotr<u32>(a, 6) ^ rotr<u32>(a, 11) ^ rotr<u32>(a, 25));
    t = u + s;
    h = (h + u) + s;
    x = e ^ f;
    d = (t + (f ^ (x & y))) + (rotr<u32>(e, 2) ^ rotr<u32>(e, 13) ^ rotr<u32>(e, 22));
    w5 += (rotr<u32>(w3, 17) ^ rotr<u32>(w3, 19) ^ (w3 >>> 10)) + w14 + (rotr<u32>(w6, 7) ^ rotr<u32>(w6, 18) ^ (w6 >>> 3));
    u = c + 0x766a0abb + w5 + (b ^ (h & (a ^ b)));
    s = (rotr<u32>(h, 6) ^ rotr<u32>(h, 11) ^ rotr<u32>(h, 25));
    t = u + s;
    g = (g + u) + s;
    y = d ^ e;
    c = (t + (e ^ (y & x))) + (rotr<u32>(d, 2) ^ rotr<u32>(d, 13) ^ rotr<u32>(d, 22));
    w6 += (rotr<u32>(w4, 17) ^ rotr<u32>(w4, 19) ^ (w4 >>> 10)) + w15 + (rotr<u32>(w7, 7) ^ rotr<u32>(w7, 18) ^ (w7 >>> 3));
    u = b + 0x81c2c92e + w6 + (a ^ (g & (h ^ a)));
    s = (rotr<u32>(g, 6) ^ rotr<u32>(g, 11) ^ rotr<u32>(g, 25));
    t = u + s;
    f = (f + u) + s;
    x = c ^ d;
    b = (t + (d ^ (x & y))) + (rotr<u32>(c, 2) ^ rotr<u32>(c, 13) ^ rotr<u32>(c, 22));
    w7 += (rotr<u32>(w5, 17) ^ rotr<u32>(w5, 19) ^ (w5 >>> 10)) + w0 + (rotr<u32>(w8, 7) ^ rotr<u32>(w8, 18) ^ (w8 >>> 3));
    u = a + 0x92722c85 + w7 + (h ^ (f & (g ^ h)));
    s = (rotr<u32>(f, 6) ^ rotr<u32>(f, 11) ^ rotr<u32>(f, 25));
    t = u + s;
    e = (e + u) + s;
    y = b ^ c;
    a = (t + (c ^ (y & x))) + (rotr<u32>(b, 2) ^ rotr<u32>(b, 13) ^ rotr<u32>(b, 22));
    w8 += (rotr<u32>(w6, 17) ^ rotr<u32>(w6, 19) ^ (w6 >>> 10)) + w1 + (rotr<u32>(w9, 7) ^ rotr<u32>(w9, 18) ^ (w9 >>> 3));
    u = h + 0xa2bfe8a1 + w8 + (g ^ (e & (f ^ g)));
    s = (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25));
    t = u + s;
    d = (d + u) + s;
    x = a ^ b;
    h = (t + (b ^ (x & y))) + (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22));
    w9 += (rotr<u32>(w7, 17) ^ rotr<u32>(w7, 19) ^ (w7 >>> 10)) + w2 + (rotr<u32>(w10, 7) ^ rotr<u32>(w10, 18) ^ (w10 >>> 3));
    u = g + 0xa81a664b + w9 + (f ^ (d & (e ^ f)));
    s = (rotr<u32>(d, 6) ^ rotr<u32>(d, 11) ^ rotr<u32>(d, 25));
    t = u + s;
    c = (c + u) + s;
    y = h ^ a;
    g = (t + (a ^ (y & x))) + (rotr<u32>(h, 2) ^ rotr<u32>(h, 13) ^ rotr<u32>(h, 22));
    w10 += (rotr<u32>(w8, 17) ^ rotr<u32>(w8, 19) ^ (w8 >>> 10)) + w3 + (rotr<u32>(w11, 7) ^ rotr<u32>(w11, 18) ^ (w11 >>> 3));
    u = f + 0xc24b8b70 + w10 + (e ^ (c & (d ^ e)));
    s = (rotr<u32>(c, 6) ^ rotr<u32>(c, 11) ^ rotr<u32>(c, 25));
    t = u + s;
    b = (b + u) + s;
    x = g ^ h;
    f = (t + (h ^ (x & y))) + (rotr<u32>(g, 2) ^ rotr<u32>(g, 13) ^ rotr<u32>(g, 22));
    w11 += (rotr<u32>(w9, 17) ^ rotr<u32>(w9, 19) ^ (w9 >>> 10)) + w4 + (rotr<u32>(w12, 7) ^ rotr<u32>(w12, 18) ^ (w12 >>> 3));
    u = e + 0xc76c51a3 + w11 + (d ^ (b & (c ^ d)));
    s = (rotr<u32>(b, 6) ^ rotr<u32>(b, 11) ^ rotr<u32>(b, 25));
    t = u + s;
    a = (a + u) + s;
    y = f ^ g;
    e = (t + (g ^ (y & x))) + (rotr<u32>(f, 2) ^ rotr<u32>(f, 13) ^ rotr<u32>(f, 22));
    w12 += (rotr<u32>(w10, 17) ^ rotr<u32>(w10, 19) ^ (w10 >>> 10)) + w5 + (rotr<u32>(w13, 7) ^ rotr<u32>(w13, 18) ^ (w13 >>> 3));
    u = d + 0xd192e819 + w12 + (c ^ (a & (b ^ c)));
    s = (rotr<u32>(a, 6) ^ rotr<u32>(a, 11) ^ rotr<u32>(a, 25));
    t = u + s;
    h = (h + u) + s;
    x = e ^ f;
    d = (t + (f ^ (x & y))) + (rotr<u32>(e, 2) ^ rotr<u32>(e, 13) ^ rotr<u32>(e, 22));
    w13 += (rotr<u32>(w11, 17) ^ rotr<u32>(w11, 19) ^ (w11 >>> 10)) + w6 + (rotr<u32>(w14, 7) ^ rotr<u32>(w14, 18) ^ (w14 >>> 3));
    u = c + 0xd6990624 + w13 + (b ^ (h & (a ^ b)));
    s = (rotr<u32>(h, 6) ^ rotr<u32>(h, 11) ^ rotr<u32>(h, 25));
    t = u + s;
    g = (g + u) + s;
    y = d ^ e;
    c = (t + (e ^ (y & x))) + (rotr<u32>(d, 2) ^ rotr<u32>(d, 13) ^ rotr<u32>(d, 22));
    w14 += (rotr<u32>(w12, 17) ^ rotr<u32>(w12, 19) ^ (w12 >>> 10)) + w7 + (rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >>> 3));
    u = b + 0xf40e3585 + w14 + (a ^ (g & (h ^ a)));
    s = (rotr<u32>(g, 6) ^ rotr<u32>(g, 11) ^ rotr<u32>(g, 25));
    t = u + s;
    f = (f + u) + s;
    x = c ^ d;
    b = (t + (d ^ (x & y))) + (rotr<u32>(c, 2) ^ rotr<u32>(c, 13) ^ rotr<u32>(c, 22));
    w15 += (rotr<u32>(w13, 17) ^ rotr<u32>(w13, 19) ^ (w13 >>> 10)) + w8 + (rotr<u32>(w0, 7) ^ rotr<u32>(w0, 18) ^ (w0 >>> 3));
    u = a + 0x106aa070 + w15 + (h ^ (f & (g ^ h)));
    s = (rotr<u32>(f, 6) ^ rotr<u32>(f, 11) ^ rotr<u32>(f, 25));
    t = u + s;
    e = (e + u) + s;
    y = b ^ c;
    a = (t + (c ^ (y & x))) + (rotr<u32>(b, 2) ^ rotr<u32>(b, 13) ^ rotr<u32>(b, 22));
    w0 += (rotr<u32>(w14, 17) ^ rotr<u32>(w14, 19) ^ (w14 >>> 10)) + w9 + (rotr<u32>(w1, 7) ^ rotr<u32>(w1, 18) ^ (w1 >>> 3));
    u = h + 0x19a4c116 + w0 + (g ^ (e & (f ^ g)));
    s = (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25));
    t = u + s;
    d = (d + u) + s;
    x = a ^ b;
    h = (t + (b ^ (x & y))) + (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22));
    w1 += (rotr<u32>(w15, 17) ^ rotr<u32>(w15, 19) ^ (w15 >>> 10)) + w10 + (rotr<u32>(w2, 7) ^ rotr<u32>(w2, 18) ^ (w2 >>> 3));
    u = g + 0x1e376c08 + w1 + (f ^ (d & (e ^ f)));
    s = (rotr<u32>(d, 6) ^ rotr<u32>(d, 11) ^ rotr<u32>(d, 25));
    t = u + s;
    c = (c + u) + s;
    y = h ^ a;
    g = (t + (a ^ (y & x))) + (rotr<u32>(h, 2) ^ rotr<u32>(h, 13) ^ rotr<u32>(h, 22));
    w2 += (rotr<u32>(w0, 17) ^ rotr<u32>(w0, 19) ^ (w0 >>> 10)) + w11 + (rotr<u32>(w3, 7) ^ rotr<u32>(w3, 18) ^ (w3 >>> 3));
    u = f + 0x2748774c + w2 + (e ^ (c & (d ^ e)));
    s = (rotr<u32>(c, 6) ^ rotr<u32>(c, 11) ^ rotr<u32>(c, 25));
    t = u + s;
    b = (b + u) + s;
    x = g ^ h;
    f = (t + (h ^ (x & y))) + (rotr<u32>(g, 2) ^ rotr<u32>(g, 13) ^ rotr<u32>(g, 22));
    w3 += (rotr<u32>(w1, 17) ^ rotr<u32>(w1, 19) ^ (w1 >>> 10)) + w12 + (rotr<u32>(w4, 7) ^ rotr<u32>(w4, 18) ^ (w4 >>> 3));
    u = e + 0x34b0bcb5 + w3 + (d ^ (b & (c ^ d)));
    s = (rotr<u32>(b, 6) ^ rotr<u32>(b, 11) ^ rotr<u32>(b, 25));
    t = u + s;
    a = (a + u) + s;
    y = f ^ g;
    e = (t + (g ^ (y & x))) + (rotr<u32>(f, 2) ^ rotr<u32>(f, 13) ^ rotr<u32>(f, 22));
    w4 += (rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >>> 10)) + w13 + (rotr<u32>(w5, 7) ^ rotr<u32>(w5, 18) ^ (w5 >>> 3));
    u = d + 0x391c0cb3 + w4 + (c ^ (a & (b ^ c)));
    s = (rotr<u32>(a, 6) ^ rotr<u32>(a, 11) ^ rotr<u32>(a, 25));
    t = u + s;
    h = (h + u) + s;
    x = e ^ f;
    d = (t + (f ^ (x & y))) + (rotr<u32>(e, 2) ^ rotr<u32>(e, 13) ^ rotr<u32>(e, 22));
    w5 += (rotr<u32>(w3, 17) ^ rotr<u32>(w3, 19) ^ (w3 >>> 10)) + w14 + (rotr<u32>(w6, 7) ^ rotr<u32>(w6, 18) ^ (w6 >>> 3));
    u = c + 0x4ed8aa4a + w5 + (b ^ (h & (a ^ b)));
    s = (rotr<u32>(h, 6) ^ rotr<u32>(h, 11) ^ rotr<u32>(h, 25));
    t = u + s;
    g = (g + u) + s;
    y = d ^ e;
    c = (t + (e ^ (y & x))) + (rotr<u32>(d, 2) ^ rotr<u32>(d, 13) ^ rotr<u32>(d, 22));
    w6 += (rotr<u32>(w4, 17) ^ rotr<u32>(w4, 19) ^ (w4 >>> 10)) + w15 + (rotr<u32>(w7, 7) ^ rotr<u32>(w7, 18) ^ (w7 >>> 3));
    u = b + 0x5b9cca4f + w6 + (a ^ (g & (h ^ a)));
    s = (rotr<u32>(g, 6) ^ rotr<u32>(g, 11) ^ rotr<u32>(g, 25));
    t = u + s;
    f = (f + u) + s;
    x = c ^ d;
    b = (t + (d ^ (x & y))) + (rotr<u32>(c, 2) ^ rotr<u32>(c, 13) ^ rotr<u32>(c, 22));
    w7 += (rotr<u32>(w5, 17) ^ rotr<u32>(w5, 19) ^ (w5 >>> 10)) + w0 + (rotr<u32>(w8, 7) ^ rotr<u32>(w8, 18) ^ (w8 >>> 3));
    u = a + 0x682e6ff3 + w7 + (h ^ (f & (g ^ h)));
    s = (rotr<u32>(f, 6) ^ rotr<u32>(f, 11) ^ rotr<u32>(f, 25));
    t = u + s;
    e = (e + u) + s;
    y = b ^ c;
    a = (t + (c ^ (y & x))) + (rotr<u32>(b, 2) ^ rotr<u32>(b, 13) ^ rotr<u32>(b, 22));
    w8 += (rotr<u32>(w6, 17) ^ rotr<u32>(w6, 19) ^ (w6 >>> 10)) + w1 + (rotr<u32>(w9, 7) ^ rotr<u32>(w9, 18) ^ (w9 >>> 3));
    u = h + 0x748f82ee + w8 + (g ^ (e & (f ^ g)));
    s = (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25));
    t = u + s;
    d = (d + u) + s;
    x = a ^ b;
    h = (t + (b ^ (x & y))) + (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22));
    w9 += (rotr<u32>(w7, 17) ^ rotr<u32>(w7, 19) ^ (w7 >>> 10)) + w2 + (rotr<u32>(w10, 7) ^ rotr<u32>(w10, 18) ^ (w10 >>> 3));
    u = g + 0x78a5636f + w9 + (f ^ (d & (e ^ f)));
    s = (rotr<u32>(d, 6) ^ rotr<u32>(d, 11) ^ rotr<u32>(d, 25));
    t = u + s;
    c = (c + u) + s;
    y = h ^ a;
    g = (t + (a ^ (y & x))) + (rotr<u32>(h, 2) ^ rotr<u32>(h, 13) ^ rotr<u32>(h, 22));
    w10 += (rotr<u32>(w8, 17) ^ rotr<u32>(w8, 19) ^ (w8 >>> 10)) + w3 + (rotr<u32>(w11, 7) ^ rotr<u32>(w11, 18) ^ (w11 >>> 3));
    u = f + 0x84c87814 + w10 + (e ^ (c & (d ^ e)));
    s = (rotr<u32>(c, 6) ^ rotr<u32>(c, 11) ^ rotr<u32>(c, 25));
    t = u + s;
    b = (b + u) + s;
    x = g ^ h;
    f = (t + (h ^ (x & y))) + (rotr<u32>(g, 2) ^ rotr<u32>(g, 13) ^ rotr<u32>(g, 22));
    w11 += (rotr<u32>(w9, 17) ^ rotr<u32>(w9, 19) ^ (w9 >>> 10)) + w4 + (rotr<u32>(w12, 7) ^ rotr<u32>(w12, 18) ^ (w12 >>> 3));
    u = e + 0x8cc70208 + w11 + (d ^ (b & (c ^ d)));
    s = (rotr<u32>(b, 6) ^ rotr<u32>(b, 11) ^ rotr<u32>(b, 25));
    t = u + s;
    a = (a + u) + s;
    y = f ^ g;
    e = (t + (g ^ (y & x))) + (rotr<u32>(f, 2) ^ rotr<u32>(f, 13) ^ rotr<u32>(f, 22));
    w12 += (rotr<u32>(w10, 17) ^ rotr<u32>(w10, 19) ^ (w10 >>> 10)) + w5 + (rotr<u32>(w13, 7) ^ rotr<u32>(w13, 18) ^ (w13 >>> 3));
    u = d + 0x90befffa + w12 + (c ^ (a & (b ^ c)));
    s = (rotr<u32>(a, 6) ^ rotr<u32>(a, 11) ^ rotr<u32>(a, 25));
    t = u + s;
    h = (h + u) + s;
    x = e ^ f;
    d = (t + (f ^ (x & y))) + (rotr<u32>(e, 2) ^ rotr<u32>(e, 13) ^ rotr<u32>(e, 22));
    w13 += (rotr<u32>(w11, 17) ^ rotr<u32>(w11, 19) ^ (w11 >>> 10)) + w6 + (rotr<u32>(w14, 7) ^ rotr<u32>(w14, 18) ^ (w14 >>> 3));
    u = c + 0xa4506ceb + w13 + (b ^ (h & (a ^ b)));
    s = (rotr<u32>(h, 6) ^ rotr<u32>(h, 11) ^ rotr<u32>(h, 25));
    t = u + s;
    g = (g + u) + s;
    y = d ^ e;
    c = (t + (e ^ (y & x))) + (rotr<u32>(d, 2) ^ rotr<u32>(d, 13) ^ rotr<u32>(d, 22));
    w14 += (rotr<u32>(w12, 17) ^ rotr<u32>(w12, 19) ^ (w12 >>> 10)) + w7 + (rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >>> 3));
    u = b + 0xbef9a3f7 + w14 + (a ^ (g & (h ^ a)));
    s = (rotr<u32>(g, 6) ^ rotr<u32>(g, 11) ^ rotr<u32>(g, 25));
    t = u + s;
    f = (f + u) + s;
    x = c ^ d;
    b = (t + (d ^ (x & y))) + (rotr<u32>(c, 2) ^ rotr<u32>(c, 13) ^ rotr<u32>(c, 22));
    w15 += (rotr<u32>(w13, 17) ^ rotr<u32>(w13, 19) ^ (w13 >>> 10)) + w8 + (rotr<u32>(w0, 7) ^ rotr<u32>(w0, 18) ^ (w0 >>> 3));
    u = a + 0xc67178f2 + w15 + (h ^ (f & (g ^ h)));
    s = (rotr<u32>(f, 6) ^ rotr<u32>(f, 11) ^ rotr<u32>(f, 25));
    t = u + s;
    e = (e + u) + s;
    y = b ^ c;
    a = (t + (c ^ (y & x))) + (rotr<u32>(b, 2) ^ rotr<u32>(b, 13) ^ rotr<u32>(b, 22));
    a += a0;
    b += b0;
    c += c0;
    d += d0;
    e += e0;
    f += f0;
    g += g0;
    h += h0;
    src += 64;
  }
  store<u32>(st, a);
  store<u32>(st + stride, b);
  store<u32>(st + 2 * stride, c);
  store<u32>(st + 3 * stride, d);
  store<u32>(st + 4 * stride, e);
  store<u32>(st + 5 * stride, f);
  store<u32>(st + 6 * stride, g);
  store<u32>(st + 7 * stride, h);
}

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

@inline
function rotrV(x: v128, n: i32): v128 {
  return v128.or(i32x4.shr_u(x, n), i32x4.shl(x, 32 - n));
}

@inline
function bigSigma0(x: v128): v128 {
  return v128.xor(v128.xor(rotrV(x, 2), rotrV(x, 13)), rotrV(x, 22));
}

@inline
function bigSigma1(x: v128): v128 {
  return v128.xor(v128.xor(rotrV(x, 6), rotrV(x, 11)), rotrV(x, 25));
}

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

// 64 rounds over WKV on the 4-lane state at `st`, fully unrolled (constant load offsets; the
// variable names rotate instead of moving eight registers per round). As in the scalar rounds,
// the terms that depend on this round's e are added last to keep the e-to-e chain short (~6%).
@inline
function roundsX4(st: usize): void {
  let a = v128.load(st);
  let b = v128.load(st, 16);
  let c = v128.load(st, 32);
  let d = v128.load(st, 48);
  let e = v128.load(st, 64);
  let f = v128.load(st, 80);
  let g = v128.load(st, 96);
  let h = v128.load(st, 112);
  let t: v128;
  const p = WKV;
  let u: v128;
  let s: v128;
  // Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)); each round's a ^ b is the next round's b ^ c.
  let x: v128;
  let y = v128.xor(b, c);
  u = i32x4.add(i32x4.add(h, v128.load(p, 0)), v128.bitselect(f, g, e));
  s = bigSigma1(e);
  t = i32x4.add(u, s);
  d = i32x4.add(i32x4.add(d, u), s);
  x = v128.xor(a, b);
  h = i32x4.add(i32x4.add(t, v128.xor(b, v128.and(x, y))), bigSigma0(a));
  u = i32x4.add(i32x4.add(g, v128.load(p, 16)), v128.bitselect(e, f, d));
  s = bigSigma1(d);
  t = i32x4.add(u, s);
  c = i32x4.add(i32x4.add(c, u), s);
  y = v128.xor(h, a);
  g = i32x4.add(i32x4.add(t, v128.xor(a, v128.and(y, x))), bigSigma0(h));
  u = i32x4.add(i32x4.add(f, v128.load(p, 32)), v128.bitselect(d, e, c));
  s = bigSigma1(c);
  t = i32x4.add(u, s);
  b = i32x4.add(i32x4.add(b, u), s);
  x = v128.xor(g, h);
  f = i32x4.add(i32x4.add(t, v128.xor(h, v128.and(x, y))), bigSigma0(g));
  u = i32x4.add(i32x4.add(e, v128.load(p, 48)), v128.bitselect(c, d, b));
  s = bigSigma1(b);
  t = i32x4.add(u, s);
  a = i32x4.add(i32x4.add(a, u), s);
  y = v128.xor(f, g);
  e = i32x4.add(i32x4.add(t, v128.xor(g, v128.and(y, x))), bigSigma0(f));
  u = i32x4.add(i32x4.add(d, v128.load(p, 64)), v128.bitselect(b, c, a));
  s = bigSigma1(a);
  t = i32x4.add(u, s);
  h = i32x4.add(i32x4.add(h, u), s);
  x = v128.xor(e, f);
  d = i32x4.add(i32x4.add(t, v128.xor(f, v128.and(x, y))), bigSigma0(e));
  u = i32x4.add(i32x4.add(c, v128.load(p, 80)), v128.bitselect(a, b, h));
  s = bigSigma1(h);
  t = i32x4.add(u, s);
  g = i32x4.add(i32x4.add(g, u), s);
  y = v128.xor(d, e);
  c = i32x4.add(i32x4.add(t, v128.xor(e, v128.and(y, x))), bigSigma0(d));
  u = i32x4.add(i32x4.add(b, v128.load(p, 96)), v128.bitselect(h, a, g));
  s = bigSigma1(g);
  t = i32x4.add(u, s);
  f = i32x4.add(i32x4.add(f, u), s);
  x = v128.xor(c, d);
  b = i32x4.add(i32x4.add(t, v128.xor(d, v128.and(x, y))), bigSigma0(c));
  u = i32x4.add(i32x4.add(a, v128.load(p, 112)), v128.bitselect(g, h, f));
  s = bigSigma1(f);
  t = i32x4.add(u, s);
  e = i32x4.add(i32x4.add(e, u), s);
  y = v128.xor(b, c);
  a = i32x4.add(i32x4.add(t, v128.xor(c, v128.and(y, x))), bigSigma0(b));
  u = i32x4.add(i32x4.add(h, v128.load(p, 128)), v128.bitselect(f, g, e));
  s = bigSigma1(e);
  t = i32x4.add(u, s);
  d = i32x4.add(i32x4.add(d, u), s);
  x = v128.xor(a, b);
  h = i32x4.add(i32x4.add(t, v128.xor(b, v128.and(x, y))), bigSigma0(a));
  u = i32x4.add(i32x4.add(g, v128.load(p, 144)), v128.bitselect(e, f, d));
  s = bigSigma1(d);
  t = i32x4.add(u, s);
  c = i32x4.add(i32x4.add(c, u), s);
  y = v128.xor(h, a);
  g = i32x4.add(i32x4.add(t, v128.xor(a, v128.and(y, x))), bigSigma0(h));
  u = i32x4.add(i32x4.add(f, v128.load(p, 160)), v128.bitselect(d, e, c));
  s = bigSigma1(c);
  t = i32x4.add(u, s);
  b = i32x4.add(i32x4.add(b, u), s);
  x = v128.xor(g, h);
  f = i32x4.add(i32x4.add(t, v128.xor(h, v128.and(x, y))), bigSigma0(g));
  u = i32x4.add(i32x4.add(e, v128.load(p, 176)), v128.bitselect(c, d, b));
  s = bigSigma1(b);
  t = i32x4.add(u, s);
  a = i32x4.add(i32x4.add(a, u), s);
  y = v128.xor(f, g);
  e = i32x4.add(i32x4.add(t, v128.xor(g, v128.and(y, x))), bigSigma0(f));
  u = i32x4.add(i32x4.add(d, v128.load(p, 192)), v128.bitselect(b, c, a));
  s = bigSigma1(a);
  t = i32x4.add(u, s);
  h = i32x4.add(i32x4.add(h, u), s);
  x = v128.xor(e, f);
  d = i32x4.add(i32x4.add(t, v128.xor(f, v128.and(x, y))), bigSigma0(e));
  u = i32x4.add(i32x4.add(c, v128.load(p, 208)), v128.bitselect(a, b, h));
  s = bigSigma1(h);
  t = i32x4.add(u, s);
  g = i32x4.add(i32x4.add(g, u), s);
  y = v128.xor(d, e);
  c = i32x4.add(i32x4.add(t, v128.xor(e, v128.and(y, x))), bigSigma0(d));
  u = i32x4.add(i32x4.add(b, v128.load(p, 224)), v128.bitselect(h, a, g));
  s = bigSigma1(g);
  t = i32x4.add(u, s);
  f = i32x4.add(i32x4.add(f, u), s);
  x = v128.xor(c, d);
  b = i32x4.add(i32x4.add(t, v128.xor(d, v128.and(x, y))), bigSigma0(c));
  u = i32x4.add(i32x4.add(a, v128.load(p, 240)), v128.bitselect(g, h, f));
  s = bigSigma1(f);
  t = i32x4.add(u, s);
  e = i32x4.add(i32x4.add(e, u), s);
  y = v128.xor(b, c);
  a = i32x4.add(i32x4.add(t, v128.xor(c, v128.and(y, x))), bigSigma0(b));
  u = i32x4.add(i32x4.add(h, v128.load(p, 256)), v128.bitselect(f, g, e));
  s = bigSigma1(e);
  t = i32x4.add(u, s);
  d = i32x4.add(i32x4.add(d, u), s);
  x = v128.xor(a, b);
  h = i32x4.add(i32x4.add(t, v128.xor(b, v128.and(x, y))), bigSigma0(a));
  u = i32x4.add(i32x4.add(g, v128.load(p, 272)), v128.bitselect(e, f, d));
  s = bigSigma1(d);
  t = i32x4.add(u, s);
  c = i32x4.add(i32x4.add(c, u), s);
  y = v128.xor(h, a);
  g = i32x4.add(i32x4.add(t, v128.xor(a, v128.and(y, x))), bigSigma0(h));
  u = i32x4.add(i32x4.add(f, v128.load(p, 288)), v128.bitselect(d, e, c));
  s = bigSigma1(c);
  t = i32x4.add(u, s);
  b = i32x4.add(i32x4.add(b, u), s);
  x = v128.xor(g, h);
  f = i32x4.add(i32x4.add(t, v128.xor(h, v128.and(x, y))), bigSigma0(g));
  u = i32x4.add(i32x4.add(e, v128.load(p, 304)), v128.bitselect(c, d, b));
  s = bigSigma1(b);
  t = i32x4.add(u, s);
  a = i32x4.add(i32x4.add(a, u), s);
  y = v128.xor(f, g);
  e = i32x4.add(i32x4.add(t, v128.xor(g, v128.and(y, x))), bigSigma0(f));
  u = i32x4.add(i32x4.add(d, v128.load(p, 320)), v128.bitselect(b, c, a));
  s = bigSigma1(a);
  t = i32x4.add(u, s);
  h = i32x4.add(i32x4.add(h, u), s);
  x = v128.xor(e, f);
  d = i32x4.add(i32x4.add(t, v128.xor(f, v128.and(x, y))), bigSigma0(e));
  u = i32x4.add(i32x4.add(c, v128.load(p, 336)), v128.bitselect(a, b, h));
  s = bigSigma1(h);
  t = i32x4.add(u, s);
  g = i32x4.add(i32x4.add(g, u), s);
  y = v128.xor(d, e);
  c = i32x4.add(i32x4.add(t, v128.xor(e, v128.and(y, x))), bigSigma0(d));
  u = i32x4.add(i32x4.add(b, v128.load(p, 352)), v128.bitselect(h, a, g));
  s = bigSigma1(g);
  t = i32x4.add(u, s);
  f = i32x4.add(i32x4.add(f, u), s);
  x = v128.xor(c, d);
  b = i32x4.add(i32x4.add(t, v128.xor(d, v128.and(x, y))), bigSigma0(c));
  u = i32x4.add(i32x4.add(a, v128.load(p, 368)), v128.bitselect(g, h, f));
  s = bigSigma1(f);
  t = i32x4.add(u, s);
  e = i32x4.add(i32x4.add(e, u), s);
  y = v128.xor(b, c);
  a = i32x4.add(i32x4.add(t, v128.xor(c, v128.and(y, x))), bigSigma0(b));
  u = i32x4.add(i32x4.add(h, v128.load(p, 384)), v128.bitselect(f, g, e));
  s = bigSigma1(e);
  t = i32x4.add(u, s);
  d = i32x4.add(i32x4.add(d, u), s);
  x = v128.xor(a, b);
  h = i32x4.add(i32x4.add(t, v128.xor(b, v128.and(x, y))), bigSigma0(a));
  u = i32x4.add(i32x4.add(g, v128.load(p, 400)), v128.bitselect(e, f, d));
  s = bigSigma1(d);
  t = i32x4.add(u, s);
  c = i32x4.add(i32x4.add(c, u), s);
  y = v128.xor(h, a);
  g = i32x4.add(i32x4.add(t, v128.xor(a, v128.and(y, x))), bigSigma0(h));
  u = i32x4.add(i32x4.add(f, v128.load(p, 416)), v128.bitselect(d, e, c));
  s = bigSigma1(c);
  t = i32x4.add(u, s);
  b = i32x4.add(i32x4.add(b, u), s);
  x = v128.xor(g, h);
  f = i32x4.add(i32x4.add(t, v128.xor(h, v128.and(x, y))), bigSigma0(g));
  u = i32x4.add(i32x4.add(e, v128.load(p, 432)), v128.bitselect(c, d, b));
  s = bigSigma1(b);
  t = i32x4.add(u, s);
  a = i32x4.add(i32x4.add(a, u), s);
  y = v128.xor(f, g);
  e = i32x4.add(i32x4.add(t, v128.xor(g, v128.and(y, x))), bigSigma0(f));
  u = i32x4.add(i32x4.add(d, v128.load(p, 448)), v128.bitselect(b, c, a));
  s = bigSigma1(a);
  t = i32x4.add(u, s);
  h = i32x4.add(i32x4.add(h, u), s);
  x = v128.xor(e, f);
  d = i32x4.add(i32x4.add(t, v128.xor(f, v128.and(x, y))), bigSigma0(e));
  u = i32x4.add(i32x4.add(c, v128.load(p, 464)), v128.bitselect(a, b, h));
  s = bigSigma1(h);
  t = i32x4.add(u, s);
  g = i32x4.add(i32x4.add(g, u), s);
  y = v128.xor(d, e);
  c = i32x4.add(i32x4.add(t, v128.xor(e, v128.and(y, x))), bigSigma0(d));
  u = i32x4.add(i32x4.add(b, v128.load(p, 480)), v128.bitselect(h, a, g));
  s = bigSigma1(g);
  t = i32x4.add(u, s);
  f = i32x4.add(i32x4.add(f, u), s);
  x = v128.xor(c, d);
  b = i32x4.add(i32x4.add(t, v128.xor(d, v128.and(x, y))), bigSigma0(c));
  u = i32x4.add(i32x4.add(a, v128.load(p, 496)), v128.bitselect(g, h, f));
  s = bigSigma1(f);
  t = i32x4.add(u, s);
  e = i32x4.add(i32x4.add(e, u), s);
  y = v128.xor(b, c);
  a = i32x4.add(i32x4.add(t, v128.xor(c, v128.and(y, x))), bigSigma0(b));
  u = i32x4.add(i32x4.add(h, v128.load(p, 512)), v128.bitselect(f, g, e));
  s = bigSigma1(e);
  t = i32x4.add(u, s);
  d = i32x4.add(i32x4.add(d, u), s);
  x = v128.xor(a, b);
  h = i32x4.add(i32x4.add(t, v128.xor(b, v128.and(x, y))), bigSigma0(a));
  u = i32x4.add(i32x4.add(g, v128.load(p, 528)), v128.bitselect(e, f, d));
  s = bigSigma1(d);
  t = i32x4.add(u, s);
  c = i32x4.add(i32x4.add(c, u), s);
  y = v128.xor(h, a);
  g = i32x4.add(i32x4.add(t, v128.xor(a, v128.and(y, x))), bigSigma0(h));
  u = i32x4.add(i32x4.add(f, v128.load(p, 544)), v128.bitselect(d, e, c));
  s = bigSigma1(c);
  t = i32x4.add(u, s);
  b = i32x4.add(i32x4.add(b, u), s);
  x = v128.xor(g, h);
  f = i32x4.add(i32x4.add(t, v128.xor(h, v128.and(x, y))), bigSigma0(g));
  u = i32x4.add(i32x4.add(e, v128.load(p, 560)), v128.bitselect(c, d, b));
  s = bigSigma1(b);
  t = i32x4.add(u, s);
  a = i32x4.add(i32x4.add(a, u), s);
  y = v128.xor(f, g);
  e = i32x4.add(i32x4.add(t, v128.xor(g, v128.and(y, x))), bigSigma0(f));
  u = i32x4.add(i32x4.add(d, v128.load(p, 576)), v128.bitselect(b, c, a));
  s = bigSigma1(a);
  t = i32x4.add(u, s);
  h = i32x4.add(i32x4.add(h, u), s);
  x = v128.xor(e, f);
  d = i32x4.add(i32x4.add(t, v128.xor(f, v128.and(x, y))), bigSigma0(e));
  u = i32x4.add(i32x4.add(c, v128.load(p, 592)), v128.bitselect(a, b, h));
  s = bigSigma1(h);
  t = i32x4.add(u, s);
  g = i32x4.add(i32x4.add(g, u), s);
  y = v128.xor(d, e);
  c = i32x4.add(i32x4.add(t, v128.xor(e, v128.and(y, x))), bigSigma0(d));
  u = i32x4.add(i32x4.add(b, v128.load(p, 608)), v128.bitselect(h, a, g));
  s = bigSigma1(g);
  t = i32x4.add(u, s);
  f = i32x4.add(i32x4.add(f, u), s);
  x = v128.xor(c, d);
  b = i32x4.add(i32x4.add(t, v128.xor(d, v128.and(x, y))), bigSigma0(c));
  u = i32x4.add(i32x4.add(a, v128.load(p, 624)), v128.bitselect(g, h, f));
  s = bigSigma1(f);
  t = i32x4.add(u, s);
  e = i32x4.add(i32x4.add(e, u), s);
  y = v128.xor(b, c);
  a = i32x4.add(i32x4.add(t, v128.xor(c, v128.and(y, x))), bigSigma0(b));
  u = i32x4.add(i32x4.add(h, v128.load(p, 640)), v128.bitselect(f, g, e));
  s = bigSigma1(e);
  t = i32x4.add(u, s);
  d = i32x4.add(i32x4.add(d, u), s);
  x = v128.xor(a, b);
  h = i32x4.add(i32x4.add(t, v128.xor(b, v128.and(x, y))), bigSigma0(a));
  u = i32x4.add(i32x4.add(g, v128.load(p, 656)), v128.bitselect(e, f, d));
  s = bigSigma1(d);
  t = i32x4.add(u, s);
  c = i32x4.add(i32x4.add(c, u), s);
  y = v128.xor(h, a);
  g = i32x4.add(i32x4.add(t, v128.xor(a, v128.and(y, x))), bigSigma0(h));
  u = i32x4.add(i32x4.add(f, v128.load(p, 672)), v128.bitselect(d, e, c));
  s = bigSigma1(c);
  t = i32x4.add(u, s);
  b = i32x4.add(i32x4.add(b, u), s);
  x = v128.xor(g, h);
  f = i32x4.add(i32x4.add(t, v128.xor(h, v128.and(x, y))), bigSigma0(g));
  u = i32x4.add(i32x4.add(e, v128.load(p, 688)), v128.bitselect(c, d, b));
  s = bigSigma1(b);
  t = i32x4.add(u, s);
  a = i32x4.add(i32x4.add(a, u), s);
  y = v128.xor(f, g);
  e = i32x4.add(i32x4.add(t, v128.xor(g, v128.and(y, x))), bigSigma0(f));
  u = i32x4.add(i32x4.add(d, v128.load(p, 704)), v128.bitselect(b, c, a));
  s = bigSigma1(a);
  t = i32x4.add(u, s);
  h = i32x4.add(i32x4.add(h, u), s);
  x = v128.xor(e, f);
  d = i32x4.add(i32x4.add(t, v128.xor(f, v128.and(x, y))), bigSigma0(e));
  u = i32x4.add(i32x4.add(c, v128.load(p, 720)), v128.bitselect(a, b, h));
  s = bigSigma1(h);
  t = i32x4.add(u, s);
  g = i32x4.add(i32x4.add(g, u), s);
  y = v128.xor(d, e);
  c = i32x4.add(i32x4.add(t, v128.xor(e, v128.and(y, x))), bigSigma0(d));
  u = i32x4.add(i32x4.add(b, v128.load(p, 736)), v128.bitselect(h, a, g));
  s = bigSigma1(g);
  t = i32x4.add(u, s);
  f = i32x4.add(i32x4.add(f, u), s);
  x = v128.xor(c, d);
  b = i32x4.add(i32x4.add(t, v128.xor(d, v128.and(x, y))), bigSigma0(c));
  u = i32x4.add(i32x4.add(a, v128.load(p, 752)), v128.bitselect(g, h, f));
  s = bigSigma1(f);
  t = i32x4.add(u, s);
  e = i32x4.add(i32x4.add(e, u), s);
  y = v128.xor(b, c);
  a = i32x4.add(i32x4.add(t, v128.xor(c, v128.and(y, x))), bigSigma0(b));
  u = i32x4.add(i32x4.add(h, v128.load(p, 768)), v128.bitselect(f, g, e));
  s = bigSigma1(e);
  t = i32x4.add(u, s);
  d = i32x4.add(i32x4.add(d, u), s);
  x = v128.xor(a, b);
  h = i32x4.add(i32x4.add(t, v128.xor(b, v128.and(x, y))), bigSigma0(a));
  u = i32x4.add(i32x4.add(g, v128.load(p, 784)), v128.bitselect(e, f, d));
  s = bigSigma1(d);
  t = i32x4.add(u, s);
  c = i32x4.add(i32x4.add(c, u), s);
  y = v128.xor(h, a);
  g = i32x4.add(i32x4.add(t, v128.xor(a, v128.and(y, x))), bigSigma0(h));
  u = i32x4.add(i32x4.add(f, v128.load(p, 800)), v128.bitselect(d, e, c));
  s = bigSigma1(c);
  t = i32x4.add(u, s);
  b = i32x4.add(i32x4.add(b, u), s);
  x = v128.xor(g, h);
  f = i32x4.add(i32x4.add(t, v128.xor(h, v128.and(x, y))), bigSigma0(g));
  u = i32x4.add(i32x4.add(e, v128.load(p, 816)), v128.bitselect(c, d, b));
  s = bigSigma1(b);
  t = i32x4.add(u, s);
  a = i32x4.add(i32x4.add(a, u), s);
  y = v128.xor(f, g);
  e = i32x4.add(i32x4.add(t, v128.xor(g, v128.and(y, x))), bigSigma0(f));
  u = i32x4.add(i32x4.add(d, v128.load(p, 832)), v128.bitselect(b, c, a));
  s = bigSigma1(a);
  t = i32x4.add(u, s);
  h = i32x4.add(i32x4.add(h, u), s);
  x = v128.xor(e, f);
  d = i32x4.add(i32x4.add(t, v128.xor(f, v128.and(x, y))), bigSigma0(e));
  u = i32x4.add(i32x4.add(c, v128.load(p, 848)), v128.bitselect(a, b, h));
  s = bigSigma1(h);
  t = i32x4.add(u, s);
  g = i32x4.add(i32x4.add(g, u), s);
  y = v128.xor(d, e);
  c = i32x4.add(i32x4.add(t, v128.xor(e, v128.and(y, x))), bigSigma0(d));
  u = i32x4.add(i32x4.add(b, v128.load(p, 864)), v128.bitselect(h, a, g));
  s = bigSigma1(g);
  t = i32x4.add(u, s);
  f = i32x4.add(i32x4.add(f, u), s);
  x = v128.xor(c, d);
  b = i32x4.add(i32x4.add(t, v128.xor(d, v128.and(x, y))), bigSigma0(c));
  u = i32x4.add(i32x4.add(a, v128.load(p, 880)), v128.bitselect(g, h, f));
  s = bigSigma1(f);
  t = i32x4.add(u, s);
  e = i32x4.add(i32x4.add(e, u), s);
  y = v128.xor(b, c);
  a = i32x4.add(i32x4.add(t, v128.xor(c, v128.and(y, x))), bigSigma0(b));
  u = i32x4.add(i32x4.add(h, v128.load(p, 896)), v128.bitselect(f, g, e));
  s = bigSigma1(e);
  t = i32x4.add(u, s);
  d = i32x4.add(i32x4.add(d, u), s);
  x = v128.xor(a, b);
  h = i32x4.add(i32x4.add(t, v128.xor(b, v128.and(x, y))), bigSigma0(a));
  u = i32x4.add(i32x4.add(g, v128.load(p, 912)), v128.bitselect(e, f, d));
  s = bigSigma1(d);
  t = i32x4.add(u, s);
  c = i32x4.add(i32x4.add(c, u), s);
  y = v128.xor(h, a);
  g = i32x4.add(i32x4.add(t, v128.xor(a, v128.and(y, x))), bigSigma0(h));
  u = i32x4.add(i32x4.add(f, v128.load(p, 928)), v128.bitselect(d, e, c));
  s = bigSigma1(c);
  t = i32x4.add(u, s);
  b = i32x4.add(i32x4.add(b, u), s);
  x = v128.xor(g, h);
  f = i32x4.add(i32x4.add(t, v128.xor(h, v128.and(x, y))), bigSigma0(g));
  u = i32x4.add(i32x4.add(e, v128.load(p, 944)), v128.bitselect(c, d, b));
  s = bigSigma1(b);
  t = i32x4.add(u, s);
  a = i32x4.add(i32x4.add(a, u), s);
  y = v128.xor(f, g);
  e = i32x4.add(i32x4.add(t, v128.xor(g, v128.and(y, x))), bigSigma0(f));
  u = i32x4.add(i32x4.add(d, v128.load(p, 960)), v128.bitselect(b, c, a));
  s = bigSigma1(a);
  t = i32x4.add(u, s);
  h = i32x4.add(i32x4.add(h, u), s);
  x = v128.xor(e, f);
  d = i32x4.add(i32x4.add(t, v128.xor(f, v128.and(x, y))), bigSigma0(e));
  u = i32x4.add(i32x4.add(c, v128.load(p, 976)), v128.bitselect(a, b, h));
  s = bigSigma1(h);
  t = i32x4.add(u, s);
  g = i32x4.add(i32x4.add(g, u), s);
  y = v128.xor(d, e);
  c = i32x4.add(i32x4.add(t, v128.xor(e, v128.and(y, x))), bigSigma0(d));
  u = i32x4.add(i32x4.add(b, v128.load(p, 992)), v128.bitselect(h, a, g));
  s = bigSigma1(g);
  t = i32x4.add(u, s);
  f = i32x4.add(i32x4.add(f, u), s);
  x = v128.xor(c, d);
  b = i32x4.add(i32x4.add(t, v128.xor(d, v128.and(x, y))), bigSigma0(c));
  u = i32x4.add(i32x4.add(a, v128.load(p, 1008)), v128.bitselect(g, h, f));
  s = bigSigma1(f);
  t = i32x4.add(u, s);
  e = i32x4.add(i32x4.add(e, u), s);
  y = v128.xor(b, c);
  a = i32x4.add(i32x4.add(t, v128.xor(c, v128.and(y, x))), bigSigma0(b));
  v128.store(st, i32x4.add(v128.load(st), a));
  v128.store(st, i32x4.add(v128.load(st, 16), b), 16);
  v128.store(st, i32x4.add(v128.load(st, 32), c), 32);
  v128.store(st, i32x4.add(v128.load(st, 48), d), 48);
  v128.store(st, i32x4.add(v128.load(st, 64), e), 64);
  v128.store(st, i32x4.add(v128.load(st, 80), f), 80);
  v128.store(st, i32x4.add(v128.load(st, 96), g), 96);
  v128.store(st, i32x4.add(v128.load(st, 112), h), 112);
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
        roundsX4(stA);
        p0 += 64;
        p1 += 64;
        p2 += 64;
        p3 += 64;
      }
    } else {
      for (let i: usize = 0; i < nblocks; i++) {
        scheduleX4(p0, p1, p2, p3);
        roundsX4(stA);
        roundsX4(stB);
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
