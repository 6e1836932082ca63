// ListBuckets, CreateBucket, HeadBucket, DeleteBucket.
import { LOCAL_ACCOUNT_ID } from '../../store.js';
import type { S3Handler } from '../context.js';
import { S3HttpError, malformedXml } from '../errors.js';
import { BUCKET_RE } from '../store.js';
import { requireRoot, text, xmlDocument } from '../xml.js';
import { bucketOf, nowIso } from './common.js';

export const listBuckets: S3Handler = async (ctx) => {
  const buckets = [...ctx.s3.buckets.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    status: 200,
    xml: xmlDocument('ListAllMyBucketsResult', {
      Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: b.creationDate, BucketRegion: b.region })) },
      Owner: { ID: LOCAL_ACCOUNT_ID, DisplayName: 'local' },
    }),
  };
};

/** The LocationConstraint of a CreateBucket body (none: us-east-1). */
async function locationConstraint(ctx: Parameters<S3Handler>[0]): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 64 * 1024) throw malformedXml('the CreateBucketConfiguration is larger than 64 KiB');
    chunks.push(c);
  }
  const body = Buffer.concat(chunks).toString('utf8').trim();
  if (body === '') return undefined;
  return text(requireRoot(body, 'CreateBucketConfiguration'), 'LocationConstraint');
}

export const createBucket: S3Handler = async (ctx) => {
  const name = ctx.route.bucket!;
  if (!BUCKET_RE.test(name) || name.includes('..')) {
    throw new S3HttpError(400, 'InvalidBucketName',
      `The specified bucket is not valid: ${name}. Use 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.`,
      { BucketName: name });
  }
  const region = ctx.auth.region;
  const location = await locationConstraint(ctx);
  if ((location ?? 'us-east-1') !== region && !(location === undefined && region === 'us-east-1')) {
    throw new S3HttpError(400, location === undefined ? 'IllegalLocationConstraintException' : 'InvalidLocationConstraint',
      `The ${location ?? 'unspecified (us-east-1)'} location constraint is incompatible with the region ${region} this request was sent to; pass CreateBucketConfiguration.LocationConstraint = ${region}.`);
  }
  return ctx.s3.mutex.run(`bucket:${name}`, async () => {
    const existing = ctx.s3.buckets.get(name);
    if (existing) {
      // As S3: us-east-1 answers 200 to the owner re-creating a bucket there; other regions 409.
      if (existing.region === 'us-east-1' && region === 'us-east-1') return { status: 200, headers: { location: `/${name}` } };
      throw new S3HttpError(409, 'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.', { BucketName: name });
    }
    await ctx.s3.createBucket({ name, region, creationDate: nowIso() });
    return { status: 200, headers: { location: `/${name}` } };
  });
};

export const headBucket: S3Handler = async (ctx) => {
  const bucket = bucketOf(ctx);
  return { status: 200, headers: { 'x-amz-bucket-region': bucket.region } };
};

export const deleteBucket: S3Handler = async (ctx) => {
  const bucket = bucketOf(ctx);
  return ctx.s3.mutex.run(`bucket:${bucket.name}`, async () => {
    if (bucket.objects.size > 0 || bucket.uploads.size > 0) {
      throw new S3HttpError(409, 'BucketNotEmpty',
        `The bucket you tried to delete is not empty: ${bucket.objects.size} objects and ${bucket.uploads.size} multipart uploads; delete or abort them first.`,
        { BucketName: bucket.name });
    }
    await ctx.s3.deleteBucket(bucket);
    return { status: 204 };
  });
};
