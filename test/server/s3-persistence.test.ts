// Durability of the local S3: a server killed with SIGKILL restarts on the same dataDir with every
// acknowledged object (bytes, metadata, storage class, checksum) and open upload (with its parts),
// which then completes; leftovers of interrupted writes are removed at start.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand,
  ListMultipartUploadsCommand, ListObjectsV2Command, ListPartsCommand, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { startLocalGlacier } from '../../dist/src/server/index.js';
import { MiB, bytes, multipartEtag, s3client } from './s3-helpers.js';

const serverModule = fileURLToPath(new URL('../../dist/src/server/index.js', import.meta.url));
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function spawnServer(dataDir: string): Promise<{ child: ChildProcess; s3Endpoint: string }> {
  const code = `
    const { startLocalGlacier } = await import(${JSON.stringify(serverModule)});
    const s = await startLocalGlacier({ dataDir: ${JSON.stringify(dataDir)} });
    process.stdout.write(JSON.stringify({ s3Endpoint: s.s3Endpoint }) + '\\n');
    setInterval(() => {}, 1 << 30);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanup.push(() => child.kill('SIGKILL'));
  const s3Endpoint = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve(JSON.parse(buf.split('\n')[0]!).s3Endpoint);
    });
    child.once('exit', (c) => reject(new Error(`server exited with ${c}`)));
  });
  return { child, s3Endpoint };
}

const killed = (child: ChildProcess) => new Promise<void>((ok) => {
  child.once('exit', () => ok());
  child.kill('SIGKILL');
});

describe('local S3 persistence', () => {
  it('keeps objects and open uploads across a SIGKILL; the upload then completes; stray files are removed', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 's3-persist-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const { child, s3Endpoint } = await spawnServer(dataDir);
    const before = new S3Client({ endpoint: s3Endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    const Bucket = 'durable';
    const small = bytes(12_345, 1);
    const parts = [bytes(5 * MiB, 2), bytes(777, 3)];
    await before.send(new CreateBucketCommand({ Bucket }));
    const put = await before.send(new PutObjectCommand({ Bucket, Key: 'kept', Body: small, Metadata: { 'archive-id': 'X' }, StorageClass: 'DEEP_ARCHIVE', ChecksumAlgorithm: 'SHA256' }));
    const { UploadId } = await before.send(new CreateMultipartUploadCommand({ Bucket, Key: 'open', ChecksumAlgorithm: 'CRC64NVME', StorageClass: 'GLACIER' }));
    const p1 = await before.send(new UploadPartCommand({ Bucket, Key: 'open', UploadId, PartNumber: 1, Body: parts[0], ChecksumAlgorithm: 'CRC64NVME' }));
    before.destroy();
    await killed(child);
    // What a crash mid-write leaves: a temporary body, a part file never recorded, an object
    // directory without its object.json.
    mkdirSync(join(dataDir, 's3', 'tmp'), { recursive: true });
    writeFileSync(join(dataDir, 's3', 'tmp', 'body-stray'), 'x');
    const uploadDir = join(dataDir, 's3', 'buckets', Bucket, 'uploads', UploadId!);
    writeFileSync(join(uploadDir, 'part-9-stray'), 'x');
    mkdirSync(join(dataDir, 's3', 'buckets', Bucket, 'objects', 'half-written-object'));

    const server = await startLocalGlacier({ dataDir });
    cleanup.push(() => server.close());
    const s3 = s3client(server);
    cleanup.push(() => s3.destroy());
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'kept', ChecksumMode: 'ENABLED' }));
    expect([head.ETag, head.Metadata, head.StorageClass, head.ChecksumSHA256]).toEqual([put.ETag, { 'archive-id': 'X' }, 'DEEP_ARCHIVE', put.ChecksumSHA256]);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'kept' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(small)).toBe(true);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads?.map((u) => [u.UploadId, u.StorageClass])).toEqual([[UploadId, 'GLACIER']]);
    expect((await s3.send(new ListPartsCommand({ Bucket, Key: 'open', UploadId }))).Parts?.map((p) => [p.PartNumber, p.ETag, p.ChecksumCRC64NVME])).toEqual([[1, p1.ETag, p1.ChecksumCRC64NVME]]);
    const p2 = await s3.send(new UploadPartCommand({ Bucket, Key: 'open', UploadId, PartNumber: 2, Body: parts[1], ChecksumAlgorithm: 'CRC64NVME' }));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'open', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }));
    expect(done.ETag).toBe(multipartEtag(parts));
    const whole = await s3.send(new GetObjectCommand({ Bucket, Key: 'open', ChecksumMode: 'ENABLED' }));
    expect(Buffer.from(await whole.Body!.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true);
    expect(readdirSync(join(dataDir, 's3', 'tmp'))).toEqual([]);
    expect(existsSync(join(dataDir, 's3', 'buckets', Bucket, 'objects', 'half-written-object'))).toBe(false);
    // The completed object's directory: its metadata and the two listed parts, not the stray part file.
    const files = readdirSync(join(dataDir, 's3', 'buckets', Bucket, 'objects', UploadId!)).sort();
    expect(files.length).toBe(3);
    expect(files.filter((f) => /^part-[12]-/.test(f)).length).toBe(2);
    expect(files).toContain('object.json');

    // A clean close and restart keeps the completed object too.
    await server.close();
    const again = await startLocalGlacier({ dataDir });
    cleanup.push(() => again.close());
    const s3b = s3client(again);
    cleanup.push(() => s3b.destroy());
    expect((await s3b.send(new ListObjectsV2Command({ Bucket }))).Contents?.map((c) => [c.Key, c.StorageClass])).toEqual([['kept', 'DEEP_ARCHIVE'], ['open', 'GLACIER']]);
  });
});
