/**
 * One archive into S3: its job's output in tree-hash-aligned ranges, each checked against Glacier's
 * tree hash and sent as an UploadPart carrying its SHA-256 (S3 refuses a part whose bytes differ);
 * the parts' tree hashes combined must equal the archive's before CompleteMultipartUpload. An
 * archive of at most one part goes in one PutObject. A rerun reuses the upload recorded in the state
 * and skips every part S3 already holds with the recorded checksum.
 */
import {
  CompleteMultipartUploadCommand, CreateMultipartUploadCommand, HeadObjectCommand, ListPartsCommand, PutObjectCommand,
  UploadPartCommand, type S3Client, type StorageClass,
} from '@aws-sdk/client-s3';
import { combineChunkTreeHashes } from '../glacier/download/chunk-plan.js';
import { withRetries, isRetryableError } from '../glacier/retry.js';
import { archiveMismatch } from './errors.js';
import { archiveSignal, chunkTarget, partSizeFor, type CopyArchive, type CopyContext, type CopyResult } from './copy-context.js';
import { fetchChunk, type Held } from './fetch-chunk.js';

export interface S3Target {
  s3: S3Client;
  bucket: string;
  storageClass: StorageClass;
}

const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const errName = (err: unknown) => (err as { name?: string })?.name;
const status = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;

const withUnsignedPayload = new WeakSet<S3Client>();

/**
 * Our PutObject/UploadPart bodies carry their SHA-256 in x-amz-checksum-sha256, which S3 verifies
 * (BadDigest when the bytes differ): signing the payload too would make the SDK hash every byte a
 * second time on the main thread (it does over http). UNSIGNED-PAYLOAD, as the SDK sends over
 * https, leaves the one check that matters.
 */
export function useUnsignedPayload(s3: S3Client): void {
  if (withUnsignedPayload.has(s3)) return;
  withUnsignedPayload.add(s3);
  s3.middlewareStack.add((next: any) => async (args: any) => {
    if (args.input?.ChecksumSHA256 && args.request?.headers) args.request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    return next(args);
  }, { step: 'build', priority: 'low', name: 'glacierMultipartUnsignedPayload' });
}

/** S3 calls retried on transient failures and on BadDigest (bytes damaged on the way: sent again). */
export function sendS3<T>(ctx: CopyContext, call: (signal: AbortSignal) => Promise<T>, signal = ctx.signal): Promise<T> {
  return withRetries(() => call(signal), {
    maxAttempts: ctx.maxAttempts, signal,
    isRetryable: (err) => errName(err) === 'BadDigest' || isRetryableError(err),
    onRetry: () => ctx.stats.retries++,
  });
}

/** The object's metadata: where it came from, so a rerun (and --verify) can recognise it. */
export function objectMetadata(a: CopyArchive): Record<string, string> {
  return {
    'archive-id': a.archiveId, 'tree-hash': a.treeHash, 'creation-date': a.creationDate,
    ...(a.description ? { description: a.description } : {}),
  };
}

export type Existing = { kind: 'absent' } | { kind: 'ours'; etag: string; checksum: string } | { kind: 'other'; why: string };

/** HeadObject of the key: absent, this archive (copied by an earlier run), or something else. */
export async function existingObject(ctx: CopyContext, t: S3Target, a: Pick<CopyArchive, 'archiveId' | 'key' | 'size' | 'treeHash'>): Promise<Existing> {
  let head;
  try {
    head = await sendS3(ctx, (abortSignal) => t.s3.send(new HeadObjectCommand({ Bucket: t.bucket, Key: a.key, ChecksumMode: 'ENABLED' }), { abortSignal }));
  } catch (err) {
    if (status(err) === 404 || errName(err) === 'NotFound') return { kind: 'absent' };
    throw err;
  }
  const meta = head.Metadata ?? {};
  if (meta['archive-id'] === a.archiveId && meta['tree-hash'] === a.treeHash && head.ContentLength === a.size) {
    return { kind: 'ours', etag: head.ETag ?? '', checksum: head.ChecksumSHA256 ?? '' };
  }
  return { kind: 'other', why: `s3://${t.bucket}/${a.key} already holds another object (archive-id ${meta['archive-id'] ?? 'none'}); it is not overwritten: give this archive another name (a CSV name override)` };
}

function checkWhole(a: CopyArchive, treeHash: string): void {
  if (treeHash !== a.treeHash) {
    throw archiveMismatch(a, treeHash);
  }
}

export async function copyToS3(ctx: CopyContext, t: S3Target, a: CopyArchive): Promise<CopyResult> {
  const partSize = partSizeFor(a.size, ctx.chunkSize);
  return a.size <= partSize ? putWhole(ctx, t, a) : multipart(ctx, t, a, partSize);
}

async function putWhole(ctx: CopyContext, t: S3Target, a: CopyArchive): Promise<CopyResult> {
  const held = await ctx.slots.acquire(a.size, ctx.signal);
  try {
    let sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    if (a.size > 0) {
      const c = await fetchChunk(chunkTarget(ctx, a), 0, a.size - 1, held, ctx.signal);
      ctx.stats.bytesFetched += a.size;
      checkWhole(a, c.treeHash);
      sha256 = c.sha256;
    } else checkWhole(a, sha256);
    const body = held.buf.subarray(0, a.size);
    const out = await sendS3(ctx, (abortSignal) => t.s3.send(new PutObjectCommand({
      Bucket: t.bucket, Key: a.key, Body: body, ContentLength: a.size, ChecksumSHA256: b64(sha256), StorageClass: t.storageClass,
      Metadata: objectMetadata(a),
    }), { abortSignal }));
    ctx.stats.partsUploaded++;
    ctx.onBytes(a.size);
    return { etag: out.ETag ?? '', checksum: out.ChecksumSHA256 ?? b64(sha256) };
  } finally {
    ctx.slots.release(held);
  }
}

