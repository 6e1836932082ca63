import { InvalidPartSizeError } from './errors.js';

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
