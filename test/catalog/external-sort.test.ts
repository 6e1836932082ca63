// The one external sort (catalog merge, migrate's creation-date order): any input and run size
// gives a stable sort by key, and no run file outlives the sort, however it ends.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { externalSort } from '../../dist/src/catalog/external-sort.js';

interface Rec { key: number; seq: number }
const codec = { encode: (r: Rec) => JSON.stringify(r), decode: (l: string) => JSON.parse(l) as Rec };

describe('externalSort', () => {
  it('is a stable sort by key for any input, run size and fan-in, and leaves no run file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xsort-'));
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 120 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 2, max: 4 }), async (keys, runSize, fanIn) => {
      const input = keys.map((key, seq) => ({ key, seq }));
      const out: Rec[] = [];
      // Small runs and fan-in: runs of several levels are merged on the way (up to 120 runs).
      for await (const r of externalSort(input, { key: (r) => r.key, prefix: join(dir, 'p'), runSize, fanIn, ...codec })) out.push(r);
      const expected = [...input].sort((a, b) => a.key - b.key || a.seq - b.seq);
      expect(out).toEqual(expected);
      expect(readdirSync(dir)).toEqual([]);
    }), { numRuns: 150 });
  });

  it('removes its runs when the reader stops early or the input fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xsort-'));
    const input = Array.from({ length: 50 }, (_, seq) => ({ key: 50 - seq, seq }));
    for await (const r of externalSort(input, { key: (r) => r.key, prefix: join(dir, 'p'), runSize: 7, ...codec })) {
      expect(readdirSync(dir).length).toBe(7);
      if (r.key === 1) break;
    }
    expect(readdirSync(dir)).toEqual([]);
    async function* failing() {
      yield* input.slice(0, 20);
      throw new Error('source failed');
    }
    await expect((async () => {
      for await (const _ of externalSort(failing(), { key: (r) => r.key, prefix: join(dir, 'p'), runSize: 7, ...codec })) void _;
    })()).rejects.toThrow('source failed');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('puts NaN keys last, in input order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xsort-'));
    const input = [{ key: NaN, seq: 0 }, { key: 2, seq: 1 }, { key: NaN, seq: 2 }, { key: 1, seq: 3 }];
    const out: number[] = [];
    // JSON writes NaN as null: the key function reads it back as NaN.
    for await (const r of externalSort(input, { key: (r) => (r.key === null ? NaN : r.key), prefix: join(dir, 'p'), runSize: 1, ...codec })) out.push(r.seq);
    expect(out).toEqual([3, 1, 0, 2]);
  });
});
