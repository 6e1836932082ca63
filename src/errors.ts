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