interface DonePart {
  n: number;
  first: number;
  size: number;
  treeHash: string;
  sha256: string;
  etag: string;
}

/** The parts S3 holds for the upload (number → ETag, SHA-256 base64); undefined when the upload is gone. */
async function listedParts(ctx: CopyContext, t: S3Target, key: string, uploadId: string): Promise<Map<number, { etag: string; sha: string }> | undefined> {
  const parts = new Map<number, { etag: string; sha: string }>();
  let marker: string | undefined;
  try {
    do {
      const page = await sendS3(ctx, (abortSignal) => t.s3.send(new ListPartsCommand({ Bucket: t.bucket, Key: key, UploadId: uploadId, ...(marker ? { PartNumberMarker: marker } : {}) }), { abortSignal }));
      for (const p of page.Parts ?? []) parts.set(p.PartNumber!, { etag: p.ETag ?? '', sha: p.ChecksumSHA256 ?? '' });
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (marker);
  } catch (err) {
    if (errName(err) === 'NoSuchUpload' || status(err) === 404) return undefined;
    throw err;
  }
  return parts;
}

async function openUpload(ctx: CopyContext, t: S3Target, a: CopyArchive): Promise<{ uploadId: string; listed: Map<number, { etag: string; sha: string }> }> {
  const f = ctx.state.inFlight(a.archiveId);
  if (f?.uploadId && f.key === a.key) {
    const listed = await listedParts(ctx, t, a.key, f.uploadId);
    if (listed) return { uploadId: f.uploadId, listed };
  }
  const out = await sendS3(ctx, (abortSignal) => t.s3.send(new CreateMultipartUploadCommand({
    Bucket: t.bucket, Key: a.key, ChecksumAlgorithm: 'SHA256', StorageClass: t.storageClass, Metadata: objectMetadata(a),
  }), { abortSignal }));
  await ctx.state.record({ t: 'copying', id: a.archiveId, key: a.key, upload: out.UploadId! });
  return { uploadId: out.UploadId!, listed: new Map() };
}

async function multipart(ctx: CopyContext, t: S3Target, a: CopyArchive, partSize: number): Promise<CopyResult> {
  const { uploadId, listed } = await openUpload(ctx, t, a);
  const recorded = ctx.state.inFlight(a.archiveId)?.parts ?? new Map();
  const count = Math.ceil(a.size / partSize);
  const done: DonePart[] = new Array(count);
  const { stop, signal } = archiveSignal(ctx);
  const target = chunkTarget(ctx, a);
  const tasks: Promise<void>[] = [];
  let failure: unknown;
  for (let i = 0; i < count && !signal.aborted; i++) {
    const n = i + 1;
    const first = i * partSize;
    const size = Math.min(partSize, a.size - first);
    const rec = recorded.get(n);
    const s3has = listed.get(n);
    if (rec && s3has && s3has.sha === b64(rec.sha256)) {
      done[i] = { n, first, size, treeHash: rec.treeHash, sha256: rec.sha256, etag: s3has.etag };
      ctx.stats.partsSkipped++;
      ctx.onBytes(size);
      continue;
    }
    let held: Held;
    try {
      held = await ctx.slots.acquire(size, signal);
    } catch {
      break;
    }
    tasks.push((async () => {
      try {
        const c = await fetchChunk(target, first, first + size - 1, held, signal);
        ctx.stats.bytesFetched += size;
        let etag = s3has && s3has.sha === b64(c.sha256) ? s3has.etag : undefined;
        if (etag !== undefined) ctx.stats.partsSkipped++;
        else {
          const body = held.buf.subarray(0, size);
          const out = await sendS3(ctx, (abortSignal) => t.s3.send(new UploadPartCommand({
            Bucket: t.bucket, Key: a.key, UploadId: uploadId, PartNumber: n, Body: body, ContentLength: size,
            ChecksumAlgorithm: 'SHA256', ChecksumSHA256: b64(c.sha256),
          }), { abortSignal }), signal);
          etag = out.ETag ?? '';
          ctx.stats.partsUploaded++;
        }
        await ctx.state.record({ t: 'part', id: a.archiveId, n, th: c.treeHash, sha: c.sha256, etag });
        done[i] = { n, first, size, treeHash: c.treeHash, sha256: c.sha256, etag };
        ctx.onBytes(size);
      } catch (err) {
        failure ??= err;
        stop.abort(err);
      } finally {
        ctx.slots.release(held);
      }
    })());
  }
  await Promise.all(tasks);
  if (failure !== undefined) throw failure;
  ctx.signal.throwIfAborted();
  checkWhole(a, combineChunkTreeHashes(done.map((p) => ({ first: p.first, size: p.size, treeHash: p.treeHash }))));
  const out = await sendS3(ctx, (abortSignal) => t.s3.send(new CompleteMultipartUploadCommand({
    Bucket: t.bucket, Key: a.key, UploadId: uploadId,
    MultipartUpload: { Parts: done.map((p) => ({ PartNumber: p.n, ETag: p.etag, ChecksumSHA256: b64(p.sha256) })) },
  }), { abortSignal }));
  return { etag: out.ETag ?? '', checksum: out.ChecksumSHA256 ?? '' };
}
