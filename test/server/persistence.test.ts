// Durability: a server killed at any moment (SIGKILL, mid-part) restarts on the same dataDir with
// every acknowledged part, and the open upload continues to a correct archive; a clean close and
// restart keeps vaults, uploads, archives and jobs.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CompleteMultipartUploadCommand, CreateVaultCommand, DescribeVaultCommand, GetJobOutputCommand,
  InitiateJobCommand, InitiateMultipartUploadCommand, ListJobsCommand, ListMultipartUploadsCommand,
  ListPartsCommand, UploadMultipartPartCommand, type GlacierClient,
} from '@aws-sdk/client-glacier';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';
import { FAKE_AUTH, MiB, bytes, client, sha256, treeHash } from './helpers.js';

const serverModule = fileURLToPath(new URL('../../dist/src/server/index.js', import.meta.url));
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** Runs the server in a child process, so it can be killed without any chance to clean up. */
async function spawnServer(dataDir: string): Promise<{ child: ChildProcess; endpoint: string }> {
  const code = `
    const { startLocalGlacier } = await import(${JSON.stringify(serverModule)});
    const s = await startLocalGlacier({ dataDir: ${JSON.stringify(dataDir)} });
    process.stdout.write(JSON.stringify({ endpoint: s.endpoint }) + '\\n');
    setInterval(() => {}, 1 << 30);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanup.push(() => child.kill('SIGKILL'));
  const endpoint = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n')[0];
      if (buf.includes('\n')) resolve(JSON.parse(line!).endpoint);
    });
    child.once('exit', (c) => reject(new Error(`server child exited with ${c}`)));
  });
  return { child, endpoint };
}

const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'glacier-persist-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
};

function sdk(endpoint: string): GlacierClient {
  const c = client({ endpoint } as LocalGlacier);
  cleanup.push(() => c.destroy());
  return c;
}

describe('persistence', () => {
  it('a server killed mid-part restarts with every acknowledged part; the upload continues and completes', async () => {
    const dataDir = await tempDir();
    const { child, endpoint } = await spawnServer(dataDir);
    const first = sdk(endpoint);
    await first.send(new CreateVaultCommand({ vaultName: 'crash' }));
    const { uploadId } = await first.send(new InitiateMultipartUploadCommand({ vaultName: 'crash', partSize: String(MiB), archiveDescription: 'survivor' }));
    const data = bytes(4 * MiB + 1234, 61);
    const part = (i: number) => data.subarray(i * MiB, (i + 1) * MiB);
    for (const i of [0, 1, 2]) {
      await first.send(new UploadMultipartPartCommand({ vaultName: 'crash', uploadId, body: part(i), range: `bytes ${i * MiB}-${(i + 1) * MiB - 1}/*` }));
    }
    // Part 4 is half sent when the server dies.
    const inFlight = part(3);
    const req = request(`${endpoint}/-/vaults/crash/multipart-uploads/${uploadId}`, {
      method: 'PUT',
      headers: {
        authorization: FAKE_AUTH, 'x-amz-glacier-version': '2012-06-01', 'content-length': MiB,
        'content-range': `bytes ${3 * MiB}-${4 * MiB - 1}/*`,
        'x-amz-sha256-tree-hash': treeHash(inFlight), 'x-amz-content-sha256': sha256(inFlight),
      },
    });
    const requestDied = new Promise<void>((resolve) => req.on('error', () => resolve()));
    await new Promise<void>((resolve) => req.write(inFlight.subarray(0, MiB / 2), () => resolve()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    await requestDied;
    first.destroy();

    const server = await startLocalGlacier({ dataDir });
    cleanup.push(() => server.close());
    expect(server.dataDir).toBe(dataDir);
    const g = client(server);
    cleanup.push(() => g.destroy());
    const uploads = await g.send(new ListMultipartUploadsCommand({ vaultName: 'crash' }));
    expect(uploads.UploadsList?.map((u) => [u.MultipartUploadId, u.ArchiveDescription])).toEqual([[uploadId, 'survivor']]);
    const listed = await g.send(new ListPartsCommand({ vaultName: 'crash', uploadId }));
    expect(listed.Parts).toEqual([0, 1, 2].map((i) => ({ RangeInBytes: `${i * MiB}-${(i + 1) * MiB - 1}`, SHA256TreeHash: treeHash(part(i)) })));
    // No leftovers of the half-received body.
    expect(readdirSync(join(dataDir, 'tmp'))).toEqual([]);

    for (const i of [3, 4]) {
      const body = data.subarray(i * MiB, (i + 1) * MiB);
      await g.send(new UploadMultipartPartCommand({ vaultName: 'crash', uploadId, body, range: `bytes ${i * MiB}-${i * MiB + body.length - 1}/*` }));
    }
    const done = await g.send(new CompleteMultipartUploadCommand({ vaultName: 'crash', uploadId, archiveSize: String(data.length), checksum: treeHash(data) }));
    expect(done.checksum).toBe(treeHash(data));
    const { jobId } = await g.send(new InitiateJobCommand({ vaultName: 'crash', jobParameters: { Type: 'archive-retrieval', ArchiveId: done.archiveId } }));
    const out = await g.send(new GetJobOutputCommand({ vaultName: 'crash', jobId }));
    expect(Buffer.from(await out.body!.transformToByteArray()).equals(data)).toBe(true);
  });

  it('a clean restart keeps vaults, open uploads, archives and jobs', async () => {
    const dataDir = await tempDir();
    let server = await startLocalGlacier({ dataDir });
    let g = client(server);
    await g.send(new CreateVaultCommand({ vaultName: 'keep' }));
    const { uploadId } = await g.send(new InitiateMultipartUploadCommand({ vaultName: 'keep', partSize: String(MiB) }));
    const a = bytes(MiB, 1);
    await g.send(new UploadMultipartPartCommand({ vaultName: 'keep', uploadId, body: a, range: `bytes 0-${MiB - 1}/*` }));
    await server.close();
    g.destroy();
    expect(existsSync(dataDir)).toBe(true); // a dataDir the caller gave is never removed

    server = await startLocalGlacier({ dataDir });
    g = client(server);
    const b = bytes(100, 2);
    await g.send(new UploadMultipartPartCommand({ vaultName: 'keep', uploadId, body: b, range: `bytes ${MiB}-${MiB + 99}/*` }));
    const whole = Buffer.concat([a, b]);
    const done = await g.send(new CompleteMultipartUploadCommand({ vaultName: 'keep', uploadId, archiveSize: String(whole.length), checksum: treeHash(whole) }));
    const { jobId } = await g.send(new InitiateJobCommand({ vaultName: 'keep', jobParameters: { Type: 'archive-retrieval', ArchiveId: done.archiveId } }));
    const inventoryJob = await g.send(new InitiateJobCommand({ vaultName: 'keep', jobParameters: { Type: 'inventory-retrieval' } }));
    await server.close();
    g.destroy();

    server = await startLocalGlacier({ dataDir });
    g = client(server);
    cleanup.push(() => server.close(), () => g.destroy());
    expect(await g.send(new DescribeVaultCommand({ vaultName: 'keep' }))).toMatchObject({ NumberOfArchives: 1, SizeInBytes: whole.length });
    const jobs = (await g.send(new ListJobsCommand({ vaultName: 'keep' }))).JobList?.map((j) => j.JobId);
    expect(jobs?.sort()).toEqual([jobId, inventoryJob.jobId].sort());
    const inv = await g.send(new GetJobOutputCommand({ vaultName: 'keep', jobId: inventoryJob.jobId }));
    const listed = JSON.parse(Buffer.from(await inv.body!.transformToByteArray()).toString()) as { ArchiveList: { ArchiveId: string }[] };
    expect(listed.ArchiveList.map((x) => x.ArchiveId)).toEqual([done.archiveId]);
    const out = await g.send(new GetJobOutputCommand({ vaultName: 'keep', jobId }));
    expect(Buffer.from(await out.body!.transformToByteArray()).equals(whole)).toBe(true);
    expect(out.checksum).toBe(treeHash(whole));
    // A repeat Complete after the restart still names the same archive.
    const again = await g.send(new CompleteMultipartUploadCommand({ vaultName: 'keep', uploadId, archiveSize: String(whole.length), checksum: treeHash(whole) }));
    expect(again.archiveId).toBe(done.archiveId);
  });

  it('ignores torn metadata and unacknowledged part files left by a crash', async () => {
    const dataDir = await tempDir();
    let server = await startLocalGlacier({ dataDir });
    let g = client(server);
    await g.send(new CreateVaultCommand({ vaultName: 'torn' }));
    const { uploadId } = await g.send(new InitiateMultipartUploadCommand({ vaultName: 'torn', partSize: String(MiB) }));
    const a = bytes(500, 3);
    await g.send(new UploadMultipartPartCommand({ vaultName: 'torn', uploadId, body: a, range: 'bytes 0-499/*' }));
    await server.close();
    g.destroy();
    // What a crash between the steps of a write can leave behind:
    const dir = join(dataDir, 'vaults', '000000000000', 'us-east-1', 'v-torn', 'uploads', uploadId!);
    writeFileSync(join(dir, 'upload.json.tmp-abc123'), '{"uploadId": "half wri');
    writeFileSync(join(dir, 'part-1-orphan'), bytes(100));
    appendFileSync(join(dir, 'parts.log'), '{"index":1,"first":1048576,"la'); // an append torn by the crash
    writeFileSync(join(dataDir, 'tmp', 'body-partial'), bytes(100));

    server = await startLocalGlacier({ dataDir });
    g = client(server);
    cleanup.push(() => server.close(), () => g.destroy());
    const parts = await g.send(new ListPartsCommand({ vaultName: 'torn', uploadId }));
    expect(parts.Parts).toEqual([{ RangeInBytes: '0-499', SHA256TreeHash: treeHash(a) }]);
    expect(readdirSync(dir).filter((f) => !f.startsWith('part-0-')).sort()).toEqual(['parts.log', 'upload.json']);
    expect(readdirSync(join(dataDir, 'tmp'))).toEqual([]);
  });

  it('inactivity before and after a restart counts toward expiry', async () => {
    const dataDir = await tempDir();
    let server = await startLocalGlacier({ dataDir, uploadTtlMs: 300 });
    let g = client(server);
    await g.send(new CreateVaultCommand({ vaultName: 'old' }));
    const { uploadId } = await g.send(new InitiateMultipartUploadCommand({ vaultName: 'old', partSize: String(MiB) }));
    await server.close();
    g.destroy();
    await new Promise((r) => setTimeout(r, 400));
    server = await startLocalGlacier({ dataDir, uploadTtlMs: 300 });
    g = client(server);
    cleanup.push(() => server.close(), () => g.destroy());
    const { failure } = await import('./helpers.js');
    const err = await failure(g.send(new ListPartsCommand({ vaultName: 'old', uploadId })));
    expect(err.name).toBe('ResourceNotFoundException');
    expect((await g.send(new ListMultipartUploadsCommand({ vaultName: 'old' }))).UploadsList).toEqual([]);
  });

  it('refuses an unusable dataDir or a port in use with a typed error', async () => {
    const { LocalGlacierOptionsError } = await import('../../dist/src/server/index.js');
    const dir = await tempDir();
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    await expect(startLocalGlacier({ dataDir: file })).rejects.toThrow(LocalGlacierOptionsError);
    await expect(startLocalGlacier({ dataDir: file })).rejects.toThrow(/^dataDir .* cannot be used: .*Pass a writable directory/);
    const first = await startLocalGlacier();
    cleanup.push(() => first.close());
    await expect(startLocalGlacier({ port: first.port })).rejects.toThrow(`Port ${first.port} on 127.0.0.1 is already in use`);
    await expect(startLocalGlacier({ port: 70000 })).rejects.toThrow(/port must be an integer from 0 to 65535/);
  });

  it('a temporary dataDir the server created is removed by close()', async () => {
    const server = await startLocalGlacier();
    expect(existsSync(server.dataDir)).toBe(true);
    await server.close();
    expect(existsSync(server.dataDir)).toBe(false);
  });
});
