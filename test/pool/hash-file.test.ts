import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FileChangedError,
  FileIsDirectoryError,
  FileNotFoundError,
  FileNotReadableError,
  HashPool,
  InvalidPartSizeError,
  InvalidPoolOptionError,
  type FileHashResult,
  type HashEngine,
} from '../../dist/src/pool/index.js';
import { runTaskForTest } from '../../dist/src/pool/internal.js';
import { readableInstall } from '../readable-install.js';
import { MiB, oracleSha256, oracleTreeHash, patternBytes, tempDir } from './helpers.js';

const tmp = tempDir('pool-file');
const SIZES = [0, 1, MiB - 1, MiB, MiB + 1, 3 * MiB + 17, 4 * MiB, 9 * MiB + 3];
const PART_SIZES = [MiB, 2 * MiB, 4 * MiB];
const files = new Map<number, { path: string; bytes: Uint8Array }>();

beforeAll(() => {
  for (const size of SIZES) {
    const bytes = patternBytes(size, size + 1);
    const path = tmp.path(`f-${size}.bin`);
    writeFileSync(path, bytes);
    files.set(size, { path, bytes });
  }
});
afterAll(() => tmp.remove());

/** What hashFile must return, computed from the bytes with the oracle alone. */
function expected(bytes: Uint8Array, partSize: number): FileHashResult {
  const parts = [];
  for (let first = 0, index = 0; first < bytes.length; first += partSize, index++) {
    const part = bytes.subarray(first, Math.min(first + partSize, bytes.length));
    parts.push({ index, first, last: first + part.length - 1, treeHash: oracleTreeHash(part), sha256: oracleSha256(part) });
  }
  return { size: bytes.length, treeHash: oracleTreeHash(bytes), partSize, parts };
}

describe.each(['wasm', 'node'] as HashEngine[])('hashFile with the %s engine', (engine) => {
  let pool: HashPool;
  beforeAll(() => {
    pool = new HashPool({ threads: 2, engine });
  });
  afterAll(() => pool.destroy());

  for (const size of SIZES) {
    it(`equals the oracle for a ${size}-byte file with 1, 2 and 4 MiB parts`, async () => {
      const { path, bytes } = files.get(size)!;
      for (const partSize of PART_SIZES) {
        expect(await pool.hashFile(path, { partSize })).toEqual(expected(bytes, partSize));
      }
    });
  }

  it('gives the same parts with concurrency 1 (one part in flight) as with the default', async () => {
    const { path, bytes } = files.get(9 * MiB + 3)!;
    expect(await pool.hashFile(path, { partSize: MiB, concurrency: 1 })).toEqual(expected(bytes, MiB));
  });

  it('hashes only the parts listed, handing each to onPart before it resolves (oracle equal)', async () => {
    const { path, bytes } = files.get(9 * MiB + 3)!;
    const all = expected(bytes, MiB).parts;
    // Unsorted, with a gap and the short last part; runs (3-4, 6-7) share a task, 0 and 9 stand alone.
    const wanted = [9, 3, 0, 7, 4, 6];
    const seen: number[] = [];
    let resolved = false;
    const r = await pool.hashFile(path, {
      partSize: MiB,
      parts: wanted,
      concurrency: 2,
      onPart: (p) => {
        expect(resolved).toBe(false);
        expect(p).toEqual(all[p.index]);
        seen.push(p.index);
      },
    });
    resolved = true;
    expect(r).toEqual({ size: bytes.length, treeHash: '', partSize: MiB, parts: [0, 3, 4, 6, 7, 9].map((i) => all[i]) });
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 3, 4, 6, 7, 9]);
    // Listing every part (in any order) is the whole file again, archive tree hash included.
    const every = [...Array(10).keys()].reverse();
    expect(await pool.hashFile(path, { partSize: MiB, parts: every })).toEqual(expected(bytes, MiB));
    // No parts: nothing hashed, onPart never called.
    const none = await pool.hashFile(path, { partSize: MiB, parts: [], onPart: () => { throw new Error('no part was asked for'); } });
    expect(none).toEqual({ size: bytes.length, treeHash: '', partSize: MiB, parts: [] });
  });

  it('serves several concurrent callers on one pool (hashFile and hashPart mixed)', async () => {
    const a = files.get(9 * MiB + 3)!;
    const b = files.get(3 * MiB + 17)!;
    const part = patternBytes(5 * MiB, 77);
    const [ra, rb, rp, ra2] = await Promise.all([
      pool.hashFile(a.path, { partSize: MiB }),
      pool.hashFile(b.path, { partSize: 2 * MiB }),
      pool.hashPart(part.slice()),
      pool.hashFile(a.path, { partSize: 4 * MiB }),
    ]);
    expect(ra).toEqual(expected(a.bytes, MiB));
    expect(rb).toEqual(expected(b.bytes, 2 * MiB));
    expect(rp!.treeHash).toBe(oracleTreeHash(part));
    expect(ra2).toEqual(expected(a.bytes, 4 * MiB));
  });
});

