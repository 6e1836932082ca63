import { describe, expect, it } from 'vitest';
import { stat } from 'node:fs/promises';
import { oracleTreeHash, randomFile, runCli, tempDir } from './helpers.js';

const MiB = 1024 * 1024;

describe('demo (embedded local server, no AWS account)', () => {
  it('uploads random bytes with the pool, reads them back, verifies, prints a summary and cleans up', async () => {
    const r = await runCli(['demo', '--size', '3MiB', '--part-size', '1MiB', '--threads', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('demo: uploaded, read back and verified');
    expect(r.stdout).toMatch(/size +3 MiB \(3145728 bytes\)/);
    expect(r.stdout).toMatch(/parts +3 of 1 MiB/);
    expect(r.stdout).toMatch(/hashing +engine (wasm|node), 2 threads/);
    expect(r.stdout).toMatch(/upload +[\d.]+ MiB\/s/);
    expect(r.stdout).toMatch(/tree hash +[0-9a-f]{64}/);
    expect(r.stdout).toMatch(/archive id +\S{20,}/);
    expect(r.stdout).toContain('bytes identical, tree hash matches');
    expect(r.stdout).toMatch(/migrate +3 archives \([\d.]+ MiB\) to s3:\/\/demo-migrated\/, bytes identical/);
    const work = /data in (\S+)\)/.exec(r.stderr)![1]!;
    await expect(stat(work)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('--file --json: the summary is one JSON object whose tree hash equals the oracle; the file is kept', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const { path, data } = await randomFile(dir, 'mine.bin', 2 * MiB + 17);
      const r = await runCli(['demo', '--file', path, '--part-size', '1MiB', '--engine', 'wasm', '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout);
      expect(s).toMatchObject({ size: data.length, parts: 3, partSize: MiB, engine: 'wasm', treeHash: oracleTreeHash(data), retrievalTreeHash: oracleTreeHash(data), verified: true });
      expect(typeof s.uploadMiBPerSecond).toBe('number');
      expect((await stat(path)).size).toBe(data.length);
    } finally {
      await cleanup();
    }
  });
});
