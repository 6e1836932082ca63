// The sync benchmark's plumbing (not its speed: that is the benchmark's job): every variant uploads
// every file, the floor and the requests reference are measured in the same run.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSyncBench } from '../../dist/bench/sync.js';
import { tempDir } from '../cli/helpers.js';

describe('bench:sync', () => {
  it('runs every variant, measures the hashing floor and the requests reference, and writes sync.json', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const lines: string[] = [];
      const r = await runSyncBench({ files: 12, large: 0, outDir: dir, log: () => undefined, print: (l) => lines.push(l) });
      expect(r.rows.filter((row) => row.scope === 'small files').map((row) => [row.variant, row.files]))
        .toEqual([['sync', 12], ['sequential', 12], ['sequential-pool', 12], ['requests', 12]]);
      for (const row of r.rows) expect(row.cpuSeconds).toBeGreaterThan(0);
      expect(r.smallFloorCpuSeconds).toBeGreaterThan(0);
      expect(r.requestsCpuMsPerFile).toBeGreaterThan(0);
      expect(r.syncCpuMsPerFileBeyondFloor).toEqual(expect.any(Number));
      expect(typeof r.targets.cpuPerFileOk).toBe('boolean');
      expect(lines.join('\n')).toMatch(/requests alone \(SDK UploadArchive of the same files.*\): [\d.]+ ms of client CPU per file/);
      expect(JSON.parse(await readFile(join(dir, 'sync.json'), 'utf8')).requestsCpuMsPerFile).toBe(r.requestsCpuMsPerFile);
    } finally {
      await cleanup();
    }
  }, 180_000);
});
