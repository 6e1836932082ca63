// Parsing and validation of the request headers Glacier operations take.
import type { IncomingMessage } from 'node:http';
import { GlacierHttpError, invalidParameter, missingParameter } from './errors.js';
import { MiB } from './hash.js';

export const GIB4 = 4 * 1024 * MiB;
const HEX64 = /^[0-9a-f]{64}$/;

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

export const isHex64 = (v: string): boolean => HEX64.test(v);

/** x-amz-archive-description: at most 1,024 printable ASCII characters. */
export function archiveDescription(req: IncomingMessage): string | undefined {
  const d = header(req, 'x-amz-archive-description');
  if (d === undefined) return undefined;
  // Node decodes header bytes as latin1, so any non-ASCII byte shows up outside 0x20-0x7E here.
  const printable = /^[\x20-\x7e]*$/.test(d);
  if (d.length > 1024 || !printable) {
    throw invalidParameter(
      `Invalid x-amz-archive-description: it must be at most 1024 characters of printable ASCII (0x20-0x7E); got ${d.length} characters${printable ? '' : ' including non-printable or non-ASCII ones'}.`);
  }
  return d;
}

/** x-amz-part-size of InitiateMultipartUpload: 1 MiB x 2^n up to 4 GiB. */
export function partSize(req: IncomingMessage): number {
  const raw = header(req, 'x-amz-part-size');
  const n = raw !== undefined && /^\d{1,12}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= MiB && n <= GIB4 && Number.isInteger(Math.log2(n)))) {
    throw invalidParameter(
      `Invalid part size: ${raw ?? 'null'}. Part size must not be null, must be a power of two and be between 1048576 and 4294967296 bytes.`);
  }
  return n;
}

export function treeHashHeader(req: IncomingMessage): string {
  const v = header(req, 'x-amz-sha256-tree-hash');
  if (v === undefined || v === '') throw missingParameter('Required header x-amz-sha256-tree-hash (the SHA-256 tree hash of the payload, 64 hex digits) is missing.');
  if (!HEX64.test(v)) throw invalidParameter(`Invalid x-amz-sha256-tree-hash: ${v}. It must be 64 lowercase hex digits.`);
  return v;
}

export function contentSha256Header(req: IncomingMessage): string {
  const v = header(req, 'x-amz-content-sha256');
  if (v === undefined || v === '') throw missingParameter('Required header x-amz-content-sha256 (the linear SHA-256 of the payload, 64 hex digits) is missing.');
  if (!HEX64.test(v)) throw invalidParameter(`Invalid x-amz-content-sha256: ${v}. Uploads must carry the payload's SHA-256 as 64 lowercase hex digits.`);
  return v;
}

export function contentSha256Mismatch(actual: string, sent: string): GlacierHttpError {
  return new GlacierHttpError(403, 'InvalidSignatureException',
    `The value passed in as x-amz-content-sha256 does not match the computed payload hash. Computed digest: ${actual} expected hash: ${sent}`);
}

export function contentLength(req: IncomingMessage): number {
  const v = header(req, 'content-length');
  if (v === undefined) throw missingParameter('Required header Content-Length is missing: uploads must state their size (no chunked transfer encoding).');
  if (!/^\d{1,15}$/.test(v)) throw invalidParameter(`Invalid Content-Length: ${v}`);
  const n = Number(v);
  if (n > GIB4) throw invalidParameter(`Request body of ${n} bytes exceeds the limit of 4 GiB (4294967296 bytes) per request.`);
  return n;
}

/** Content-Range of UploadMultipartPart: "bytes FIRST-LAST/*" (inclusive). */
export function uploadContentRange(req: IncomingMessage): { first: number; last: number; raw: string } {
  const raw = header(req, 'content-range');
  if (raw === undefined) throw missingParameter('Required header Content-Range (bytes FIRST-LAST/*) is missing.');
  const m = /^bytes (\d{1,15})-(\d{1,15})\/\*$/.exec(raw);
  const first = m ? Number(m[1]) : NaN;
  const last = m ? Number(m[2]) : NaN;
  if (!m || last < first) throw invalidParameter(`Invalid Content-Range: ${raw}`);
  return { first, last, raw };
}

/** Range of GetJobOutput: "bytes=FIRST-LAST" (or "bytes=FIRST-") within an output of `size` bytes. */
export function outputRange(req: IncomingMessage, size: number): { first: number; last: number; partial: boolean } {
  const raw = header(req, 'range');
  if (raw === undefined) return { first: 0, last: size - 1, partial: false };
  const m = /^bytes=(\d{1,16})-(\d{0,16})$/.exec(raw);
  const first = m ? Number(m[1]) : NaN;
  const last = m ? (m[2] === '' ? size - 1 : Number(m[2])) : NaN;
  if (!m || last < first || first >= size) {
    throw invalidParameter(`Invalid Range: ${raw}. Use "bytes=FIRST-LAST" within the job output's ${size} bytes.`);
  }
  return { first, last: Math.min(last, size - 1), partial: true };
}

export function glacierVersion(req: IncomingMessage): void {
  const version = header(req, 'x-amz-glacier-version');
  if (version === undefined) throw missingParameter('Required header x-amz-glacier-version is missing; send 2012-06-01.');
  if (version !== '2012-06-01') throw invalidParameter(`Invalid x-amz-glacier-version: ${version}. The only API version is 2012-06-01.`);
}
