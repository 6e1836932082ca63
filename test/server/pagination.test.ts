// Pagination with opaque markers across several pages, capped by pageLimit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateVaultCommand, InitiateJobCommand, InitiateMultipartUploadCommand, ListJobsCommand,
  ListMultipartUploadsCommand, ListPartsCommand, ListVaultsCommand, UploadArchiveCommand,
  UploadMultipartPartCommand, type GlacierClient,
} from '@aws-sdk/client-glacier';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';
import { MiB, bytes, client, failure, treeHash } from './helpers.js';

let server: LocalGlacier;
let glacier: GlacierClient;

beforeAll(async () => {
  server = await startLocalGlacier({ pageLimit: 3 });
  glacier = client(server);
});
afterAll(async () => {
  glacier?.destroy();
  await server?.close();
});

/** Follows Marker until it is null; returns every page. */
async function allPages<T>(fetch: (marker: string | undefined) => Promise<{ items: T[]; marker: string | undefined }>): Promise<T[][]> {
  const pages: T[][] = [];
  let marker: string | undefined;
  do {
    const page = await fetch(marker);
    pages.push(page.items);
    marker = page.marker;
  } while (marker);
  return pages;
}

describe('pagination', () => {
  it('ListParts pages through 8 parts, 3 at a time, and honours a smaller limit', async () => {
    await glacier.send(new CreateVaultCommand({ vaultName: 'p' }));
    const uploadId = (await glacier.send(new InitiateMultipartUploadCommand({ vaultName: 'p', partSize: String(MiB) }))).uploadId!;
    const parts = Array.from({ length: 8 }, (_, i) => bytes(i === 7 ? 10 : MiB, 100 + i));
    // Upload out of order: the listing is still sorted by range.
    for (const i of [5, 0, 7, 2, 1, 6, 3, 4]) {
      await glacier.send(new UploadMultipartPartCommand({
        vaultName: 'p', uploadId, body: parts[i], range: `bytes ${i * MiB}-${i * MiB + parts[i]!.length - 1}/*`,
      }));
    }
    const pages = await allPages(async (marker) => {
      const out = await glacier.send(new ListPartsCommand({ vaultName: 'p', uploadId, marker }));
      return { items: out.Parts!, marker: out.Marker ?? undefined };
    });
    expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
    expect(pages.flat()).toEqual(parts.map((p, i) => ({
      RangeInBytes: `${i * MiB}-${i * MiB + p.length - 1}`, SHA256TreeHash: treeHash(p),
    })));
    const small = await allPages(async (marker) => {
      const out = await glacier.send(new ListPartsCommand({ vaultName: 'p', uploadId, marker, limit: 2 }));
      return { items: out.Parts!, marker: out.Marker ?? undefined };
    });
    expect(small.map((p) => p.length)).toEqual([2, 2, 2, 2]);
    // A limit above pageLimit is capped, never an error.
    const capped = await glacier.send(new ListPartsCommand({ vaultName: 'p', uploadId, limit: 1000 }));
    expect(capped.Parts).toHaveLength(3);
  });

  it('ListMultipartUploads pages through 7 uploads', async () => {
    await glacier.send(new CreateVaultCommand({ vaultName: 'u' }));
    const ids = new Set<string>();
    for (let i = 0; i < 7; i++) {
      ids.add((await glacier.send(new InitiateMultipartUploadCommand({ vaultName: 'u', partSize: String(MiB) }))).uploadId!);
    }
    const pages = await allPages(async (marker) => {
      const out = await glacier.send(new ListMultipartUploadsCommand({ vaultName: 'u', marker }));
      return { items: out.UploadsList!, marker: out.Marker ?? undefined };
    });
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(new Set(pages.flat().map((u) => u.MultipartUploadId))).toEqual(ids);
  });

  it('ListVaults pages through every vault', async () => {
    const names = ['v1', 'v2', 'v3', 'v4', 'v5'];
    for (const n of names) await glacier.send(new CreateVaultCommand({ vaultName: n }));
    const pages = await allPages(async (marker) => {
      const out = await glacier.send(new ListVaultsCommand({ marker }));
      return { items: out.VaultList!, marker: out.Marker ?? undefined };
    });
    expect(pages.every((p) => p.length <= 3)).toBe(true);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    const listed = pages.flat().map((v) => v.VaultName);
    expect(listed).toEqual([...listed].sort());
    for (const n of [...names, 'p', 'u']) expect(listed).toContain(n);
  });

  it('ListJobs pages through 4 jobs', async () => {
    await glacier.send(new CreateVaultCommand({ vaultName: 'j' }));
    const { archiveId } = await glacier.send(new UploadArchiveCommand({ vaultName: 'j', body: bytes(100) }));
    const ids = new Set<string>();
    for (let i = 0; i < 4; i++) {
      ids.add((await glacier.send(new InitiateJobCommand({ vaultName: 'j', jobParameters: { Type: 'archive-retrieval', ArchiveId: archiveId } }))).jobId!);
    }
    const pages = await allPages(async (marker) => {
      const out = await glacier.send(new ListJobsCommand({ vaultName: 'j', marker }));
      return { items: out.JobList!, marker: out.Marker ?? undefined };
    });
    expect(pages.map((p) => p.length)).toEqual([3, 1]);
    expect(new Set(pages.flat().map((j) => j.JobId))).toEqual(ids);
  });

  it('refuses a forged marker and a bad limit', async () => {
    const forged = await failure(glacier.send(new ListVaultsCommand({ marker: 'v3' })));
    expect(forged.name).toBe('InvalidParameterValueException');
    expect(forged.message).toBe('Invalid marker: v3. Pass the Marker of the previous page unchanged.');
    const zero = await failure(glacier.send(new ListVaultsCommand({ limit: 0 })));
    expect(zero.name).toBe('InvalidParameterValueException');
    expect(zero.message).toMatch(/^Invalid limit: 0\./);
  });
});
