// The tree-hash vectors of glacier-rules.md (AWS SDK test suites), through the public API and
// through each WebAssembly build explicitly, so a broken scalar fallback cannot hide behind SIMD.
import { describe, expect, it } from 'vitest';
import { combineTreeHashes, sha256, treeHash, TreeHasher } from 'glacier-multipart/hash';
import { getCore, simdSupported, type CoreKind } from '../../dist/src/hash/core.js';

const MiB = 1024 * 1024;

const vectors: { name: string; data: () => Uint8Array; linear: string; tree: string }[] = [
  {
    name: "ASCII 'bar'",
    data: () => new TextEncoder().encode('bar'),
    linear: 'fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9',
    tree: 'fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9',
  },
  {
    name: "5.5 MiB of byte 0x30 ('0')",
    data: () => new Uint8Array(5.5 * MiB).fill(0x30),
    linear: '68aff0c5a91aa0491752bfb96e3fef33eb74953804f6a2f7b708d5bcefa8ff6b',
    tree: '154e26c78fd74d0c2c9b3cc4644191619dc4f2cd539ae2a74d5fd07957a3ee6a',
  },
  {
    name: '5.5 MiB of byte 0x00',
    data: () => new Uint8Array(5.5 * MiB),
    linear: '733cf513448ce6b20ad1bc5e50eb27c06aefae0c320713a5dd99f4e51bc1ca60',
    tree: 'a3a82dbe3644dd6046be472f2e3ec1f8ef47f8f3adb86d0de4de7a254f255455',
  },
  {
    name: '1 MiB of byte 0x00',
    data: () => new Uint8Array(MiB),
    linear: '30e14955ebf1352266dc2ff8067e68104607e750abb9d3b36582b8af909fcb58',
    tree: '30e14955ebf1352266dc2ff8067e68104607e750abb9d3b36582b8af909fcb58',
  },
  {
    name: 'empty',
    data: () => new Uint8Array(0),
    linear: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    tree: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  },
];

describe('glacier-rules.md vectors, public API', () => {
  for (const v of vectors) {
    it(`sha256 and treeHash of ${v.name}`, () => {
      const data = v.data();
      expect(sha256(data)).toBe(v.linear);
      expect(treeHash(data)).toBe(v.tree);
    });

    it(`TreeHasher({ linear: true }) of ${v.name} fed in 100,000-byte chunks`, () => {
      const data = v.data();
      const h = new TreeHasher({ linear: true });
      for (let off = 0; off < data.length; off += 100_000) h.update(data.subarray(off, off + 100_000));
      expect(h.digest()).toEqual({ treeHash: v.tree, sha256: v.linear, size: data.length });
    });
  }

  it('combineTreeHashes of the 1 MiB part hashes of 5.5 MiB of 0x30 gives its tree hash', () => {
    const data = vectors[1]!.data();
    const parts: string[] = [];
    for (let off = 0; off < data.length; off += MiB) parts.push(treeHash(data.subarray(off, off + MiB)));
    expect(parts).toHaveLength(6);
    expect(combineTreeHashes(parts)).toBe(vectors[1]!.tree);
  });

  it('TreeHasher without linear returns no sha256', () => {
    const r = new TreeHasher().update(new TextEncoder().encode('bar')).digest();
    expect(r).toEqual({ treeHash: vectors[0]!.tree, size: 3 });
    expect('sha256' in r).toBe(false);
  });
});

const kinds: CoreKind[] = ['scalar', 'simd'];

describe.each(kinds)('glacier-rules.md vectors, %s core', (kind) => {
  it('is the build it claims to be', () => {
    if (kind === 'simd' && !simdSupported) throw new Error('this Node has no WASM SIMD; the SIMD path cannot be tested');
    expect(getCore(kind).kind).toBe(kind);
  });

  for (const v of vectors) {
    it(`sha256, treeHash and hashParts of ${v.name}`, () => {
      const core = getCore(kind);
      const data = v.data();
      expect(core.sha256(data)).toBe(v.linear);
      expect(core.treeHash(data)).toBe(v.tree);
      expect(core.hashParts([data])).toEqual([{ treeHash: v.tree, sha256: v.linear, size: data.length }]);
      expect(core.hashParts([data], { linear: false })).toEqual([{ treeHash: v.tree, size: data.length }]);
    });
  }

  it('hashParts of all vectors at once (lanes of different lengths) matches each vector', () => {
    const core = getCore(kind);
    const datas = vectors.map((v) => v.data());
    const all = [...datas, datas[1]!, datas[2]!, datas[1]!];
    const expected = [...vectors, vectors[1]!, vectors[2]!, vectors[1]!];
    expect(core.hashParts(all)).toEqual(
      expected.map((v, i) => ({ treeHash: v.tree, sha256: v.linear, size: all[i]!.length })),
    );
  });
});
