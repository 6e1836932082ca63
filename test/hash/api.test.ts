// Input checking, misuse after digest(), the core contract the pool relies on, the browser-safety
// rule (no node: imports under src/hash), and the two builds being what they claim.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  combineTreeHashes,
  HasherFinalizedError,
  InvalidTreeHashError,
  sha256,
  treeHash,
  TreeHasher,
  WasmCoreError,
} from 'glacier-multipart/hash';
import { GlacierMultipartError } from 'glacier-multipart';
import { getCore, simdSupported } from '../../dist/src/hash/core.js';
import { bytes, MiB, refTreeHash } from './reference.js';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const BAR = 'fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9';

describe('wrong input types get a TypeError naming what was passed', () => {
  const cases: [string, unknown, RegExp][] = [
    ['a string', 'bar', /got a string \(bar\); encode text first/],
    ['null', null, /got null/],
    ['undefined', undefined, /got undefined/],
    ['an ArrayBuffer', new ArrayBuffer(4), /got an ArrayBuffer/],
    ['a number', 42, /got a number \(42\)/],
    ['a plain array', [1, 2, 3], /got an Array/],
  ];
  it.each(cases)('sha256, treeHash and TreeHasher.update reject %s', (_name, value, message) => {
    expect(() => sha256(value as Uint8Array)).toThrow(TypeError);
    expect(() => sha256(value as Uint8Array)).toThrow(/^sha256\(\) expects a Uint8Array/);
    expect(() => sha256(value as Uint8Array)).toThrow(message);
    expect(() => treeHash(value as Uint8Array)).toThrow(/^treeHash\(\) expects a Uint8Array/);
    expect(() => new TreeHasher().update(value as Uint8Array)).toThrow(/^TreeHasher\.update\(\) expects a Uint8Array/);
  });

  it('accepts a Buffer and a Uint8Array view into a larger buffer', () => {
    expect(sha256(Buffer.from('bar'))).toBe(BAR);
    const big = new Uint8Array(100);
    big.set(new TextEncoder().encode('bar'), 40);
    expect(sha256(big.subarray(40, 43))).toBe(BAR);
  });

  it('TreeHasher options are checked', () => {
    expect(() => new TreeHasher({ linear: 'yes' as unknown as boolean })).toThrow(/option linear must be a boolean, got a string/);
    expect(() => new TreeHasher(null as unknown as {})).toThrow(TypeError);
  });

  it('hashParts rejects a non-Uint8Array part, naming its index', () => {
    expect(() => getCore().hashParts([new Uint8Array(1), 'x' as unknown as Uint8Array])).toThrow(
      /hashParts: part 1 must be a Uint8Array, got a string/,
    );
  });

  it('hashParts rejects a non-array and a non-boolean linear option', () => {
    expect(() => getCore().hashParts(new Uint8Array(4) as unknown as Uint8Array[])).toThrow(/hashParts expects an array of Uint8Array parts, got a Uint8Array/);
    expect(() => getCore().hashParts([new Uint8Array(1)], { linear: 'no' as unknown as boolean })).toThrow(/linear must be a boolean, got a string/);
  });

  it('getCore rejects an unknown kind', () => {
    expect(() => getCore('gpu' as 'simd')).toThrow(/kind must be 'simd' or 'scalar', got a string \(gpu\)/);
  });
});

