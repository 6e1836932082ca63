/** hashFile's arguments, checked before the file is touched. */
import { InvalidOptionError, checkLimit, checkSignal, validatePartSize } from '../options.js';
import { describe } from './describe-value.js';
import type { HashFileOptions } from './types.js';

export function checkHashFileArgs(path: string, opts: HashFileOptions): void {
  if (typeof path !== 'string' || path.length === 0) {
    throw new InvalidOptionError('path', `hashFile expects a file path (a non-empty string); got ${describe(path)}.`);
  }
  if (opts.partSize !== undefined) validatePartSize(opts.partSize);
  checkLimit('hashFileConcurrency', opts.concurrency);
  checkSignal(opts.signal);
  if (opts.parts !== undefined && !Array.isArray(opts.parts)) {
    throw new InvalidOptionError('parts', `Invalid parts: ${describe(opts.parts)}. Pass an array of part indexes (0-based whole numbers), or leave it out to hash every part.`);
  }
  if (opts.onPart !== undefined && typeof opts.onPart !== 'function') {
    throw new InvalidOptionError('onPart', `Invalid onPart: ${describe(opts.onPart)}. Pass a function (part) => void.`);
  }
}

/** hashFile's `parts`: whole numbers below partCount, no repeats; returned sorted. */
export function checkPartIndexes(parts: readonly number[], partCount: number, path: string, size: number, partSize: number): number[] {
  const seen = new Set<number>();
  for (const i of parts) {
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= partCount) {
      const valid = partCount === 0 ? 'it is empty and has no parts, so pass parts: []' : `its ${size} bytes make ${partCount} part${partCount === 1 ? '' : 's'} of ${partSize} bytes, so use whole numbers from 0 to ${partCount - 1}`;
      throw new InvalidOptionError('parts', `Invalid part index ${describe(i)} for ${path}: ${valid}.`);
    }
    if (seen.has(i)) throw new InvalidOptionError('parts', `Part index ${i} is listed twice in parts: list each part once.`);
    seen.add(i);
  }
  return [...seen].sort((a, b) => a - b);
}
