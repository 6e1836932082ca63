// Fault injection on the local S3, addressed by operation names such as s3:UploadPart: 500
// InternalError (the SDK retries), 503 SlowDown, connection resets, slow answers, and corrupted or
// cut GetObject bodies that the SDK's own checksum validation or length check must catch.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand,
  UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';
import { bytes, codeOf, failure, s3client } from './s3-helpers.js';
import { client } from './helpers.js';
import { ListVaultsCommand } from '@aws-sdk/client-glacier';

let server: LocalGlacier;
let s3: S3Client;
const Bucket = 'faults';
const body = bytes(100_000, 5);

beforeAll(async () => {
  server = await startLocalGlacier();
  s3 = s3client(server);
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutObjectCommand({ Bucket, Key: 'object', Body: body }));
});
beforeEach(() => {
  server.setFaults([]);
  server.resetStats();
});
afterAll(async () => {
  s3?.destroy();
  await server?.close();
});

describe('S3 faults', () => {
  it('500 InternalError on s3:UploadPart is retried by the SDK and the part lands', async () => {
    server.setFaults([{ operation: 's3:UploadPart', kind: 'InternalError', nth: 1 }]);
    const retrying = s3client(server, { maxAttempts: 3 });
    const { UploadId } = await retrying.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp' }));
    const r = await retrying.send(new UploadPartCommand({ Bucket, Key: 'mp', UploadId, PartNumber: 1, Body: body }));
    expect(r.ETag).toBeDefined();
    expect(server.stats['s3:UploadPart:InternalError']).toBe(1);
    expect(server.stats['s3:UploadPart']).toBe(2);
    retrying.destroy();
  });

  it('503 SlowDown reaches a client that does not retry with its S3 name; ServiceUnavailable is 503 too', async () => {
    server.setFaults([{ operation: 's3:PutObject', kind: 'SlowDown', nth: 1 }, { operation: 's3:PutObject', kind: 'ServiceUnavailable', nth: 2 }]);
    expect(codeOf(await failure(s3.send(new PutObjectCommand({ Bucket, Key: 'slow', Body: 'x' }))))).toEqual({ name: 'SlowDown', status: 503 });
    expect(codeOf(await failure(s3.send(new PutObjectCommand({ Bucket, Key: 'slow', Body: 'x' }))))).toEqual({ name: 'ServiceUnavailable', status: 503 });
    await s3.send(new PutObjectCommand({ Bucket, Key: 'slow', Body: 'x' }));
  });

  it('a connection reset fails the request; a Slow answer still arrives', async () => {
    server.setFaults([{ operation: 's3:HeadObject', kind: 'ConnectionReset', nth: 1 }, { operation: 's3:HeadObject', kind: 'Slow', nth: 2, delayMs: 50 }]);
    const err = await failure(s3.send(new HeadObjectCommand({ Bucket, Key: 'object' })));
    expect(codeOf(err).status).toBeUndefined();
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'object' }))).ContentLength).toBe(body.length);
    expect([server.stats['s3:HeadObject:ConnectionReset'], server.stats['s3:HeadObject:Slow']]).toEqual([1, 1]);
  });

  it('a flipped byte in a GetObject body is caught by the SDK checksum validation; a cut body fails to read', async () => {
    server.setFaults([{ operation: 's3:GetObject', kind: 'FlippedByte', nth: 1 }, { operation: 's3:GetObject', kind: 'TruncatedBody', nth: 2 }]);
    const flipped = await s3.send(new GetObjectCommand({ Bucket, Key: 'object', ChecksumMode: 'ENABLED' }));
    await expect(flipped.Body!.transformToByteArray()).rejects.toThrow(/Checksum mismatch/i);
    const cut = await s3.send(new GetObjectCommand({ Bucket, Key: 'object' }));
    await expect(cut.Body!.transformToByteArray().then((b) => (b.length === body.length ? 'whole' : 'short'))).rejects.toThrow();
    const fine = await s3.send(new GetObjectCommand({ Bucket, Key: 'object', ChecksumMode: 'ENABLED' }));
    expect(Buffer.from(await fine.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it("'s3:*' hits every S3 operation and no Glacier one; unknown S3 operation names are refused", async () => {
    server.setFaults([{ operation: 's3:*', kind: 'InternalError' }]);
    expect(codeOf(await failure(s3.send(new HeadObjectCommand({ Bucket, Key: 'object' })))).status).toBe(500);
    const glacier = client(server);
    await glacier.send(new ListVaultsCommand({ accountId: '-' }));
    glacier.destroy();
    expect(() => server.setFaults([{ operation: 's3:CopyObject' as never, kind: 'InternalError' }])).toThrow(/s3:UploadPart/);
    // Glacier-only kinds never fire on S3 (and S3-only kinds never on Glacier).
    server.setFaults([{ operation: '*', kind: 'JobOutputExpired' }, { operation: '*', kind: 'InternalError', nth: 99 }]);
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'object' }))).ContentLength).toBe(body.length);
  });
});
