import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HashPool,
  InvalidPartDataError,
  InvalidPoolOptionError,
  PoolQueueFullError,
  type HashEngine,
} from '../../dist/src/pool/index.js';
import { GlacierMultipartError } from '../../dist/src/errors.js';
import { MiB, oracleSha256, oracleTreeHash, patternBytes } from './helpers.js';

const SIZES = [0, 1, 64, MiB - 1, MiB, MiB + 1, 2 * MiB, 3 * MiB + 5, 4 * MiB, 5.5 * MiB, 8 * MiB + 1];

describe.each(['wasm', 'node'] as HashEngine[])('hashPart with the %s engine', (engine) => {
  let pool: HashPool;
  beforeAll(() => {
    pool = new HashPool({ threads: 2, engine });
  });
  afterAll(() => pool.destroy());

  it('reports the engine it was given', async () => {
    expect(pool.engine).toBe(engine);
    await expect(pool.ready()).resolves.toBe(engine);
  });

  it.each(SIZES)('equals the node:crypto oracle for %i bytes (linear + tree)', async (size) => {
    const bytes = patternBytes(size, size + 7);
    const expected = { treeHash: oracleTreeHash(bytes), sha256: oracleSha256(bytes), size };
    const r = await pool.hashPart(bytes.slice()); // slice: exact-cover copy, so `bytes` stays ours
    expect({ treeHash: r.treeHash, sha256: r.sha256, size: r.size }).toEqual(expected);
    expect(Buffer.from(r.data).equals(Buffer.from(bytes))).toBe(true);
  });

  it('matches the Glacier vectors (5.5 MiB of "0" and of 0x00, 1 MiB of 0x00, "bar")', async () => {
    const [a, b, c, d] = await Promise.all([
      pool.hashPart(new Uint8Array(5.5 * MiB).fill(0x30)),
      pool.hashPart(new Uint8Array(5.5 * MiB)),
      pool.hashPart(new Uint8Array(MiB)),
      pool.hashPart(new TextEncoder().encode('bar')),
    ]);
    expect([a!.sha256, a!.treeHash]).toEqual([
      '68aff0c5a91aa0491752bfb96e3fef33eb74953804f6a2f7b708d5bcefa8ff6b',
      '154e26c78fd74d0c2c9b3cc4644191619dc4f2cd539ae2a74d5fd07957a3ee6a',
    ]);
    expect([b!.sha256, b!.treeHash]).toEqual([
      '733cf513448ce6b20ad1bc5e50eb27c06aefae0c320713a5dd99f4e51bc1ca60',
      'a3a82dbe3644dd6046be472f2e3ec1f8ef47f8f3adb86d0de4de7a254f255455',
    ]);
    expect(c!.treeHash).toBe('30e14955ebf1352266dc2ff8067e68104607e750abb9d3b36582b8af909fcb58');
    expect(c!.sha256).toBe(c!.treeHash);
    expect(d!.treeHash).toBe('fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9');
  });

  it('omits the linear hash when linear is false, and still gets the tree hash right', async () => {
    const bytes = patternBytes(3 * MiB + 1, 3);
    const r = await pool.hashPart(bytes.slice(), { linear: false });
    expect(r.sha256).toBeUndefined();
    expect(r.treeHash).toBe(oracleTreeHash(bytes));
  });

  it('batches many concurrent calls (mixed sizes, mixed linear) and answers each one right', async () => {
    const inputs = Array.from({ length: 13 }, (_, i) => patternBytes((i % 5) * MiB + i * 977, 100 + i));
    const results = await Promise.all(inputs.map((b, i) => pool.hashPart(b.slice(), { linear: i % 4 !== 3 })));
    results.forEach((r, i) => {
      expect(r.size).toBe(inputs[i]!.length);
      expect(r.treeHash).toBe(oracleTreeHash(inputs[i]!));
      expect(r.sha256).toBe(i % 4 !== 3 ? oracleSha256(inputs[i]!) : undefined);
    });
  });
});

