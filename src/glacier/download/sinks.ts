import type { FileHandle } from 'node:fs/promises';
import type { OutputChunk } from './chunk-plan.js';
import { DiskFullError } from './download-errors.js';

/** Where verified chunks go: a file at their offsets, or a stream in order. */
export interface Sink {
  /** Takes the chunk's bytes; calls `release` once they are no longer needed. */
  deliver(chunk: OutputChunk, data: Uint8Array, release: () => void): Promise<void>;
  finish(): Promise<void>;
}

export function fileSink(fh: FileHandle, path: string): Sink {
  return {
    async deliver(chunk, data, release) {
      try {
        for (let done = 0; done < data.byteLength;) {
          const { bytesWritten } = await fh.write(data, done, data.byteLength - done, chunk.first + done);
          done += bytesWritten;
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw new DiskFullError(path, `ENOSPC while writing chunk ${chunk.index}`, { cause: err });
        throw err;
      } finally {
        release();
      }
    },
    finish: async () => undefined,
  };
}

/**
 * In order, whatever order chunks arrive in: a chunk waits (holding its buffer, so the buffer ring
 * bounds the reorder window) until every earlier one is written. Bytes are copied for the stream,
 * which may keep them after its write callback (a PassThrough does).
 */
export function streamSink(out: NodeJS.WritableStream): Sink {
  const waiting = new Map<number, { data: Uint8Array; release: () => void }>();
  let next = 0;
  let chain: Promise<void> = Promise.resolve();
  let error: unknown;
  const write = (data: Uint8Array) => new Promise<void>((resolve, reject) => {
    let drained = true;
    drained = out.write(Buffer.from(data), (err) => {
      if (err) reject(err);
      else if (drained) resolve();
    });
    if (!drained) out.once('drain', () => resolve());
  });
  // Writes whatever is contiguous from `next`; flushes run one after another.
  const flush = async () => {
    for (let w = waiting.get(next); w; w = waiting.get(next)) {
      waiting.delete(next);
      try {
        if (!error) await write(w.data);
      } catch (err) {
        error ??= err;
      } finally {
        w.release();
      }
      next++;
    }
  };
  return {
    async deliver(chunk, data, release) {
      waiting.set(chunk.index, { data, release });
      chain = chain.then(flush);
      await chain;
      if (error) throw error;
    },
    async finish() {
      await chain;
      if (error) throw error;
    },
  };
}
