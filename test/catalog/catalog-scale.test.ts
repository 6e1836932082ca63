// The catalog at scale: its compact index (typed arrays, records read back from the file) must answer
// exactly as whole records kept in memory would, for any sequence of records, before and after a
// reopen; hash collisions of ids and paths must never confuse two strings; a merge through sorted runs
// on disk must equal the merge of everything in memory.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Catalog, mergeCatalogs, type CatalogArchive } from '../../dist/src/catalog/index.js';
import { formatCatalogLine, type CatalogRecord } from '../../dist/src/catalog/catalog-line.js';
import { CatalogIndex } from '../../dist/src/catalog/catalog-index.js';

const dir = mkdtempSync(join(tmpdir(), 'gm-catalog-scale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hash = (n: number) => n.toString(16).padStart(64, '0');

/** The reference: whole records in Maps, as the catalog kept them before (latest by TIME, then line order). */
function model(records: CatalogRecord[]) {
  const live = new Map<string, CatalogArchive & { seq: number }>();
  const jobs = new Map<string, { jobId: string; time: number }[]>();
  records.forEach((r, seq) => {
    if (r.type === 'CREATED') live.set(r.archiveId, { archiveId: r.archiveId, path: r.path, size: r.size, mtime: r.mtime, treeHash: r.treeHash, time: r.time, seq });
    else if (r.type === 'DELETED') live.delete(r.archiveId);
    else jobs.set(r.archiveId, [...(jobs.get(r.archiveId) ?? []), { jobId: r.jobId, time: r.time }]);
  });
  const strip = ({ seq: _s, ...a }: CatalogArchive & { seq: number }): CatalogArchive => a;
  const byPath = new Map<string, (CatalogArchive & { seq: number })[]>();
  for (const a of live.values()) byPath.set(a.path, [...(byPath.get(a.path) ?? []), a]);
  for (const list of byPath.values()) list.sort((a, b) => a.time - b.time || a.seq - b.seq);
  return {
    files: new Map([...byPath].map(([p, list]) => [p, strip(list[list.length - 1]!)])),
    archivesOf: (p: string) => (byPath.get(p) ?? []).map(strip),
    archive: (id: string) => (live.has(id) ? strip(live.get(id)!) : undefined),
    all: [...live.values()].map(strip),
    jobs: (id: string) => jobs.get(id) ?? [],
  };
}

const recordArb = fc.oneof(
  fc.record({ type: fc.constant('CREATED' as const), time: fc.integer({ min: 1, max: 6 }), archiveId: fc.integer({ min: 0, max: 9 }).map((n) => `id${n}`),
    size: fc.nat(1000), mtime: fc.option(fc.integer({ min: 0, max: 9 })), treeHash: fc.nat().map(hash), path: fc.constantFrom('a', 'b/c', 'é d', 'x/y/z') }),
  fc.record({ type: fc.constant('DELETED' as const), time: fc.integer({ min: 1, max: 6 }), archiveId: fc.integer({ min: 0, max: 9 }).map((n) => `id${n}`), path: fc.constant('a') }),
  fc.record({ type: fc.constant('RETRIEVE_JOB' as const), time: fc.integer({ min: 1, max: 6 }), archiveId: fc.integer({ min: 0, max: 9 }).map((n) => `id${n}`), jobId: fc.nat(99).map((n) => `job${n}`) }),
);

function expectSame(c: Catalog, m: ReturnType<typeof model>): void {
  expect(new Map([...c.files()].map((f) => [f.path, f]))).toEqual(m.files);
  expect(c.size).toBe(m.files.size);
  for (const p of ['a', 'b/c', 'é d', 'x/y/z', 'nope']) {
    expect(c.file(p)).toEqual(m.files.get(p));
    expect(c.archivesOf(p)).toEqual(m.archivesOf(p));
  }
  expect([...c.allArchives()].sort((x, y) => (x.archiveId < y.archiveId ? -1 : 1))).toEqual([...m.all].sort((x, y) => (x.archiveId < y.archiveId ? -1 : 1)));
  for (let n = 0; n < 11; n++) {
    expect(c.archive(`id${n}`)).toEqual(m.archive(`id${n}`));
    expect(c.retrieveJobs(`id${n}`)).toEqual(m.jobs(`id${n}`));
  }
}

describe('the catalog index', () => {
  it('answers as whole records in memory would, appended live and reopened from the file', async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(fc.array(recordArb, { maxLength: 40 }), fc.nat(40), async (records, split) => {
      const path = join(dir, `model-${run++}.catalog`);
      const head = records.slice(0, split);
      writeFileSync(path, head.map((r) => `${formatCatalogLine(r)}\n`).join(''));
      const c = await Catalog.open(path);
      for (const r of records.slice(split)) await c.append([r]);
      expectSame(c, model(records));
      await c.close();
      const again = await Catalog.open(path, { create: false });
      expectSame(again, model(records));
      await again.close();
    }), { numRuns: 150 });
  });

  it('tells apart ids and paths whose 64-bit keys collide', () => {
    // Every id and path hashed to one key: only the lines themselves (read back) can tell them apart.
    const lines: { archiveId: string; path?: string }[] = [];
    const index = new CatalogIndex((offset) => lines[offset]!, () => [7, 7]);
    const add = (archiveId: string, path: string) => {
      lines.push({ archiveId, path });
      index.created(archiveId, path, lines.length, lines.length - 1, 1);
    };
    for (let i = 0; i < 120; i++) add(`id-${i}`, `p-${i % 30}`);
    expect(index.pathCount).toBe(30);
    expect(index.slotsOfPath('p-7').map((s) => lines[index.place(s).offset]!.archiveId).sort()).toEqual(['id-37', 'id-67', 'id-7', 'id-97']);
    expect(index.deleted('id-7')).toBe(true);
    expect(index.deleted('id-7')).toBe(false);
    expect(index.slotsOfPath('p-7')).toHaveLength(3);
    expect(index.slotOf('id-unknown')).toBe(-1);
    // An id CREATED again under another path moves; a path's last archive gone takes the path away.
    add('id-37', 'p-moved');
    expect(index.slotsOfPath('p-7')).toHaveLength(2);
    expect(index.slotsOfPath('p-moved')).toHaveLength(1);
    for (const id of ['id-67', 'id-97']) index.deleted(id);
    expect(index.slotsOfPath('p-7')).toEqual([]);
    expect(index.pathCount).toBe(30); // p-7 gone, p-moved new
    expect([...index.pathGroups()]).toHaveLength(30);
    expect([...index.liveSlots()]).toHaveLength(120 - 3);
  });
});

