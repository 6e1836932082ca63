// The WAN benchmark's plumbing (not its speed: that is the benchmark's job): the server runs behind
// the emulated link in its own process, every case moves all its bytes, the bounds follow from the
// link, and the result is written where asked.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linkBound, runWanBench } from '../../dist/bench/wan.js';

describe('bench:wan', () => {
  it('linkBound is min(bandwidth, concurrency x request / round trip)', () => {
    expect(linkBound(400e6, 50, 4, 1024 * 1024)).toBe(50e6);          // the bandwidth binds
    expect(linkBound(400e6, 50, 2, 64 * 1024)).toBe(2 * 64 * 1024 * 20); // the round trips bind
  });

  it('uploads, syncs and downloads over the link and writes wan.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'glacier-wan-bench-'));
    try {
      const lines: string[] = [];
      const r = await runWanBench({ files: 20, sizeMiB: 4, latencyMs: 5, bandwidthBitsPerSecond: 200e6, outDir: dir, log: () => undefined, print: (l) => lines.push(l) });
      expect(r.rows.map((row) => [row.case, row.files])).toEqual([['upload', 1], ['sync', 20], ['download', 1]]);
      expect(r.rows[0]!.bytes).toBe(4 * 1024 * 1024);
      expect(r.rows[2]!.bytes).toBe(4 * 1024 * 1024);
      for (const row of r.rows) {
        expect(row.ofBound).toBeGreaterThan(0);
        expect(row.boundMibPerSecond).toBeLessThanOrEqual(200e6 / 8 / 1024 / 1024);
      }
      expect(r.roundTripMs).toBe(10);
      expect(lines.join('\n')).toMatch(/5 ms each way \(round trip 10 ms\), 200 Mbit\/s[^]*target: sync >= 80%/);
      expect(JSON.parse(await readFile(join(dir, 'wan.json'), 'utf8')).rows).toHaveLength(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
