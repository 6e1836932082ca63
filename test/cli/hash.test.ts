import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { oracleSha256, oracleTreeHash, randomFile, runCli, tempDir } from './helpers.js';

const MiB = 1024 * 1024;

describe('hash', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const files: { path: string; data: Buffer }[] = [];
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    files.push(await randomFile(dir, 'one-byte.bin', 1));
    files.push(await randomFile(dir, 'mib-minus-one.bin', MiB - 1));
    files.push(await randomFile(dir, 'three-and-a-half.bin', 3.5 * MiB));
    const empty = join(dir, 'empty.bin');
    await writeFile(empty, Buffer.alloc(0));
    files.push({ path: empty, data: Buffer.alloc(0) });
  });
  afterAll(async () => cleanup?.());

  for (const engine of ['wasm', 'node'] as const) {
    it(`prints '<treehash>  <file>' lines equal to a node:crypto oracle (engine ${engine})`, async () => {
      const r = await runCli(['hash', ...files.map((f) => f.path), '--engine', engine, '--threads', '2']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(files.map((f) => `${oracleTreeHash(f.data)}  ${f.path}\n`).join(''));
    });
  }

  it('--json --part-size: size, tree hash, linear SHA-256 and every part, one object per file', async () => {
    const big = files[2]!;
    const r = await runCli(['hash', big.path, files[0]!.path, '--json', '--part-size', '1MiB']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    const [first, second] = lines;
    expect(first).toMatchObject({ file: big.path, size: big.data.length, treeHash: oracleTreeHash(big.data), sha256: oracleSha256(big.data), partSize: MiB });
    expect(first.parts).toHaveLength(4);
    first.parts.forEach((p: any, i: number) => {
      const slice = big.data.subarray(i * MiB, Math.min((i + 1) * MiB, big.data.length));
      expect(p).toEqual({ index: i, first: i * MiB, last: i * MiB + slice.length - 1, treeHash: oracleTreeHash(slice), sha256: oracleSha256(slice) });
    });
    expect(second).toMatchObject({ size: 1, treeHash: oracleTreeHash(files[0]!.data), sha256: oracleSha256(files[0]!.data) });
  });

  it('--json without --part-size has no parts', async () => {
    const r = await runCli(['hash', files[1]!.path, '--json']);
    expect(r.code).toBe(0);
    const obj = JSON.parse(r.stdout);
    expect(obj).toEqual({ file: files[1]!.path, size: MiB - 1, treeHash: oracleTreeHash(files[1]!.data), sha256: oracleSha256(files[1]!.data) });
  });

  it('a missing file is a usage error (exit 2, like upload nosuch.bin), found before anything is hashed', async () => {
    const missing = join(dir, 'missing.bin');
    const r = await runCli(['hash', files[0]!.path, missing, files[1]!.path]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${missing}: no such file; check the path.`);
  });

  it('a directory is a usage error naming it', async () => {
    const r = await runCli(['hash', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${dir} is not a regular file`);
  });
});