describe('catalog merge through sorted runs', () => {
  it('equals the in-memory merge: TIME order, stable, identical lines once, any run size', async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(fc.array(fc.array(recordArb, { maxLength: 30 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 12 }), async (inputs, runRecords) => {
      const paths = inputs.map((records, i) => {
        const p = join(dir, `in-${run}-${i}.catalog`);
        writeFileSync(p, records.map((r) => `${formatCatalogLine(r)}\n`).join(''));
        return p;
      });
      const out = join(dir, `out-${run++}.catalog`);
      const r = await mergeCatalogs(paths, out, { runRecords });
      // Reference: everything in memory, stable sort by TIME, first of identical lines kept.
      const all = inputs.flat().map((rec, i) => ({ line: formatCatalogLine(rec), time: rec.time, i })).sort((a, b) => a.time - b.time || a.i - b.i);
      const seen = new Set<string>();
      const expected = all.filter((e) => (seen.has(e.line) ? false : (seen.add(e.line), true))).map((e) => e.line);
      expect(readFileSync(out, 'utf8').split('\n').filter(Boolean)).toEqual(expected);
      expect(r.records).toBe(expected.length);
      expect(r.duplicates).toBe(all.length - expected.length);
      // No run file or temporary output left beside it.
      expect(readdirSync(dir).filter((f) => f.startsWith(`out-${run - 1}.catalog.`))).toEqual([]);
    }), { numRuns: 60 });
  });
});
