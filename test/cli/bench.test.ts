import { describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.js';

describe('bench (the combined report)', () => {
  it('runs the suites, prints one table, writes latest.json with the machine, chart.svg, and the README section', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const readme = join(dir, 'README.md');
      await writeFile(readme, '# x\n\nbefore\n<!-- BENCHMARK:START -->\nold figures\n<!-- BENCHMARK:END -->\nafter\n');
      // Tiny sizes: this checks the report's plumbing, not the speed (that is the benchmark's job).
      const r = await runCli(['bench', '--quick', '--size', '4MiB', '--only', 'pool,upload', '--out', dir, '--readme', readme]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^\| suite +\| case +\| +MiB\/s \| notes +\|$/m);
      expect(r.stdout).toMatch(/^\| pool +\| hashFile wasm, 1 thread +\| +[\d.]+ \|/m);
      expect(r.stdout).toMatch(/^\| upload +\| baseline: SDK hashes each part itself +\| +[\d.]+ \|/m);
      expect(r.stdout).toMatch(/^\| upload +\| uploadArchive auto/m);

      const latest = JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8'));
      expect(latest.machine).toMatchObject({ cores: expect.any(Number), shaNi: expect.any(Boolean), node: process.version });
      expect(latest.machine.cpuModel).toEqual(expect.any(String));
      expect(Date.parse(latest.machine.date)).not.toBeNaN();
      expect(Object.keys(latest.suites).sort()).toEqual(['pool', 'upload']);
      expect(latest.errors).toEqual({});
      expect(latest.rows.every((row: { mibPerSecond: number | null }) => row.mibPerSecond === null || row.mibPerSecond > 0)).toBe(true);
      // Issue 18.3's floor is measured in the run, and each upload row is set against it.
      expect(latest.suites.upload.floorCpuSecondsPerGiB).toBeGreaterThan(0);
      for (const row of latest.suites.upload.rows) expect(row.cpuVsFloor).toBeGreaterThan(0);
      expect(r.stderr).toMatch(/floor \(node:crypto tree hash \+ SHA-256 of the same bytes\): [\d.]+ CPU s\/GiB; prehashed/);

      const svg = await readFile(join(dir, 'chart.svg'), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('HashPool.hashFile scaling by threads');
      expect(svg).toContain('Upload to the local server');

      const text = await readFile(readme, 'utf8');
      expect(text).not.toContain('old figures');
      expect(text).toMatch(/before\n<!-- BENCHMARK:START -->\n## Benchmarks\n\nMeasured .* SHA extensions: (yes|no)/);
      expect(text).toContain('![benchmark chart](chart.svg)');
      expect(text).toMatch(/<!-- BENCHMARK:END -->\nafter\n$/);
    } finally {
      await cleanup();
    }
  }, 240_000); // several benchmark suites in child processes: slow on a loaded 2-core machine

  it('download: the fetch reference, the one-pass floor and the write cost are measured in the same run', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const r = await runCli(['bench', '--quick', '--size', '8MiB', '--only', 'download', '--out', dir]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^\| download +\| reference: the ranged GetJobOutput requests alone, nothing hashed or written +\| +[\d.]+ \|/m);
      expect(r.stdout).toMatch(/^\| download +\| downloadArchive \(verified chunks\) +\| +[\d.]+ \| .*the one-pass hashing floor/m);
      const download = JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8')).suites.download;
      expect(download.rows.map((row: { variant: string }) => row.variant)).toEqual(['baseline', 'ours', 'fetch']);
      expect(download.floorCpuSecondsPerGiB).toBeGreaterThan(0);
      expect(download.writeCpuSecondsPerGiB).toBeGreaterThan(0);
      // floor + fetch + write, each measured: more than the floor alone.
      expect(download.floorFetchWriteVsFloor).toBeGreaterThan(1);
      expect(typeof download.targets.cpuVsFloor).toBe('boolean');
    } finally {
      await cleanup();
    }
  }, 240_000);

  it('a README without the markers is refused before anything is measured', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const readme = join(dir, 'README.md');
      await writeFile(readme, '# no markers\n');
      const r = await runCli(['bench', '--quick', '--only', 'pool', '--out', dir, '--readme', readme]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('has no benchmark section: add the lines "<!-- BENCHMARK:START -->"');
      await expect(readFile(join(dir, 'latest.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await cleanup();
    }
  });

  it('bad bench arguments exit 2', async () => {
    const only = await runCli(['bench', '--only', 'gpu']);
    expect(only.code).toBe(2);
    expect(only.stderr).toContain('use a comma-separated subset of hash,pool,upload');
    const size = await runCli(['bench', '--size', '1MiB']);
    expect(size.code).toBe(2);
    expect(size.stderr).toContain('--size must be a whole number of MiB, at least 4MiB');
  });
});

describe('bench --quick without --out', () => {
  it('writes its figures to a temporary folder it names, never over the tracked bench/results', async () => {
    const { stat, rm } = await import('node:fs/promises');
    const { fileURLToPath } = await import('node:url');
    const tracked = fileURLToPath(new URL('../../bench/results/latest.json', import.meta.url));
    const before = await stat(tracked).then((s) => s.mtimeMs, () => undefined);
    const r = await runCli(['bench', '--quick', '--size', '4MiB', '--only', 'upload']);
    expect(r.code, r.stderr).toBe(0);
    const out = /quick run: results go to (\S+) \(--out chooses the folder\)/.exec(r.stderr)?.[1];
    expect(out, r.stderr).toBeDefined();
    try {
      expect(r.stderr).toContain(`wrote ${join(out!, 'latest.json')}`);
      expect(JSON.parse(await readFile(join(out!, 'latest.json'), 'utf8')).quick).toBe(true);
      expect(await stat(tracked).then((s) => s.mtimeMs, () => undefined)).toBe(before);
    } finally {
      await rm(out!, { recursive: true, force: true });
    }
  });
});
