// The migrate benchmark's plumbing (not its speed: that is the benchmark's job): migrate, the
// downloadArchive reference and the least-copy reference each move every byte; the floor is measured.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMigrateBench } from '../../dist/bench/migrate.js';
import { tempDir } from '../cli/helpers.js';

describe('bench:migrate', () => {
  it('moves every byte in all three variants and writes migrate.json', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const lines: string[] = [];
      const size = 24 * 1024 * 1024;
      const r = await runMigrateBench({ size, outDir: dir, log: () => undefined, print: (l) => lines.push(l) });
      expect(r.rows.map((row) => [row.variant, row.bytes])).toEqual([['migrate', size], ['downloadArchive', size], ['copy', size]]);
      expect(r.floorCpuSecondsPerGiB).toBeGreaterThan(0);
      // floor + copy: more than the floor alone, each measured.
      expect(r.copy.floorPlusCopyVsFloor).toBeGreaterThan(1);
      expect(r.copy.vsDownload).toBeGreaterThan(0);
      expect(lines.join('\n')).toMatch(/the copy reference \(no hashing\) [\d.]+x of it, so floor \+ copy = [\d.]+x/);
      expect(JSON.parse(await readFile(join(dir, 'migrate.json'), 'utf8')).rows).toHaveLength(3);
    } finally {
      await cleanup();
    }
  }, 180_000);
});
