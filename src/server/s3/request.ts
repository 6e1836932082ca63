// Parsing and validation of the S3 request headers the handlers take: storage class, user metadata,
// the checksum a request declares (header or trailer), Content-MD5, conditional writes.
import type { IncomingMessage } from 'node:http';
import { CHECKSUM_ALGORITHMS, DIGEST_LENGTH, checksumHeader, type ChecksumAlgorithm } from './checksums.js';
import { S3HttpError, invalidArgument, invalidDigest, invalidRequest } from './errors.js';
import type { ChecksumType } from './records.js';

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

export const STORAGE_CLASSES = ['STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING',
  'GLACIER', 'DEEP_ARCHIVE', 'OUTPOSTS', 'GLACIER_IR', 'SNOW', 'EXPRESS_ONEZONE'] as const;

export function storageClass(req: IncomingMessage): string {
  const v = header(req, 'x-amz-storage-class');
  if (v === undefined) return 'STANDARD';
  if (!(STORAGE_CLASSES as readonly string[]).includes(v)) {
    throw new S3HttpError(400, 'InvalidStorageClass',
      `The storage class you specified is not valid: ${v}. Use one of ${STORAGE_CLASSES.join(', ')}.`, { StorageClassRequested: v });
  }
  return v;
}

/** x-amz-meta-* headers (names lowercased, as S3 keeps them); at most 2 KB in all, as S3 allows. */
export function userMetadata(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  let size = 0;
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    const key = name.slice('x-amz-meta-'.length);
    const v = Array.isArray(value) ? value.join(',') : value;
    out[key] = v;
    size += Buffer.byteLength(key) + Buffer.byteLength(v, 'latin1');
  }
  if (size > 2048) {
    throw new S3HttpError(400, 'MetadataTooLarge',
      `Your metadata headers exceed the maximum allowed metadata size: ${size} bytes of x-amz-meta-* names and values, at most 2048.`);
  }
  return out;
}

