import { InvalidPartSizeError, TooManyPartsError } from './errors.js';

/**
 * Glacier's own limits (glacier-rules.md), shared by the layers that need them (src/pool hashes files
 * in parts, src/glacier uploads them), so the part-size rule is written once. No `node:` imports.
 */
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const MIN_PART_SIZE = MiB;
export const MAX_PART_SIZE = 4 * GiB;
export const MAX_PARTS = 10_000;
export const MAX_ARCHIVE_SIZE = MAX_PARTS * MAX_PART_SIZE;

/** True when Glacier accepts `n` as a part size: 1 MiB x 2^k, from 1 MiB to 4 GiB. */
export function isValidPartSize(n: unknown): n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < MIN_PART_SIZE || n > MAX_PART_SIZE) return false;
  const mib = n / MiB;
  return Number.isInteger(mib) && (mib & (mib - 1)) === 0;
}

/** Returns `n` when Glacier would accept it as a part size; throws InvalidPartSizeError otherwise. */
export function validatePartSize(n: unknown): number {
  if (isValidPartSize(n)) return n;
  let detail: string;
  if (typeof n !== 'number') detail = `a ${typeof n}, not a number of bytes`;
  else if (!Number.isSafeInteger(n)) detail = 'not a whole number of bytes';
  else if (n < MIN_PART_SIZE) detail = 'below 1 MiB';
  else if (n > MAX_PART_SIZE) detail = 'above 4 GiB';
  else detail = 'not a power-of-two number of MiB';
  throw new InvalidPartSizeError(n, detail);
}

/**
 * The smallest part size 'auto' picks. Each UploadMultipartPart costs a signed request and a round
 * trip (tens of ms to a real region), so parts below 8 MiB spend a growing share of the time on
 * request overhead; 8 MiB also keeps the part count of everything up to 78 GiB within 10,000 while
 * holding only concurrency x 8 MiB in memory. Archives below 8 MiB go up in a single part.
 */
export const AUTO_MIN_PART_SIZE = 8 * MiB;

function validateArchiveSize(archiveSize: unknown, name = 'archiveSize'): number {
  if (typeof archiveSize !== 'number' || !Number.isSafeInteger(archiveSize) || archiveSize < 0) {
    throw new RangeError(`${name} must be a whole number of bytes >= 0, got ${String(archiveSize)}`);
  }
  return archiveSize;
}

/**
 * The part size for an archive of `archiveSize` bytes: the smallest power of two (in MiB) that keeps
 * the archive within 10,000 parts, but at least AUTO_MIN_PART_SIZE (8 MiB) to bound the request
 * count. Throws TooManyPartsError above 10,000 x 4 GiB.
 */
export function choosePartSize(archiveSize: number): number {
  validateArchiveSize(archiveSize);
  if (archiveSize > MAX_ARCHIVE_SIZE) {
    throw new TooManyPartsError(MAX_PART_SIZE, archiveSize,
      `An archive of ${archiveSize} bytes is larger than Glacier's maximum of 10,000 parts x 4 GiB ` +
      `(${MAX_ARCHIVE_SIZE} bytes): split it into several archives.`);
  }
  let size = AUTO_MIN_PART_SIZE;
  while (size * MAX_PARTS < archiveSize) size *= 2;
  return size;
}
