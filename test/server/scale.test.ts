// What keeps the server usable at scale: multipart state appended per part (upload.json is not
// rewritten), jobs past their output's lifetime removed from the index and the disk, the Expedited
// capacity counting only jobs still in progress, and ListJobs pages walked in order under filters.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand, CreateVaultCommand, InitiateJobCommand, InitiateMultipartUploadCommand, ListJobsCommand,
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
});
