// What keeps the server usable at scale: multipart state appended per part (upload.json is not
// rewritten), jobs past their output's lifetime removed from the index and the disk, the Expedited
// capacity counting only jobs still in progress, and ListJobs pages walked in order under filters.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand, CreateVaultCommand, DeleteArchiveCommand, DescribeVaultCommand, InitiateJobCommand, InitiateMultipartUploadCommand, ListJobsCommand,
  UploadArchiveCommand, UploadMultipartPartCommand, type GlacierClient,
} from '@aws-sdk/client-glacier';
import { startLocalGlacier, type LocalGlacier, type LocalGlacierOptions } from '../../dist/src/server/index.js';
import { MiB, bytes, client, failure, treeHash } from './helpers.js';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup(opts: LocalGlacierOptions = {}): Promise<{ server: LocalGlacier; glacier: GlacierClient; archiveId: string }> {
  const server = await startLocalGlacier(opts);
  const glacier = client(server);
  cleanup.push(() => server.close(), () => glacier.destroy());
  await glacier.send(new CreateVaultCommand({ vaultName: 'big' }));
  const { archiveId } = await glacier.send(new UploadArchiveCommand({ vaultName: 'big', body: bytes(1000) }));
  return { server, glacier, archiveId: archiveId! };
}

const vaultDir = (server: LocalGlacier) => join(server.dataDir, 'vaults', '000000000000', 'us-east-1', 'v-big');
const retrieve = (glacier: GlacierClient, archiveId: string, Tier = 'Standard') =>
  glacier.send(new InitiateJobCommand({ vaultName: 'big', jobParameters: { Type: 'archive-retrieval', ArchiveId: archiveId, Tier } }));

describe('the server at scale', () => {
  it('appends one line per part to parts.log; upload.json is written once', async () => {
    const { server, glacier } = await setup();
    const { uploadId } = await glacier.send(new InitiateMultipartUploadCommand({ vaultName: 'big', partSize: String(MiB) }));
    const dir = join(vaultDir(server), 'uploads', uploadId!);
    const before = readFileSync(join(dir, 'upload.json'), 'utf8');
    const data = bytes(3 * MiB + 10, 7);
    for (let i = 0; i * MiB < data.length; i++) {
      const part = data.subarray(i * MiB, Math.min(data.length, (i + 1) * MiB));
      await glacier.send(new UploadMultipartPartCommand({ vaultName: 'big', uploadId, range: `bytes ${i * MiB}-${i * MiB + part.length - 1}/*`, body: part }));
    }
    expect(readFileSync(join(dir, 'upload.json'), 'utf8')).toBe(before);
    const lines = readFileSync(join(dir, 'parts.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { index: number });
    expect(lines.map((l) => l.index)).toEqual([0, 1, 2, 3]);
    const done = await glacier.send(new CompleteMultipartUploadCommand({ vaultName: 'big', uploadId, archiveSize: String(data.length), checksum: treeHash(data) }));
    expect(done.checksum).toBe(treeHash(data));
  });

  it('removes jobs past jobOutputTtlMs from the index and the disk', async () => {
    const { server, glacier, archiveId } = await setup({ jobOutputTtlMs: 300 });
    const { jobId } = await retrieve(glacier, archiveId);
    await glacier.send(new InitiateJobCommand({ vaultName: 'big', jobParameters: { Type: 'inventory-retrieval' } }));
    const jobs = join(vaultDir(server), 'jobs');
    expect(readdirSync(jobs)).toContain(`${jobId}.json`);
    for (let i = 0; i < 100 && readdirSync(jobs).length > 0; i++) await new Promise((ok) => setTimeout(ok, 50));
    expect(readdirSync(jobs)).toEqual([]);
    expect((await glacier.send(new ListJobsCommand({ vaultName: 'big' }))).JobList).toEqual([]);
  });

  it('Expedited capacity counts only jobs in progress: a slot frees when its job completes', async () => {
    const { glacier, archiveId } = await setup({ expeditedCapacity: 1, jobDelayMs: { expedited: 300 } });
    await retrieve(glacier, archiveId, 'Expedited');
    expect((await failure(retrieve(glacier, archiveId, 'Expedited'))).name).toBe('InsufficientCapacityException');
    await new Promise((ok) => setTimeout(ok, 400));
    expect((await retrieve(glacier, archiveId, 'Expedited')).jobId).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('ListJobs walks 130 jobs in creation order, 50 a page, under a filter too', async () => {
    const { glacier, archiveId } = await setup({ jobDelayMs: { expedited: 0, standard: 600_000 } });
    const started: { id: string; done: boolean }[] = [];
    for (let i = 0; i < 130; i++) {
      const tier = i % 3 === 0 ? 'Expedited' : 'Standard';
      started.push({ id: (await retrieve(glacier, archiveId, tier)).jobId!, done: tier === 'Expedited' });
    }
    const walk = async (completed?: string) => {
      const ids: string[] = [];
      const sizes: number[] = [];
      let marker: string | undefined;
      do {
        const page = await glacier.send(new ListJobsCommand({ vaultName: 'big', marker, ...(completed ? { completed } : {}) }));
        ids.push(...page.JobList!.map((j) => j.JobId!));
        sizes.push(page.JobList!.length);
        marker = page.Marker ?? undefined;
      } while (marker);
      return { ids, sizes };
    };
    const all = await walk();
    expect(all.sizes).toEqual([50, 50, 30]);
    expect(new Set(all.ids)).toEqual(new Set(started.map((s) => s.id)));
    const done = await walk('true');
    expect(done.sizes).toEqual([44]);
    expect(new Set(done.ids)).toEqual(new Set(started.filter((s) => s.done).map((s) => s.id)));
  });

  it('starts from the archive index (archives.idx), recovering archives missing from it and dropping deleted ones', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dataDir = await mkdtemp(join(tmpdir(), 'glacier-index-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = await setup({ dataDir });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await first.glacier.send(new UploadArchiveCommand({ vaultName: 'big', body: bytes(100 + i, i) }))).archiveId!);
    await first.glacier.send(new DeleteArchiveCommand({ vaultName: 'big', archiveId: first.archiveId }));
    await first.server.close();
    const index = join(vaultDir(first.server), 'archives.idx');
    const lines = readFileSync(index, 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { archiveId: string }).archiveId)).toEqual([first.archiveId, ...ids]);
    // The index is what a start reads: an archive.json spoiled on disk does not matter while indexed ...
    writeFileSync(join(vaultDir(first.server), 'archives', ids[0]!, 'archive.json'), 'spoiled');
    // ... and an archive the index lost (a crash before the append) is read from its directory.
    writeFileSync(index, `${lines.slice(0, 3).join('\n')}\n`);
    const again = await startLocalGlacier({ dataDir, inventoryIntervalMs: 0 });
    const g = client(again);
    cleanup.push(() => again.close(), () => g.destroy());
    expect((await g.send(new DescribeVaultCommand({ vaultName: 'big' }))).NumberOfArchives).toBe(3);
    const { jobId } = await g.send(new InitiateJobCommand({ vaultName: 'big', jobParameters: { Type: 'inventory-retrieval' } }));
    const { GetJobOutputCommand } = await import('@aws-sdk/client-glacier');
    const out = JSON.parse(await (await g.send(new GetJobOutputCommand({ vaultName: 'big', jobId }))).body!.transformToString()) as { ArchiveList: { ArchiveId: string }[] };
    expect(out.ArchiveList.map((a) => a.ArchiveId).sort()).toEqual([...ids].sort());
    const repaired = readFileSync(index, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { archiveId: string }).archiveId);
    expect(repaired).toEqual(ids);
  });
});