describe('hashFile details', () => {
  let pool: HashPool;
  beforeAll(() => {
    pool = new HashPool({ threads: 2 });
  });
  afterAll(() => pool.destroy());

  it("with engine 'auto' calibrates once, reports its choice, and hashes right", async () => {
    const { path, bytes } = files.get(9 * MiB + 3)!;
    const r = await pool.hashFile(path, { partSize: 2 * MiB });
    expect(r).toEqual(expected(bytes, 2 * MiB));
    expect(['wasm', 'node']).toContain(pool.engine);
    const c = pool.calibration!;
    expect(c.chosen).toBe(pool.engine);
    expect(c.node).toBeGreaterThan(0);
    expect(c.wasm).toBeGreaterThan(0);
    expect(c.chosen).toBe(c.wasm! > c.node ? 'wasm' : 'node');
    await expect(pool.ready()).resolves.toBe(pool.engine);
  });

  it("defaults the part size to uploadArchive's 'auto' choice (8 MiB, doubling only past 10,000 parts)", async () => {
    const { path, bytes } = files.get(9 * MiB + 3)!;
    const r = await pool.hashFile(path);
    expect(r.partSize).toBe(8 * MiB);
    expect(r).toEqual(expected(bytes, 8 * MiB));
  });

  it('streams a part larger than 128 MiB through the worker in chunks (both engines)', async () => {
    const size = 130 * MiB + 12345;
    const bytes = randomFillSync(new Uint8Array(size));
    const path = tmp.path('large.bin');
    writeFileSync(path, bytes);
    const want = expected(bytes, 256 * MiB);
    for (const engine of ['wasm', 'node'] as const) {
      const p = new HashPool({ threads: 1, engine });
      try {
        expect(await p.hashFile(path, { partSize: 256 * MiB })).toEqual(want);
      } finally {
        await p.destroy();
      }
    }
  });

  it('validates partSize with a typed error (1 MiB x 2^n, at most 4 GiB)', async () => {
    const { path } = files.get(1)!;
    for (const bad of [0, 1000, MiB + 1, 3 * MiB, 8 * 1024 * MiB, -MiB, 1.5, '1MiB', NaN]) {
      const err = await pool.hashFile(path, { partSize: bad as never }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidPartSizeError);
      expect((err as Error).message).toContain(`Invalid part size ${typeof bad === 'string' ? JSON.stringify(bad) : String(bad)} (`);
    }
    await expect(pool.hashFile(path, { partSize: 4 * 1024 * MiB })).resolves.toMatchObject({ partSize: 4 * 1024 * MiB, size: 1 });
  });

  it('validates concurrency and the path argument', async () => {
    const { path } = files.get(1)!;
    await expect(pool.hashFile(path, { concurrency: 0 })).rejects.toBeInstanceOf(InvalidPoolOptionError);
    await expect(pool.hashFile('' as string)).rejects.toThrow(/file path/);
    await expect(pool.hashFile(42 as never)).rejects.toBeInstanceOf(InvalidPoolOptionError);
  });

  it('validates parts (whole numbers below the part count, once each) and onPart with typed errors', async () => {
    const { path } = files.get(3 * MiB + 17)!; // 4 parts of 1 MiB
    for (const bad of [[4], [-1], [1.5], [NaN], ['1'], [0, 2, 0]]) {
      const err = await pool.hashFile(path, { partSize: MiB, parts: bad as number[] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidPoolOptionError);
      expect((err as InvalidPoolOptionError).option).toBe('parts');
    }
    await expect(pool.hashFile(path, { partSize: MiB, parts: [4] })).rejects.toThrow(/4 parts of 1048576 bytes, so use whole numbers from 0 to 3/);
    await expect(pool.hashFile(path, { partSize: MiB, parts: [2, 2] })).rejects.toThrow(/listed twice/);
    await expect(pool.hashFile(path, { parts: 3 as never })).rejects.toMatchObject({ option: 'parts' });
    await expect(pool.hashFile(files.get(0)!.path, { parts: [0] })).rejects.toThrow(/empty and has no parts/);
    await expect(pool.hashFile(path, { onPart: 'log' as never })).rejects.toMatchObject({ option: 'onPart' });
  });

  it('an onPart that throws fails hashFile with its error', async () => {
    const { path } = files.get(9 * MiB + 3)!;
    const boom = new Error('onPart failed');
    await expect(pool.hashFile(path, { partSize: MiB, onPart: () => { throw boom; } })).rejects.toBe(boom);
    // The pool is fine afterwards.
    await expect(pool.hashFile(path, { partSize: MiB, parts: [1] })).resolves.toMatchObject({ parts: [{ index: 1 }] });
  });

  it('names the path of a missing file', async () => {
    const missing = tmp.path('no-such-file.bin');
    const err = await pool.hashFile(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileNotFoundError);
    expect((err as FileNotFoundError).path).toBe(missing);
    expect((err as Error).message).toContain(missing);
    await expect(pool.hashFile(tmp.path('f-1.bin/child'))).rejects.toBeInstanceOf(FileNotFoundError);
  });

  it('refuses a directory, naming it', async () => {
    const dir = tmp.path('a-directory');
    mkdirSync(dir);
    const err = await pool.hashFile(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileIsDirectoryError);
    expect((err as Error).message).toContain(dir);
  });

  it('refuses what is not a regular file (a FIFO) without blocking on it', async () => {
    const fifo = tmp.path('a-fifo');
    execFileSync('mkfifo', [fifo]);
    const err = await pool.hashFile(fifo).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileNotReadableError);
    expect((err as Error).message).toMatch(new RegExp(`${fifo}.*not a regular file`));
  });

  it('refuses an unreadable file (mode 000), naming it and saying why', async () => {
    const path = tmp.path('unreadable.bin');
    writeFileSync(path, 'secret', { mode: 0o000 });
    let err: { name: string; code: string; message: string };
    if (process.getuid?.() === 0) {
      // Root reads anything: ask as user 'nobody', in a child process, through a world-readable
      // copy of the same dist build (the checkout may be where 'nobody' cannot enter).
      chmodSync(tmp.dir, 0o755);
      const copy = readableInstall();
      const script = `import { HashPool } from ${JSON.stringify(pathToFileURL(copy.path('dist/src/pool/index.js')).href)};
        const pool = new HashPool({ threads: 1, engine: 'node' });
        try { await pool.hashFile(${JSON.stringify(path)}); console.log('{}'); }
        catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }
        await pool.destroy();`;
      try {
        const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, cwd: copy.root, encoding: 'utf8' });
        err = JSON.parse(out);
      } finally {
        copy.remove();
      }
    } else {
      err = (await pool.hashFile(path).catch((e: unknown) => e)) as typeof err;
      expect(err).toBeInstanceOf(FileNotReadableError);
    }
    expect(err.name).toBe('FileNotReadableError');
    expect(err.code).toBe('FILE_NOT_READABLE');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/permission denied \(EACCES\)/);
  });

  it('a worker refuses a file that is not the one the pool checked (FileChangedError)', async () => {
    const { path } = files.get(4 * MiB)!;
    const st = statSync(path);
    const task = { kind: 'file', engine: 'node', path, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, partSize: MiB, firstIndex: 0, count: 1 };
    await expect(runTaskForTest(pool, { ...task, ino: st.ino + 1 })).rejects.toBeInstanceOf(FileChangedError);
    await expect(runTaskForTest(pool, { ...task, size: st.size + 1 })).rejects.toThrow(/changed while it was being uploaded or hashed/);
    await expect(runTaskForTest(pool, { ...task, mtimeMs: st.mtimeMs - 1000 })).rejects.toThrow(/mtime changed/);
    // The same task with the true identity succeeds.
    await expect(runTaskForTest(pool, task)).resolves.toMatchObject({ digests: [{ size: MiB }] });
  });
});
