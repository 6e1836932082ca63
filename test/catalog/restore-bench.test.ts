// The restore benchmark's plumbing (not its speed: that is the benchmark's job): both variants restore
// every file, and the result is written where asked.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRestoreBench } from '../../dist/bench/restore.js';
import { tempDir } from '../cli/helpers.js';

describe('bench:restore', () => {
  it('restores every file in both variants and writes restore.json', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const lines: string[] = [];
      const r = await runRestoreBench({ files: 12, outDir: dir, log: () => undefined, print: (l) => lines.push(l) });
      expect(r.rows.map((row) => [row.variant, row.files])).toEqual([['restore', 12], ['per-file', 12]]);
      for (const row of r.rows) expect(row.filesPerSecond).toBeGreaterThan(0);
      expect(r.targets.speedup).toBeGreaterThan(0);
      expect(lines.join('\n')).toMatch(/target: restore >= 5x/);
      expect(JSON.parse(await readFile(join(dir, 'restore.json'), 'utf8')).files).toBe(12);
    } finally {
      await cleanup();
    }
  }, 120_000);
});
