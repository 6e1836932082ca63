// ListObjectsV2, ListMultipartUploads, ListParts, GetObjectAttributes.
import { CHECKSUM_ALGORITHMS, checksumField } from '../checksums.js';
import type { S3Handler } from '../context.js';
import { S3HttpError, invalidArgument } from '../errors.js';
import type { ObjectRecord } from '../records.js';
import { header, partNumber } from '../request.js';
import { xmlDocument, type XmlNode } from '../xml.js';
import { bucketOf, httpDate, maxItems, objectOf, uploadOf } from './common.js';

const OWNER = { ID: 'local', DisplayName: 'local' };

/** Continuation tokens: the last key returned, wrapped so a client cannot mistake it for a key. */
const encodeToken = (key: string) => Buffer.from(`k:${key}`, 'utf8').toString('base64url');
function decodeToken(token: string): string {
  const s = Buffer.from(token, 'base64url').toString('utf8');
  if (!s.startsWith('k:') || encodeToken(s.slice(2)) !== token) {
    throw invalidArgument('The continuation token provided is incorrect: pass the NextContinuationToken of the previous page unchanged.', 'continuation-token', token);
  }
  return s.slice(2);
}

const utf8After = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b)) > 0;

export const listObjectsV2: S3Handler = async (ctx) => {
  const bucket = bucketOf(ctx);
  const q = ctx.url.searchParams;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const max = maxItems(ctx, 'max-keys');
  const encoding = q.get('encoding-type');
  if (encoding !== null && encoding !== 'url') throw invalidArgument(`Invalid Encoding Method specified in Request: ${encoding}.`, 'encoding-type', encoding);
  const enc = (s: string) => (encoding === 'url' ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
  const token = q.get('continuation-token');
  const startAfter = q.get('start-after') ?? '';
  const after = token !== null ? decodeToken(token) : startAfter;
  const contents: XmlNode[] = [];
  const prefixes: string[] = [];
  let last: string | undefined;
  let truncated = false;
  for (const key of ctx.s3.sortedKeys(bucket)) {
    if (!key.startsWith(prefix) || (after !== '' && !utf8After(key, after))) continue;
    const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
    const common = cut >= 0 ? key.slice(0, cut + delimiter.length) : undefined;
    if (common !== undefined && prefixes[prefixes.length - 1] === common) continue;
    if (contents.length + prefixes.length >= max) {
      truncated = true;
      break;
    }
    if (common !== undefined) {
      prefixes.push(common);
      last = common + '\uffff'; // the next page starts after every key under this common prefix
      continue;
    }
    const obj = bucket.objects.get(key)!;
    contents.push({
      Key: enc(key), LastModified: obj.lastModified, ETag: obj.etag, Size: obj.size, StorageClass: obj.storageClass,
      ...(obj.checksum ? { ChecksumAlgorithm: obj.checksum.algorithm, ChecksumType: obj.checksum.type } : {}),
    });
    last = key;
  }
  return {
    status: 200,
    xml: xmlDocument('ListBucketResult', {
      Name: bucket.name, Prefix: enc(prefix), ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
      MaxKeys: max, KeyCount: contents.length + prefixes.length, IsTruncated: truncated,
      ...(token !== null ? { ContinuationToken: token } : {}),
      ...(truncated && last !== undefined ? { NextContinuationToken: encodeToken(last) } : {}),
      ...(startAfter ? { StartAfter: enc(startAfter) } : {}),
      ...(encoding ? { EncodingType: encoding } : {}),
      Contents: contents,
      CommonPrefixes: prefixes.map((p) => ({ Prefix: enc(p) })),
    }),
  };
};

export const listMultipartUploads: S3Handler = async (ctx) => {
  const bucket = bucketOf(ctx);
  const q = ctx.url.searchParams;
  const prefix = q.get('prefix') ?? '';
  const keyMarker = q.get('key-marker') ?? '';
  const idMarker = q.get('upload-id-marker') ?? '';
  const max = maxItems(ctx, 'max-uploads');
  const all = [...bucket.uploads.values()]
    .filter((u) => u.key.startsWith(prefix))
    .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)) || a.initiated.localeCompare(b.initiated) || a.uploadId.localeCompare(b.uploadId));
  const start = keyMarker === '' ? 0 : all.findIndex((u) => utf8After(u.key, keyMarker) || (u.key === keyMarker && idMarker !== '' && u.uploadId > idMarker));
  const from = start < 0 ? all.length : start;
  const page = all.slice(from, from + max);
  const truncated = from + max < all.length;
  const lastOne = page[page.length - 1];
  return {
    status: 200,
    xml: xmlDocument('ListMultipartUploadsResult', {
      Bucket: bucket.name, KeyMarker: keyMarker, UploadIdMarker: idMarker,
      ...(truncated && lastOne ? { NextKeyMarker: lastOne.key, NextUploadIdMarker: lastOne.uploadId } : {}),
      Prefix: prefix, MaxUploads: max, IsTruncated: truncated,
      Upload: page.map((u) => ({
        Key: u.key, UploadId: u.uploadId, Initiator: OWNER, Owner: OWNER, StorageClass: u.storageClass, Initiated: u.initiated,
        ...(u.checksumAlgorithm ? { ChecksumAlgorithm: u.checksumAlgorithm, ChecksumType: u.checksumType } : {}),
      })),
    }),
  };
};

