import { InvalidDescriptionError, TooManyPartsError } from './errors.js';

import { MAX_PARTS, MiB } from '../options.js';

// Glacier's part-size rule, limits and the 'auto' part size are shared with the pool (src/options.ts).
export {
  MiB, GiB, MIN_PART_SIZE, MAX_PART_SIZE, MAX_PARTS, MAX_ARCHIVE_SIZE, AUTO_MIN_PART_SIZE, isValidPartSize, validatePartSize, choosePartSize,
} from '../options.js';
export const MAX_DESCRIPTION_LENGTH = 1024;

/**
 * Part size for a stream of unknown size with partSize 'auto' and no `expectedSize` hint: 64 MiB
 * parts allow archives up to 625 GiB (10,000 parts) and cost concurrency x 64 MiB of memory (pages
 * are only touched as data arrives, so a short stream costs far less). Pass `expectedSize` (or an
 * explicit partSize) to go beyond 625 GiB or to use less memory.
 */
export const DEFAULT_STREAM_PART_SIZE = 64 * MiB;

/** How many parts an archive of `archiveSize` bytes has (an empty archive has none). */
export function partCountFor(archiveSize: number, partSize: number): number {
  return Math.ceil(archiveSize / partSize);
}

/** Throws TooManyPartsError when the archive does not fit in 10,000 parts of `partSize`. */
export function checkPartCount(archiveSize: number, partSize: number): number {
  const count = partCountFor(archiveSize, partSize);
  if (count > MAX_PARTS) throw new TooManyPartsError(partSize, archiveSize);
  return count;
}

/** Inclusive byte range of part `index`: Content-Range `bytes first-last/*`. */
export interface PartRange {
  index: number;
  first: number;
  last: number;
}

/** The range of part `index` of `size` bytes (every part but the last is exactly partSize). */
export function partRange(index: number, partSize: number, size: number): PartRange {
  if (!Number.isSafeInteger(index) || index < 0 || index >= MAX_PARTS) {
    throw new RangeError(`Part index must be a whole number from 0 to ${MAX_PARTS - 1}, got ${String(index)}`);
  }
  if (!Number.isSafeInteger(size) || size < 1 || size > partSize) {
    throw new RangeError(`Part ${index} has ${size} bytes; a part holds 1 to ${partSize} (the part size) bytes`);
  }
  const first = index * partSize;
  return { index, first, last: first + size - 1 };
}

/** The Content-Range header value Glacier expects: `bytes FIRST-LAST/*`. */
export function contentRange(range: { first: number; last: number }): string {
  return `bytes ${range.first}-${range.last}/*`;
}

/**
 * Parses ListParts' RangeInBytes ("FIRST-LAST", inclusive). Glacier has been seen to report a range
 * one byte too long (boto worked around it): a range of partSize + 1 bytes is read as partSize.
 * Returns undefined for something that is no range at all or not aligned to the part size.
 */
export function parseListedRange(text: string, partSize: number): (PartRange & { quirk: boolean }) | undefined {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const first = Number(m[1]);
  let last = Number(m[2]);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first || first % partSize !== 0) return undefined;
  let quirk = false;
  if (last - first + 1 === partSize + 1) {
    last -= 1;
    quirk = true;
  }
  if (last - first + 1 > partSize) return undefined;
  return { index: first / partSize, first, last, quirk };
}

/** Throws InvalidDescriptionError unless Glacier accepts it (<= 1,024 chars, 0x20-0x7E). */
export function validateDescription(description: unknown): string | undefined {
  if (description === undefined) return undefined;
  if (typeof description !== 'string') throw new InvalidDescriptionError(`it is a ${typeof description}, not a string`);
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw new InvalidDescriptionError(`it has ${description.length} characters`);
  }
  for (let i = 0; i < description.length; i++) {
    const c = description.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      throw new InvalidDescriptionError(
        `character ${i + 1} is U+${c.toString(16).toUpperCase().padStart(4, '0')}${c >= 0x20 && c !== 0x7f ? ` ("${description[i]}")` : ''}`);
    }
  }
  return description;
}

// The vault-name and account-id rules live with the other option rules (src/options.ts).
export { isValidVaultName, checkVaultName, checkAccountId } from '../options.js';
