/**
 * Worker side of hashFile: reads parts of a file into one buffer per thread (reused across tasks)
 * and hashes them; a part too large for that buffer streams through it. Refuses a file that is not
 * the one the main thread checked. Reads go through the main thread's descriptor (no open here).
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { identityChange, identityOfFd } from '../file-identity.js';
import { combineDigests, leafDigests, nodeHashPart, sha256Digest, type PartDigest } from './node-hash.js';
import { FILE_TASK_BYTES, STREAM_CHUNK, type FileResult, type FileTask, type HashEngine, type WorkerFailure } from './protocol.js';
import { loadCore, type HashCore } from './worker-core.js';
import { wasmHashParts } from './worker-parts.js';

let readBuffer: Uint8Array | null = null;

/**
 * Tree hash from aligned power-of-two-MiB subtrees plus a streamed linear SHA-256. The linear hash
 * of one part is a single sequential stream with no lanes to fill, so node:crypto (native, SHA
 * instructions where present) streams it for both engines.
 */
class StreamingPartHasher {
  readonly #subtrees: Buffer[] = [];
  readonly #linear: Hash | null;
  #size = 0;

  constructor(
    private readonly engine: HashEngine,
    private readonly core: HashCore | null,
    linear: boolean,
  ) {
    this.#linear = linear ? createHash('sha256') : null;
  }

  /** `chunk` must start at a multiple of its own (power-of-two MiB) size; only the last may be short. */
  update(chunk: Uint8Array): void {
    this.#size += chunk.byteLength;
    this.#linear?.update(chunk);
    if (this.engine === 'wasm') this.#subtrees.push(Buffer.from(this.core!.treeHash(chunk), 'hex'));
    else leafDigests(chunk, this.#subtrees);
  }

  digest(): PartDigest {
    const treeHash = this.#subtrees.length === 0 ? sha256Digest(new Uint8Array(0)).toString('hex') : combineDigests(this.#subtrees).toString('hex');
    if (this.#linear === null) return { treeHash, size: this.#size };
    return { treeHash, sha256: this.#linear.digest('hex'), size: this.#size };
  }
}

function buffer(bytes: number): Uint8Array {
  if (readBuffer === null || readBuffer.byteLength < bytes) readBuffer = new Uint8Array(bytes);
  return readBuffer;
}

function fileFailure(task: FileTask, e: unknown): WorkerFailure {
  const code = (e as NodeJS.ErrnoException).code;
  const message = e instanceof Error ? e.message : String(e);
  if (code === 'ENOENT') return { failure: { code: 'FILE_NOT_FOUND', message, path: task.path } };
  if (code === 'EISDIR') return { failure: { code: 'FILE_IS_DIRECTORY', message, path: task.path } };
  return { failure: { code: 'FILE_NOT_READABLE', message, path: task.path } };
}

/** Fill `into` from `position`; a short file means it shrank since the main thread looked. */
function readFully(fd: number, into: Uint8Array, position: number): boolean {
  let done = 0;
  while (done < into.byteLength) {
    const n = readSync(fd, into, done, into.byteLength - done, position + done);
    if (n === 0) return false;
    done += n;
  }
  return true;
}

export function hashFileTask(task: FileTask): FileResult | WorkerFailure {
  let core: HashCore | null = null;
  if (task.engine === 'wasm') {
    const c = loadCore();
    if ('failure' in c) return c;
    core = c;
  }
  const own = task.fd === undefined;
  let fd: number;
  try {
    fd = own ? openSync(task.path, 'r') : task.fd!;
  } catch (e) {
    return fileFailure(task, e);
  }
  try {
    const change = identityChange({ ...task, path: task.path }, identityOfFd(task.path, fd), { missing: 'skip' });
    if (change) return { failure: { code: 'FILE_CHANGED', message: change.message, path: task.path } };
    const shrank: WorkerFailure = { failure: { code: 'FILE_CHANGED', message: 'it became shorter while being read', path: task.path } };
    const first = task.firstIndex * task.partSize;
    const end = Math.min(task.size, (task.firstIndex + task.count) * task.partSize);

    if (task.partSize > FILE_TASK_BYTES) {
      // One large part per task: stream it through a bounded buffer.
      const h = new StreamingPartHasher(task.engine, core, true);
      const buf = buffer(STREAM_CHUNK);
      for (let pos = first; pos < end; pos += STREAM_CHUNK) {
        const chunk = buf.subarray(0, Math.min(STREAM_CHUNK, end - pos));
        if (!readFully(fd, chunk, pos)) return shrank;
        h.update(chunk);
      }
      return { digests: [h.digest()] };
    }

    const buf = buffer(end - first);
    const parts: Uint8Array[] = [];
    for (let pos = first; pos < end; pos += task.partSize) {
      const part = buf.subarray(pos - first, Math.min(pos + task.partSize, end) - first);
      if (!readFully(fd, part, pos)) return shrank;
      parts.push(part);
    }
    const linear = parts.map(() => true);
    const digests = core !== null ? wasmHashParts(core, parts, linear) : parts.map((p) => nodeHashPart(p, true));
    return { digests };
  } catch (e) {
    return fileFailure(task, e);
  } finally {
    if (own) closeSync(fd);
  }
}
