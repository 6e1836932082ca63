// PutObject, HeadObject, GetObject, DeleteObject.
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { receiveBody } from '../body.js';
import { checksumHeader } from '../checksums.js';
import type { S3Handler, S3RequestContext } from '../context.js';
import { S3HttpError, notImplemented } from '../errors.js';
import type { ObjectRecord } from '../records.js';
import { contentType, declaredChecksum, header, ifNoneMatchStar, preconditionFailed, storageClass, userMetadata } from '../request.js';
import { newS3Id, nextSeq } from '../store.js';
import { bucketOf, keyOf, nowIso, objectOf } from './common.js';
import { checkConditions, objectHeaders, objectStream, parseRange } from './object-io.js';
import { faultyStream } from './get-faults.js';

export const DATA_FILE = 'data';

export const putObject: S3Handler = async (ctx) => {
  const bucket = bucketOf(ctx);
  const key = keyOf(ctx);
  if (header(ctx.req, 'x-amz-copy-source') !== undefined) throw notImplemented('CopyObject (x-amz-copy-source)');
  const cls = storageClass(ctx.req);
  const metadata = userMetadata(ctx.req);
  const onlyIfAbsent = ifNoneMatchStar(ctx.req);
  const declared = declaredChecksum(ctx.req);
  // Without a checksum of its own, an object gets S3's default CRC64NVME (full object).
  const algorithm = declared?.algorithm ?? 'CRC64NVME';
  const tmp = await ctx.s3.tmpPath();
  const body = await receiveBody(ctx.req, tmp, { auth: ctx.auth, declared, algorithms: [algorithm], idleMs: ctx.server.config.bodyIdleTimeoutMs });
  try {
    return await ctx.s3.mutex.run(`object:${bucket.name}/${key}`, async () => {
      if (onlyIfAbsent && bucket.objects.has(key)) throw preconditionFailed('If-None-Match');
      const objectId = newS3Id();
      const dir = ctx.s3.objectDir(bucket, objectId);
      await mkdir(dir, { recursive: true });
      await rename(tmp, join(dir, DATA_FILE));
      const record: ObjectRecord = {
        key, objectId, seq: nextSeq(), size: body.size, etag: `"${body.md5}"`, lastModified: nowIso(),
        storageClass: cls, contentType: contentType(ctx.req), metadata,
        checksum: { algorithm, type: 'FULL_OBJECT', value: body.checksums[algorithm]! },
        files: [{ file: DATA_FILE, size: body.size }],
      };
      await ctx.s3.putObject(bucket, record);
      ctx.server.stats.bump('s3:PutObject:bytes', body.size);
      return {
        status: 200,
        headers: { etag: record.etag, [checksumHeader(algorithm)]: record.checksum!.value, 'x-amz-checksum-type': 'FULL_OBJECT' },
      };
    });
  } finally {
    await rm(tmp, { force: true });
  }
};

function read(ctx: S3RequestContext, head: boolean) {
  const bucket = bucketOf(ctx);
  const obj = objectOf(ctx, bucket);
  const status = checkConditions(ctx.req.headers, obj);
  if (status === 412) throw preconditionFailed(header(ctx.req, 'if-match') !== undefined ? 'If-Match' : 'If-Unmodified-Since');
  if (status === 304) return { bucket, obj, notModified: true as const };
  if (ctx.url.searchParams.has('partNumber')) throw notImplemented(`${head ? 'HeadObject' : 'GetObject'} by partNumber`);
  return { bucket, obj, notModified: false as const };
}

const checksumMode = (ctx: S3RequestContext) => header(ctx.req, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED';

export const headObject: S3Handler = async (ctx) => {
  const { obj, notModified } = read(ctx, true);
  if (notModified) return { status: 304, headers: { etag: obj.etag } };
  const range = parseRange(header(ctx.req, 'range'), obj.size);
  const headers = objectHeaders(obj, checksumMode(ctx) && !range);
  if (range) {
    return { status: 206, headers: { ...headers, 'content-length': range.last - range.first + 1, 'content-range': `bytes ${range.first}-${range.last}/${obj.size}` } };
  }
  return { status: 200, headers: { ...headers, 'content-length': obj.size } };
};

export const getObject: S3Handler = async (ctx) => {
  const { bucket, obj, notModified } = read(ctx, false);
  if (notModified) return { status: 304, headers: { etag: obj.etag } };
  const range = parseRange(header(ctx.req, 'range'), obj.size);
  const first = range?.first ?? 0;
  const last = range ? range.last : obj.size - 1;
  const length = obj.size === 0 ? 0 : last - first + 1;
  const headers: Record<string, string | number> = { ...objectHeaders(obj, checksumMode(ctx) && !range), 'content-length': length };
  if (range) headers['content-range'] = `bytes ${first}-${last}/${obj.size}`;
  const dir = ctx.s3.objectDir(bucket, obj.objectId);
  // Read the record now: an overwrite or delete racing this read removes the files only after
  // the answer started streaming from open file handles.
  const open = () => (length === 0 ? objectStream(dir, { ...obj, files: [] }, 0, -1) : objectStream(dir, obj, first, last));
  ctx.server.stats.bump('s3:GetObject:bytes', length);
  const faulted = faultyStream(ctx, open, length);
  return { status: range ? 206 : 200, headers, stream: faulted.stream, closeConnection: faulted.closeConnection };
};

export const deleteObject: S3Handler = async (ctx) => {
  const bucket = bucketOf(ctx);
  const key = keyOf(ctx);
  await ctx.s3.mutex.run(`object:${bucket.name}/${key}`, async () => {
    const obj = bucket.objects.get(key);
    if (obj) await ctx.s3.deleteObject(bucket, obj);
  });
  return { status: 204 };
};

export { S3HttpError };
