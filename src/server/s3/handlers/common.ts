// Lookups every S3 handler shares: the bucket (in the request's region), the object, the upload.
import type { S3RequestContext } from '../context.js';
import { S3HttpError, noSuchBucket, noSuchKey, noSuchUpload } from '../errors.js';
import type { ObjectRecord, UploadRecord } from '../records.js';
import { S3_ID_RE, type Bucket } from '../store.js';

export function bucketOf(ctx: S3RequestContext): Bucket {
  const name = ctx.route.bucket!;
  const bucket = ctx.s3.buckets.get(name);
  if (!bucket) throw noSuchBucket(name);
  if (bucket.region !== ctx.auth.region) {
    throw new S3HttpError(400, 'AuthorizationHeaderMalformed',
      `The authorization header is malformed; the region '${ctx.auth.region}' is wrong; expecting '${bucket.region}' (bucket ${name} is there).`,
      { Region: bucket.region });
  }
  return bucket;
}

/** S3 keys: 1 to 1,024 bytes of UTF-8. */
export function keyOf(ctx: S3RequestContext): string {
  const key = ctx.route.key!;
  if (Buffer.byteLength(key) > 1024) {
    throw new S3HttpError(400, 'KeyTooLongError', `Your key is too long: ${Buffer.byteLength(key)} bytes; S3 keys are at most 1024 bytes of UTF-8.`);
  }
  return key;
}

export function objectOf(ctx: S3RequestContext, bucket: Bucket): ObjectRecord {
  const key = keyOf(ctx);
  const obj = bucket.objects.get(key);
  if (!obj) throw noSuchKey(key);
  return obj;
}

export function uploadOf(ctx: S3RequestContext, bucket: Bucket): UploadRecord {
  const id = ctx.url.searchParams.get('uploadId') ?? '';
  const upload = S3_ID_RE.test(id) ? bucket.uploads.get(id) : undefined;
  if (!upload || upload.key !== ctx.route.key) throw noSuchUpload(id);
  return upload;
}

/** HTTP-date of an ISO timestamp (Last-Modified headers). */
export const httpDate = (iso: string): string => new Date(iso).toUTCString();

/** S3 timestamps in XML: ISO 8601 with milliseconds. */
export const nowIso = (): string => new Date().toISOString();

/** A bounded integer query parameter (max-keys, max-parts, max-uploads); S3's default and cap 1,000. */
export function maxItems(ctx: S3RequestContext, name: string, fallback = 1000): number {
  const v = ctx.url.searchParams.get(name);
  if (v === null || v === '') return fallback;
  if (!/^\d{1,10}$/.test(v)) {
    throw new S3HttpError(400, 'InvalidArgument', `Provided ${name} not an integer or within integer range: ${v}.`, { ArgumentName: name, ArgumentValue: v });
  }
  return Math.min(Number(v), 1000);
}