export function contentType(req: IncomingMessage): string {
  return header(req, 'content-type') ?? 'binary/octet-stream';
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** A base64 digest of the right length for its algorithm, or undefined. */
export function decodeDigest(value: string, bytes: number): Buffer | undefined {
  if (!BASE64_RE.test(value) || value.length % 4 !== 0) return undefined;
  const buf = Buffer.from(value, 'base64');
  return buf.length === bytes ? buf : undefined;
}

function algorithmName(value: string, what: string): ChecksumAlgorithm {
  const a = value.toUpperCase() as ChecksumAlgorithm;
  if (!CHECKSUM_ALGORITHMS.includes(a)) {
    throw invalidArgument(`${what} "${value}" is not a checksum algorithm; use one of ${CHECKSUM_ALGORITHMS.join(', ')}.`, what, value);
  }
  return a;
}

/** The checksum a body declares: a value in a header now, or the name of a trailer to come. */
export interface DeclaredChecksum {
  algorithm: ChecksumAlgorithm;
  value?: string;
  trailer?: string;
}

export function declaredChecksum(req: IncomingMessage): DeclaredChecksum | undefined {
  const sent = CHECKSUM_ALGORITHMS.filter((a) => header(req, checksumHeader(a)) !== undefined);
  const trailerHeader = header(req, 'x-amz-trailer');
  const trailers = trailerHeader === undefined ? [] : trailerHeader.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  for (const t of trailers) {
    if (!CHECKSUM_ALGORITHMS.some((a) => checksumHeader(a) === t)) {
      throw invalidRequest(`The value specified in the x-amz-trailer header is not supported: ${t}. Use x-amz-checksum-<crc32|crc32c|crc64nvme|sha1|sha256>.`);
    }
  }
  if (sent.length + trailers.length > 1) {
    throw invalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  }
  const sdkAlgorithm = header(req, 'x-amz-sdk-checksum-algorithm');
  let declared: DeclaredChecksum | undefined;
  if (sent.length === 1) {
    const algorithm = sent[0]!;
    const value = header(req, checksumHeader(algorithm))!;
    if (!decodeDigest(value, DIGEST_LENGTH[algorithm])) {
      throw invalidRequest(`Value for ${checksumHeader(algorithm)} header is invalid: a base64 ${algorithm} is ${DIGEST_LENGTH[algorithm]} bytes.`);
    }
    declared = { algorithm, value };
  } else if (trailers.length === 1) {
    declared = { algorithm: algorithmName(trailers[0]!.slice('x-amz-checksum-'.length), 'x-amz-trailer'), trailer: trailers[0]! };
  }
  if (sdkAlgorithm !== undefined) {
    const a = algorithmName(sdkAlgorithm, 'x-amz-sdk-checksum-algorithm');
    if (declared && declared.algorithm !== a) {
      throw invalidRequest(`Value for x-amz-sdk-checksum-algorithm header is invalid: ${sdkAlgorithm}, but the body carries a ${declared.algorithm} checksum.`);
    }
    if (!declared) throw invalidRequest(`x-amz-sdk-checksum-algorithm is ${sdkAlgorithm}, but no x-amz-checksum-${a.toLowerCase()} header or trailer was sent.`);
  }
  return declared;
}

/** Content-MD5: base64 of 16 bytes, or InvalidDigest. */
export function contentMd5(req: IncomingMessage): Buffer | undefined {
  const v = header(req, 'content-md5');
  if (v === undefined) return undefined;
  const d = decodeDigest(v, 16);
  if (!d) throw invalidDigest(`The Content-MD5 you specified was invalid: "${v}" is not the base64 of a 16-byte MD5.`);
  return d;
}

/** x-amz-checksum-algorithm and x-amz-checksum-type of CreateMultipartUpload, checked together. */
export function uploadChecksum(req: IncomingMessage): { algorithm?: ChecksumAlgorithm; type?: ChecksumType } {
  const a = header(req, 'x-amz-checksum-algorithm');
  const t = header(req, 'x-amz-checksum-type');
  const algorithm = a === undefined ? undefined : algorithmName(a, 'x-amz-checksum-algorithm');
  if (t !== undefined && t !== 'COMPOSITE' && t !== 'FULL_OBJECT') {
    throw invalidArgument(`x-amz-checksum-type must be COMPOSITE or FULL_OBJECT; got ${t}.`, 'x-amz-checksum-type', t);
  }
  if (t !== undefined && !algorithm) throw invalidRequest('x-amz-checksum-type requires x-amz-checksum-algorithm.');
  if (!algorithm) return {};
  const type: ChecksumType = (t as ChecksumType | undefined) ?? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
  if (type === 'FULL_OBJECT' && (algorithm === 'SHA1' || algorithm === 'SHA256')) {
    throw invalidRequest(`The ${algorithm} checksum algorithm only supports the COMPOSITE checksum type; use a CRC for FULL_OBJECT.`);
  }
  if (type === 'COMPOSITE' && algorithm === 'CRC64NVME') {
    throw invalidRequest('The CRC64NVME checksum algorithm only supports the FULL_OBJECT checksum type.');
  }
  return { algorithm, type };
}

/** PutObject / CompleteMultipartUpload If-None-Match: * (write only when the key is free). */
export function ifNoneMatchStar(req: IncomingMessage): boolean {
  const v = header(req, 'if-none-match');
  if (v === undefined) return false;
  if (v.trim() !== '*') throw notImplementedCondition('If-None-Match other than *');
  return true;
}

const notImplementedCondition = (what: string) =>
  new S3HttpError(501, 'NotImplemented', `A header you provided implies functionality that is not implemented: ${what}.`);

export const preconditionFailed = (condition: string) =>
  new S3HttpError(412, 'PreconditionFailed', `At least one of the pre-conditions you specified did not hold: ${condition}.`, { Condition: condition });

/** The part number of UploadPart / ListParts markers: 1 to 10,000. */
export function partNumber(value: string | null, name = 'partNumber'): number {
  const n = value !== null && /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= 10000)) {
    throw invalidArgument(`Part number must be an integer between 1 and 10000, inclusive; got ${value ?? 'none'}.`, name, value ?? '');
  }
  return n;
}
