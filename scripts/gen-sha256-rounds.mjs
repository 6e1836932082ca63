#!/usr/bin/env node
// Writes assembly/sha256-rounds.ts: the 64 SHA-256 rounds, fully unrolled, for the scalar core
// (compressScalar) and the 4-lane WASM SIMD core (roundsX4). Unrolled by hand they were ~900 lines
// that could only be changed by editing every round; here each round is one template.
//
//   node scripts/gen-sha256-rounds.mjs           write the file (run by `npm run build:wasm`)
//   node scripts/gen-sha256-rounds.mjs --check   exit 1 if the checked-in file is not what this writes
//
// Both forms rotate the variable names instead of moving eight values per round (round i's a is
// the name round 0 called h - i ...), and add the terms that depend on this round's e (Ch, then
// Sigma1) last, so the chain from one e to the next stays short: V8 does not reassociate the
// additions for us (~5% scalar, ~6% SIMD). Maj(a, b, c) is computed as b ^ ((a ^ b) & (b ^ c)),
// where each round's a ^ b is the next round's b ^ c, so x and y take turns holding it.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const OUTPUT = fileURLToPath(new URL('../assembly/sha256-rounds.ts', import.meta.url));

// FIPS 180-4 round constants (the first 32 bits of the fractional parts of the cube roots of the
// first 64 primes).
const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const hex = (n) => `0x${n.toString(16).padStart(8, '0')}`;

/** Round i's names for a..h: the names rotate one place per round. */
function vars(i) {
  const at = (k) => NAMES[(k - i + 64) % 8];
  return { a: at(0), b: at(1), c: at(2), d: at(3), e: at(4), f: at(5), g: at(6), h: at(7) };
}

/** Which of x/y takes this round's a ^ b, and the order of the Maj operands. */
function majority(i) {
  return i % 2 === 0 ? { set: 'x', first: 'x', second: 'y' } : { set: 'y', first: 'y', second: 'x' };
}

function scalarRound(i) {
  const { a, b, d, e, f, g, h } = vars(i);
  const m = majority(i);
  const w = `w${i % 16}`;
  const lines = [];
  if (i >= 16) {
    // W[i] = sigma1(W[i-2]) + W[i-7] + sigma0(W[i-15]) + W[i-16], in a rolling window of 16.
    const w2 = `w${(i - 2) % 16}`;
    const w7 = `w${(i - 7) % 16}`;
    const w15 = `w${(i - 15) % 16}`;
    lines.push(`${w} += (rotr<u32>(${w2}, 17) ^ rotr<u32>(${w2}, 19) ^ (${w2} >>> 10)) + ${w7} + (rotr<u32>(${w15}, 7) ^ rotr<u32>(${w15}, 18) ^ (${w15} >>> 3));`);
  }
  lines.push(
    `u = ${h} + ${hex(K[i])} + ${w} + (${g} ^ (${e} & (${f} ^ ${g})));`,
    `s = (rotr<u32>(${e}, 6) ^ rotr<u32>(${e}, 11) ^ rotr<u32>(${e}, 25));`,
    `t = u + s;`,
    `${d} = (${d} + u) + s;`,
    `${m.set} = ${a} ^ ${b};`,
    `${h} = (t + (${b} ^ (${m.first} & ${m.second}))) + (rotr<u32>(${a}, 2) ^ rotr<u32>(${a}, 13) ^ rotr<u32>(${a}, 22));`,
  );
  return lines.map((l) => `    ${l}`);
}

function simdRound(i) {
  const { a, b, d, e, f, g, h } = vars(i);
  const m = majority(i);
  return [
    `u = i32x4.add(i32x4.add(${h}, v128.load(p, ${16 * i})), v128.bitselect(${f}, ${g}, ${e}));`,
    `s = bigSigma1(${e});`,
    `t = i32x4.add(u, s);`,
    `${d} = i32x4.add(i32x4.add(${d}, u), s);`,
    `${m.set} = v128.xor(${a}, ${b});`,
    `${h} = i32x4.add(i32x4.add(t, v128.xor(${b}, v128.and(${m.first}, ${m.second}))), bigSigma0(${a}));`,
  ].map((l) => `  ${l}`);
}

