// The migrate layer's pieces on their own: pacing by budget, the state file (torn last line, reopen,
// stages), names (unsafe refused, CSV overrides, stable duplicate suffixes), the compact id table,
// the memory bound of parts in flight (Slots).
import { describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeDescription, migrateVault, MigrationState, nameOf, readNameCsv, uniqueName, planMigration } from '../../dist/src/index.js';
import { Pacer } from '../../dist/src/migrate/pacing.js';
import { IdTable } from '../../dist/src/migrate/id-table.js';
import { Slots } from '../../dist/src/migrate/slots.js';
import { lockJournal } from '../../dist/src/lock-file.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'migrate-unit-'));
const DAY = 24 * 3600_000;

describe('Pacer', () => {
  it('with a budget, holds a job back until the day of the oldest ones has passed', async () => {
    let now = 1_000_000;
    const pacer = new Pacer(100, () => now);
    await pacer.stage(60);
    pacer.release(60, true);
    let started = false;
    const next = pacer.stage(50).then(() => { started = true; });
    await new Promise((r) => setTimeout(r, 30));
    expect(started).toBe(false);
    now += DAY;
    // A copy finishing wakes the pacer, which now finds the first job's day over.
    await pacer.stage(1, undefined, false);
    pacer.release(1, true);
    await next;
    expect(started).toBe(true);
  });

  it('without a budget, one archive larger than the stage limit still goes', async () => {
    const pacer = new Pacer(undefined);
    await pacer.stage(10 * 1024 ** 4);
    expect(pacer.stageLimit()).toBeGreaterThan(0);
  });
});

describe('MigrationState', () => {
  it('survives a torn last line and continues on a new line; stages and in-flight uploads come back', async () => {
    const path = join(tmp(), 's.jsonl');
    const s = await MigrationState.open(path);
    await s.record({ t: 'plan', vault: 'v', shard: '0/1', destination: 's3://b/', at: 'now' });
    await s.record({ t: 'job', id: 'A', job: 'J1', tier: 'Bulk', at: 'now' });
    await s.record({ t: 'copying', id: 'A', key: 'a', upload: 'U1' });
    await s.record({ t: 'part', id: 'A', n: 1, th: 'h', sha: 's', etag: 'e' });
    await s.record({ t: 'done', id: 'B', key: 'b', etag: 'e', checksum: 'c', size: 5 });
    await s.close();
    appendFileSync(path, '{"t":"done","id":"A","ke');
    const again = await MigrationState.open(path);
    expect(again.stage('A')).toBe(3);
    expect(again.stage('B')).toBe(4);
    expect(again.inFlight('A')).toMatchObject({ jobId: 'J1', uploadId: 'U1' });
    expect(again.inFlight('A')!.parts.get(1)).toEqual({ treeHash: 'h', sha256: 's', etag: 'e' });
    await again.record({ t: 'failed', id: 'A', why: 'x' });
    await again.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.at(-2)).toBe('{"t":"failed","id":"A","why":"x"}');
    const third = await MigrationState.open(path);
    expect(third.stage('A')).toBe(5);
    expect(third.inFlight('A')).toMatchObject({ jobId: 'J1' });
    expect(third.inFlight('A')!.uploadId).toBeUndefined();
    await third.close();
  });

  it('one run per state file: a second one is refused while the first holds it', async () => {
    const dir = tmp();
    const state = join(dir, 's.jsonl');
    const release = (await lockJournal(state))!;
    const run = migrateVault({ vaultName: 'v', inventory: [], destination: { dir: join(dir, 'out') }, state, clientConfig: { endpoint: 'http://127.0.0.1:9', region: 'us-east-1' } });
    await expect(run).rejects.toMatchObject({ code: 'JOURNAL_LOCKED' });
    await release();
    const r = await migrateVault({ vaultName: 'v', inventory: [], destination: { dir: join(dir, 'out') }, state, clientConfig: { endpoint: 'http://127.0.0.1:9', region: 'us-east-1' } });
    expect(r.complete).toBe(true);
  });

  it('refuses a file that is not a state file', async () => {
    const path = join(tmp(), 'other.txt');
    writeFileSync(path, 'hello\nworld\n');
    await expect(MigrationState.open(path)).rejects.toMatchObject({ code: 'MIGRATION_STATE' });
  });
});

