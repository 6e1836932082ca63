/**
 * The one base class of every error glacier-multipart throws on purpose. Each layer defines its
 * subclasses next to its code (src/pool/errors.ts, src/glacier/errors.ts, …); all are exported from
 * the package root. Messages name what was wrong and what to do about it.
 */
export class GlacierMultipartError extends Error {
  /** A stable machine-readable code, e.g. 'INVALID_PART_SIZE'. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Input that cannot work as given (an option value, a missing option, a combination that makes no
 * sense), found before any request: fix the call or the command line. The CLI exits 2 for these.
 */
export class UsageError extends GlacierMultipartError {}

/** A part size Glacier would refuse: it must be 1 MiB x 2^n, from 1 MiB to 4 GiB. */
export class InvalidPartSizeError extends GlacierMultipartError {
  readonly partSize: unknown;
  constructor(partSize: unknown, detail: string) {
    super(
      'INVALID_PART_SIZE',
      `Invalid part size ${typeof partSize === 'string' ? JSON.stringify(partSize) : String(partSize)} (${detail}): Glacier accepts 1 MiB x 2^n ` +
        `between 1048576 (1 MiB) and 4294967296 (4 GiB) bytes, e.g. 8388608 (8 MiB).`,
    );
    this.partSize = partSize;
  }
}

/** The archive cannot fit in Glacier's 10,000 parts at this part size. */
export class TooManyPartsError extends GlacierMultipartError {
  readonly partSize: number;
  readonly archiveSize: number | undefined;
  constructor(partSize: number, archiveSize: number | undefined, message?: string) {
    super('TOO_MANY_PARTS', message ??
      `An archive of ${archiveSize} bytes needs more than 10,000 parts of ${partSize} bytes: pass a larger ` +
      `partSize (or 'auto'); an archive can be at most 10,000 x 4 GiB.`);
    this.partSize = partSize;
    this.archiveSize = archiveSize;
  }
}

/**
 * The one "file changed" error: a source file's identity (size, inode, mtime, ctime) or length
 * changed while it was being read, hashed or uploaded. The pool's FileChangedError is this class.
 */
export class SourceChangedError extends GlacierMultipartError {
  readonly path: string;
  constructor(path: string, detail: string) {
    super('SOURCE_CHANGED',
      `${path} changed while it was being uploaded or hashed (${detail}): an archive or hash of it would not match any version ` +
      `of the file. Use a file that nobody writes to (e.g. a copy or a snapshot).`);
    this.path = path;
  }
}

/**
 * A broken internal invariant (a bug in glacier-multipart, never bad input): report it. Not named
 * "InternalError", which is one of Glacier's retryable error names.
 */
export class InvariantError extends GlacierMultipartError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INTERNAL', `${message} (a bug in glacier-multipart: please report it)`, options);
  }
}
