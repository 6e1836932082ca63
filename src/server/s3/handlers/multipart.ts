// CreateMultipartUpload, UploadPart, AbortMultipartUpload (CompleteMultipartUpload: complete.ts).
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { receiveBody } from '../body.js';
import { checksumHeader, type ChecksumAlgorithm } from '../checksums.js';
import type { S3Handler } from '../context.js';
import { invalidRequest, noSuchUpload, notImplemented } from '../errors.js';
import type { UploadRecord } from '../records.js';
import { contentType, declaredChecksum, header, partNumber, storageClass, uploadChecksum, userMetadata } from '../request.js';
import { newS3Id } from '../store.js';
import { xmlDocument } from '../xml.js';
import { bucketOf, keyOf, nowIso, uploadOf } from './common.js';

export const createMultipartUpload: S3Handler = async (ctx) => {
  const bucket = bucketOf(ctx);
  const key = keyOf(ctx);
  const { algorithm, type } = uploadChecksum(ctx.req);
  const upload: UploadRecord = {
    uploadId: newS3Id(), bucket: bucket.name, key, initiated: nowIso(),
    storageClass: storageClass(ctx.req), contentType: contentType(ctx.req), metadata: userMetadata(ctx.req),
    ...(algorithm ? { checksumAlgorithm: algorithm, checksumType: type } : {}),
    parts: {},
  };
  await ctx.s3.createUpload(bucket, upload);
  return {
    status: 200,
    headers: algorithm ? { 'x-amz-checksum-algorithm': algorithm, 'x-amz-checksum-type': type! } : {},
    xml: xmlDocument('InitiateMultipartUploadResult', { Bucket: bucket.name, Key: key, UploadId: upload.uploadId }),
  };
};

export const uploadPart: S3Handler = async (ctx) => {
  const bucket = bucketOf(ctx);
  keyOf(ctx);
  if (header(ctx.req, 'x-amz-copy-source') !== undefined) throw notImplemented('UploadPartCopy (x-amz-copy-source)');
  const number = partNumber(ctx.url.searchParams.get('partNumber'));
  const upload = uploadOf(ctx, bucket);
  const declared = declaredChecksum(ctx.req);
  const wanted = upload.checksumAlgorithm;
  if (wanted && declared && declared.algorithm !== wanted) {
    throw invalidRequest(`Checksum Type mismatch occurred, expected checksum Type: ${wanted.toLowerCase()}, actual checksum Type: ${declared.algorithm.toLowerCase()}. `
      + `This upload was created with ChecksumAlgorithm ${wanted}; send each part's ${wanted} checksum.`);
  }
  const algorithms: ChecksumAlgorithm[] = [...(declared ? [declared.algorithm] : []), ...(wanted ? [wanted] : [])];
  const tmp = await ctx.s3.tmpPath();
  const body = await receiveBody(ctx.req, tmp, { auth: ctx.auth, declared, algorithms, idleMs: ctx.server.config.bodyIdleTimeoutMs });
  try {
    return await ctx.s3.mutex.run(`upload:${upload.uploadId}`, async () => {
      if (bucket.uploads.get(upload.uploadId) !== upload) throw noSuchUpload(upload.uploadId); // aborted or completed meanwhile
      const file = `part-${number}-${newS3Id(6)}`;
      await rename(tmp, join(ctx.s3.uploadDir(bucket, upload.uploadId), file));
      const previous = upload.parts[number];
      upload.parts[number] = { partNumber: number, size: body.size, etag: `"${body.md5}"`, lastModified: nowIso(), checksums: body.checksums, file };
      await ctx.s3.saveUpload(bucket, upload);
      if (previous) await rm(join(ctx.s3.uploadDir(bucket, upload.uploadId), previous.file), { force: true });
      ctx.server.stats.bump('s3:UploadPart:bytes', body.size);
      const headers: Record<string, string> = { etag: `"${body.md5}"` };
      for (const a of algorithms) headers[checksumHeader(a)] = body.checksums[a]!;
      return { status: 200, headers };
    });
  } finally {
    await rm(tmp, { force: true });
  }
};

export const abortMultipartUpload: S3Handler = async (ctx) => {
  const bucket = bucketOf(ctx);
  const upload = uploadOf(ctx, bucket);
  await ctx.s3.mutex.run(`upload:${upload.uploadId}`, async () => {
    if (bucket.uploads.get(upload.uploadId) === upload) await ctx.s3.abortUpload(bucket, upload);
  });
  return { status: 204 };
};
