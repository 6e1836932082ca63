import { InvalidSizeError } from './errors.js';

/**
 * Binary units only: Glacier's part sizes are 1 MiB x 2^n, so `8MB` meaning 8,000,000 bytes would
 * be a trap. `K`/`KB`/`KiB` (any case) all mean 1024; the SI spelling is accepted as the binary unit
 * because that is what people mean when they type `--part-size 8MB` for Glacier.
 */
const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024, kb: 1024, kib: 1024,
  m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3,
  t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4,
};

/** Parses `8MiB`, `1GiB`, `512KiB`, `1.5GiB`, `1048576` into a whole number of bytes. */
export function parseSize(input: string): number {
  const text = String(input).trim();
  const match = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]*)$/.exec(text);
  if (!match) {
    throw new InvalidSizeError(input, text === '' ? 'it is empty' : 'it is not a non-negative number with an optional unit');
  }
  const unit = UNITS[match[2]!.toLowerCase()];
  if (unit === undefined) {
    throw new InvalidSizeError(input, `unknown unit "${match[2]}"`);
  }
  const bytes = Number(match[1]) * unit;
  if (!Number.isInteger(bytes)) {
    throw new InvalidSizeError(input, `it is ${bytes} bytes, not a whole number of bytes`);
  }
  if (!Number.isSafeInteger(bytes)) {
    throw new InvalidSizeError(input, 'it is too large');
  }
  return bytes;
}

/** `268435456` -> `256 MiB`; used in summaries and progress lines. */
export function formatSize(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  if (i === 0) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const text = Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
  return `${text} ${units[i]}`;
}

/** `1 part`, `3 parts`. */
export function plural(n: number, word: string): string {
  return `${n} ${n === 1 ? word : `${word}s`}`;
}