const range = (n) => [...Array(n).keys()];

function compressScalarSource() {
  return [
    '// Compresses `nblocks` consecutive 64-byte blocks at `src` into the state at `st`. The 64 rounds',
    '// are fully unrolled with the round constants as immediates and the message schedule computed on',
    '// the fly in a rolling window of 16 locals; the state stays in locals across blocks. Each round',
    "// adds the terms that depend on this round's e (Ch, then Σ1) last, so the dependency chain from",
    '// one e to the next is short (V8 does not reassociate the additions for us): ~5% faster.',
    'export function compressScalar(st: usize, stride: usize, src: usize, nblocks: usize): void {',
    ...NAMES.map((n, k) => `  let ${n} = load<u32>(st${k === 0 ? '' : k === 1 ? ' + stride' : ` + ${k} * stride`});`),
    '  let t: u32;',
    '  let u: u32;',
    '  let s: u32;',
    '  const end = src + (nblocks << 6);',
    '  while (src < end) {',
    '    const a0 = a, b0 = b, c0 = c, d0 = d, e0 = e, f0 = f, g0 = g, h0 = h;',
    ...range(16).map((k) => `    let w${k} = bswap<u32>(load<u32>(src, ${4 * k}));`),
    "    // Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)); each round's a ^ b is the next round's b ^ c.",
    '    let x: u32;',
    '    let y: u32 = b ^ c;',
    ...range(64).flatMap(scalarRound),
    ...NAMES.map((n) => `    ${n} += ${n}0;`),
    '    src += 64;',
    '  }',
    ...NAMES.map((n, k) => `  store<u32>(st${k === 0 ? '' : k === 1 ? ' + stride' : ` + ${k} * stride`}, ${n});`),
    '}',
  ];
}

function roundsX4Source() {
  return [
    '// 64 rounds over the 4-lane W[t] + K[t] at `p` on the 4-lane state at `st`, fully unrolled',
    '// (constant load offsets; the variable names rotate instead of moving eight registers per round).',
    "// As in the scalar rounds, the terms that depend on this round's e are added last to keep the",
    '// e-to-e chain short (~6%).',
    '@inline',
    'export function roundsX4(st: usize, p: usize): void {',
    ...NAMES.map((n, k) => `  let ${n} = v128.load(st${k === 0 ? '' : `, ${16 * k}`});`),
    '  let t: v128;',
    '  let u: v128;',
    '  let s: v128;',
    "  // Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)); each round's a ^ b is the next round's b ^ c.",
    '  let x: v128;',
    '  let y = v128.xor(b, c);',
    ...range(64).flatMap(simdRound),
    ...NAMES.map((n, k) =>
      k === 0 ? `  v128.store(st, i32x4.add(v128.load(st), ${n}));` : `  v128.store(st, i32x4.add(v128.load(st, ${16 * k}), ${n}), ${16 * k});`,
    ),
    '}',
  ];
}

export function generate() {
  return [
    '// GENERATED by scripts/gen-sha256-rounds.mjs: do not edit. Change the generator, then run',
    '// `npm run build:wasm` (which rewrites this file); test/hash/generated.test.ts checks it is current.',
    '//',
    '// The 64 SHA-256 rounds, fully unrolled: scalar (one message) and 4-lane WASM SIMD (four',
    '// messages, word i of all four lanes in one v128). Used by assembly/index.ts.',
    "import { bigSigma0, bigSigma1 } from './simd';",
    '',
    ...compressScalarSource(),
    '',
    ...roundsX4Source(),
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = generate();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(OUTPUT, 'utf8');
    } catch {
      // Missing counts as stale.
    }
    if (current !== text) {
      console.error('assembly/sha256-rounds.ts is not what scripts/gen-sha256-rounds.mjs writes: run `node scripts/gen-sha256-rounds.mjs` (or npm run build:wasm).');
      process.exit(1);
    }
  } else {
    writeFileSync(OUTPUT, text);
  }
}
