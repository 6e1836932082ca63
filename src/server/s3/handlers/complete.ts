// CompleteMultipartUpload: the listed parts (ascending, each but the last at least 5 MiB, ETags and
// checksums as stored) become the object; its ETag is the MD5 of the parts' MD5s, -N, and its
// checksum the COMPOSITE (checksum of the part checksums, -N) or FULL_OBJECT (CRCs combined) one.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CHECKSUM_ALGORITHMS, checksumField, checksumHeader, compositeChecksum, fullObjectCrc, isCrc,
  type ChecksumAlgorithm,
} from '../checksums.js';
import type { S3Handler, S3RequestContext } from '../context.js';
import { S3HttpError, badDigest, invalidRequest, malformedXml } from '../errors.js';
import type { ObjectChecksum, ObjectRecord, PartRecord, UploadRecord } from '../records.js';
import { header, ifNoneMatchStar, preconditionFailed } from '../request.js';
import type { Bucket } from '../store.js';
import { nextSeq } from '../store.js';
import { elements, requireRoot, text, xmlDocument } from '../xml.js';
import { bucketOf, keyOf, nowIso, uploadOf } from './common.js';

const MIN_PART = 5 * 1024 * 1024;
const MAX_COMPLETE_BODY = 4 * 1024 * 1024;