function checksumFields(checksums: Partial<Record<string, string>>): XmlNode {
  const out: XmlNode = {};
  for (const a of CHECKSUM_ALGORITHMS) if (checksums[a] !== undefined) out[checksumField(a)] = checksums[a];
  return out;
}

export const listParts: S3Handler = async (ctx) => {
  const bucket = bucketOf(ctx);
  const upload = uploadOf(ctx, bucket);
  const markerRaw = ctx.url.searchParams.get('part-number-marker');
  const marker = markerRaw === null || markerRaw === '' || markerRaw === '0' ? 0 : partNumber(markerRaw, 'part-number-marker');
  const max = maxItems(ctx, 'max-parts');
  const all = Object.values(upload.parts).sort((a, b) => a.partNumber - b.partNumber).filter((p) => p.partNumber > marker);
  const page = all.slice(0, max);
  const truncated = all.length > max;
  return {
    status: 200,
    xml: xmlDocument('ListPartsResult', {
      Bucket: bucket.name, Key: upload.key, UploadId: upload.uploadId,
      PartNumberMarker: marker, ...(page.length ? { NextPartNumberMarker: page[page.length - 1]!.partNumber } : {}),
      MaxParts: max, IsTruncated: truncated, Initiator: OWNER, Owner: OWNER, StorageClass: upload.storageClass,
      ...(upload.checksumAlgorithm ? { ChecksumAlgorithm: upload.checksumAlgorithm, ChecksumType: upload.checksumType } : {}),
      Part: page.map((p) => ({
        PartNumber: p.partNumber, LastModified: p.lastModified, ETag: p.etag, Size: p.size,
        ...checksumFields(upload.checksumAlgorithm ? { [upload.checksumAlgorithm]: p.checksums[upload.checksumAlgorithm] } : p.checksums),
      })),
    }),
  };
};

const ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'];

function objectParts(ctx: Parameters<S3Handler>[0], obj: ObjectRecord): XmlNode | undefined {
  if (!obj.parts) return undefined;
  const markerRaw = header(ctx.req, 'x-amz-part-number-marker');
  const marker = markerRaw === undefined || markerRaw === '' || markerRaw === '0' ? 0 : partNumber(markerRaw, 'x-amz-part-number-marker');
  const maxRaw = header(ctx.req, 'x-amz-max-parts');
  const max = maxRaw === undefined ? 1000 : Math.min(1000, Number(/^\d{1,10}$/.test(maxRaw) ? maxRaw : NaN));
  if (Number.isNaN(max)) throw invalidArgument(`x-amz-max-parts must be an integer; got ${maxRaw}.`, 'x-amz-max-parts', maxRaw);
  const all = obj.parts.filter((p) => p.partNumber > marker);
  const page = all.slice(0, max);
  const field = obj.checksum ? checksumField(obj.checksum.algorithm) : undefined;
  return {
    PartsCount: obj.parts.length, // the SDK's TotalPartsCount PartNumberMarker: marker,
    ...(page.length ? { NextPartNumberMarker: page[page.length - 1]!.partNumber } : {}),
    MaxParts: max, IsTruncated: all.length > max,
    Part: page.map((p) => ({ PartNumber: p.partNumber, Size: p.size, ...(field && p.checksum ? { [field]: p.checksum } : {}) })),
  };
}

export const getObjectAttributes: S3Handler = async (ctx) => {
  const bucket = bucketOf(ctx);
  const obj = objectOf(ctx, bucket);
  const asked = (header(ctx.req, 'x-amz-object-attributes') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (asked.length === 0 || asked.some((a) => !ATTRIBUTES.includes(a))) {
    throw new S3HttpError(400, 'InvalidArgument', `Invalid attribute name specified: x-amz-object-attributes must list some of ${ATTRIBUTES.join(', ')}; got "${asked.join(', ')}".`,
      { ArgumentName: 'x-amz-object-attributes', ArgumentValue: asked.join(',') });
  }
  const has = (a: string) => asked.includes(a);
  const c = obj.checksum;
  return {
    status: 200,
    headers: { 'last-modified': httpDate(obj.lastModified) },
    xml: xmlDocument('GetObjectAttributesResponse', {
      ...(has('ETag') ? { ETag: obj.etag.slice(1, -1) } : {}),
      ...(has('Checksum') && c ? { Checksum: { [checksumField(c.algorithm)]: c.value, ChecksumType: c.type } } : {}),
      ...(has('ObjectParts') ? { ObjectParts: objectParts(ctx, obj) } : {}),
      ...(has('StorageClass') ? { StorageClass: obj.storageClass } : {}),
      ...(has('ObjectSize') ? { ObjectSize: obj.size } : {}),
    }),
  };
};
