// The local S3 with the real @aws-sdk/client-s3 over HTTP: buckets, PutObject (plain and aws-chunked
// bodies, every checksum algorithm), HeadObject, GetObject with ranges, DeleteObject, metadata and
// storage class round trips, and S3's errors for what it refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand,
  HeadObjectCommand, ListBucketsCommand, ListObjectsCommand, PutObjectCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';
import { bytes, codeOf, failure, md5hex, s3client, sha256b64, signedS3Request, xmlCode } from './s3-helpers.js';

let server: LocalGlacier;
let s3: S3Client;

beforeAll(async () => {
  server = await startLocalGlacier({ credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  s3 = s3client(server);
  await s3.send(new CreateBucketCommand({ Bucket: 'objects' }));
});
afterAll(async () => {
  s3?.destroy();
  await server?.close();
});

const streamOf = (b: Buffer, pieces = 3) => Readable.from(Array.from({ length: pieces }, (_, i) => b.subarray(Math.floor(i * b.length / pieces), Math.floor((i + 1) * b.length / pieces))));

describe('buckets', () => {
  it('creates, heads, lists and deletes a bucket; an unknown one is 404', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'temp-bucket' }));
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'temp-bucket' }));
    expect(head.BucketRegion).toBe('us-east-1');
    const list = await s3.send(new ListBucketsCommand({}));
    expect(list.Buckets?.map((b) => b.Name)).toContain('temp-bucket');
    await s3.send(new DeleteBucketCommand({ Bucket: 'temp-bucket' }));
    const err = await failure(s3.send(new HeadBucketCommand({ Bucket: 'temp-bucket' })));
    expect(codeOf(err).status).toBe(404);
    const put = await failure(s3.send(new PutObjectCommand({ Bucket: 'temp-bucket', Key: 'k', Body: 'x' })));
    expect(codeOf(put)).toEqual({ name: 'NoSuchBucket', status: 404 });
  });

  it('refuses invalid bucket names and a bucket in another region than the request', async () => {
    const bad = await failure(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })));
    expect(codeOf(bad)).toEqual({ name: 'InvalidBucketName', status: 400 });
    const eu = s3client(server, { region: 'eu-west-1' });
    await eu.send(new CreateBucketCommand({ Bucket: 'eu-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    const again = await failure(eu.send(new CreateBucketCommand({ Bucket: 'eu-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })));
    expect(codeOf(again)).toEqual({ name: 'BucketAlreadyOwnedByYou', status: 409 });
    const wrongRegion = await failure(s3.send(new PutObjectCommand({ Bucket: 'eu-bucket', Key: 'k', Body: 'x' })));
    expect(codeOf(wrongRegion).name).toBe('AuthorizationHeaderMalformed');
    eu.destroy();
  });
});

