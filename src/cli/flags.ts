/**
 * The CLI's side of the option contract (src/options.ts): the one table from library option names
 * to flags, and the argument parsers, which run the library's own validators so a flag accepts
 * exactly what the library accepts. commander turns their InvalidArgumentError into a usage error
 * (exit 2) before any command runs.
 */
import { InvalidArgumentError } from 'commander';
import {
  InvalidOptionError, LIMITS, checkAccountId, checkChunkSize, checkLimit, type LimitKey,
} from '../options.js';
import { CliUsageError } from './errors.js';
import { parseSize } from './size.js';

/** A library option's flag (the name an error from the library is reported under). */
export const FLAG_OF: Readonly<Record<string, string>> = {
  vaultName: '--vault', accountId: '--account-id', maxAttempts: '--max-attempts', requestTimeout: '--request-timeout',
  connectTimeout: '--connect-timeout', endpoint: '--endpoint', threads: '--threads', engine: '--engine',
  concurrency: '--concurrency', partSize: '--part-size', description: '--description', journal: '--journal',
  uploadId: '--upload-id', archiveId: '--archive-id', jobId: '--job-id', tier: '--tier', range: '--range',
  chunkSize: '--chunk-size', pollInterval: '--poll-interval', destination: '--out', dir: '--dir', catalog: '--catalog',
  detect: '--detect', maxFiles: '--max-files', include: '--include', port: '--port', host: '--host', dataDir: '--data-dir',
  jobDelayMs: '--job-delay', credentials: '--access-key-id', latencyMs: '--latency', bandwidthBitsPerSecond: '--bandwidth',
};

/** An InvalidOptionError in the CLI's words: the flag instead of the library's option name. */
export function flagMessage(err: InvalidOptionError, flag = FLAG_OF[err.option]): string {
  if (!flag) return err.message;
  return err.expected !== undefined ? `${flag} must be ${err.expected}, got ${err.received}.` : `${flag}: ${err.message}`;
}

/** A library InvalidOptionError reaching the CLI, as a usage error naming the flag (exit 2); anything else unchanged. */
export function asUsageError(err: unknown): unknown {
  if (!(err instanceof InvalidOptionError) || !FLAG_OF[err.option]) return err;
  const usage = new CliUsageError(flagMessage(err), err.code);
  return Object.assign(usage, { cause: err });
}

/** Runs a library validator on a flag's value; its InvalidOptionError becomes commander's usage error. */
function validated<T>(flag: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof InvalidOptionError) throw new InvalidArgumentError(flagMessage(err, flag));
    if (err instanceof CliUsageError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

/** The flag of a limit of the table. */
export function flagOfLimit(key: LimitKey): string {
  return FLAG_OF[LIMITS[key].option] ?? `--${LIMITS[key].option}`;
}

/** A whole number within LIMITS[key], e.g. `--max-attempts 5`. */
export function intArg(key: LimitKey, flag = flagOfLimit(key)) {
  return (text: string): number => validated(flag, () => checkLimit(key, /^\s*\d+\s*$/.test(text) ? Number(text) : text)!);
}

/** Bytes: `8MiB`, `1GiB`, `1048576`. */
export function sizeArg(text: string): number {
  return validated('', () => parseSize(text));
}

export function partSizeArg(text: string): number | 'auto' {
  return text.trim().toLowerCase() === 'auto' ? 'auto' : sizeArg(text);
}

/** `--chunk-size`: a size downloadArchive takes (1 MiB x 2^k up to 1 GiB). */
export function chunkSizeArg(text: string): number {
  return validated('--chunk-size', () => checkChunkSize(parseSize(text)));
}

export function accountIdArg(text: string): string {
  return validated('--account-id', () => {
    checkAccountId(text.trim());
    return text.trim();
  });
}

/** A duration: seconds (30, 2.5), or with a unit: 500ms, 30s, 2m; in milliseconds within LIMITS[key]. */
export function durationArg(key: LimitKey) {
  return (text: string): number => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/i.exec(text);
    const scale: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
    const ms = m ? Math.round(Number(m[1]) * scale[(m[2] ?? 's').toLowerCase()]!) : NaN;
    const l = LIMITS[key];
    if (!(ms >= l.min && ms <= l.max)) {
      throw new InvalidArgumentError(`${flagOfLimit(key)} must be seconds (e.g. 120) or a duration with a unit (500ms, 30s, 2m), ` +
        `from ${l.min} ms to ${l.max / 1000} s (${l.what}), got "${text}".`);
    }
    return ms;
  };
}

/** --job-delay: "5000" for every tier, or "expedited=1000,standard=5000" (a tier left out: 0). */
export function jobDelayArg(text: string): number | Record<string, number> {
  const ms = (v: string) => validated('--job-delay', () => checkLimit('jobDelayMs', /^\s*\d+\s*$/.test(v) ? Number(v) : v)!);
  if (!text.includes('=')) return ms(text);
  const out: Record<string, number> = {};
  for (const item of text.split(',')) {
    const [tier = '', v = ''] = item.split('=');
    if (!['expedited', 'standard', 'bulk'].includes(tier)) throw new InvalidArgumentError(`--job-delay: "${tier}" is not a tier; use expedited, standard or bulk, e.g. expedited=1000,standard=5000.`);
    out[tier] = ms(v);
  }
  return out;
}
