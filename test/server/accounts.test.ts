// Vaults per (account, region) as in Glacier, DescribeVault as of the last inventory, and data
// directories of the earlier layout (no account or region) kept working.
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CreateVaultCommand, DescribeVaultCommand, GetJobOutputCommand, InitiateJobCommand, ListVaultsCommand, UploadArchiveCommand,
} from '@aws-sdk/client-glacier';
import { LocalGlacierOptionsError, startLocalGlacier, type LocalGlacier, type LocalGlacierOptions } from '../../dist/src/server/index.js';
import { bytes, client, failure, raw } from './helpers.js';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function serve(opts: LocalGlacierOptions = {}): Promise<LocalGlacier> {
  const server = await startLocalGlacier(opts);
  cleanup.push(() => server.close());
  return server;
}
function sdk(server: LocalGlacier, region = 'us-east-1', credentials?: { accessKeyId: string; secretAccessKey: string }) {
  const c = client(server, { region, ...(credentials ? { credentials } : {}) });
  cleanup.push(() => c.destroy());
  return c;
}

describe('vaults per account and region', () => {
  it('a vault created in eu-west-1 is not found from us-east-1; the same name lives in both apart', async () => {
    const server = await serve();
    const eu = sdk(server, 'eu-west-1');
    const us = sdk(server, 'us-east-1');
    await eu.send(new CreateVaultCommand({ vaultName: 'photos' }));
    const missing = await failure(us.send(new DescribeVaultCommand({ vaultName: 'photos' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toBe('Vault not found for ARN: arn:aws:glacier:us-east-1:000000000000:vaults/photos');
    expect((await us.send(new ListVaultsCommand({}))).VaultList).toEqual([]);
    expect((await eu.send(new DescribeVaultCommand({ vaultName: 'photos' }))).VaultARN).toBe('arn:aws:glacier:eu-west-1:000000000000:vaults/photos');
    await us.send(new CreateVaultCommand({ vaultName: 'photos' }));
    await us.send(new UploadArchiveCommand({ vaultName: 'photos', body: bytes(10) }));
    await us.send(new InitiateJobCommand({ vaultName: 'photos', jobParameters: { Type: 'inventory-retrieval' } }));
    expect((await us.send(new DescribeVaultCommand({ vaultName: 'photos' }))).NumberOfArchives).toBe(1);
    await eu.send(new InitiateJobCommand({ vaultName: 'photos', jobParameters: { Type: 'inventory-retrieval' } }));
    expect((await eu.send(new DescribeVaultCommand({ vaultName: 'photos' }))).NumberOfArchives).toBe(0);
  });

  it("'-' is the credentials' account (accountId option); another account id sees none of its vaults", async () => {
    const credentials = { accessKeyId: 'AKIDACCOUNT', secretAccessKey: 'account/secret' };
    const server = await serve({ credentials, accountId: '111122223333' });
    const g = sdk(server, 'us-east-1', credentials);
    const created = await g.send(new CreateVaultCommand({ vaultName: 'mine' }));
    expect(created.location).toBe('/111122223333/vaults/mine');
    expect((await g.send(new DescribeVaultCommand({ vaultName: 'mine', accountId: '111122223333' }))).VaultARN)
      .toBe('arn:aws:glacier:us-east-1:111122223333:vaults/mine');
    expect((await g.send(new ListVaultsCommand({ accountId: '123456789012' }))).VaultList).toEqual([]);
    expect((await failure(g.send(new DescribeVaultCommand({ vaultName: 'mine', accountId: '000000000000' })))).name).toBe('ResourceNotFoundException');
    await expect(startLocalGlacier({ accountId: '123' })).rejects.toThrow(LocalGlacierOptionsError);
  });

  it('refuses a credential scope whose region is not a region name (it would name a directory)', async () => {
    const server = await serve();
    const res = await raw(server, {
      method: 'GET', path: '/-/vaults',
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/../glacier/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + '0'.repeat(64) },
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body.toString()).message).toMatch(/valid region, not "\.\."/);
  });

  it('keeps a data directory of the earlier layout (vaults/v-<name>) working, as account 000000000000 in us-east-1', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'glacier-legacy-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = await startLocalGlacier({ dataDir });
    const g = client(first);
    await g.send(new CreateVaultCommand({ vaultName: 'old' }));
    const body = bytes(5000, 3);
    const { archiveId } = await g.send(new UploadArchiveCommand({ vaultName: 'old', body }));
    g.destroy();
    await first.close();
    // Rewrite the directory as the earlier version left it: vaults/v-old, no account or region.
    const vaults = join(dataDir, 'vaults');
    await rename(join(vaults, '000000000000', 'us-east-1', 'v-old'), join(vaults, 'v-old'));
    await rm(join(vaults, '000000000000'), { recursive: true });
    const meta = JSON.parse(await readFile(join(vaults, 'v-old', 'vault.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(vaults, 'v-old', 'vault.json'), JSON.stringify({ name: meta['name'], creationDate: meta['creationDate'] }));

    const server = await serve({ dataDir });
    const c = sdk(server);
    const { jobId } = await c.send(new InitiateJobCommand({ vaultName: 'old', jobParameters: { Type: 'archive-retrieval', ArchiveId: archiveId } }));
    const out = await c.send(new GetJobOutputCommand({ vaultName: 'old', jobId }));
    expect(Buffer.from(await out.body!.transformToByteArray()).equals(body)).toBe(true);
    expect((await c.send(new DescribeVaultCommand({ vaultName: 'old' }))).VaultARN).toBe('arn:aws:glacier:us-east-1:000000000000:vaults/old');
    expect(await readdir(vaults)).toEqual(['000000000000']);
  });
});

describe('DescribeVault as of the last inventory', () => {
  it('reports the counts of the last inventory (none until the first), like Glacier', async () => {
    const server = await serve();
    const g = sdk(server);
    await g.send(new CreateVaultCommand({ vaultName: 'inv' }));
    await g.send(new UploadArchiveCommand({ vaultName: 'inv', body: bytes(1000) }));
    const before = await g.send(new DescribeVaultCommand({ vaultName: 'inv' }));
    expect([before.NumberOfArchives, before.SizeInBytes, before.LastInventoryDate ?? null]).toEqual([0, 0, null]);
    const { jobId } = await g.send(new InitiateJobCommand({ vaultName: 'inv', jobParameters: { Type: 'inventory-retrieval' } }));
    const inventory = JSON.parse(Buffer.from(await (await g.send(new GetJobOutputCommand({ vaultName: 'inv', jobId }))).body!.transformToByteArray()).toString()) as { InventoryDate: string };
    await g.send(new UploadArchiveCommand({ vaultName: 'inv', body: bytes(500) }));
    const after = await g.send(new DescribeVaultCommand({ vaultName: 'inv' }));
    expect([after.NumberOfArchives, after.SizeInBytes, after.LastInventoryDate]).toEqual([1, 1000, inventory.InventoryDate]);
    expect((await g.send(new ListVaultsCommand({}))).VaultList![0]).toMatchObject({ NumberOfArchives: 1, SizeInBytes: 1000, LastInventoryDate: inventory.InventoryDate });
  });

  it('takes a new inventory when the last is inventoryIntervalMs old (0 = live figures)', async () => {
    const server = await serve({ inventoryIntervalMs: 300 });
    const g = sdk(server);
    await g.send(new CreateVaultCommand({ vaultName: 'daily' }));
    await g.send(new UploadArchiveCommand({ vaultName: 'daily', body: bytes(700) }));
    await new Promise((r) => setTimeout(r, 350));
    expect((await g.send(new DescribeVaultCommand({ vaultName: 'daily' }))).NumberOfArchives).toBe(1);
    const live = await serve({ inventoryIntervalMs: 0 });
    const l = sdk(live);
    await l.send(new CreateVaultCommand({ vaultName: 'now' }));
    await l.send(new UploadArchiveCommand({ vaultName: 'now', body: bytes(700) }));
    expect(await l.send(new DescribeVaultCommand({ vaultName: 'now' }))).toMatchObject({ NumberOfArchives: 1, SizeInBytes: 700 });
  });
});
