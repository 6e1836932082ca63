// Listings on the local S3 with the real client: ListObjectsV2 (prefix, delimiter, max-keys,
// continuation tokens, start-after), ListMultipartUploads (prefix, pages), ListParts pages,
// GetObjectAttributes of a single-PUT object.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateBucketCommand, CreateMultipartUploadCommand, GetObjectAttributesCommand, ListMultipartUploadsCommand,
  ListObjectsV2Command, ListPartsCommand, PutObjectCommand, UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';
import { codeOf, failure, md5hex, s3client } from './s3-helpers.js';

let server: LocalGlacier;
let s3: S3Client;
const Bucket = 'listing';
const KEYS = ['a/1', 'a/2', 'a/sub/3', 'a/sub/4', 'b/5', 'c', 'é/unicode'];

beforeAll(async () => {
  server = await startLocalGlacier();
  s3 = s3client(server);
  await s3.send(new CreateBucketCommand({ Bucket }));
  for (const Key of KEYS) await s3.send(new PutObjectCommand({ Bucket, Key, Body: Key, StorageClass: Key === 'c' ? 'DEEP_ARCHIVE' : 'STANDARD' }));
});
afterAll(async () => {
  s3?.destroy();
  await server?.close();
});

describe('ListObjectsV2', () => {
  it('lists every key in order with size, ETag and storage class', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket }));
    expect(r.Contents?.map((c) => c.Key)).toEqual(KEYS);
    expect(r.KeyCount).toBe(KEYS.length);
    const c = r.Contents!.find((o) => o.Key === 'c')!;
    expect([c.Size, c.ETag, c.StorageClass]).toEqual([1, `"${md5hex(Buffer.from('c'))}"`, 'DEEP_ARCHIVE']);
  });

  it('filters by prefix, groups by delimiter, and pages with max-keys and continuation tokens', async () => {
    expect((await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'a/sub/' }))).Contents?.map((c) => c.Key)).toEqual(['a/sub/3', 'a/sub/4']);
    const grouped = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'a/', Delimiter: '/' }));
    expect(grouped.Contents?.map((c) => c.Key)).toEqual(['a/1', 'a/2']);
    expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/sub/']);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket, MaxKeys: 2, ContinuationToken: token }));
      expect(page.KeyCount).toBeLessThanOrEqual(2);
      seen.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      pages++;
    } while (token);
    expect([seen, pages]).toEqual([KEYS, 4]);
    const top = await s3.send(new ListObjectsV2Command({ Bucket, Delimiter: '/', MaxKeys: 1 }));
    expect([top.CommonPrefixes?.map((p) => p.Prefix), top.IsTruncated]).toEqual([['a/'], true]);
    const next = await s3.send(new ListObjectsV2Command({ Bucket, Delimiter: '/', ContinuationToken: top.NextContinuationToken }));
    expect(next.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b/', 'é/']);
    expect(next.Contents?.map((c) => c.Key)).toEqual(['c']);
    expect((await s3.send(new ListObjectsV2Command({ Bucket, StartAfter: 'b/5' }))).Contents?.map((c) => c.Key)).toEqual(['c', 'é/unicode']);
    expect(codeOf(await failure(s3.send(new ListObjectsV2Command({ Bucket, ContinuationToken: 'bogus' }))))).toEqual({ name: 'InvalidArgument', status: 400 });
  });
});

describe('upload and part listings', () => {
  it('ListMultipartUploads filters by prefix and pages; ListParts pages by part-number-marker', async () => {
    const ids: string[] = [];
    for (const Key of ['up/1', 'up/2', 'up/3', 'other']) ids.push((await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }))).UploadId!);
    const all = await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: 'up/' }));
    expect(all.Uploads?.map((u) => u.Key)).toEqual(['up/1', 'up/2', 'up/3']);
    const first = await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: 'up/', MaxUploads: 2 }));
    expect([first.Uploads?.length, first.IsTruncated]).toEqual([2, true]);
    const rest = await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: 'up/', KeyMarker: first.NextKeyMarker, UploadIdMarker: first.NextUploadIdMarker }));
    expect(rest.Uploads?.map((u) => u.Key)).toEqual(['up/3']);
    for (let n = 1; n <= 3; n++) await s3.send(new UploadPartCommand({ Bucket, Key: 'up/1', UploadId: ids[0], PartNumber: n, Body: `part ${n}` }));
    const p1 = await s3.send(new ListPartsCommand({ Bucket, Key: 'up/1', UploadId: ids[0], MaxParts: 2 }));
    expect([p1.Parts?.map((p) => p.PartNumber), p1.IsTruncated]).toEqual([[1, 2], true]);
    const p2 = await s3.send(new ListPartsCommand({ Bucket, Key: 'up/1', UploadId: ids[0], PartNumberMarker: p1.NextPartNumberMarker }));
    expect([p2.Parts?.map((p) => p.PartNumber), p2.IsTruncated]).toEqual([[3], false]);
    // An upload id is bound to its key.
    expect(codeOf(await failure(s3.send(new ListPartsCommand({ Bucket, Key: 'up/2', UploadId: ids[0] }))))).toEqual({ name: 'NoSuchUpload', status: 404 });
  });

  it('GetObjectAttributes of a single PUT: ETag, the default CRC64NVME full-object checksum, size, class, no parts', async () => {
    const r = await s3.send(new GetObjectAttributesCommand({ Bucket, Key: 'c', ObjectAttributes: ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] }));
    expect([r.ETag, r.Checksum?.ChecksumType, typeof r.Checksum?.ChecksumCRC32 === 'string' || typeof r.Checksum?.ChecksumCRC64NVME === 'string', r.StorageClass, r.ObjectSize, r.ObjectParts])
      .toEqual([md5hex(Buffer.from('c')), 'FULL_OBJECT', true, 'DEEP_ARCHIVE', 1, undefined]);
  });
});
