// The catalog: mt-aws-glacier journal lines read and written, torn last lines, malformed lines,
// latest-wins and DELETED semantics, merge and shards.
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Catalog, CatalogFormatError, InvalidCatalogPathError, InvalidShardError, mergeCatalogs, parseShard, pathFilter,
} from '../../dist/src/catalog/index.js';
// Internals, tested through their own modules (not exported from the package).
import { formatCatalogLine, parseCatalogLine } from '../../dist/src/catalog/catalog-line.js';
import { inShard, shardOf } from '../../dist/src/catalog/shards.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/mt-aws-glacier.journal', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gm-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hash = (c: string) => c.repeat(64);
const id = (n: number) => `aRcH1vE${n}`.repeat(14) + '-_x';

describe('an mt-aws-glacier journal', () => {
  it('reads A and B lines, DELETED, RETRIEVE_JOB, non-ASCII and spaced paths; skips a torn last line with a warning', async () => {
    const path = join(dir, 'fixture.journal');
    copyFileSync(FIXTURE, path);
    const warnings: string[] = [];
    const c = await Catalog.open(path, { onWarning: (w) => warnings.push(w) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/line 11: the last line is incomplete/);
    const files = new Map([...c.files()].map((f) => [f.path, f]));
    expect([...files.keys()].sort()).toEqual(['dir/a.txt', 'my docs/report  final (v2).pdf', 'photos/2019/été 01.jpg', '日本/写真 1.png']);
    // Version A then a newer B CREATED for the same path: the newer wins, mtime NONE -> null.
    expect(files.get('dir/a.txt')).toMatchObject({ archiveId: id(3), size: 300, mtime: null, time: 1400000000 });
    expect(c.archivesOf('dir/a.txt').map((a) => a.archiveId)).toEqual([id(1), id(3)]);
    // DELETED removed archive 2; the path's later CREATED (archive 5) is its archive now.
    expect(c.archive(id(2))).toBeUndefined();
    expect(files.get('photos/2019/été 01.jpg')).toMatchObject({ archiveId: id(5), size: 5, mtime: 1400000000 });
    expect(files.get('my docs/report  final (v2).pdf')).toMatchObject({ archiveId: id(4), mtime: -1399999999 });
    expect(c.retrieveJobs(id(4))).toEqual([{ jobId: 'JOBa1', time: 1400000300 }]);
    expect(c.retrieveJobs(id(3))).toEqual([{ jobId: 'JOBb2', time: 1400000400 }]);
    expect(c.archive(id(6))).toBeUndefined();

    // The next append cuts the torn line off first, so the file stays well-formed.
    await c.recordCreated({ archiveId: 'NEW', path: 'new file.txt', size: 1, mtime: 5, treeHash: hash('a'), time: 1500000000 });
    await c.close();
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith(`B\t1500000000\tCREATED\tNEW\t1\t5\t${hash('a')}\tnew file.txt\n`)).toBe(true);
    expect(text).not.toContain(id(6));
    const again = await Catalog.open(path, { onWarning: (w) => warnings.push(w) });
    expect(warnings).toHaveLength(1);
    expect(again.file('new file.txt')?.archiveId).toBe('NEW');
    expect(again.size).toBe(5);
  });

  it('names the line of a malformed record that is not the last', async () => {
    const path = join(dir, 'bad.journal');
    writeFileSync(path, `${readFileSync(FIXTURE, 'utf8').split('\n').slice(0, 3).join('\n')}\nB\t1\tCREATED\tX\tnot-a-size\n${formatCatalogLine({ type: 'DELETED', time: 2, archiveId: 'X', path: 'p' })}\n`);
    const err = await Catalog.open(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CatalogFormatError);
    expect((err as CatalogFormatError).line).toBe(4);
    expect((err as Error).message).toMatch(/bad\.journal, line 4: a CREATED line with missing or malformed fields/);
  });

  it('refuses unsafe paths when reading and when writing', async () => {
    expect(parseCatalogLine(`B\t1\tCREATED\tX\t1\tNONE\t${hash('b')}\t../etc/passwd`)).toMatch(/unsafe path/);
    expect(parseCatalogLine(`B\t1\tCREATED\tX\t1\tNONE\t${hash('b')}\t/abs`)).toMatch(/unsafe path/);
    const c = await Catalog.open(join(dir, 'unsafe.journal'));
    for (const p of ['a/../b', '/abs/x', 'tab\there', 'a//b']) {
      await expect(c.recordCreated({ archiveId: 'X', path: p, size: 1, mtime: 1, treeHash: hash('c') })).rejects.toBeInstanceOf(InvalidCatalogPathError);
    }
    await c.close();
  });
});