describe('PutObject / GetObject / HeadObject', () => {
  it('round-trips bytes, MD5 ETag, metadata, content type and storage class', async () => {
    const body = bytes(300_000, 7);
    const put = await s3.send(new PutObjectCommand({
      Bucket: 'objects', Key: 'dir/a file.bin', Body: body, Metadata: { 'archive-id': 'abc123', 'tree-hash': 'ff' },
      StorageClass: 'DEEP_ARCHIVE', ContentType: 'application/x-test',
    }));
    expect(put.ETag).toBe(`"${md5hex(body)}"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'dir/a file.bin' }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.ETag).toBe(put.ETag);
    expect(head.StorageClass).toBe('DEEP_ARCHIVE');
    expect(head.Metadata).toEqual({ 'archive-id': 'abc123', 'tree-hash': 'ff' });
    expect(head.ContentType).toBe('application/x-test');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'dir/a file.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(got.Metadata).toEqual({ 'archive-id': 'abc123', 'tree-hash': 'ff' });
    expect(got.StorageClass).toBe('DEEP_ARCHIVE');
  });

  it('stores every accepted storage class and refuses an unknown one', async () => {
    for (const cls of ['STANDARD', 'GLACIER', 'DEEP_ARCHIVE', 'GLACIER_IR', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING'] as const) {
      await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: `class/${cls}`, Body: cls, StorageClass: cls }));
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: `class/${cls}` }));
      expect(head.StorageClass ?? 'STANDARD').toBe(cls);
    }
    const err = await failure(s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'class/bad', Body: 'x', StorageClass: 'COLD' as never })));
    expect(codeOf(err)).toEqual({ name: 'InvalidStorageClass', status: 400 });
  });

  it('accepts the SDK default aws-chunked upload of a stream (STREAMING-UNSIGNED-PAYLOAD-TRAILER) for every algorithm', async () => {
    const body = bytes(1_000_003, 3);
    for (const algorithm of [undefined, 'CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const) {
      const key = `chunked/${algorithm ?? 'default'}`;
      const put = await s3.send(new PutObjectCommand({
        Bucket: 'objects', Key: key, Body: streamOf(body), ContentLength: body.length, ...(algorithm ? { ChecksumAlgorithm: algorithm } : {}),
      }));
      expect(put.ETag).toBe(`"${md5hex(body)}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: key, ChecksumMode: 'ENABLED' }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
      expect(got.ChecksumType).toBe('FULL_OBJECT');
      // The SDK's own checksum of the bytes, as the trailer carried it, is what S3 stores.
      const field = `Checksum${algorithm ?? 'CRC32'}` as 'ChecksumCRC32';
      expect(got[field]).toBe((put as Record<string, unknown>)[field]);
    }
  });

  it('answers BadDigest for a checksum or Content-MD5 that does not match, and stores nothing', async () => {
    const body = Buffer.from('the real bytes');
    const wrongSha = await failure(s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'bad/sha', Body: body, ChecksumSHA256: sha256b64(Buffer.from('other')) })));
    expect(codeOf(wrongSha)).toEqual({ name: 'BadDigest', status: 400 });
    const wrongMd5 = await failure(s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'bad/md5', Body: body, ContentMD5: Buffer.alloc(16).toString('base64') })));
    expect(codeOf(wrongMd5)).toEqual({ name: 'BadDigest', status: 400 });
    const badMd5 = await failure(s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'bad/md5', Body: body, ContentMD5: 'nope' })));
    expect(codeOf(badMd5)).toEqual({ name: 'InvalidDigest', status: 400 });
    for (const key of ['bad/sha', 'bad/md5']) {
      expect(codeOf(await failure(s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: key })))).status).toBe(404);
    }
  });

  it('serves byte ranges (a-b, a-, -n) and refuses one past the end', async () => {
    const body = bytes(10_000, 9);
    await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'range', Body: body }));
    for (const [range, first, last] of [['bytes=0-0', 0, 0], ['bytes=100-4099', 100, 4099], ['bytes=9000-', 9000, 9999], ['bytes=-10', 9990, 9999], ['bytes=5000-99999', 5000, 9999]] as const) {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'range', Range: range }));
      expect(got.ContentRange).toBe(`bytes ${first}-${last}/10000`);
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body.subarray(first, last + 1))).toBe(true);
    }
    const err = await failure(s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'range', Range: 'bytes=10000-' })));
    expect(codeOf(err)).toEqual({ name: 'InvalidRange', status: 416 });
  });

  it('overwrites, deletes (204 even when absent) and answers NoSuchKey afterwards', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'gone', Body: 'one' }));
    await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'gone', Body: 'two!' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'gone' }));
    expect(await got.Body!.transformToString()).toBe('two!');
    await s3.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'gone' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'gone' }));
    const err = await failure(s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'gone' })));
    expect(codeOf(err)).toEqual({ name: 'NoSuchKey', status: 404 });
  });

  it('writes only when the key is free with If-None-Match: * (412 otherwise)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'once', Body: 'first', IfNoneMatch: '*' }));
    const err = await failure(s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'once', Body: 'second', IfNoneMatch: '*' })));
    expect(codeOf(err)).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'once' }))).Body!.transformToString()).toBe('first');
  });

  it('verifies the signature: a wrong secret is SignatureDoesNotMatch, an unknown key InvalidAccessKeyId', async () => {
    const wrong = s3client(server, { credentials: { accessKeyId: 'test', secretAccessKey: 'wrong' } });
    expect(codeOf(await failure(wrong.send(new PutObjectCommand({ Bucket: 'objects', Key: 'x', Body: 'x' }))))).toEqual({ name: 'SignatureDoesNotMatch', status: 403 });
    const unknown = s3client(server, { credentials: { accessKeyId: 'nobody', secretAccessKey: 'test' } });
    expect(codeOf(await failure(unknown.send(new GetObjectCommand({ Bucket: 'objects', Key: 'range' }))))).toEqual({ name: 'InvalidAccessKeyId', status: 403 });
    wrong.destroy();
    unknown.destroy();
  });

  it('refuses a body over 5 GiB before reading it, too much metadata, and operations it does not have', async () => {
    const big = await signedS3Request(server, {
      method: 'PUT', path: '/objects/huge', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(6 * 1024 ** 3) },
    });
    expect([big.status, xmlCode(big.body)]).toEqual([400, 'EntityTooLarge']);
    const meta = await failure(s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'meta', Body: 'x', Metadata: { big: 'v'.repeat(2100) } })));
    expect(codeOf(meta)).toEqual({ name: 'MetadataTooLarge', status: 400 });
    const v1 = await failure(s3.send(new ListObjectsCommand({ Bucket: 'objects' })));
    expect(codeOf(v1)).toEqual({ name: 'NotImplemented', status: 501 });
    const acl = await signedS3Request(server, { method: 'GET', path: '/objects/range', query: { acl: '' }, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    expect([acl.status, xmlCode(acl.body)]).toEqual([501, 'NotImplemented']);
    const unsigned = await signedS3Request(server, { method: 'GET', path: '/objects/range', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, secret: 'not-the-secret' });
    expect(unsigned.body).toMatch(/<Error><Code>SignatureDoesNotMatch<\/Code><Message>[^<]+<\/Message>.*<RequestId>[0-9A-F]{16}<\/RequestId>/);
  });
});
