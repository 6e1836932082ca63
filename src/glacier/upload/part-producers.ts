import { BufferRing } from '../../concurrency/index.js';
import type { FilePartHash } from '../../pool/index.js';
import { TooManyPartsError, UnexpectedResponseError } from '../errors.js';
import type { ListedPart } from './multipart-upload.js';
import { MAX_PARTS, MiB } from '../part-size.js';
import { raceAbort } from '../retry.js';
import type { SendLoop } from './send-loop.js';
import { isStreamReader, type PartReader } from '../sources.js';
import type { Pool } from './upload-options.js';
import type { ProgressReporter } from './upload-progress.js';

// The part producers of uploadArchive: each reads and hashes parts its own way and hands them to
// the one SendLoop. Both return the archive's part tree hashes (in order) and its size.

/** Read-ahead: at most this many extra part buffers, and at most this many bytes of them. */
const MAX_READ_AHEAD = 2;
const READ_AHEAD_BYTES = 32 * MiB;

export interface ProducerContext {
  reader: PartReader;
  partSize: number;
  pool: Pool;
  loop: SendLoop;
  signal: AbortSignal;
  concurrency: number;
  /** Extra buffers of the ring beyond `concurrency` (uploadArchive's readAhead option). */
  readAhead: number | undefined;
  progress: ProgressReporter;
  /** A part Glacier holds that needs no reading (vouched for, or re-hashed already), else undefined. */
  trusted: (index: number, size: number) => ListedPart | undefined;
  failed: () => boolean;
}

export interface Produced {
  treeHashes: string[];
  archiveSize: number;
}

/**
 * Parts larger than the buffered limit: hashed by the pool straight from the file (only those not
 * trusted), each streamed from disk by the send loop as soon as its hashes arrive, while later
 * parts are still hashing. Nothing of a part is held in memory.
 */
export async function produceFileRanges(c: ProducerContext): Promise<Produced> {
  const { reader, partSize: ps, progress } = c;
  const size = reader.size!;
  const path = reader.file!.path;
  // The reader's one open descriptor: the pool's workers hash through it, the sender streams from it.
  const opened = reader.opened;
  const count = Math.ceil(size / ps);
  const bytesOf = (index: number) => Math.min(ps, size - index * ps);
  const treeHashes: string[] = new Array<string>(count);
  const needed: number[] = [];
  for (let index = 0; index < count; index++) {
    const known = c.trusted(index, bytesOf(index));
    if (known) {
      treeHashes[index] = known.treeHash;
      c.loop.skipTrusted(known);
    } else needed.push(index);
  }
  const wanted = new Set(needed);
  const hashedPart = (h: FilePartHash) => {
    if (!wanted.delete(h.index)) return;
    const partBytes = bytesOf(h.index);
    treeHashes[h.index] = h.treeHash;
    progress.p.bytesHashed += partBytes;
    progress.changed();
    if (c.failed()) return;
    // The worker checked the file as it read it; checked again right before its bytes are sent.
    c.loop.send({
      index: h.index, size: partBytes, hashes: { treeHash: h.treeHash, sha256: h.sha256 },
      body: { path, start: h.index * ps, size: partBytes, ...(opened ? { fd: opened.handle.fd } : {}) }, check: () => reader.checkUnchanged(),
    });
  };
  if (needed.length > 0) {
    const hashed = await raceAbort(c.pool.hashFile(path, { partSize: ps, parts: needed, signal: c.signal, concurrency: c.concurrency, onPart: hashedPart, ...(opened ? { opened } : {}) }), c.signal);
    // A pool of another make that ignores onPart (or parts): its parts are sent now.
    for (const h of hashed.parts) hashedPart(h);
    if (wanted.size > 0) throw new UnexpectedResponseError('HashPool.hashFile', `the hashes of part ${[...wanted][0]}`);
  }
  return { treeHashes, archiveSize: size };
}

export function streamTooLong(partSize: number): TooManyPartsError {
  return new TooManyPartsError(partSize, undefined,
    `The stream is longer than 10,000 parts of ${partSize} bytes (${MAX_PARTS * partSize} bytes), Glacier's limit: the upload ` +
    `was aborted. Pass a larger partSize, or expectedSize (an upper estimate of the stream's size) with partSize 'auto'.`);
}

/**
 * Files with parts up to the buffered limit, byte arrays and streams: parts are read in order into
 * a ring of shared buffers (concurrency + read-ahead), hashed in the pool, and handed to the send
 * loop; part k+n waits for a free buffer, so memory stays at the ring's size.
 */
export async function produceBuffered(c: ProducerContext): Promise<Produced> {
  const { reader, partSize: ps, progress } = c;
  const readAhead = c.readAhead ?? Math.min(MAX_READ_AHEAD, Math.floor(READ_AHEAD_BYTES / ps));
  const ring = new BufferRing(c.concurrency + readAhead, ps);
  const treeHashes: string[] = [];
  let archiveSize = 0;
  for (let index = 0; !c.failed(); index++) {
    const expected = reader.size !== undefined ? Math.min(ps, reader.size - index * ps) : undefined;
    if (expected !== undefined && expected <= 0) break;
    const known = expected !== undefined ? c.trusted(index, expected) : undefined;
    if (known) {
      treeHashes.push(known.treeHash);
      archiveSize += known.size;
      c.loop.skipTrusted(known);
      continue;
    }
    const buffer = await ring.acquire();
    if (!buffer) break;
    if (c.failed()) {
      ring.release(buffer);
      break;
    }
    let n: number;
    try {
      n = await raceAbort(reader.read(index, buffer), c.signal);
    } catch (err) {
      ring.release(buffer);
      throw err;
    }
    if (n === 0) {
      ring.release(buffer);
      break;
    }
    if (index >= MAX_PARTS) {
      // Only a stream can get here (a file's part count was checked before the upload).
      ring.release(buffer);
      throw streamTooLong(ps);
    }
    archiveSize += n;
    const slot = treeHashes.push('') - 1;
    const part = buffer.subarray(0, n);
    c.loop.track((async () => {
      let handedOver = false;
      try {
        const h = await c.pool.hashPart(part, { signal: c.signal });
        if (!h.sha256) throw new UnexpectedResponseError('HashPool.hashPart', 'the linear SHA-256 it was asked for');
        treeHashes[slot] = h.treeHash;
        progress.p.bytesHashed += n;
        progress.changed();
        handedOver = true;
        c.loop.send({ index, size: n, hashes: { treeHash: h.treeHash, sha256: h.sha256 }, body: h.data ?? part }, () => ring.release(buffer));
      } finally {
        if (!handedOver) ring.release(buffer);
      }
    })());
    if (n < ps && reader.kind === 'stream') break;
    // After the 10,000th part, any further byte makes the archive impossible: stop at once.
    if (isStreamReader(reader) && index + 1 >= MAX_PARTS && !(await raceAbort(reader.exhausted(), c.signal))) throw streamTooLong(ps);
  }
  return { treeHashes, archiveSize };
}
