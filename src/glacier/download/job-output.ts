import { GetJobOutputCommand, type GlacierClient } from '@aws-sdk/client-glacier';
import { ChunkTransferError } from './download-errors.js';
import { callGlacier } from '../request.js';

export interface FetchRangeOptions {
  client: GlacierClient;
  vaultName: string;
  accountId?: string;
  jobId: string;
  /** Inclusive bytes of the job's output (not of the archive). */
  first: number;
  last: number;
  /** Receives the bytes; at least last - first + 1 long. */
  into: Uint8Array;
  /** No byte (or no answer) for this many ms aborts the request with a retryable STALLED error. */
  stallTimeout: number;
  signal?: AbortSignal;
  archiveId?: string;
}

export interface FetchedRange {
  size: number;
  /** Glacier's x-amz-sha256-tree-hash of these bytes; absent when the range is not tree-hash aligned. */
  treeHash: string | undefined;
}

/**
 * One ranged GetJobOutput: `Range: bytes=first-last` streamed into `into`. Checks the answer's
 * Content-Range and the body's length; a body that stops sending for `stallTimeout` ms is aborted
 * (the SDK's socket timeout does not watch a body already handed over). Does not retry: the caller
 * decides (transfer errors here are ChunkTransferError, retryable). A 404 is JobNotFoundError.
 */
export function fetchJobOutputRange(o: FetchRangeOptions): Promise<FetchedRange> {
  const target = { client: o.client, vaultName: o.vaultName, maxAttempts: 1, missing: jobOutputMissing(o) };
  return callGlacier(target, 'GetJobOutput', (signal) => getJobOutputRange(o, signal));
}

/** What a 404 of GetJobOutput means: the job's output is gone (expired, or a wrong id). */
export function jobOutputMissing(o: Pick<FetchRangeOptions, 'jobId' | 'archiveId'>) {
  return { kind: 'job' as const, jobId: o.jobId, archiveId: o.archiveId, duringDownload: true };
}

/** fetchJobOutputRange's one attempt, untranslated (for the request path's retries); `signal` overrides o.signal. */
export async function getJobOutputRange(o: FetchRangeOptions, signal = o.signal): Promise<FetchedRange> {
  o = { ...o, signal };
  const size = o.last - o.first + 1;
  if (o.into.byteLength < size) throw new RangeError(`fetchJobOutputRange: buffer of ${o.into.byteLength} bytes for ${size} bytes`);
  const local = new AbortController();
  let stalled = false;
  let body: (AsyncIterable<Uint8Array> & { destroy?: (err?: Error) => void }) | undefined;
  const onParentAbort = () => local.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', onParentAbort, { once: true });
  // One timer, pushed back (refresh) by every piece of the body: cheaper than a new one per piece.
  const timer = setTimeout(() => {
    stalled = true;
    local.abort();
    body?.destroy?.(new ChunkTransferError('STALLED', 'stalled'));
  }, o.stallTimeout);
  const arm = () => timer.refresh();
  const stallError = () => new ChunkTransferError('STALLED',
    `GetJobOutput bytes ${o.first}-${o.last} of job ${o.jobId}: no data for ${o.stallTimeout} ms; the request was aborted.`);
  try {
    arm();
    let out;
    try {
      out = await o.client.send(new GetJobOutputCommand({
        accountId: o.accountId ?? '-', vaultName: o.vaultName, jobId: o.jobId, range: `bytes=${o.first}-${o.last}`,
      }), { abortSignal: local.signal });
    } catch (err) {
      if (stalled) throw stallError();
      throw err;
    }
    body = out.body as typeof body;
    const cr = out.contentRange;
    const m = cr ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(cr) : null;
    if (cr !== undefined && (!m || Number(m[1]) !== o.first || Number(m[2]) !== o.last)) {
      body?.destroy?.();
      throw new ChunkTransferError('BAD_RANGE', `GetJobOutput asked for bytes ${o.first}-${o.last} of job ${o.jobId} but got Content-Range "${cr}".`);
    }
    if (!body) throw new ChunkTransferError('SHORT_BODY', `GetJobOutput bytes ${o.first}-${o.last} of job ${o.jobId} came without a body.`);
    const n = await readInto(body as unknown as NodeJS.ReadableStream, o.into, size, arm, () => new ChunkTransferError('BAD_RANGE',
      `GetJobOutput bytes ${o.first}-${o.last} of job ${o.jobId}: the body is longer than ${size} bytes.`)).catch((err: unknown) => {
      throw stalled ? stallError() : err;
    });
    if (stalled) throw stallError();
    if (n !== size) {
      throw new ChunkTransferError('SHORT_BODY', `GetJobOutput bytes ${o.first}-${o.last} of job ${o.jobId}: the body ended after ${n} of ${size} bytes.`);
    }
    return { size, treeHash: out.checksum || undefined };
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onParentAbort);
  }
}

/**
 * Copies a body into `into` with 'data' events (no promise per piece, unlike for-await), resolving
 * with the byte count at 'end'; an error, an early close or too many bytes reject.
 */
function readInto(body: NodeJS.ReadableStream, into: Uint8Array, size: number, onPiece: () => void, tooLong: () => Error): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let n = 0;
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      body.removeListener('data', onData);
      if (err) reject(err);
      else resolve(n);
    };
    const onData = (piece: Uint8Array) => {
      onPiece();
      if (n + piece.byteLength > size) {
        finish(tooLong());
        (body as { destroy?: () => void }).destroy?.();
        return;
      }
      into.set(piece, n);
      n += piece.byteLength;
    };
    body.on('data', onData);
    body.once('end', () => finish());
    body.once('error', (err: unknown) => finish(err));
    // A socket closed mid-body may end the stream without 'end' or 'error': the length check catches it.
    body.once('close', () => finish());
  });
}
