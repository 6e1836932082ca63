import { createReadStream, read, type ReadStream } from 'node:fs';
import { SourceChangedError } from '../errors.js';

/** A byte range of a file, sent as a file stream (a fresh stream for each attempt) instead of held in memory. */
export interface FilePartBody {
  path: string;
  /** Offset of the part in the file. */
  start: number;
  /** Bytes in the part. */
  size: number;
  /**
   * The file's open descriptor (uploadArchive's reader): the part streams from it with positional
   * reads and the file is not opened again. Without it, the path is opened for each attempt.
   */
  fd?: number;
}

export interface FileRangeStream {
  /** The request body: a plain fs.ReadStream, so the SDK knows its length from start/end. */
  stream: ReadStream;
  /**
   * Rejects with SourceChangedError when the file ends before the range does (it was truncated
   * after it was hashed) or disappears, and with the read error on other failures. Never resolves.
   */
  failed: Promise<never>;
}

/**
 * Opens a part's byte range for streaming and counts the bytes actually read (reported to `onBytes`). A file that ends
 * early would otherwise send a body shorter than its Content-Length, and both sides would wait for
 * the missing bytes: instead the stream fails as soon as end-of-file comes too soon.
 */
export function openFileRange(part: FilePartBody, onBytes?: (streamed: number) => void): FileRangeStream {
  const end = part.start + part.size - 1;
  const stream = createReadStream(part.path, {
    start: part.start, end, highWaterMark: 1024 * 1024,
    // The caller's descriptor stays open for the next part (and the next attempt): a ReadStream
    // closes its fd when destroyed, whatever autoClose says, unless its `fs` close does nothing.
    ...(part.fd !== undefined ? { fd: part.fd, autoClose: false, fs: { read, close: (_fd: number, cb: (err: null) => void) => cb(null) } } : {}),
  });
  let streamed = 0;
  let reject!: (err: unknown) => void;
  const failed = new Promise<never>((_, r) => { reject = r; });
  failed.catch(() => undefined);
  // fs.ReadStream pushes null at end-of-file, or once `end` is reached: only the first is early.
  const push = stream.push.bind(stream);
  stream.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (chunk === null && streamed < part.size) {
      const err = new SourceChangedError(part.path,
        `it ended at byte ${part.start + streamed} while bytes ${part.start}-${end} were being sent: it is shorter than when it was hashed`);
      reject(err);
      stream.destroy(err);
      return false;
    }
    if (chunk) {
      streamed += (chunk as Uint8Array).byteLength;
      // Bytes handed to the request as it sends (at most ~1 MiB ahead of the socket): progress.
      onBytes?.(streamed);
    }
    return push(chunk, encoding);
  };
  stream.once('error', (err: NodeJS.ErrnoException) => {
    reject(err.code === 'ENOENT' ? new SourceChangedError(part.path, 'it can no longer be found (ENOENT)') : err);
  });
  return { stream, failed };
}
