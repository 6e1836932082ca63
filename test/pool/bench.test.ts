import { afterAll, describe, expect, it } from 'vitest';
import { runPoolBench } from '../../dist/bench/pool.js';
import { tempDir } from './helpers.js';

const tmp = tempDir('pool-bench');
afterAll(() => tmp.remove());

// The benchmark itself runs with `npm run bench:pool`; this only keeps its harness working.
describe('runPoolBench (tiny run)', () => {
  it('returns a row per engine and thread count plus auto, and writes pool.json', async () => {
    const lines: string[] = [];
    const r = await runPoolBench({
      fileSize: 3 * 1024 * 1024 + 5,
      partSize: 1024 * 1024,
      threads: [1, 2],
      rounds: 1,
      simulateNoShaNi: false,
      quick: true,
      outDir: tmp.dir,
      fileDir: tmp.dir,
      log: () => {},
      print: (l) => lines.push(l),
    });
    expect(r.rows.map((x) => `${x.section} ${x.engine} ${x.threads}`)).toEqual([
      'hashFile wasm 1',
      'hashFile wasm 2',
      'hashFile node 1',
      'hashFile node 2',
      'hashFile auto 2',
    ]);
    for (const row of r.rows) {
      expect(row.mibPerSecond).toBeGreaterThan(0);
      expect(row.seconds).toBeGreaterThan(0);
    }
    expect(r.rows.at(-1)!.chosen).toBe(r.calibration.chosen);
    expect(typeof r.cpu.shaNi).toBe('boolean');
    expect(lines.join('\n')).toMatch(/\| hashFile +\| auto→(wasm|node) +\| +2 \|/);
    const { readFileSync } = await import('node:fs');
    expect(JSON.parse(readFileSync(`${tmp.dir}/pool.json`, 'utf8')).rows).toHaveLength(5);
  });
});