describe('names', () => {
  it('refuses unsafe paths from descriptions and from CSV overrides', async () => {
    expect(nameOf({ archiveId: 'A', description: encodeDescription('a/b.txt', 0) })).toEqual({ name: 'a/b.txt' });
    const evil = `mt2 ${Buffer.from(JSON.stringify({ mtime: '20200101T000000Z', filename: '../../etc/passwd' })).toString('base64url')}`;
    expect(nameOf({ archiveId: 'A', description: evil }).refused).toMatch(/no safe relative path/);
    expect(nameOf({ archiveId: 'A', description: 'free text here' })).toEqual({ name: 'A' });
    const csv = join(tmp(), 'names.csv');
    writeFileSync(csv, 'ArchiveId,Key\nA,"x/""quoted"".bin"\nB,../up\n');
    const names = await readNameCsv(csv);
    expect(nameOf({ archiveId: 'A', description: '' }, (id) => names.get(id))).toEqual({ name: 'x/"quoted".bin' });
    expect(nameOf({ archiveId: 'B', description: '' }, (id) => names.get(id)).refused).toMatch(/unsafe/);
  });

  it('duplicate names get a suffix from the archive id, the same whatever the order or shard', async () => {
    expect(uniqueName('d/a.jpg', 'ID1')).toMatch(/^d\/a~[0-9a-f]{12}\.jpg$/);
    expect(uniqueName('d/noext', 'ID1')).toMatch(/^d\/noext~[0-9a-f]{12}$/);
    const entries = ['X', 'Y', 'Z'].map((id) => ({ archiveId: id, description: id === 'Z' ? 'other.txt' : 'same.txt', creationDate: '2020-01-01T00:00:00Z', size: 1, treeHash: 'a'.repeat(64) }));
    const keys = async (list: typeof entries, shard?: { index: number; count: number }) => {
      const plan = await planMigration({ source: async function* () { yield* list; }, prefix: '', shard });
      const out: Record<string, string> = {};
      for await (const a of plan.archives()) out[a.archiveId] = a.key!;
      return out;
    };
    const all = await keys(entries);
    expect(all['Z']).toBe('other.txt');
    expect(all['X']).toBe(uniqueName('same.txt', 'X'));
    expect(await keys([...entries].reverse())).toEqual(all);
    const split = { ...(await keys(entries, { index: 0, count: 2 })), ...(await keys(entries, { index: 1, count: 2 })) };
    expect(split).toEqual(all);
  });
});

describe('planMigration filters', () => {
  it('include/exclude apply to names; totals count only what is kept', async () => {
    const entries = ['a/1.jpg', 'a/2.txt', 'b/3.jpg'].map((name, i) => ({ archiveId: `ID${i}`, description: encodeDescription(name, 0), creationDate: '2020-01-01T00:00:00Z', size: 10 ** i, treeHash: 'a'.repeat(64) }));
    const { pathFilter } = await import('../../dist/src/index.js');
    const plan = await planMigration({ source: async function* () { yield* entries; }, prefix: 'p/', filter: pathFilter(['*.jpg'], ['b/**']) });
    expect(plan.summary).toMatchObject({ archives: 1, bytes: 1, inventoryArchives: 3 });
    const keys: string[] = [];
    for await (const a of plan.archives()) keys.push(a.key!);
    expect(keys).toEqual(['p/a/1.jpg']);
  });

  it('archives come oldest first: an inventory in another order is sorted on disk, its run files removed', async () => {
    const dir = tmp();
    // Creation dates out of order, two equal ones (they keep the inventory's order), one unreadable (last).
    const dates = ['2021-05-01T00:00:00Z', '2019-01-01T00:00:00Z', '2020-07-01T12:00:00Z', 'not a date', '2019-01-01T00:00:00Z', '2018-03-03T03:03:03Z', '2020-07-01T11:59:59Z'];
    const entries = dates.map((creationDate, i) => ({ archiveId: `ID${i}`, description: encodeDescription(`f${i}`, 0), creationDate, size: 1, treeHash: 'a'.repeat(64) }));
    const plan = await planMigration({ source: async function* () { yield* entries; }, prefix: '', sortPrefix: join(dir, 'order'), sortRunSize: 2 });
    expect(plan.summary.inventoryInDateOrder).toBe(false);
    const ids: string[] = [];
    for await (const a of plan.archives()) {
      ids.push(a.archiveId);
      // Mid-pass the runs are on disk (7 entries, 2 per run).
      if (ids.length === 1) expect(readdirSync(dir).length).toBeGreaterThan(1);
    }
    expect(ids).toEqual(['ID5', 'ID1', 'ID4', 'ID6', 'ID2', 'ID0', 'ID3']);
    expect(readdirSync(dir)).toEqual([]);
    // A pass stopped early removes its runs too.
    for await (const a of plan.archives()) if (a.archiveId === 'ID1') break;
    expect(readdirSync(dir)).toEqual([]);
    // In date order already: streamed as it is, nothing written.
    const inOrder = await planMigration({ source: async function* () { yield entries[5]!; yield entries[1]!; yield entries[0]!; }, prefix: '', sortPrefix: join(dir, 'order'), sortRunSize: 1 });
    expect(inOrder.summary.inventoryInDateOrder).toBe(true);
    for await (const a of inOrder.archives()) {
      expect(a.archiveId).toBeDefined();
      expect(readdirSync(dir)).toEqual([]);
    }
  });
});

