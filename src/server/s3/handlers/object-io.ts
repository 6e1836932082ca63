// Reading an object's bytes back: a byte range across its data files, and the headers that describe it.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { checksumHeader } from '../checksums.js';
import { S3HttpError } from '../errors.js';
import type { ObjectRecord } from '../records.js';
import { httpDate } from './common.js';

/** Bytes [first, last] of an object whose data files are in `dir`. */
export function objectStream(dir: string, obj: ObjectRecord, first: number, last: number): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    let offset = 0;
    for (const f of obj.files) {
      const fileFirst = offset;
      offset += f.size;
      if (offset <= first || fileFirst > last || f.size === 0) continue;
      const start = Math.max(first, fileFirst) - fileFirst;
      const end = Math.min(last, offset - 1) - fileFirst;
      for await (const c of createReadStream(join(dir, f.file), { start, end, highWaterMark: 256 * 1024 })) yield c as Buffer;
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** The object headers of GetObject / HeadObject (checksum only in checksum mode, as S3 does). */
export function objectHeaders(obj: ObjectRecord, withChecksum: boolean): Record<string, string | number> {
  const h: Record<string, string | number> = {
    'content-type': obj.contentType,
    etag: obj.etag,
    'last-modified': httpDate(obj.lastModified),
    'accept-ranges': 'bytes',
  };
  if (obj.storageClass !== 'STANDARD') h['x-amz-storage-class'] = obj.storageClass;
  for (const [k, v] of Object.entries(obj.metadata)) h[`x-amz-meta-${k}`] = v;
  if (withChecksum && obj.checksum) {
    h[checksumHeader(obj.checksum.algorithm)] = obj.checksum.value;
    h['x-amz-checksum-type'] = obj.checksum.type;
  }
  return h;
}

/** A Range header (bytes=a-b, a-, -n) resolved against `size`; undefined for the whole object. */
export function parseRange(value: string | undefined, size: number): { first: number; last: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // S3 ignores what it does not understand (e.g. several ranges)
  let first: number;
  let last: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) throw invalidRange(value, size);
    first = Math.max(0, size - n);
    last = size - 1;
  } else {
    first = Number(m[1]);
    last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < first) return undefined;
  }
  if (first >= size) throw invalidRange(value, size);
  return { first, last };
}

const invalidRange = (value: string, size: number) => new S3HttpError(416, 'InvalidRange',
  `The requested range is not satisfiable: ${value} of an object of ${size} bytes.`, { RangeRequested: value, ActualObjectSize: String(size) });

/** If-Match / If-None-Match / If-(Un)Modified-Since of GetObject and HeadObject. */
export function checkConditions(headers: Record<string, string | string[] | undefined>, obj: ObjectRecord): number | undefined {
  const one = (n: string) => (Array.isArray(headers[n]) ? (headers[n] as string[]).join(',') : headers[n] as string | undefined);
  const tags = (v: string) => v.split(',').map((t) => t.trim());
  const ifMatch = one('if-match');
  if (ifMatch !== undefined && !tags(ifMatch).some((t) => t === '*' || t === obj.etag || `"${t}"` === obj.etag)) return 412;
  const ifNoneMatch = one('if-none-match');
  if (ifNoneMatch !== undefined && tags(ifNoneMatch).some((t) => t === '*' || t === obj.etag || `"${t}"` === obj.etag)) return 304;
  const modified = Date.parse(obj.lastModified);
  const since = one('if-modified-since');
  if (ifNoneMatch === undefined && since !== undefined && !Number.isNaN(Date.parse(since)) && Math.floor(modified / 1000) <= Date.parse(since) / 1000) return 304;
  const unmodified = one('if-unmodified-since');
  if (ifMatch === undefined && unmodified !== undefined && !Number.isNaN(Date.parse(unmodified)) && Math.floor(modified / 1000) > Date.parse(unmodified) / 1000) return 412;
  return undefined;
}
