// No orphan archives: an upload intent left by a killed run is reported and, with an inventory,
// adopted instead of uploaded again; `catalog reconcile` finds unknown archives, duplicates and
// missing entries (dry run by default), adopts and deletes duplicates; purge --from-inventory
// --catalog records its deletions. All against the local server with real inventory jobs.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteArchiveCommand, InitiateJobCommand } from '@aws-sdk/client-glacier';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog, encodeDescription, reconcileCatalog, retrieveInventory, syncDirectory, uploadArchive, readVaultArchives } from '../../dist/src/index.js';
import { runCli, waitFor } from '../cli/helpers.js';
import { oracleTreeHash, setup, writeTree, type Env } from './helpers.js';

let env: Env;
beforeEach(async () => {
  env = await setup({ jobDelayMs: 0 });
});
afterEach(async () => env.close());

const awsEnv = () => ({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' });
const conn = () => ['--vault', env.vaultName, '--endpoint', env.server.endpoint];

async function inventoryJob(): Promise<string> {
  const out = await env.client.send(new InitiateJobCommand({ accountId: '-', vaultName: env.vaultName, jobParameters: { Type: 'inventory-retrieval', Format: 'JSON' } }));
  return out.jobId!;
}

async function vaultArchives() {
  const inv = await retrieveInventory({ client: env.client, vaultName: env.vaultName, jobId: await inventoryJob() });
  return (await readVaultArchives(inv.body)).archives;
}

/** The state a sync killed right after Glacier created `path`'s archive leaves: the archive, the intent, no CREATED. */
async function orphan(root: string, catalog: string, path: string): Promise<string> {
  const data = readFileSync(join(root, path));
  const mtime = Math.floor(Date.now() / 1000) - 10;
  const { utimesSync } = await import('node:fs');
  utimesSync(join(root, path), mtime, mtime);
  const r = await uploadArchive({ vaultName: env.vaultName, source: data, description: encodeDescription(path, mtime), client: env.client, threads: 1 });
  writeFileSync(`${catalog}.intents`, `${JSON.stringify({ path, size: data.length, mtime, treeHash: oracleTreeHash(data), time: mtime })}\n`, { flag: 'a' });
  return r.archiveId;
}

describe('upload intents and catalog reconcile', () => {
  it('sync with an inventory adopts the archive of an unrecorded upload instead of uploading it again', async () => {
    const root = join(env.dir, 'tree');
    writeTree(root, { 'a.txt': 1000, 'b.txt': 2000, 'c.txt': 3000 });
    const catalog = join(env.dir, 'v.catalog');
    const first = await runCli(['sync', '--dir', root, '--catalog', catalog, ...conn(), '--include', 'a.txt', '--threads', '1', '--progress', 'none'], { env: awsEnv() });
    expect(first.code).toBe(0);
    const orphanId = await orphan(root, catalog, 'b.txt');
    env.server.resetStats();
    const r = await runCli(['sync', '--dir', root, '--catalog', catalog, ...conn(), '--inventory-job', await inventoryJob(), '--threads', '1', '--progress', 'none'], { env: awsEnv() });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('were begun by an earlier run that stopped before recording them');
    expect(r.stderr).toContain(`adopted archive ${orphanId} of b.txt`);
    expect(r.stdout).toContain('1 adopted from the inventory');
    expect(env.server.stats['UploadArchive'] ?? 0).toBe(1); // c.txt only
    const c = await Catalog.open(catalog);
    expect(c.file('b.txt')?.archiveId).toBe(orphanId);
    expect(c.size).toBe(3);
    await c.close();
    // The intent is resolved: the sidecar is gone, and a rerun has nothing to say.
    expect(existsSync(`${catalog}.intents`)).toBe(false);
    const again = await runCli(['sync', '--dir', root, '--catalog', catalog, ...conn(), '--threads', '1', '--progress', 'none'], { env: awsEnv() });
    expect(again.stderr).toBe('');
    expect((await vaultArchives()).length).toBe(3);
  });

  it('without an inventory the rerun says so and uploads again; reconcile finds the duplicate and deletes the younger copy', async () => {
    const root = join(env.dir, 'tree');
    writeTree(root, { 'x/one.bin': 5000, 'x/two.bin': 6000 });
    const catalog = join(env.dir, 'd.catalog');
    const orphanId = await orphan(root, catalog, 'x/one.bin');
    await new Promise((r) => setTimeout(r, 1100)); // the copy uploaded again is younger, to the second
    const notes: string[] = [];
    const s = await syncDirectory({ dir: root, vaultName: env.vaultName, catalog, client: env.client, threads: 1, onNote: (n) => notes.push(n) });
    expect(s.unresolvedIntents).toBe(1);
    expect(notes.join('\n')).toContain('without an inventory they are uploaded again');
    expect(s.uploaded.map((u) => u.path).sort()).toEqual(['x/one.bin', 'x/two.bin']);
    const reuploaded = s.uploaded.find((u) => u.path === 'x/one.bin')!.archiveId;

    // An archive no catalog knows, and a catalog entry whose archive was deleted behind its back.
    const stray = await uploadArchive({ vaultName: env.vaultName, source: Buffer.alloc(700, 1), description: encodeDescription('stray.txt', 1_700_000_000), client: env.client, threads: 1 });
    const gone = s.uploaded.find((u) => u.path === 'x/two.bin')!.archiveId;
    await env.client.send(new DeleteArchiveCommand({ accountId: '-', vaultName: env.vaultName, archiveId: gone }));
    await new Promise((r) => setTimeout(r, 1100)); // the inventory must be younger than the catalog's entries

    const job = await inventoryJob();
    const dry = await runCli(['catalog', 'reconcile', ...conn(), '--catalog', catalog, '--inventory-job', job], { env: awsEnv() });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`duplicate\t${reuploaded}\tx/one.bin\t(same tree hash as the older ${orphanId})`);
    expect(dry.stdout).toContain(`unknown\t${stray.archiveId}\tstray.txt`);
    expect(dry.stdout).toContain(`missing\t${gone}\tx/two.bin`);
    expect(dry.stderr).toContain('dry run, nothing changed');
    const before = readFileSync(catalog, 'utf8');

    const refused = await runCli(['catalog', 'reconcile', ...conn(), '--catalog', catalog, '--inventory-job', job, '--delete-duplicates'], { env: awsEnv() });
    expect(refused.code).toBe(2);
    expect(readFileSync(catalog, 'utf8')).toBe(before);

    const act = await runCli(['catalog', 'reconcile', ...conn(), '--catalog', catalog, '--inventory-job', job, '--adopt', '--delete-duplicates', '--yes'], { env: awsEnv() });
    expect(act.code).toBe(0);
    expect(act.stdout).toContain(`deleted\t${reuploaded}\tx/one.bin`);
    const c = await Catalog.open(catalog);
    expect(c.file('x/one.bin')?.archiveId).toBe(orphanId);
    expect(c.archivesOf('x/one.bin')).toHaveLength(1);
    expect(c.file('stray.txt')?.archiveId).toBe(stray.archiveId);
    await c.close();
    const ids = (await vaultArchives()).map((a) => a.archiveId).sort();
    expect(ids).toEqual([orphanId, stray.archiveId].sort());
  });

  it('sync records the intent (fsynced) before the request, and drops it once CREATED is recorded', async () => {
    const root = join(env.dir, 'tree');
    const data = writeTree(root, { 'slow.txt': 1234 });
    const catalog = join(env.dir, 'i.catalog');
    env.server.setFaults([{ operation: 'UploadArchive', kind: 'Slow', every: 1, delayMs: 1500 }]);
    const run = syncDirectory({ dir: root, vaultName: env.vaultName, catalog, client: env.client, threads: 1 });
    // The archive exists (the server answers late) while the catalog has no CREATED yet: the intent names it.
    const intent = await waitFor(() => (existsSync(`${catalog}.intents`) ? readFileSync(`${catalog}.intents`, 'utf8') : undefined) || undefined);
    expect(JSON.parse(intent.trim())).toMatchObject({ path: 'slow.txt', size: 1234, treeHash: oracleTreeHash(data.get('slow.txt')!) });
    await waitFor(() => (env.server.stats['UploadArchive'] ?? 0) > 0 || undefined);
    expect(readFileSync(catalog, 'utf8')).not.toContain('slow.txt');
    await run;
    expect(existsSync(`${catalog}.intents`)).toBe(false);
  });

  it('reconcileCatalog (library) on an inventory file: --adopt records what the catalog lacks', async () => {
    const catalogPath = join(env.dir, 'lib.catalog');
    const a = await uploadArchive({ vaultName: env.vaultName, source: Buffer.alloc(900, 7), description: encodeDescription('p/q.txt', 1_700_000_001), client: env.client, threads: 1 });
    const inv = await retrieveInventory({ client: env.client, vaultName: env.vaultName, jobId: await inventoryJob() });
    const file = join(env.dir, 'inv.json');
    const chunks: Buffer[] = [];
    for await (const ch of inv.body) chunks.push(Buffer.from(ch));
    writeFileSync(file, Buffer.concat(chunks));
    const catalog = await Catalog.open(catalogPath, { lock: true });
    const dry = await reconcileCatalog({ catalog, inventory: file });
    expect(dry.unknown.map((u) => u.archiveId)).toEqual([a.archiveId]);
    expect(catalog.size).toBe(0);
    const r = await reconcileCatalog({ catalog, inventory: file, adopt: true });
    expect(r.adopted).toBe(1);
    expect(catalog.file('p/q.txt')).toMatchObject({ archiveId: a.archiveId, mtime: 1_700_000_001, size: 900 });
    await catalog.close();
  });

  it('purge --from-inventory --catalog records a DELETED line for every archive it deletes', async () => {
    const root = join(env.dir, 'tree');
    writeTree(root, { 'k1.txt': 100, 'k2.txt': 200 });
    const catalog = join(env.dir, 'p.catalog');
    await syncDirectory({ dir: root, vaultName: env.vaultName, catalog, client: env.client, threads: 1 });
    const c0 = await Catalog.open(catalog);
    const ids = [...c0.allArchives()].map((a) => a.archiveId).sort();
    await c0.close();
    const r = await runCli(['purge', ...conn(), '--from-inventory', '--catalog', catalog, '--yes'], { env: awsEnv() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`deleted 2 archives`);
    expect(r.stdout).toContain(`recorded in ${catalog}`);
    const deleted = readFileSync(catalog, 'utf8').split('\n').filter((l) => l.split('\t')[2] === 'DELETED').map((l) => l.split('\t')[3]).sort();
    expect(deleted).toEqual(ids);
    const c = await Catalog.open(catalog);
    expect(c.size).toBe(0);
    await c.close();
  });
});
