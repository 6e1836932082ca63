// Glacier behaviours found by a side-by-side run with botocore: ListVaults pages of 10 with vault-ARN
// markers, ListJobs capping any limit at 50, DeleteVault waiting for an inventory that shows the
// vault empty, and InventoryRetrievalParameters (StartDate, EndDate, Limit, Marker).
import { afterEach, describe, expect, it } from 'vitest';
import {
  CreateVaultCommand, DeleteArchiveCommand, DeleteVaultCommand, DescribeJobCommand, GetJobOutputCommand,
  InitiateJobCommand, ListJobsCommand, ListVaultsCommand, UploadArchiveCommand, type GlacierClient,
} from '@aws-sdk/client-glacier';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';
import { bytes, client, failure } from './helpers.js';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup(): Promise<{ server: LocalGlacier; glacier: GlacierClient }> {
  const server = await startLocalGlacier();
  const glacier = client(server);
  cleanup.push(() => server.close(), () => glacier.destroy());
  return { server, glacier };
}

const ARN = 'arn:aws:glacier:us-east-1:000000000000:vaults/';

describe('ListVaults', () => {
  it('pages 10 vaults by default; its Marker is the ARN of the last vault listed, and a hand-made ARN works too', async () => {
    const { glacier } = await setup();
    const names = Array.from({ length: 12 }, (_, i) => `v${String(i).padStart(2, '0')}`);
    for (const n of names) await glacier.send(new CreateVaultCommand({ vaultName: n }));
    const first = await glacier.send(new ListVaultsCommand({}));
    expect(first.VaultList!.map((v) => v.VaultName)).toEqual(names.slice(0, 10));
    expect(first.Marker).toBe(`${ARN}v09`);
    const rest = await glacier.send(new ListVaultsCommand({ marker: first.Marker }));
    expect(rest.VaultList!.map((v) => v.VaultName)).toEqual(['v10', 'v11']);
    expect(rest.Marker ?? null).toBeNull();
    const after = await glacier.send(new ListVaultsCommand({ marker: `${ARN}v03`, limit: '2' }));
    expect(after.VaultList!.map((v) => v.VaultName)).toEqual(['v04', 'v05']);
    expect(after.Marker).toBe(`${ARN}v05`);
    const elsewhere = await failure(glacier.send(new ListVaultsCommand({ marker: 'arn:aws:glacier:eu-west-1:000000000000:vaults/v03' })));
    expect(elsewhere.name).toBe('InvalidParameterValueException');
    expect(elsewhere.message).toMatch(/a vault ARN of this account and region/);
  });
});

describe('ListJobs', () => {
  it('takes a limit above 50 and pages 50 at a time', async () => {
    const { glacier } = await setup();
    await glacier.send(new CreateVaultCommand({ vaultName: 'jobs' }));
    const { archiveId } = await glacier.send(new UploadArchiveCommand({ vaultName: 'jobs', body: bytes(100) }));
    const ids = new Set<string>();
    for (let i = 0; i < 55; i++) {
      ids.add((await glacier.send(new InitiateJobCommand({ vaultName: 'jobs', jobParameters: { Type: 'archive-retrieval', ArchiveId: archiveId } }))).jobId!);
    }
    const page = await glacier.send(new ListJobsCommand({ vaultName: 'jobs', limit: '1000' }));
    expect(page.JobList).toHaveLength(50);
    const next = await glacier.send(new ListJobsCommand({ vaultName: 'jobs', limit: '1000', marker: page.Marker! }));
    expect(next.JobList).toHaveLength(5);
    expect(next.Marker ?? null).toBeNull();
    expect(new Set([...page.JobList!, ...next.JobList!].map((j) => j.JobId))).toEqual(ids);
  });
});

describe('DeleteVault', () => {
  it('is refused until an inventory shows the vault empty with nothing written since; a never-written vault goes at once', async () => {
    const { glacier } = await setup();
    await glacier.send(new CreateVaultCommand({ vaultName: 'fresh' }));
    await glacier.send(new DeleteVaultCommand({ vaultName: 'fresh' }));
    await glacier.send(new CreateVaultCommand({ vaultName: 'used' }));
    const { archiveId } = await glacier.send(new UploadArchiveCommand({ vaultName: 'used', body: bytes(100) }));
    await glacier.send(new DeleteArchiveCommand({ vaultName: 'used', archiveId }));
    const refused = await failure(glacier.send(new DeleteVaultCommand({ vaultName: 'used' })));
    expect(refused.name).toBe('InvalidParameterValueException');
    expect(refused.message).toBe(`Vault not empty or recently written to: ${ARN}used`);
    await glacier.send(new InitiateJobCommand({ vaultName: 'used', jobParameters: { Type: 'inventory-retrieval' } }));
    await glacier.send(new DeleteVaultCommand({ vaultName: 'used' }));
    expect((await glacier.send(new ListVaultsCommand({}))).VaultList).toEqual([]);
  });
});