describe('IdTable', () => {
  it('keeps 200,000 distinct keys apart through growth', () => {
    const t = new IdTable();
    for (let i = 0; i < 200_000; i++) t.set(`archive-${i}`, (i % 255) + 1);
    expect(t.size).toBe(200_000);
    for (let i = 0; i < 200_000; i += 997) expect(t.get(`archive-${i}`)).toBe((i % 255) + 1);
    expect(t.get('archive-x')).toBe(0);
  });
});

describe('Slots (the bytes of parts in flight)', () => {
  const KiB = 1024;
  const settled = async <T>(p: Promise<T>) => Promise.race([p.then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20))]);

  it('counts bytes, not buffers: small archives share the bound, a whole chunk waits for its bytes and is served before later small ones', async () => {
    const slots = new Slots(2, 256 * KiB); // 512 KiB in all
    const small = await Promise.all(Array.from({ length: 8 }, () => slots.acquire(64 * KiB)));
    for (const h of small) expect(h.buf.byteLength).toBe(64 * KiB); // a buffer of its own size, not a whole chunk
    const whole = slots.acquire(256 * KiB);
    expect(await settled(whole)).toBe(false); // 512 KiB held by the eight
    const later = slots.acquire(1);
    slots.release(small[0]!);
    slots.release(small[1]!);
    slots.release(small[2]!);
    expect(await settled(later)).toBe(false); // in order: the chunk first, though 1 byte would fit
    slots.release(small[3]!);
    const chunk = await whole;
    expect(chunk.buf.byteLength).toBe(256 * KiB);
    expect(await settled(later)).toBe(false); // 256 + 4 x 64 KiB held
    slots.release(small[4]!);
    await later;
  });

  it('a waiter that gives up lets the smaller ones behind it in; a transferred buffer returns what it held; a double release is ignored', async () => {
    const slots = new Slots(1, 256 * KiB);
    const a = await slots.acquire(100 * KiB);
    const stop = new AbortController();
    const big = slots.acquire(256 * KiB, stop.signal);
    const small = slots.acquire(100 * KiB);
    expect(await settled(small)).toBe(false);
    stop.abort(new Error('stop'));
    await expect(big).rejects.toThrow('stop');
    const b = await small;
    // The pool took a's buffer (transfer) and never gave it back: release still frees its 100 KiB.
    a.buf = new Uint8Array(0);
    slots.release(a);
    slots.release(a);
    const c = await slots.acquire(128 * KiB - 1);
    expect(await settled(slots.acquire(128 * KiB))).toBe(false); // 100 + 128 KiB - 1 held: 128 KiB more does not fit
    slots.release(b);
    slots.release(c);
  });
});
