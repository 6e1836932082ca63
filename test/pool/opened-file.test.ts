// Issue 16 §5: hashFile of a file the caller opened reads through the caller's descriptor and
// compares each task with the identity taken from its one fstat (nanosecond times, inode).
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileChangedError, HashPool } from 'glacier-multipart';
import { identityOf, openFile } from '../../dist/src/file-identity.js';
import { MiB, oracleTreeHash, patternBytes, tempDir } from './helpers.js';

const tmp = tempDir('opened-');
let pool: HashPool;
beforeAll(() => {
  pool = new HashPool({ threads: 2, engine: 'node' });
});
afterAll(async () => {
  await pool.destroy();
  tmp.remove();
});

describe('hashFile with opened (the identity handed to the pool)', () => {
  it('hashes through the given descriptor and leaves it open for its owner', async () => {
    const bytes = patternBytes(5 * MiB + 7, 3);
    const path = tmp.path('a.bin');
    writeFileSync(path, bytes);
    const opened = await openFile(path);
    try {
      const r = await pool.hashFile(path, { partSize: 2 * MiB, opened });
      expect(r.treeHash).toBe(oracleTreeHash(bytes));
      expect(r.size).toBe(bytes.length);
      // Still open: the caller reads on through it.
      const { bytesRead } = await opened.handle.read(Buffer.alloc(4), 0, 4, 0);
      expect(bytesRead).toBe(4);
    } finally {
      await opened.handle.close();
    }
  });

  it('refuses bytes rewritten in place with size and mtime restored: only the ctime (ns) tells', async () => {
    const bytes = patternBytes(3 * MiB, 5);
    const path = tmp.path('b.bin');
    writeFileSync(path, bytes);
    const opened = await openFile(path);
    try {
      // touch -r copies the times to the nanosecond (utimes from JavaScript rounds them).
      const ref = `${path}.timeref`;
      execFileSync('touch', ['-r', path, ref]);
      const fd = openSync(path, 'r+');
      writeSync(fd, Buffer.from('changed'), 0, 7, MiB);
      closeSync(fd);
      execFileSync('touch', ['-r', ref, path]);
      const now = identityOf(opened.identity.path, statSync(path, { bigint: true }));
      expect(now.size).toBe(opened.identity.size);
      expect(now.mtimeNs).toBe(opened.identity.mtimeNs);
      const err = await pool.hashFile(path, { partSize: MiB, opened }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FileChangedError);
      expect((err as Error).message).toMatch(/status-change time \(ctime\) changed/);
    } finally {
      await opened.handle.close();
    }
  });

  it('without opened, the pool opens the file itself and closes it when done', async () => {
    const bytes = patternBytes(2 * MiB + 1, 7);
    const path = tmp.path('c.bin');
    writeFileSync(path, bytes);
    const r = await pool.hashFile(path, { partSize: MiB });
    expect(r.treeHash).toBe(oracleTreeHash(bytes));
  });
});
