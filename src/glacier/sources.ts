import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { InvariantError } from '../errors.js';
import { currentIdentity, identityDifference, openFile, type FileIdentity, type OpenedFile } from '../file-identity.js';
import { EmptyArchiveError, InvalidUploadOptionError, SourceChangedError } from './errors.js';

/** What uploadArchive accepts as `source`. */
export type UploadSource = string | Uint8Array | NodeJS.ReadableStream | AsyncIterable<Uint8Array | string>;

export { identityDifference, type FileIdentity } from '../file-identity.js';

/**
 * A source read part by part into caller-supplied buffers (the uploader's ring of shared buffers),
 * strictly in order. `read` fills `into` (its length is the part size) and returns the byte count;
 * 0 means the source is exhausted.
 */
export interface PartReader {
  readonly kind: 'file' | 'bytes' | 'stream';
  /** Known up front for files and byte arrays; undefined for streams. */
  readonly size: number | undefined;
  /** For files: absolute path, device, inode, size, mtime and ctime at open (one fstat of the open file). */
  readonly file?: FileIdentity;
  /**
   * For files: the one open descriptor and its identity, handed to the pool (its workers read
   * through it) and to the sender (part bodies stream from it): the file is opened once per upload.
   */
  readonly opened?: OpenedFile;
  read(index: number, into: Uint8Array): Promise<number>;
  /** Throws SourceChangedError when a file's identity (sameFile) differs from when it was opened. */
  checkUnchanged(): Promise<void>;
  close(): Promise<void>;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}

/** Classifies and opens a source; checks existence and emptiness before any request. */
export async function openSource(source: unknown): Promise<PartReader> {
  if (typeof source === 'string') return FileReader.open(source);
  if (source instanceof Uint8Array) {
    if (source.byteLength === 0) throw new EmptyArchiveError('The source Uint8Array');
    return new BytesReader(source);
  }
  if (source && typeof source === 'object') {
    if (typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
      return new StreamReader(source as AsyncIterable<Uint8Array | string>);
    }
    // An old-style stream (only 'data'/'end' events): wrap it into a modern Readable.
    if (typeof (source as NodeJS.ReadableStream).on === 'function' && typeof (source as NodeJS.ReadableStream).read === 'function') {
      return new StreamReader(new Readable({ objectMode: false }).wrap(source as NodeJS.ReadableStream));
    }
  }
  throw new InvalidUploadOptionError('source',
    `source must be a file path (string), a Uint8Array/Buffer, a Node Readable (e.g. process.stdin) or an AsyncIterable of Uint8Array, got ${describe(source)}.`);
}

class FileReader implements PartReader {
  readonly kind = 'file' as const;
  readonly size: number;
  readonly file: FileIdentity;
  readonly opened: OpenedFile;
  private readonly handle: FileHandle;
  private constructor(opened: OpenedFile) {
    this.opened = opened;
    this.handle = opened.handle;
    this.file = opened.identity;
    this.size = opened.identity.size;
  }

  static async open(path: string): Promise<FileReader> {
    if (path.length === 0) throw new InvalidUploadOptionError('source', 'source is an empty string: pass the path of the file to upload.');
    let opened: Awaited<ReturnType<typeof openFile>>;
    try {
      opened = await openFile(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable (permission denied)' : code === 'EISDIR' ? 'is a directory' : `cannot be opened (${code})`;
      throw new InvalidUploadOptionError('source', `The file ${path} ${why}: pass the path of a readable regular file.`);
    }
    try {
      if (!opened.regular) {
        throw new InvalidUploadOptionError('source', `${path} is not a regular file${opened.directory ? ' but a directory' : ''}: pass a file (to upload a pipe or device, pass it as a stream).`);
      }
      if (opened.identity.size === 0) throw new EmptyArchiveError(`The file ${path}`);
      return new FileReader({ handle: opened.handle, identity: opened.identity });
    } catch (err) {
      await opened.handle.close();
      throw err;
    }
  }

  async read(index: number, into: Uint8Array): Promise<number> {
    const position = index * into.byteLength;
    const want = Math.min(into.byteLength, this.size - position);
    if (want <= 0) return 0;
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.handle.read(into, got, want - got, position + got);
      if (bytesRead === 0) {
        throw new SourceChangedError(this.file.path, `it ended at byte ${position + got}, but it had ${this.size} bytes when the upload began`);
      }
      got += bytesRead;
    }
    await this.checkUnchanged();
    return got;
  }

  /** A stat by path (not of the open descriptor): a file replaced behind the path counts as changed. */
  async checkUnchanged(): Promise<void> {
    let now: FileIdentity;
    try {
      now = await currentIdentity(this.file.path);
    } catch (err) {
      throw new SourceChangedError(this.file.path, `it can no longer be found (${(err as NodeJS.ErrnoException).code})`);
    }
    const difference = identityDifference(this.file, now);
    if (difference) throw new SourceChangedError(this.file.path, difference);
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}

class BytesReader implements PartReader {
  readonly kind = 'bytes' as const;
  readonly size: number;
  constructor(private readonly bytes: Uint8Array) {
    this.size = bytes.byteLength;
  }

  async read(index: number, into: Uint8Array): Promise<number> {
    const start = index * into.byteLength;
    if (start >= this.size) return 0;
    // Copied into the uploader's shared buffer: handing the pool a view of the caller's own
    // buffer could transfer (detach) it.
    const part = this.bytes.subarray(start, Math.min(this.size, start + into.byteLength));
    into.set(part);
    return part.byteLength;
  }

  async checkUnchanged(): Promise<void> {}
  async close(): Promise<void> {}
}

class StreamReader implements PartReader {
  readonly kind = 'stream' as const;
  readonly size = undefined;
  private readonly iterator: AsyncIterator<Uint8Array | string>;
  private pending: Uint8Array | undefined;
  private done = false;
  private next = 0;

  constructor(source: AsyncIterable<Uint8Array | string>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  async read(index: number, into: Uint8Array): Promise<number> {
    if (index !== this.next) throw new InvariantError(`stream parts must be read in order (asked for ${index}, next is ${this.next})`);
    this.next++;
    let filled = 0;
    while (filled < into.byteLength) {
      if (!this.pending || this.pending.byteLength === 0) {
        if (this.done) break;
        const r = await this.iterator.next();
        if (r.done) {
          this.done = true;
          break;
        }
        this.pending = toBytes(r.value);
        continue;
      }
      const take = Math.min(this.pending.byteLength, into.byteLength - filled);
      into.set(this.pending.subarray(0, take), filled);
      filled += take;
      this.pending = this.pending.subarray(take);
    }
    return filled;
  }

  /** True once the stream has nothing more to give (checked after a full part). */
  async exhausted(): Promise<boolean> {
    while (!this.pending || this.pending.byteLength === 0) {
      if (this.done) return true;
      const r = await this.iterator.next();
      if (r.done) {
        this.done = true;
        return true;
      }
      this.pending = toBytes(r.value);
    }
    return false;
  }

  async checkUnchanged(): Promise<void> {}

  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      // Ends the iteration; for a Node Readable this destroys the stream.
      await this.iterator.return?.().catch(() => undefined);
    }
  }
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new InvalidUploadOptionError('source', `The source stream produced a ${describe(chunk)} chunk; it must produce Uint8Array/Buffer chunks (not object mode).`);
}

export function isStreamReader(r: PartReader): r is PartReader & { exhausted(): Promise<boolean> } {
  return r instanceof StreamReader;
}