describe.each(['wasm', 'node'] as HashEngine[])('hashPart buffer rules (no copy between threads), %s engine', (engine) => {
  let pool: HashPool;
  beforeAll(() => {
    pool = new HashPool({ threads: 2, engine });
  });
  afterAll(() => pool.destroy());

  it('transfers a view that covers its whole ArrayBuffer: the caller’s view is detached, result.data holds the bytes', async () => {
    const expected = patternBytes(3 * MiB + 3, 9);
    const buffer = new ArrayBuffer(expected.length);
    const view = new Uint8Array(buffer);
    view.set(expected);
    const promise = pool.hashPart(view);
    // Detached from the call on: the memory moved, nothing was left behind to copy from.
    expect(view.byteLength).toBe(0);
    expect(buffer.byteLength).toBe(0);
    const r = await promise;
    expect(view.byteLength).toBe(0);
    expect(r.data === view).toBe(false);
    expect(r.data.byteOffset).toBe(0);
    expect(r.data.byteLength).toBe(expected.length);
    expect(r.data.buffer.byteLength).toBe(expected.length);
    expect(Buffer.from(r.data).equals(Buffer.from(expected))).toBe(true);
    expect(r.treeHash).toBe(oracleTreeHash(expected));
  });

  it('also transfers a large Buffer that owns its ArrayBuffer (Buffer.alloc)', async () => {
    const buf = Buffer.alloc(2 * MiB, 0x41);
    const r = await pool.hashPart(buf);
    expect(buf.byteLength).toBe(0);
    expect(r.sha256).toBe(oracleSha256(new Uint8Array(2 * MiB).fill(0x41)));
  });

  it('shares a SharedArrayBuffer view: same object back, never detached, worker saw the same memory', async () => {
    const sab = new SharedArrayBuffer(4 * MiB);
    const ring = new Uint8Array(sab);
    const expected = patternBytes(4 * MiB, 11);
    ring.set(expected);
    const part = ring.subarray(MiB, 3 * MiB); // a slot in a reused ring of part buffers
    const r = await pool.hashPart(part);
    expect(r.data).toBe(part);
    expect(r.data.buffer).toBe(sab);
    expect(sab.byteLength).toBe(4 * MiB);
    expect(r.treeHash).toBe(oracleTreeHash(expected.subarray(MiB, 3 * MiB)));
    // Reuse the slot for the next part, as an uploader's ring does.
    part.set(patternBytes(2 * MiB, 12));
    const r2 = await pool.hashPart(part);
    expect(r2.data).toBe(part);
    expect(r2.sha256).toBe(oracleSha256(patternBytes(2 * MiB, 12)));
  });

  it('copies (once) a view that shares its ArrayBuffer with other bytes, and leaves the caller’s view intact', async () => {
    const small = Buffer.from('glacier part bytes from the Buffer pool slab');
    expect(small.buffer.byteLength).toBeGreaterThan(small.byteLength); // really a slice of a slab
    const whole = patternBytes(3 * MiB, 13);
    const middle = whole.subarray(MiB, 2 * MiB + 10);
    const [a, b] = await Promise.all([pool.hashPart(small), pool.hashPart(middle)]);
    expect(small.toString()).toBe('glacier part bytes from the Buffer pool slab');
    expect(whole.byteLength).toBe(3 * MiB);
    expect(a!.data).not.toBe(small);
    expect(Buffer.from(a!.data).equals(small)).toBe(true);
    expect(a!.sha256).toBe(oracleSha256(small));
    expect(b!.treeHash).toBe(oracleTreeHash(middle));
    expect(b!.data.buffer).not.toBe(whole.buffer);
  });

  it('copies a whole buffer that cannot be transferred (WebAssembly memory) instead of failing', async () => {
    const memory = new WebAssembly.Memory({ initial: 20 }); // 20 x 64 KiB
    const view = new Uint8Array(memory.buffer);
    view.set(patternBytes(view.length, 14));
    const r = await pool.hashPart(view);
    expect(view.byteLength).toBe(20 * 65536);
    expect(r.treeHash).toBe(oracleTreeHash(patternBytes(20 * 65536, 14)));
  });

  it('refuses a detached view with a typed error that says what happened', async () => {
    const view = new Uint8Array(MiB);
    const first = pool.hashPart(view);
    const err = await pool.hashPart(view).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidPartDataError);
    expect((err as Error).message).toMatch(/detached.*result\.data/);
    const r = await first;
    // The bytes are in result.data, which can be hashed again.
    await expect(pool.hashPart(r.data)).resolves.toMatchObject({ treeHash: r.treeHash });
  });
});

describe('hashPart input and option errors', () => {
  let pool: HashPool;
  beforeAll(() => {
    pool = new HashPool({ threads: 1, engine: 'node' });
  });
  afterAll(() => pool.destroy());

  it('rejects non-bytes with InvalidPartDataError naming what was passed', async () => {
    for (const bad of ['text', 42, null, [1, 2, 3], new Uint16Array(4)]) {
      const err = await pool.hashPart(bad as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidPartDataError);
      expect(err).toBeInstanceOf(GlacierMultipartError);
      expect((err as Error).message).toMatch(/Uint8Array/);
    }
  });

  it('rejects a non-boolean linear option', async () => {
    await expect(pool.hashPart(new Uint8Array(1), { linear: 'yes' as never })).rejects.toBeInstanceOf(InvalidPoolOptionError);
  });

  it('validates constructor options', () => {
    expect(() => new HashPool({ threads: 0 })).toThrow(InvalidPoolOptionError);
    expect(() => new HashPool({ threads: 1.5 })).toThrow(/threads/);
    expect(() => new HashPool({ engine: 'gpu' as never })).toThrow(/'wasm', 'node' or 'auto'/);
    expect(() => new HashPool({ idleTimeout: -1 })).toThrow(/idleTimeout/);
    expect(() => new HashPool({ maxQueue: -2 })).toThrow(/maxQueue/);
  });

  it('fails calls beyond maxQueue with PoolQueueFullError and keeps the ones that fit', async () => {
    const small = new HashPool({ threads: 1, engine: 'node', maxQueue: 2 });
    try {
      const calls = Array.from({ length: 4 }, (_, i) => small.hashPart(patternBytes(MiB + i, i)).then(
        (r) => r.treeHash,
        (e: unknown) => e,
      ));
      const settled = await Promise.all(calls);
      expect(settled.slice(0, 2)).toEqual([oracleTreeHash(patternBytes(MiB, 0)), oracleTreeHash(patternBytes(MiB + 1, 1))]);
      expect(settled[2]).toBeInstanceOf(PoolQueueFullError);
      expect(settled[3]).toBeInstanceOf(PoolQueueFullError);
      // Once the queue drained there is room again.
      await expect(small.hashPart(new Uint8Array(5))).resolves.toMatchObject({ size: 5 });
    } finally {
      await small.destroy();
    }
  });
});
