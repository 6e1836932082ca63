// Archive retrieval: InitiateJob (archive-retrieval), DescribeJob, ListJobs, GetJobOutput with Range
// and the x-amz-sha256-tree-hash header on tree-hash-aligned ranges.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand, CreateVaultCommand, DeleteArchiveCommand, DescribeJobCommand,
  GetJobOutputCommand, InitiateJobCommand, InitiateMultipartUploadCommand, ListJobsCommand,
  UploadMultipartPartCommand, type GlacierClient,
} from '@aws-sdk/client-glacier';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';
import { MiB, bytes, client, failure, treeHash } from './helpers.js';

let server: LocalGlacier;
let glacier: GlacierClient;
const vaultName = 'retrieve';
const data = bytes(5.5 * MiB, 77);
let archiveId: string;

beforeAll(async () => {
  server = await startLocalGlacier();
  glacier = client(server);
  await glacier.send(new CreateVaultCommand({ vaultName }));
  const { uploadId } = await glacier.send(new InitiateMultipartUploadCommand({ vaultName, partSize: String(2 * MiB), archiveDescription: 'five and a half' }));
  for (let off = 0; off < data.length; off += 2 * MiB) {
    const body = data.subarray(off, off + 2 * MiB);
    await glacier.send(new UploadMultipartPartCommand({ vaultName, uploadId, body, range: `bytes ${off}-${off + body.length - 1}/*` }));
  }
  const done = await glacier.send(new CompleteMultipartUploadCommand({ vaultName, uploadId, archiveSize: String(data.length), checksum: treeHash(data) }));
  archiveId = done.archiveId!;
});
afterAll(async () => {
  glacier?.destroy();
  await server?.close();
});

async function startJob(extra: { RetrievalByteRange?: string; Description?: string } = {}, g = glacier, vault = vaultName, id = archiveId) {
  const out = await g.send(new InitiateJobCommand({ vaultName: vault, jobParameters: { Type: 'archive-retrieval', ArchiveId: id, ...extra } }));
  expect(out.$metadata.httpStatusCode).toBe(202);
  return out.jobId!;
}

async function output(jobId: string, range?: string) {
  const out = await glacier.send(new GetJobOutputCommand({ vaultName, jobId, range }));
  return { out, body: Buffer.from(await out.body!.transformToByteArray()) };
}

