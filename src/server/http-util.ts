import { open, rm, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { invalidParameter, storageFailure } from './errors.js';
import { MiB, StreamingTreeHash } from './hash.js';

/**
 * Streams a request body to `path` while hashing it; never holds more than one socket chunk. The
 * file is fsynced before this returns, so an acknowledged part survives a crash. When the disk
 * refuses a write (ENOSPC, EDQUOT, EIO), the rest of the body is read and discarded, so the client
 * gets an answer (storageFailure) instead of a reset connection.
 */
export async function receiveBody(
  req: IncomingMessage,
  path: string,
  expectedSize: number,
  idleMs: BodyIdle,
): Promise<{ sha256: string; treeHash: string; size: number; leaves: Buffer[] }> {
  const hasher = new StreamingTreeHash();
  const fh = await open(path, 'wx').catch((err: Error) => { throw storageFailure(err); });
  const idle = idleTimer(req, idleMs);
  // Socket chunks are small (16-64 KiB); gathering about 1 MiB per writev saves most of the
  // thread-pool round trips while memory stays bounded.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let writeError: Error | undefined;
  const flush = async () => {
    if (writeError === undefined && pendingBytes > 0) await writeAll(fh, pending, pendingBytes).catch((err: Error) => { writeError = err; });
    pending = [];
    pendingBytes = 0;
  };
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      idle.refresh();
      hasher.update(chunk);
      if (hasher.size > expectedSize) throw new Error('request body is longer than its Content-Length');
      if (writeError !== undefined) continue;
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= MiB) await flush();
    }
    await flush();
    if (hasher.size !== expectedSize) {
      throw new Error(`request body ended after ${hasher.size} of ${expectedSize} bytes`);
    }
    if (writeError !== undefined) throw storageFailure(writeError);
    await fh.sync().catch((err: Error) => { throw storageFailure(err); });
  } catch (err) {
    await fh.close().catch(() => {});
    await rm(path, { force: true });
    throw err;
  } finally {
    clearTimeout(idle);
  }
  await fh.close();
  return hasher.digest();
}

/**
 * writev, continued after a short write: a filling disk first accepts part of a write (and only the
 * next one fails with ENOSPC), which a single writev would silently lose.
 */
async function writeAll(fh: FileHandle, buffers: Buffer[], total: number): Promise<void> {
  const { bytesWritten } = await fh.writev(buffers);
  if (bytesWritten === total) return;
  const rest = Buffer.concat(buffers).subarray(bytesWritten);
  for (let done = 0; done < rest.length;) {
    const { bytesWritten: n } = await fh.write(rest, done, rest.length - done);
    if (n === 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    done += n;
  }
}

/** Thrown into a request body that moved no byte for the idle timeout. */
export class BodyIdleError extends Error {
  constructor(ms: number) {
    super(`no byte of the request body arrived for ${ms} ms; the connection was closed`);
  }
}

/** How long a request body may stall, and what then happens (by default: the connection is dropped). */
export interface BodyIdle {
  ms: number;
  /** Must end the request, so the reader's loop fails and removes its temporary file. */
  onIdle?: (err: BodyIdleError) => void;
}

/** Fires idle.onIdle when the body stalls for idle.ms; the caller refreshes the timer on every chunk. */
function idleTimer(req: IncomingMessage, idle: BodyIdle): NodeJS.Timeout {
  const onIdle = idle.onIdle ?? ((err: BodyIdleError) => req.destroy(err));
  const timer = setTimeout(() => onIdle(new BodyIdleError(idle.ms)), idle.ms);
  timer.unref();
  return timer;
}

/** Reads a small (JSON) request body, refusing more than `max` bytes. */
export async function readSmallBody(req: IncomingMessage, max: number, idleMs: BodyIdle): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const idle = idleTimer(req, idleMs);
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      idle.refresh();
      size += chunk.length;
      if (size > max) throw invalidParameter(`Request body exceeds ${max} bytes; this operation takes a small JSON document.`);
      chunks.push(chunk);
    }
  } finally {
    clearTimeout(idle);
  }
  return Buffer.concat(chunks);
}

/** Opaque pagination markers: the sort key of the last item returned, base64url-wrapped. */
export function encodeMarker(key: string): string {
  return Buffer.from(JSON.stringify({ after: key }), 'utf8').toString('base64url');
}

export function decodeMarker(marker: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string' && encodeMarker(parsed.after) === marker) return parsed.after;
  } catch {
    // fall through
  }
  throw invalidParameter(`Invalid marker: ${marker}. Pass the Marker of the previous page unchanged.`);
}

export function parseLimit(value: string | null, pageLimit: number): number {
  if (value === null || value === '') return pageLimit;
  if (!/^\d{1,10}$/.test(value) || Number(value) < 1) {
    throw invalidParameter(`Invalid limit: ${value}. The limit must be a positive integer (pages hold at most ${pageLimit} items).`);
  }
  return Math.min(Number(value), pageLimit);
}

/** One page of `items` (already sorted by `key`) after the marker. */
export function paginate<T>(
  items: T[], key: (item: T) => string, marker: string | null, limit: number,
): { page: T[]; marker: string | null } {
  let start = 0;
  if (marker !== null && marker !== '') {
    const after = decodeMarker(marker);
    start = items.findIndex((it) => key(it) > after);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + limit);
  const more = start + limit < items.length;
  return { page, marker: more ? encodeMarker(key(page[page.length - 1]!)) : null };
}

/**
 * True when bytes [first, last] of a payload of `size` bytes are exactly one node of its tree hash:
 * they start on a 1 MiB x 2^k boundary and span 2^k MiB, or run to the end of the payload.
 */
export function isTreeHashAligned(first: number, last: number, size: number): boolean {
  const length = last - first + 1;
  if (length <= 0 || last >= size) return false;
  for (let span = MiB; ; span *= 2) {
    if (first % span !== 0) return false;
    if (length === span) return true;
    if (last === size - 1 && length < span) return true;
    if (span > size) return false;
  }
}
