// `glacier-multipart serve` as users run it (a child process): SDK requests work through the Host
// guard, --job-delay takes per-tier delays, and a second serve on the same --data-dir refuses.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CreateVaultCommand, DescribeJobCommand, InitiateJobCommand, UploadArchiveCommand, type GlacierClient,
} from '@aws-sdk/client-glacier';
import { GlacierClient as Client } from '@aws-sdk/client-glacier';
import { bytes } from './helpers.js';

const main = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function run(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  cleanup.push(() => child.kill('SIGKILL'));
  return { child, output: () => out, exited };
}

async function endpointOf(r: ReturnType<typeof run>): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const m = /listening on (http:\/\/\S+)/.exec(r.output());
    if (m) return m[1]!;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error(`serve did not start: ${r.output()}`);
}

describe('serve', () => {
  it('serves the SDK, applies --job-delay per tier, refuses foreign Host names, and locks its --data-dir', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'glacier-serve-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const server = run(['serve', '--port', '0', '--data-dir', dataDir, '--job-delay', 'expedited=0,standard=600000']);
    const endpoint = await endpointOf(server);
    const glacier: GlacierClient = new Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    cleanup.push(() => glacier.destroy());
    await glacier.send(new CreateVaultCommand({ vaultName: 'cli' }));
    const { archiveId } = await glacier.send(new UploadArchiveCommand({ vaultName: 'cli', body: bytes(1000) }));
    const job = async (Tier: string) => {
      const { jobId } = await glacier.send(new InitiateJobCommand({ vaultName: 'cli', jobParameters: { Type: 'archive-retrieval', ArchiveId: archiveId, Tier } }));
      return (await glacier.send(new DescribeJobCommand({ vaultName: 'cli', jobId }))).Completed;
    };
    expect(await job('Expedited')).toBe(true);
    expect(await job('Standard')).toBe(false);
    // The printed S3 endpoint serves the S3 SDK on the same port, path-style.
    let s3Endpoint: string | undefined;
    for (let i = 0; i < 100 && !s3Endpoint; i++) {
      s3Endpoint = /Local S3 \(path-style\) on the same port: (http:\/\/\S+)/.exec(server.output())?.[1];
      if (!s3Endpoint) await new Promise((ok) => setTimeout(ok, 50));
    }
    expect(s3Endpoint).toBe(endpoint);
    const { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({ endpoint: s3Endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    cleanup.push(() => s3.destroy());
    await s3.send(new CreateBucketCommand({ Bucket: 'cli-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'cli-bucket', Key: 'k', Body: 'via serve' }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'cli-bucket', Key: 'k' }))).Body!.transformToString()).toBe('via serve');
    const foreign = await fetch(`${endpoint}/-/vaults`, { headers: { host: 'rebound.example' } });
    expect(foreign.status).toBe(403);

    const second = run(['serve', '--port', '0', '--data-dir', dataDir]);
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toMatch(/is in use by another local Glacier server \(process \d+\)/);

    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
  });
});