describe('archive retrieval', () => {
  it('returns the whole archive with its tree hash, and describes the job', async () => {
    const jobId = await startJob({ Description: 'all of it' });
    const job = await glacier.send(new DescribeJobCommand({ vaultName, jobId }));
    expect(job).toMatchObject({
      JobId: jobId, Action: 'ArchiveRetrieval', ArchiveId: archiveId, Completed: true, StatusCode: 'Succeeded',
      ArchiveSizeInBytes: data.length, ArchiveSHA256TreeHash: treeHash(data), SHA256TreeHash: treeHash(data),
      RetrievalByteRange: `0-${data.length - 1}`, JobDescription: 'all of it', Tier: 'Standard',
      VaultARN: `arn:aws:glacier:us-east-1:000000000000:vaults/${vaultName}`,
    });
    const { out, body } = await output(jobId);
    expect(out.status).toBe(200);
    expect(body.equals(data)).toBe(true);
    expect(out.checksum).toBe(treeHash(data));
    expect(out.archiveDescription).toBe('five and a half');
    expect(out.acceptRanges).toBe('bytes');
  });

  it('serves ranges, with a tree hash exactly when the range is tree-hash aligned', async () => {
    const jobId = await startJob();
    const cases: [number, number, boolean][] = [
      [0, MiB - 1, true], // one leaf
      [2 * MiB, 4 * MiB - 1, true], // a 2 MiB node
      [0, 4 * MiB - 1, true], // a 4 MiB node
      [4 * MiB, data.length - 1, true], // the last, partial node
      [5 * MiB, data.length - 1, true], // the last, partial leaf
      [MiB, 3 * MiB - 1, false], // 2 MiB, but not on a 2 MiB boundary
      [0, 3 * MiB - 1, false], // 3 MiB is no node
      [100, 200, false], // not MiB aligned
    ];
    for (const [first, last, aligned] of cases) {
      const { out, body } = await output(jobId, `bytes=${first}-${last}`);
      const expected = data.subarray(first, last + 1);
      expect(out.status).toBe(206);
      expect(out.contentRange).toBe(`bytes ${first}-${last}/${data.length}`);
      expect(body.equals(expected)).toBe(true);
      expect(out.checksum).toBe(aligned ? treeHash(expected) : undefined);
    }
  });

  it('retrieves a byte range of the archive; its output tree hash exists only for an aligned range', async () => {
    const aligned = await startJob({ RetrievalByteRange: `${2 * MiB}-${4 * MiB - 1}` });
    const a = await output(aligned);
    expect(a.body.equals(data.subarray(2 * MiB, 4 * MiB))).toBe(true);
    expect(a.out.checksum).toBe(treeHash(data.subarray(2 * MiB, 4 * MiB)));
    const sub = await output(aligned, `bytes=${MiB}-${2 * MiB - 1}`);
    expect(sub.body.equals(data.subarray(3 * MiB, 4 * MiB))).toBe(true);
    expect(sub.out.checksum).toBe(treeHash(data.subarray(3 * MiB, 4 * MiB)));

    const unaligned = await startJob({ RetrievalByteRange: `${MiB}-${3 * MiB - 1}` });
    const job = await glacier.send(new DescribeJobCommand({ vaultName, jobId: unaligned }));
    expect(job.SHA256TreeHash ?? null).toBeNull();
    const u = await output(unaligned);
    expect(u.body.equals(data.subarray(MiB, 3 * MiB))).toBe(true);
    expect(u.out.checksum).toBeUndefined();
  });

  it('refuses bad job parameters and ranges', async () => {
    const range = await failure(startJob({ RetrievalByteRange: '100-200' }));
    expect(range.name).toBe('InvalidParameterValueException');
    expect(range.message).toMatch(/^Invalid RetrievalByteRange: 100-200\./);
    const missing = await failure(startJob({}, glacier, vaultName, 'no-such-archive'));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toBe('Archive not found for ID: no-such-archive');
    const type = await failure(glacier.send(new InitiateJobCommand({ vaultName, jobParameters: { Type: 'select', ArchiveId: archiveId } })));
    expect(type.name).toBe('InvalidParameterValueException');
    const jobId = await startJob();
    const badRange = await failure(glacier.send(new GetJobOutputCommand({ vaultName, jobId, range: `bytes=${data.length}-${data.length + 5}` })));
    expect(badRange.name).toBe('InvalidParameterValueException');
    const unknownJob = await failure(glacier.send(new DescribeJobCommand({ vaultName, jobId: 'nope' })));
    expect(unknownJob.name).toBe('ResourceNotFoundException');
    expect(unknownJob.message).toBe('The job ID was not found: nope');
  });

  it('inventory-retrieval lists the vault\'s archives as JSON or CSV', async () => {
    const { UploadArchiveCommand } = await import('@aws-sdk/client-glacier');
    await glacier.send(new CreateVaultCommand({ vaultName: 'inv' }));
    const a = bytes(100, 1);
    const b = bytes(200, 2);
    const ida = (await glacier.send(new UploadArchiveCommand({ vaultName: 'inv', body: a, archiveDescription: 'first "one"' }))).archiveId!;
    const idb = (await glacier.send(new UploadArchiveCommand({ vaultName: 'inv', body: b }))).archiveId!;
    const { jobId } = await glacier.send(new InitiateJobCommand({ vaultName: 'inv', jobParameters: { Type: 'inventory-retrieval' } }));
    const job = await glacier.send(new DescribeJobCommand({ vaultName: 'inv', jobId }));
    expect(job).toMatchObject({ Action: 'InventoryRetrieval', Completed: true, StatusCode: 'Succeeded' });
    const out = await glacier.send(new GetJobOutputCommand({ vaultName: 'inv', jobId }));
    const text = Buffer.from(await out.body!.transformToByteArray()).toString();
    expect(out.contentType).toBe('application/json');
    expect(job.InventorySizeInBytes).toBe(Buffer.byteLength(text));
    const inv = JSON.parse(text) as { VaultARN: string; ArchiveList: { ArchiveId: string; ArchiveDescription: string; Size: number; SHA256TreeHash: string }[] };
    expect(inv.VaultARN).toBe('arn:aws:glacier:us-east-1:000000000000:vaults/inv');
    expect(inv.ArchiveList.map((x) => [x.ArchiveId, x.ArchiveDescription, x.Size, x.SHA256TreeHash]).sort()).toEqual([
      [ida, 'first "one"', 100, treeHash(a)],
      [idb, '', 200, treeHash(b)],
    ].sort());

    const csvJob = await glacier.send(new InitiateJobCommand({ vaultName: 'inv', jobParameters: { Type: 'inventory-retrieval', Format: 'CSV' } }));
    const csv = await glacier.send(new GetJobOutputCommand({ vaultName: 'inv', jobId: csvJob.jobId! }));
    const lines = Buffer.from(await csv.body!.transformToByteArray()).toString().trim().split('\n');
    expect(lines[0]).toBe('ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash');
    // Glacier escapes a quote with a backslash (not RFC 4180's doubled quote): see inventory.test.ts.
    expect(lines.find((l) => l.startsWith(ida))).toMatch(new RegExp(`^${ida},"first \\\\"one\\\\"",[^,]+,100,${treeHash(a)}$`));
    const bad = await failure(glacier.send(new InitiateJobCommand({ vaultName: 'inv', jobParameters: { Type: 'inventory-retrieval', Format: 'XML' } })));
    expect(bad.name).toBe('InvalidParameterValueException');
  });

  it('jobs finish after jobDelayMs; until then the output is refused; ListJobs filters by status', async () => {
    const s = await startLocalGlacier({ jobDelayMs: 1500 });
    const c = client(s);
    try {
      await c.send(new CreateVaultCommand({ vaultName: 'slow' }));
      const { UploadArchiveCommand } = await import('@aws-sdk/client-glacier');
      const body = bytes(3000, 5);
      const ar = await c.send(new UploadArchiveCommand({ vaultName: 'slow', body }));
      const jobId = await startJob({}, c, 'slow', ar.archiveId!);
      const pending = await c.send(new DescribeJobCommand({ vaultName: 'slow', jobId }));
      expect(pending).toMatchObject({ Completed: false, StatusCode: 'InProgress' });
      const early = await failure(c.send(new GetJobOutputCommand({ vaultName: 'slow', jobId })));
      expect(early.name).toBe('InvalidParameterValueException');
      expect(early.message).toMatch(/^The job is not currently available for download: /);
      expect((await c.send(new ListJobsCommand({ vaultName: 'slow', statuscode: 'InProgress' }))).JobList).toHaveLength(1);
      expect((await c.send(new ListJobsCommand({ vaultName: 'slow', completed: 'true' }))).JobList).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 1600));
      const done = await c.send(new DescribeJobCommand({ vaultName: 'slow', jobId }));
      expect(done).toMatchObject({ Completed: true, StatusCode: 'Succeeded', SHA256TreeHash: treeHash(body) });
      expect((await c.send(new ListJobsCommand({ vaultName: 'slow', statuscode: 'Succeeded' }))).JobList).toHaveLength(1);
      const out = await c.send(new GetJobOutputCommand({ vaultName: 'slow', jobId }));
      expect(Buffer.from(await out.body!.transformToByteArray()).equals(body)).toBe(true);
      // Once the archive is deleted, its job output is gone too.
      await c.send(new DeleteArchiveCommand({ vaultName: 'slow', archiveId: ar.archiveId! }));
      const gone = await failure(c.send(new GetJobOutputCommand({ vaultName: 'slow', jobId })));
      expect(gone.name).toBe('ResourceNotFoundException');
    } finally {
      c.destroy();
      await s.close();
    }
  });
});
