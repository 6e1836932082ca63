// Property tests against node:crypto (test/hash/reference.ts), for the public API (default core)
// and for each WebAssembly build explicitly, so a broken scalar fallback cannot hide behind SIMD.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combineTreeHashes, sha256, treeHash, TreeHasher } from 'glacier-multipart/hash';
import { getCore, type CoreKind } from '../../dist/src/hash/core.js';
import { bytes, MiB, refSha256, refTreeHash } from './reference.js';

// Lengths: mostly around the interesting boundaries (block, leaf, 4-leaf group) plus anything up to ~6 MiB.
const length = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: 0, max: 6 * MiB + 100 }),
  fc.constantFrom(1, 2, 3, 4, 5, 6).chain((n) => fc.integer({ min: n * MiB - 130, max: n * MiB + 130 })),
);
const seed = fc.integer({ min: 1, max: 0x7fffffff });

// 1 MiB x 2^n, +-1 and +-64 (n = 0..3: 1, 2, 4, 8 MiB).
const boundaryLengths = [0, 1, 2, 3].flatMap((n) => [-64, -1, 0, 1, 64].map((d) => (MiB << n) + d));

const kinds: CoreKind[] = ['scalar', 'simd'];

describe.each(kinds)('%s core against node:crypto', (kind) => {
  const core = getCore(kind);

  it('sha256 and treeHash of random data, lengths 0..6 MiB', () => {
    fc.assert(
      fc.property(length, seed, (len, s) => {
        const data = bytes(len, s);
        expect(core.sha256(data)).toBe(refSha256(data));
        expect(core.treeHash(data)).toBe(refTreeHash(data));
      }),
      { numRuns: 14 },
    );
  });

  it.each(boundaryLengths)('sha256, treeHash and hashParts at length %i (1 MiB x 2^n +-1, +-64)', (len) => {
    const data = bytes(len, len);
    const linear = refSha256(data);
    const tree = refTreeHash(data);
    expect(core.sha256(data)).toBe(linear);
    expect(core.treeHash(data)).toBe(tree);
    expect(core.hashParts([data])).toEqual([{ treeHash: tree, sha256: linear, size: len }]);
  });

  it('hashParts of 1..6 random parts (lanes of different lengths) equals per-part hashes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 5 * MiB }), fc.constantFrom(MiB, 2 * MiB, 4 * MiB)), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.boolean(),
        seed,
        (lengths, linear, s) => {
          const parts = lengths.map((len, i) => bytes(len, s + i));
          const got = core.hashParts(parts, { linear });
          expect(got).toEqual(
            parts.map((p) =>
              linear
                ? { treeHash: refTreeHash(p), sha256: refSha256(p), size: p.length }
                : { treeHash: refTreeHash(p), size: p.length },
            ),
          );
        },
      ),
      { numRuns: 8 },
    );
  });

  it('hashParts with equal-length small parts (shared lanes) and leaves packed across parts', () => {
    const lengths = [MiB, 1000, MiB, MiB, 1000, 2 * MiB + 3, MiB, MiB, 0, 64, 3 * MiB, 1000, 0];
    const parts = lengths.map((len, i) => bytes(len, 77 + i));
    for (const linear of [true, false]) {
      expect(core.hashParts(parts, { linear })).toEqual(
        parts.map((p) =>
          linear
            ? { treeHash: refTreeHash(p), sha256: refSha256(p), size: p.length }
            : { treeHash: refTreeHash(p), size: p.length },
        ),
      );
    }
  });

  it('hashParts of four 16 MiB parts (the pool batch) plus a short last part', () => {
    const parts = [0, 1, 2, 3].map((i) => bytes(16 * MiB, 1000 + i));
    parts.push(bytes(3 * MiB + 17, 2000));
    expect(core.hashParts(parts)).toEqual(
      parts.map((p) => ({ treeHash: refTreeHash(p), sha256: refSha256(p), size: p.length })),
    );
  });

  it('streams random chunkings (any boundaries) to the same hashes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 * MiB + 1000 }),
        fc.array(fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 2 * MiB })), {
          minLength: 1,
          maxLength: 20,
        }),
        seed,
        (len, sizes, s) => {
          const data = bytes(len, s);
          const stream = core.stream(true);
          for (let off = 0, i = 0; off < len; i++) {
            const n = sizes[i % sizes.length]!;
            stream.update(data.subarray(off, off + n));
            off += n;
          }
          expect(stream.digest()).toEqual({ treeHash: refTreeHash(data), sha256: refSha256(data), size: len });
        },
      ),
      { numRuns: 10 },
    );
  });
});

describe('public API against node:crypto', () => {
  it('sha256 and treeHash of random data, lengths 0..6 MiB', () => {
    fc.assert(
      fc.property(length, seed, (len, s) => {
        const data = bytes(len, s);
        expect(sha256(data)).toBe(refSha256(data));
        expect(treeHash(data)).toBe(refTreeHash(data));
      }),
      { numRuns: 10 },
    );
  });

  it('TreeHasher fed random chunkings gives the one-shot hashes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 * MiB }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 3 * MiB })), {
          minLength: 1,
          maxLength: 25,
        }),
        fc.boolean(),
        seed,
        (len, sizes, linear, s) => {
          const data = bytes(len, s);
          const h = new TreeHasher({ linear });
          let off = 0;
          for (let i = 0; off < len && i < 10_000; i++) {
            const n = sizes[i % sizes.length]!;
            expect(h.update(data.subarray(off, off + n))).toBe(h);
            off += n;
          }
          if (off < len) h.update(data.subarray(off));
          const expected = linear
            ? { treeHash: refTreeHash(data), sha256: refSha256(data), size: len }
            : { treeHash: refTreeHash(data), size: len };
          expect(h.digest()).toEqual(expected);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('combineTreeHashes of aligned parts (1, 2, 4 MiB, short last part) equals the archive tree hash', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 4), fc.integer({ min: 1, max: 9 * MiB }), seed, (partMiB, len, s) => {
        const partSize = partMiB * MiB;
        const archive = bytes(len, s);
        const parts: Uint8Array[] = [];
        for (let off = 0; off < len; off += partSize) parts.push(archive.subarray(off, off + partSize));
        const expected = refTreeHash(archive);
        // Hex strings from treeHash, and raw digests from the SIMD lanes of hashParts.
        expect(combineTreeHashes(parts.map((p) => treeHash(p)))).toBe(expected);
        const fromLanes = getCore().hashParts(parts).map((r) => Uint8Array.from(Buffer.from(r.treeHash, 'hex')));
        expect(combineTreeHashes(fromLanes)).toBe(expected);
      }),
      { numRuns: 10 },
    );
  });
});