describe('combineTreeHashes input', () => {
  it('rejects a non-array, an empty list, malformed hex and wrong-size digests', () => {
    expect(() => combineTreeHashes(BAR as unknown as string[])).toThrow(TypeError);
    expect(() => combineTreeHashes([])).toThrow(InvalidTreeHashError);
    expect(() => combineTreeHashes([])).toThrow(/empty list; pass the tree hash of every part/);
    expect(() => combineTreeHashes([BAR, 'xyz'])).toThrow(/hash 1 is not a SHA-256 tree hash \(64 hex digits\): "xyz"/);
    expect(() => combineTreeHashes([BAR, new Uint8Array(31)])).toThrow(/hash 1 has 31 bytes; a SHA-256 tree hash has 32/);
    expect(() => combineTreeHashes([BAR, 5 as unknown as string])).toThrow(/hash 1 must be a hex string or a 32-byte Uint8Array, got a number/);
    const e = (() => {
      try {
        combineTreeHashes([]);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(GlacierMultipartError);
    expect((e as GlacierMultipartError).code).toBe('INVALID_TREE_HASH');
  });

  it('one hash combines to itself; upper-case hex is accepted', () => {
    expect(combineTreeHashes([BAR])).toBe(BAR);
    expect(combineTreeHashes([BAR.toUpperCase(), BAR])).toBe(combineTreeHashes([BAR, BAR]));
  });

  it('three parts: the odd last digest is carried up unchanged (glacier-rules.md)', () => {
    const data = bytes(3 * MiB - 5, 7);
    const parts = [0, 1, 2].map((i) => treeHash(data.subarray(i * MiB, (i + 1) * MiB)));
    expect(combineTreeHashes(parts)).toBe(refTreeHash(data));
  });
});

describe('TreeHasher after digest()', () => {
  it('update() and digest() throw HasherFinalizedError with a clear message', () => {
    const h = new TreeHasher({ linear: true });
    h.update(new Uint8Array(10));
    h.digest();
    expect(() => h.update(new Uint8Array(1))).toThrow(HasherFinalizedError);
    expect(() => h.update(new Uint8Array(1))).toThrow(/TreeHasher\.update\(\) called after digest\(\).*create a new TreeHasher/);
    expect(() => h.digest()).toThrow(/TreeHasher\.digest\(\) called after digest\(\)/);
  });

  it('a hasher that never saw a byte digests the empty input', () => {
    const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    expect(new TreeHasher().digest()).toEqual({ treeHash: empty, size: 0 });
    expect(new TreeHasher({ linear: true }).digest()).toEqual({ treeHash: empty, sha256: empty, size: 0 });
  });

  it('many interleaved hashers keep separate state (each has its own staging memory)', () => {
    const datas = [0, 1, 2, 3, 4].map((i) => bytes(4 * MiB + 1000 * i + 3, 50 + i));
    const hashers = datas.map(() => new TreeHasher({ linear: true }));
    for (let off = 0; off < 5 * MiB; off += 300_000) {
      hashers.forEach((h, i) => h.update(datas[i]!.subarray(off, off + 300_000)));
    }
    hashers.forEach((h, i) => {
      const d = h.digest();
      expect(d.treeHash).toBe(refTreeHash(datas[i]!));
      expect(d.size).toBe(datas[i]!.length);
    });
  });
});

describe('memory stays bounded', () => {
  const memoryBytes = (kind: 'simd' | 'scalar') => getCore(kind).x.memory.buffer.byteLength;

  it.each(['simd', 'scalar'] as const)('%s: one-shot calls and hashParts do not grow memory with input size', (kind) => {
    const core = getCore(kind);
    core.hashParts([bytes(3 * MiB, 1), bytes(2 * MiB, 2)]);
    const before = memoryBytes(kind);
    const big = bytes(24 * MiB + 5, 3);
    expect(core.treeHash(big)).toBe(refTreeHash(big));
    core.sha256(big);
    core.hashParts([big, big.subarray(MiB), big.subarray(0, 9 * MiB), big.subarray(5)]);
    core.hashParts([big, big], { linear: false });
    expect(memoryBytes(kind)).toBe(before);
  });

  it('memory the core cannot have is a typed WasmCoreError naming the fix, and the core keeps working', () => {
    const core = getCore('scalar');
    const err = (() => {
      try {
        core.alloc(0xffff0000);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(WasmCoreError);
    expect(err).toBeInstanceOf(GlacierMultipartError);
    expect((err as WasmCoreError).code).toBe('WASM_CORE');
    expect((err as Error).message).toMatch(/cannot grow WebAssembly memory .*hash the data in smaller pieces/);
    expect(core.sha256(new TextEncoder().encode('bar'))).toBe(BAR);
  });

  it('digested TreeHashers give their staging memory back for the next ones', () => {
    const data = bytes(5 * MiB, 9);
    new TreeHasher().update(data).digest();
    const before = memoryBytes('simd');
    for (let i = 0; i < 20; i++) {
      const a = new TreeHasher({ linear: true }).update(data);
      const b = new TreeHasher().update(data);
      a.digest();
      b.digest();
    }
    expect(memoryBytes('simd')).toBeLessThanOrEqual(before + 2 * (4 * MiB + 256));
  });
});

describe('core contract', () => {
  it('getCore() is the SIMD core on this Node and each kind is a single lazily made instance', () => {
    expect(simdSupported).toBe(true); // Node 20 on x64 runs WASM SIMD; the suite needs it to test that path
    expect(getCore().kind).toBe('simd');
    expect(getCore('simd')).toBe(getCore());
    expect(getCore('scalar')).toBe(getCore('scalar'));
    expect(getCore('scalar').kind).toBe('scalar');
  });

  it('hashParts: linear defaults to true; parts <= 1 MiB have tree hash == linear hash; order kept', () => {
    const parts = [bytes(MiB, 1), bytes(10, 2), bytes(3 * MiB + 1, 3), new Uint8Array(0)];
    const r = getCore().hashParts(parts);
    expect(r.map((x) => x.size)).toEqual(parts.map((p) => p.length));
    expect(r[0]!.sha256).toBe(r[0]!.treeHash);
    expect(r[1]!.sha256).toBe(r[1]!.treeHash);
    expect(r[2]!.sha256).not.toBe(r[2]!.treeHash);
    expect(r[3]!.treeHash).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(getCore().hashParts([])).toEqual([]);
    expect(getCore().hashParts(parts, { linear: false }).every((x) => !('sha256' in x))).toBe(true);
  });
});

describe('the two WebAssembly builds', () => {
  // Child processes: binaryen's validator prints every complaint to stdout; we read the last line.
  const runChild = (args: string[]) =>
    JSON.parse(
      execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 })
        .trim()
        .split('\n')
        .pop()!,
    );

  it('the scalar build contains no SIMD, the SIMD build does (binaryen validator without SIMD)', () => {
    expect(runChild([root('test/hash/fixtures/uses-simd.mjs')])).toEqual({ scalar: false, simd: true });
  });

  it('on a host without WASM SIMD, the public API falls back to the scalar build', () => {
    const r = runChild(['--import', root('test/hash/fixtures/no-simd-host.mjs'), root('test/hash/fixtures/fallback-child.mjs')]);
    expect(r.simulated).toBe(true);
    expect(r.simdSupported).toBe(false);
    expect(r.kind).toBe('scalar');
    expect(r.bar).toBe(BAR);
    expect(r.zerosTree).toBe('a3a82dbe3644dd6046be472f2e3ec1f8ef47f8f3adb86d0de4de7a254f255455');
    expect(r.zerosStream).toEqual({
      treeHash: 'a3a82dbe3644dd6046be472f2e3ec1f8ef47f8f3adb86d0de4de7a254f255455',
      sha256: '733cf513448ce6b20ad1bc5e50eb27c06aefae0c320713a5dd99f4e51bc1ca60',
      size: 5.5 * MiB,
    });
    expect(r.parts[0].treeHash).toBe('a3a82dbe3644dd6046be472f2e3ec1f8ef47f8f3adb86d0de4de7a254f255455');
    expect(r.parts[1].treeHash).toBe(refTreeHash(new Uint8Array(2 * MiB + 5)));
    expect(r.simdError).toMatch(/no WebAssembly SIMD; use the scalar core/);
    expect(r.simdErrorCode).toBe('WASM_CORE'); // a typed WasmCoreError, not a plain Error
  });
});

describe('browser safety', () => {
  it('nothing under src/hash imports node: modules', () => {
    const dir = root('src/hash');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('index.ts');
    for (const f of files) {
      const text = readFileSync(`${dir}/${f}`, 'utf8');
      expect(text, f).not.toMatch(/from\s+['"]node:|import\(\s*['"]node:|require\(\s*['"]node:/);
      // Bare Node built-ins, e.g. 'fs' or 'crypto', are just as unusable in a browser.
      expect(text, f).not.toMatch(/from\s+['"](fs|path|crypto|url|os|buffer|worker_threads)['"]/);
    }
  });
});