describe('InventoryRetrievalParameters', () => {
  interface Inventory { ArchiveList: { ArchiveId: string; CreationDate: string }[] }

  async function inventory(glacier: GlacierClient, params: Record<string, string>, format: 'JSON' | 'CSV' = 'JSON') {
    const { jobId } = await glacier.send(new InitiateJobCommand({
      vaultName: 'inv', jobParameters: { Type: 'inventory-retrieval', Format: format, InventoryRetrievalParameters: params },
    }));
    const job = await glacier.send(new DescribeJobCommand({ vaultName: 'inv', jobId }));
    const out = await glacier.send(new GetJobOutputCommand({ vaultName: 'inv', jobId }));
    return { job, text: await out.body!.transformToString() };
  }

  it('Limit and Marker page through the archives in creation order; StartDate and EndDate bound their dates', async () => {
    const { glacier } = await setup();
    await glacier.send(new CreateVaultCommand({ vaultName: 'inv' }));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await glacier.send(new UploadArchiveCommand({ vaultName: 'inv', body: bytes(10 + i, i + 1) }))).archiveId!);
      await new Promise((ok) => setTimeout(ok, 15)); // distinct creation dates
    }
    const listed: string[] = [];
    let marker: string | undefined;
    const markers: (string | null | undefined)[] = [];
    do {
      const { job, text } = await inventory(glacier, { Limit: '2', ...(marker ? { Marker: marker } : {}) });
      expect(job.InventoryRetrievalParameters?.Limit).toBe('2');
      listed.push(...(JSON.parse(text) as Inventory).ArchiveList.map((a) => a.ArchiveId));
      marker = job.InventoryRetrievalParameters?.Marker ?? undefined;
      markers.push(job.InventoryRetrievalParameters?.Marker);
    } while (marker);
    expect(listed).toEqual(ids);
    expect(markers.map((m) => typeof m === 'string')).toEqual([true, true, false]);

    const all = (JSON.parse((await inventory(glacier, {})).text) as Inventory).ArchiveList;
    const { job, text } = await inventory(glacier, { StartDate: all[1]!.CreationDate, EndDate: all[3]!.CreationDate });
    expect((JSON.parse(text) as Inventory).ArchiveList.map((a) => a.ArchiveId)).toEqual(ids.slice(1, 3));
    expect(job.InventoryRetrievalParameters).toMatchObject({ Format: 'JSON', StartDate: all[1]!.CreationDate, EndDate: all[3]!.CreationDate });
    const csv = await inventory(glacier, { StartDate: all[4]!.CreationDate }, 'CSV');
    expect(csv.text.trim().split('\n').map((l) => l.split(',')[0])).toEqual(['ArchiveId', ids[4]]);
  });

  it('refuses bad parameters before the job starts', async () => {
    const { glacier } = await setup();
    await glacier.send(new CreateVaultCommand({ vaultName: 'inv' }));
    for (const [params, message] of [
      [{ StartDate: 'yesterday' }, /StartDate: yesterday\. Use a UTC date/],
      [{ StartDate: '2024-02-01T00:00:00Z', EndDate: '2024-01-01T00:00:00Z' }, /must be later than StartDate/],
      [{ Limit: '0' }, /Limit: 0\. Give a positive whole number/],
      [{ Marker: 'forged' }, /Invalid marker: forged/],
    ] as const) {
      const err = await failure(glacier.send(new InitiateJobCommand({
        vaultName: 'inv', jobParameters: { Type: 'inventory-retrieval', InventoryRetrievalParameters: params },
      })));
      expect(err.name).toBe('InvalidParameterValueException');
      expect(err.message).toMatch(message);
    }
    expect((await glacier.send(new ListJobsCommand({ vaultName: 'inv' }))).JobList).toEqual([]);
  });
});
