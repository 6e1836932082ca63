// Multipart uploads on the local S3 with the real @aws-sdk/client-s3: Create/UploadPart/ListParts/
// Complete/Abort/ListMultipartUploads, MD5-of-MD5s ETags, COMPOSITE (SHA-256, CRC32) and
// FULL_OBJECT (CRC64NVME) checksums, and InvalidPart, InvalidPartOrder, EntityTooSmall, NoSuchUpload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand,
  GetObjectAttributesCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListPartsCommand,
  UploadPartCommand, type ChecksumAlgorithm, type CompletedPart, type S3Client,
} from '@aws-sdk/client-s3';
import { Crc32c, Crc64Nvme } from '@aws-sdk/checksums/crc';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';
import { MiB, bytes, codeOf, failure, multipartEtag, s3client } from './s3-helpers.js';

let server: LocalGlacier;
let s3: S3Client;
const Bucket = 'multipart';

beforeAll(async () => {
  server = await startLocalGlacier({ credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  s3 = s3client(server);
  await s3.send(new CreateBucketCommand({ Bucket }));
});
afterAll(async () => {
  s3?.destroy();
  await server?.close();
});

const PARTS = [bytes(5 * MiB, 1), bytes(5 * MiB, 2), bytes(1234, 3)];

/** Uploads PARTS as a stream each (the SDK's aws-chunked default), returning what Complete needs. */
async function uploadParts(Key: string, UploadId: string, algorithm?: ChecksumAlgorithm): Promise<CompletedPart[]> {
  const out: CompletedPart[] = [];
  for (const [i, body] of PARTS.entries()) {
    const r = await s3.send(new UploadPartCommand({
      Bucket, Key, UploadId, PartNumber: i + 1, Body: Readable.from([body]), ContentLength: body.length,
      ...(algorithm ? { ChecksumAlgorithm: algorithm } : {}),
    }));
    expect(r.ETag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
    out.push({
      PartNumber: i + 1, ETag: r.ETag!,
      ...(r.ChecksumSHA256 ? { ChecksumSHA256: r.ChecksumSHA256 } : {}),
      ...(r.ChecksumCRC32 ? { ChecksumCRC32: r.ChecksumCRC32 } : {}),
      ...(r.ChecksumCRC64NVME ? { ChecksumCRC64NVME: r.ChecksumCRC64NVME } : {}),
    });
  }
  return out;
}

async function readAll(Key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

describe('multipart uploads', () => {
  it('SHA-256 COMPOSITE: the checksum of the part checksums, -N; parts listed; bytes identical', async () => {
    const Key = 'sha256/object';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({
      Bucket, Key, ChecksumAlgorithm: 'SHA256', StorageClass: 'GLACIER', Metadata: { 'archive-id': 'A1' },
    }));
    const parts = await uploadParts(Key, UploadId!, 'SHA256');
    const listed = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag, p.ChecksumSHA256])).toEqual(
      parts.map((p, i) => [i + 1, PARTS[i]!.length, p.ETag, createHash('sha256').update(PARTS[i]!).digest('base64')]));
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket }));
    expect(uploads.Uploads?.map((u) => u.UploadId)).toContain(UploadId);
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
    expect(done.ETag).toBe(multipartEtag(PARTS));
    const composite = createHash('sha256');
    for (const p of PARTS) composite.update(createHash('sha256').update(p).digest());
    expect(done.ChecksumSHA256).toBe(`${composite.digest('base64')}-3`);
    expect(done.ChecksumType).toBe('COMPOSITE');
    expect((await readAll(Key)).equals(Buffer.concat(PARTS))).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
    expect([head.StorageClass, head.Metadata, head.ChecksumSHA256, head.ContentLength]).toEqual(['GLACIER', { 'archive-id': 'A1' }, done.ChecksumSHA256, 10 * MiB + 1234]);
    const attrs = await s3.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['Checksum', 'ObjectParts', 'ETag', 'StorageClass', 'ObjectSize'] }));
    expect(attrs.Checksum?.ChecksumSHA256).toBe(done.ChecksumSHA256);
    expect(attrs.ObjectParts?.TotalPartsCount).toBe(3);
    expect(attrs.ObjectParts?.Parts?.map((p) => p.ChecksumSHA256)).toEqual(parts.map((p) => p.ChecksumSHA256));
    expect([attrs.ETag, attrs.StorageClass, attrs.ObjectSize]).toEqual([done.ETag!.slice(1, -1), 'GLACIER', 10 * MiB + 1234]);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []).not.toContainEqual(expect.objectContaining({ UploadId }));
  });

  it('CRC64NVME FULL_OBJECT: the CRC of the whole object, which the SDK itself validates on GetObject', async () => {
    const Key = 'crc64/object';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'FULL_OBJECT' }));
    const parts = await uploadParts(Key, UploadId!, 'CRC64NVME');
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
    expect(done.ChecksumType).toBe('FULL_OBJECT');
    // The SDK's own CRC64NVME of the whole object (@aws-sdk/checksums, what client-s3 uses).
    const crc = new Crc64Nvme();
    crc.update(Buffer.concat(PARTS));
    expect(done.ChecksumCRC64NVME).toBe(Buffer.from(await crc.digest()).toString('base64'));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
    expect(got.ChecksumCRC64NVME).toBe(done.ChecksumCRC64NVME);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(PARTS))).toBe(true);
  });

  it('CRC32 parts by the SDK default, no upload algorithm: completes without an object checksum', async () => {
    const Key = 'default/object';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const parts = await uploadParts(Key, UploadId!);
    expect(parts[0]!.ChecksumCRC32).toBeDefined();
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
    expect(done.ETag).toBe(multipartEtag(PARTS));
    expect((await readAll(Key)).equals(Buffer.concat(PARTS))).toBe(true);
  });

  it('refuses a wrong ETag or checksum (InvalidPart), parts out of order (InvalidPartOrder), a small middle part (EntityTooSmall)', async () => {
    const Key = 'errors/object';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: 'SHA256' }));
    const parts = await uploadParts(Key, UploadId!, 'SHA256');
    const complete = (Parts: CompletedPart[]) => failure(s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } })));
    expect(codeOf(await complete([{ ...parts[0]!, ETag: '"00000000000000000000000000000000"' }, parts[1]!]))).toEqual({ name: 'InvalidPart', status: 400 });
    expect(codeOf(await complete([{ ...parts[0]!, ChecksumSHA256: parts[1]!.ChecksumSHA256 }, parts[1]!]))).toEqual({ name: 'InvalidPart', status: 400 });
    expect(codeOf(await complete([parts[0]!, { ...parts[1]!, PartNumber: 7 }]))).toEqual({ name: 'InvalidPart', status: 400 });
    expect(codeOf(await complete([parts[1]!, parts[0]!]))).toEqual({ name: 'InvalidPartOrder', status: 400 });
    expect(codeOf(await complete([parts[0]!, parts[2]!, parts[1]!].map((p, i) => ({ ...p, PartNumber: [1, 3, 2][i]! }))))).toEqual({ name: 'InvalidPartOrder', status: 400 });
    // A part of 1234 bytes in the middle: re-upload it as part 2.
    const small = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: PARTS[2], ChecksumAlgorithm: 'SHA256' }));
    expect(codeOf(await complete([parts[0]!, { PartNumber: 2, ETag: small.ETag, ChecksumSHA256: small.ChecksumSHA256 }, parts[2]!]))).toEqual({ name: 'EntityTooSmall', status: 400 });
    // A part whose checksum is of another algorithm than the upload's.
    const mismatch = await failure(s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 4, Body: PARTS[2], ChecksumAlgorithm: 'CRC32' })));
    expect(codeOf(mismatch)).toEqual({ name: 'InvalidRequest', status: 400 });
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
    expect(codeOf(await failure(s3.send(new ListPartsCommand({ Bucket, Key, UploadId }))))).toEqual({ name: 'NoSuchUpload', status: 404 });
    expect(codeOf(await failure(s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'x' }))))).toEqual({ name: 'NoSuchUpload', status: 404 });
    expect(codeOf(await failure(s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }))))).toEqual({ name: 'NoSuchUpload', status: 404 });
    expect(codeOf(await failure(s3.send(new HeadObjectCommand({ Bucket, Key })))).status).toBe(404);
  });

  it('a repeated Complete (a retry) gets the same answer; a part number outside 1-10000 is InvalidArgument', async () => {
    const Key = 'repeat/object';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const one = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'only part' }));
    const first = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: one.ETag }] } }));
    const again = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: one.ETag }] } }));
    expect(again.ETag).toBe(first.ETag);
    const { UploadId: other } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    expect(codeOf(await failure(s3.send(new UploadPartCommand({ Bucket, Key, UploadId: other, PartNumber: 10001, Body: 'x' }))))).toEqual({ name: 'InvalidArgument', status: 400 });
  });

  it('CRC32C FULL_OBJECT on request, ObjectParts pages, and If-None-Match: * on Complete', async () => {
    const Key = 'crc32c/object';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: 'CRC32C', ChecksumType: 'FULL_OBJECT' }));
    const parts = await uploadParts(Key, UploadId!, 'CRC32C');
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, IfNoneMatch: '*', MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag })) } }));
    const crc = new Crc32c();
    crc.update(Buffer.concat(PARTS));
    expect([done.ChecksumCRC32C, done.ChecksumType]).toEqual([Buffer.from(await crc.digest()).toString('base64'), 'FULL_OBJECT']);
    const page = await s3.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['ObjectParts'], MaxParts: 2 }));
    expect([page.ObjectParts?.TotalPartsCount, page.ObjectParts?.Parts?.map((p) => p.PartNumber), page.ObjectParts?.IsTruncated]).toEqual([3, [1, 2], true]);
    const rest = await s3.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['ObjectParts'], PartNumberMarker: page.ObjectParts?.NextPartNumberMarker }));
    expect(rest.ObjectParts?.Parts?.map((p) => p.PartNumber)).toEqual([3]);
    // The key is taken now: a second upload to it with If-None-Match: * is refused at Complete.
    const second = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const one = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId: second.UploadId, PartNumber: 1, Body: 'x' }));
    const err = await failure(s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId: second.UploadId, IfNoneMatch: '*', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: one.ETag }] } })));
    expect(codeOf(err)).toEqual({ name: 'PreconditionFailed', status: 412 });
  });
});