interface ListedPart {
  partNumber: number;
  etag: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

/** The request body, its x-amz-content-sha256 (when a hash) checked. */
async function readXml(ctx: S3RequestContext): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_COMPLETE_BODY) throw malformedXml(`the body is larger than ${MAX_COMPLETE_BODY} bytes`);
    chunks.push(c);
  }
  const body = Buffer.concat(chunks);
  const sent = header(ctx.req, 'x-amz-content-sha256');
  if (sent && /^[0-9a-f]{64}$/.test(sent) && createHash('sha256').update(body).digest('hex') !== sent) {
    throw new S3HttpError(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  return body.toString('utf8');
}

function parseParts(xml: string): ListedPart[] {
  const parts = elements(requireRoot(xml, 'CompleteMultipartUpload'), 'Part').map((p) => {
    const n = text(p, 'PartNumber');
    const etag = text(p, 'ETag');
    if (n === undefined || !/^\d{1,5}$/.test(n)) throw malformedXml('every <Part> needs a <PartNumber> from 1 to 10000');
    if (etag === undefined) throw malformedXml(`part ${n} has no <ETag>`);
    const checksums: ListedPart['checksums'] = {};
    for (const a of CHECKSUM_ALGORITHMS) {
      const v = text(p, checksumField(a));
      if (v !== undefined) checksums[a] = v;
    }
    return { partNumber: Number(n), etag: etag.replace(/^"|"$/g, ''), checksums };
  });
  if (parts.length === 0) throw malformedXml('the CompleteMultipartUpload lists no <Part>');
  return parts;
}

const invalidPart = (n: number, why: string) => new S3HttpError(400, 'InvalidPart',
  `One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag: part ${n} ${why}.`,
  { PartNumber: String(n) });

/** The stored parts, in order, after every check S3 makes. */
function checkParts(upload: UploadRecord, listed: ListedPart[]): PartRecord[] {
  const out: PartRecord[] = [];
  listed.forEach((l, i) => {
    if (i > 0 && l.partNumber <= listed[i - 1]!.partNumber) {
      throw new S3HttpError(400, 'InvalidPartOrder', `The list of parts was not in ascending order: part ${l.partNumber} follows part ${listed[i - 1]!.partNumber}. List each part once, by ascending PartNumber.`);
    }
    const stored = upload.parts[l.partNumber];
    if (!stored) throw invalidPart(l.partNumber, 'was never uploaded (or was aborted)');
    if (`"${l.etag}"` !== stored.etag) throw invalidPart(l.partNumber, `has ETag ${stored.etag}, not "${l.etag}"`);
    for (const [a, v] of Object.entries(l.checksums) as [ChecksumAlgorithm, string][]) {
      if (stored.checksums[a] !== v) throw invalidPart(l.partNumber, `has ${a} ${stored.checksums[a] ?? '(none stored)'}, not ${v}`);
    }
    const a = upload.checksumAlgorithm;
    if (a && upload.checksumType === 'COMPOSITE' && l.checksums[a] === undefined) {
      throw invalidRequest(`The upload was created using a ${a.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${l.partNumber} in the request.`);
    }
    out.push(stored);
  });
  out.slice(0, -1).forEach((p) => {
    if (p.size < MIN_PART) {
      throw new S3HttpError(400, 'EntityTooSmall',
        `Your proposed upload is smaller than the minimum allowed size: part ${p.partNumber} has ${p.size} bytes; every part but the last needs at least 5 MiB (5242880 bytes).`,
        { ProposedSize: String(p.size), MinSizeAllowed: String(MIN_PART), PartNumber: String(p.partNumber), ETag: p.etag });
    }
  });
  return out;
}

function objectChecksum(ctx: S3RequestContext, upload: UploadRecord, parts: PartRecord[]): ObjectChecksum | undefined {
  const a = upload.checksumAlgorithm;
  const sentType = header(ctx.req, 'x-amz-checksum-type');
  if (sentType !== undefined && sentType !== upload.checksumType) {
    throw invalidRequest(`The upload was created with checksum type ${upload.checksumType ?? 'none'}, but the complete request says ${sentType}.`);
  }
  if (!a) return undefined;
  const value = upload.checksumType === 'FULL_OBJECT' && isCrc(a)
    ? fullObjectCrc(a, parts.map((p) => ({ checksum: p.checksums[a]!, size: p.size })))
    : compositeChecksum(a, parts.map((p) => p.checksums[a]!));
  const sent = header(ctx.req, checksumHeader(a));
  if (sent !== undefined && sent !== value && sent !== value.replace(/-\d+$/, '')) {
    throw badDigest(`The ${a} you specified for the whole object (${sent}) did not match the calculated checksum (${value}).`);
  }
  return { algorithm: a, type: upload.checksumType!, value };
}

function result(ctx: S3RequestContext, bucket: Bucket, obj: ObjectRecord): ReturnType<S3Handler> {
  const c = obj.checksum;
  return Promise.resolve({
    status: 200,
    headers: c ? { 'x-amz-checksum-type': c.type } : {},
    xml: xmlDocument('CompleteMultipartUploadResult', {
      Location: `http://${header(ctx.req, 'host') ?? 'localhost'}/${bucket.name}/${encodeURIComponent(obj.key)}`,
      Bucket: bucket.name, Key: obj.key, ETag: obj.etag,
      ...(c ? { [checksumField(c.algorithm)]: c.value, ChecksumType: c.type } : {}),
    }),
  });
}

export const completeMultipartUpload: S3Handler = async (ctx) => {
  const bucket = bucketOf(ctx);
  const key = keyOf(ctx);
  const uploadId = ctx.url.searchParams.get('uploadId') ?? '';
  const xml = await readXml(ctx);
  // A repeated Complete (a retry after a lost answer) gets the same answer while the object stands.
  const done = bucket.objects.get(key);
  if (done?.uploadId === uploadId && !bucket.uploads.has(uploadId)) return result(ctx, bucket, done);
  const upload = uploadOf(ctx, bucket);
  const onlyIfAbsent = ifNoneMatchStar(ctx.req);
  return ctx.s3.mutex.run(`upload:${uploadId}`, () => ctx.s3.mutex.run(`object:${bucket.name}/${key}`, async () => {
    if (bucket.uploads.get(uploadId) !== upload) {
      const again = bucket.objects.get(key);
      if (again?.uploadId === uploadId) return result(ctx, bucket, again);
      throw invalidRequest(`Upload ${uploadId} was completed or aborted meanwhile.`);
    }
    const parts = checkParts(upload, parseParts(xml));
    const checksum = objectChecksum(ctx, upload, parts);
    const size = parts.reduce((s, p) => s + p.size, 0);
    const mpSize = header(ctx.req, 'x-amz-mp-object-size');
    if (mpSize !== undefined && Number(mpSize) !== size) {
      throw invalidRequest(`x-amz-mp-object-size is ${mpSize}, but the listed parts hold ${size} bytes.`);
    }
    if (onlyIfAbsent && bucket.objects.has(key)) throw preconditionFailed('If-None-Match');
    const md5s = createHash('md5');
    for (const p of parts) md5s.update(Buffer.from(p.etag.slice(1, -1), 'hex'));
    const record: ObjectRecord = {
      key, objectId: uploadId, seq: nextSeq(), size, etag: `"${md5s.digest('hex')}-${parts.length}"`, lastModified: nowIso(),
      storageClass: upload.storageClass, contentType: upload.contentType, metadata: upload.metadata,
      ...(checksum ? { checksum } : {}),
      uploadId,
      parts: parts.map((p) => ({
        partNumber: p.partNumber, size: p.size,
        ...(upload.checksumAlgorithm ? { checksum: p.checksums[upload.checksumAlgorithm]! } : {}),
      })),
      files: parts.map((p) => ({ file: p.file, size: p.size })),
    };
    const listed = new Set(parts.map((p) => p.file));
    bucket.uploads.delete(uploadId);
    try {
      await ctx.s3.putObject(bucket, record, ctx.s3.uploadDir(bucket, uploadId));
    } catch (err) {
      bucket.uploads.set(uploadId, upload);
      throw err;
    }
    const dir = ctx.s3.objectDir(bucket, record.objectId);
    for (const p of Object.values(upload.parts)) if (!listed.has(p.file)) await rm(join(dir, p.file), { force: true });
    await rm(join(dir, 'upload.json'), { force: true });
    return result(ctx, bucket, record);
  }));
};
