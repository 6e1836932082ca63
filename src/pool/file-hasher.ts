/**
 * hashFile's scheduler: the file's parts go to the workers as tasks of consecutive parts (a worker
 * reads a contiguous range into its own buffer), a bounded number in flight; each part's hashes
 * are handed on as they arrive, and the archive tree hash is combined from them at the end.
 */
import type { FileIdentity } from '../file-identity.js';
import { choosePartSize } from '../options.js';
import { checkPartIndexes } from './file-options.js';
import { combineTreeHashHex, sha256Digest, type PartDigest } from './node-hash.js';
import { FILE_TASK_BYTES, partsPerTask, type FileResult, type FileTask, type HashEngine } from './protocol.js';
import type { FileHashResult, FilePartHash, HashFileOptions } from './types.js';
import type { TaskRunner } from './worker-threads.js';

export interface FileJob {
  run: TaskRunner;
  threads: number;
  engine: HashEngine;
  path: string;
  /** The descriptor the workers read through (threads share the process's descriptors). */
  fd: number;
  /** The file as it was opened: workers refuse it once it differs. */
  identity: FileIdentity;
  opts: HashFileOptions;
}

export async function hashFileParts(job: FileJob): Promise<FileHashResult> {
  const { path, identity, opts } = job;
  const size = identity.size;
  // The same part size uploadArchive picks with 'auto', so hashes match what an upload sends.
  const partSize = opts.partSize ?? choosePartSize(size);
  const partCount = Math.ceil(size / partSize);
  const indexes = opts.parts === undefined ? [...Array(partCount).keys()] : checkPartIndexes(opts.parts, partCount, path, size, partSize);
  const parts: FilePartHash[] = [];
  if (indexes.length > 0) {
    const emit = (index: number, d: PartDigest) => {
      const part: FilePartHash = {
        index,
        first: index * partSize,
        last: Math.min((index + 1) * partSize, size) - 1,
        treeHash: d.treeHash,
        sha256: d.sha256!,
      };
      parts.push(part);
      opts.onPart?.(part);
    };
    await runFileTasks(job, partSize, indexes, emit);
    parts.sort((a, b) => a.index - b.index);
  }
  const whole = parts.length === partCount;
  const treeHash = partCount === 0 ? sha256Digest(new Uint8Array(0)).toString('hex') : whole ? combineTreeHashHex(parts.map((p) => p.treeHash)) : '';
  return { size, treeHash, partSize, parts };
}

/** Parts per task and parts in flight for this file. */
function taskShape(job: FileJob, partSize: number, taskParts: number): { perTask: number; limit: number } {
  // wasm: up to four parts per task (four SIMD lanes); node: one (no lanes to fill) unless tiny.
  const lanes = partsPerTask(job.engine, partSize);
  // Few parts: spread them over the threads first (lanes of one thread are no faster than
  // threads), then fill lanes.
  const spread = Math.ceil(taskParts / job.threads);
  let perTask = Math.max(1, Math.min(lanes, spread, Math.floor(FILE_TASK_BYTES / partSize)));
  const limit = job.opts.concurrency ?? perTask * job.threads * 2;
  perTask = Math.min(perTask, limit);
  return { perTask, limit };
}

function runFileTasks(job: FileJob, partSize: number, indexes: readonly number[], emit: (index: number, d: PartDigest) => void): Promise<void> {
  const { path, fd, identity, engine, opts } = job;
  const { dev, ino, size, mtimeMs, mtimeNs, ctimeNs } = identity;
  const signal = opts.signal;
  const { perTask, limit } = taskShape(job, partSize, indexes.length);
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  return new Promise<void>((resolve, reject) => {
    // `indexes` is sorted: a task takes a run of consecutive indexes, up to perTask of them.
    let next = 0;
    let inFlight = 0;
    let done = 0;
    let failed = false;
    const running = new Set<Promise<unknown>>();
    const failWith = (e: unknown) => {
      if (failed) return;
      failed = true;
      // Stop the rest of this file's work: queued tasks leave the queue, running ones end. Settled
      // only after they have: the descriptor they read through may be closed right after.
      controller.abort(e);
      void Promise.allSettled([...running]).then(() => reject(e));
    };
    const pump = () => {
      while (!failed && next < indexes.length && (inFlight === 0 || inFlight + perTask <= limit)) {
        const firstIndex = indexes[next]!;
        let count = 1;
        while (count < perTask && next + count < indexes.length && indexes[next + count] === firstIndex + count) count++;
        next += count;
        inFlight += count;
        const task: FileTask = { kind: 'file', engine, path, fd, dev, ino, size, mtimeMs, mtimeNs, ctimeNs, partSize, firstIndex, count };
        const what = `hashFile ${path} (part${count > 1 ? 's' : ''} ${firstIndex}${count > 1 ? `-${firstIndex + count - 1}` : ''})`;
        const run = job.run<FileResult>(task, { signal: controller.signal }, what);
        running.add(run);
        run.finally(() => running.delete(run)).catch(() => undefined);
        run.then((r) => {
          if (failed) return;
          try {
            r.digests.forEach((d, k) => emit(firstIndex + k, d));
          } catch (e) {
            // The caller's onPart threw.
            failWith(e);
            return;
          }
          inFlight -= count;
          done += count;
          if (done === indexes.length) resolve();
          else pump();
        }, failWith);
      }
    };
    pump();
  }).finally(() => signal?.removeEventListener('abort', onAbort));
}