describe('catalog round trips', () => {
  it('appends concurrently (each resolved after its fsync) and reads back the same state', async () => {
    const path = join(dir, 'round.journal');
    const c = await Catalog.open(path);
    await Promise.all(Array.from({ length: 50 }, (_, i) =>
      c.recordCreated({ archiveId: `A${i}`, path: `d${i % 5}/f ${i}.bin`, size: i + 1, mtime: 1000 + i, treeHash: hash((i % 10).toString()) })));
    await c.recordRetrieveJob('A7', 'JOB7');
    await c.recordDeleted('A3');
    await c.recordCreated({ archiveId: 'B1', path: 'd1/f 1.bin', size: 9, mtime: null, treeHash: hash('f'), time: 4_000_000_000 });
    const before = [...c.allArchives()].sort((a, b) => a.archiveId.localeCompare(b.archiveId));
    await c.close();
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(53);
    const back = await Catalog.open(path);
    expect([...back.allArchives()].sort((a, b) => a.archiveId.localeCompare(b.archiveId))).toEqual(before);
    expect(back.file('d3/f 3.bin')).toBeUndefined();
    expect(back.file('d1/f 1.bin')).toMatchObject({ archiveId: 'B1', mtime: null });
    expect(back.retrieveJobs('A7')[0]?.jobId).toBe('JOB7');
    expect(back.size).toBe(49);
  });

  it('formats and parses every record type identically', () => {
    const records = [
      { type: 'CREATED', time: 1, archiveId: 'id', size: 2, mtime: -3, treeHash: hash('d'), path: 'a b/ç.txt' },
      { type: 'CREATED', time: 1, archiveId: 'id', size: 2, mtime: null, treeHash: hash('d'), path: 'x' },
      { type: 'DELETED', time: 4, archiveId: 'id', path: 'a b/ç.txt' },
      { type: 'RETRIEVE_JOB', time: 5, archiveId: 'id', jobId: 'job' },
    ] as const;
    for (const r of records) expect(parseCatalogLine(formatCatalogLine(r))).toEqual(r);
  });

  it('merges shard catalogs in time order, once each', async () => {
    const a = join(dir, 'a.journal');
    const b = join(dir, 'b.journal');
    writeFileSync(a, `${formatCatalogLine({ type: 'CREATED', time: 10, archiveId: 'A', size: 1, mtime: 1, treeHash: hash('1'), path: 'x' })}\n` +
      `${formatCatalogLine({ type: 'CREATED', time: 30, archiveId: 'C', size: 1, mtime: 1, treeHash: hash('3'), path: 'x' })}\n`);
    writeFileSync(b, `${formatCatalogLine({ type: 'CREATED', time: 20, archiveId: 'B', size: 1, mtime: 1, treeHash: hash('2'), path: 'y' })}\n` +
      `${formatCatalogLine({ type: 'CREATED', time: 10, archiveId: 'A', size: 1, mtime: 1, treeHash: hash('1'), path: 'x' })}\n`);
    appendFileSync(b, 'B\t40\tCREA'); // torn
    const out = join(dir, 'merged.journal');
    const r = await mergeCatalogs([a, b], out);
    expect(r).toEqual({ records: 3, duplicates: 1, files: 2 });
    expect(readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t')[3])).toEqual(['A', 'B', 'C']);
  });
});

describe('shards and filters', () => {
  it('puts every path in exactly one shard, the same on every call', () => {
    const paths = Array.from({ length: 1000 }, (_, i) => `dir${i % 17}/file ${i}.dat`);
    for (const n of [1, 2, 3, 7]) {
      const counts = new Array<number>(n).fill(0);
      for (const p of paths) {
        const owners = Array.from({ length: n }, (_, i) => i).filter((i) => inShard(p, { index: i, count: n }));
        expect(owners).toHaveLength(1);
        expect(owners[0]).toBe(shardOf(p, n));
        counts[owners[0]!]!++;
      }
      // Roughly even: no shard gets less than half its share.
      for (const c of counts) expect(c).toBeGreaterThan(paths.length / n / 2);
    }
  });

  it('parses I/N and refuses the rest', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['4/4', '1/0', 'x', '1/', '-1/3']) expect(() => parseShard(bad)).toThrow(InvalidShardError);
  });

  it('matches include/exclude globs', () => {
    const f = pathFilter(['*.jpg', 'raw/**'], ['**/tmp/**', 'skip.jpg']);
    expect(['a.jpg', 'x/y/b.jpg', 'raw/c/d.cr2'].filter(f)).toHaveLength(3);
    expect(['a.png', 'skip.jpg', 'x/tmp/a.jpg', 'rawx/a.cr2'].filter(f)).toHaveLength(0);
  });
});
