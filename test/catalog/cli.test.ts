// The catalog commands as users run them (child processes against the local server): a sync
// killed with SIGKILL and run again, shards merged, purge dry run vs real, inventory -> catalog.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../dist/src/catalog/index.js';
import { SELF, runCli, runPasted, startCli, waitFor } from '../cli/helpers.js';
import { MiB, oracleTreeHash, setup, writeTree, type Env } from './helpers.js';

let env: Env;
beforeEach(async () => {
  env = await setup();
});
afterEach(async () => env.close());

const awsEnv = () => ({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' });
const conn = () => ['--vault', env.vaultName, '--endpoint', env.server.endpoint];
const createdLines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l.split('\t')[2] === 'CREATED') : []);

describe('catalog CLI', () => {
  it('a sync killed with SIGKILL resumes without uploading a recorded file again', async () => {
    const root = join(env.dir, 'tree');
    const files: Record<string, number> = { 'big/video.bin': 3 * MiB + 100 };
    for (let i = 0; i < 30; i++) files[`d${i % 3}/f${i}.dat`] = 20_000 + i;
    const data = writeTree(root, files);
    const catalog = join(env.dir, 'v.catalog');
    // Slow requests, so the kill lands in the middle of the run.
    env.server.setFaults([{ operation: 'UploadArchive', kind: 'Slow', every: 1, delayMs: 150 }, { operation: 'UploadMultipartPart', kind: 'Slow', every: 1, delayMs: 300 }]);
    const args = ['sync', '--dir', root, '--catalog', catalog, ...conn(), '--part-size', '1MiB', '--concurrency', '2', '--threads', '1', '--progress', 'none'];
    const run = startCli(args, { env: awsEnv() });
    await waitFor(() => createdLines(catalog).length >= 6 || undefined);
    run.child.kill('SIGKILL');
    await run.done;
    const before = new Map(createdLines(catalog).map((l) => [l.split('\t')[7], l.split('\t')[3]]));
    expect(before.size).toBeGreaterThanOrEqual(6);
    expect(before.size).toBeLessThan(31);

    env.server.setFaults([]);
    env.server.resetStats();
    const rerun = await runCli(args, { env: awsEnv() });
    // The upload the kill interrupted may have created its archive: the rerun says so (see reconcile.test.ts).
    expect(rerun.stderr.split('\n').filter((l) => l && !/were begun by an earlier run|without an inventory they are uploaded again/.test(l))).toEqual([]);
    expect(rerun.code).toBe(0);
    const smallBefore = [...before.keys()].filter((p) => p !== 'big/video.bin').length;
    expect(env.server.stats['UploadArchive'] ?? 0).toBe(30 - smallBefore);
    const c = await Catalog.open(catalog);
    for (const [path, bytes] of data) expect(c.file(path)).toMatchObject({ size: bytes.length, treeHash: oracleTreeHash(bytes) });
    // Every file recorded before the kill kept its archive: one CREATED line per path.
    for (const [path, archiveId] of before) expect(c.archivesOf(path!).map((a) => a.archiveId)).toEqual([archiveId]);
    expect(createdLines(catalog)).toHaveLength(31);
    await c.close();
  });

  it('Ctrl-C stops a sync cleanly and prints the command that continues; the rerun resumes the multipart upload', async () => {
    const root = join(env.dir, 'tree');
    const files: Record<string, number> = { 'big.bin': 4 * MiB };
    for (let i = 0; i < 8; i++) files[`s/${i}.txt`] = 3000 + i;
    const data = writeTree(root, files);
    const catalog = join(env.dir, 'i.catalog');
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'Slow', every: 1, delayMs: 400 }, { operation: 'UploadArchive', kind: 'Slow', every: 1, delayMs: 300 }]);
    const args = ['sync', '--dir', root, '--catalog', catalog, ...conn(), '--part-size', '1MiB', '--concurrency', '1', '--threads', '1', '--progress', 'none'];
    const run = startCli(args, { env: awsEnv() });
    await waitFor(() => ((env.server.stats['UploadMultipartPart'] ?? 0) >= 2 ? true : undefined));
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/sync stopped: \d+ of 9 files recorded .*Continue with the same command: /s);
    const printed = /Continue with the same command: (.*)$/m.exec(stopped.stderr)![1]!;
    expect(printed.startsWith(`${SELF} sync --dir `)).toBe(true);

    env.server.setFaults([]);
    env.server.resetStats();
    // The printed command, pasted into a shell as it stands.
    const rerun = await runPasted(printed, { env: awsEnv() });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(env.server.stats['InitiateMultipartUpload'] ?? 0).toBe(0);
    const c = await Catalog.open(catalog);
    for (const [path, bytes] of data) expect(c.file(path)?.treeHash).toBe(oracleTreeHash(bytes));
    await c.close();
  });

  it('shards split a directory between hosts; catalog merge joins them with every file once', async () => {
    const root = join(env.dir, 'tree');
    const files: Record<string, number> = {};
    for (let i = 0; i < 12; i++) files[`s${i % 4}/n ${i}.txt`] = 100 + i;
    writeTree(root, files);
    const parts = [0, 1, 2].map((i) => join(env.dir, `shard${i}.catalog`));
    for (const [i, part] of parts.entries()) {
      const r = await runCli(['sync', '--dir', root, '--catalog', part, ...conn(), '--shard', `${i}/3`, '--progress', 'none'], { env: awsEnv() });
      expect(r.code, r.stderr).toBe(0);
    }
    const counts = parts.map((p) => createdLines(p).length);
    expect(counts.reduce((a, b) => a + b)).toBe(12);
    const merged = join(env.dir, 'all.catalog');
    const m = await runCli(['catalog', 'merge', ...parts, '--out', merged]);
    expect(m.code, m.stderr).toBe(0);
    const c = await Catalog.open(merged);
    expect([...c.files()].map((f) => f.path).sort()).toEqual(Object.keys(files).sort());
    await c.close();
    const bad = await runCli(['sync', '--dir', root, '--catalog', merged, ...conn(), '--shard', '3/3'], { env: awsEnv() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Invalid shard "3\/3".*from 0 to N-1/);
  });

  it('purge: a dry run lists and deletes nothing; --yes deletes and records DELETED; an inventory rebuilds the catalog', async () => {
    const root = join(env.dir, 'tree');
    writeTree(root, { 'keep/a.txt': 1000, 'keep/b.txt': 2000, 'raw/c.bin': 3000 });
    const catalog = join(env.dir, 'p.catalog');
    expect((await runCli(['sync', '--dir', root, '--catalog', catalog, ...conn(), '--progress', 'none'], { env: awsEnv() })).code).toBe(0);

    const rebuilt = join(env.dir, 'rebuilt.catalog');
    const inv = await runCli(['inventory', ...conn(), '--format', 'csv', '--catalog', rebuilt, '--out', join(env.dir, 'raw.csv')], { env: awsEnv() });
    expect(inv.code, inv.stderr).toBe(0);
    expect(inv.stdout.split('\n').filter((l) => /\tkeep\/|\traw\//.test(l))).toHaveLength(3);
    const [orig, back] = [await Catalog.open(catalog), await Catalog.open(rebuilt)];
    const view = (c: Catalog) => [...c.files()].map((f) => [f.path, f.archiveId, f.size, f.treeHash, f.mtime]).sort();
    expect(view(back)).toEqual(view(orig));
    await orig.close();
    await back.close();

    const dry = await runCli(['purge', ...conn(), '--catalog', catalog, '--dry-run'], { env: awsEnv() });
    expect(dry.code).toBe(0);
    expect(dry.stdout.split('\n').filter((l) => l.startsWith('would delete'))).toHaveLength(3);
    expect(dry.stderr).toMatch(/3 archives, 6000 bytes \(5.86 KiB\), would be deleted/);
    expect(env.server.stats['DeleteArchive'] ?? 0).toBe(0);

    const unconfirmed = await runCli(['purge', ...conn(), '--catalog', catalog]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/pass --yes/);

    const some = await runCli(['purge', ...conn(), '--catalog', catalog, '--include', 'keep/**', '--yes'], { env: awsEnv() });
    expect(some.code, some.stderr).toBe(0);
    expect(env.server.stats['DeleteArchive']).toBe(2);
    const after = await Catalog.open(catalog);
    expect([...after.files()].map((f) => f.path)).toEqual(['raw/c.bin']);
    await after.close();
    expect(readFileSync(catalog, 'utf8').split('\n').filter((l) => l.includes('\tDELETED\t'))).toHaveLength(2);

    const rest = await runCli(['purge', ...conn(), '--from-inventory', '--yes'], { env: awsEnv() });
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.stdout).toMatch(/deleted 1 archive \(/);
    const empty = await runCli(['inventory', ...conn(), '--json'], { env: awsEnv() });
    expect(empty.stdout.trim()).toBe('');
  });
});
