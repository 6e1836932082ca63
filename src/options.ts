import { InvalidPartSizeError, TooManyPartsError, UsageError } from './errors.js';

/**
 * The one contract for options: Glacier's own limits, one table of every numeric option (its range
 * and default), and the validators every library entry point and the CLI's argument parsers use.
 * A bad value throws InvalidOptionError naming the option, before any request. No `node:` imports:
 * src/pool, src/glacier, src/catalog, src/server and src/cli all read it.
 */

/** An option that is missing, of the wrong type or out of range. `option` is its library name. */
export class InvalidOptionError extends UsageError {
  /** The option's name in the library's options object, e.g. 'maxAttempts'. */
  readonly option: string;
  /** What a valid value is, e.g. 'a whole number from 1 to 100 (attempts per request)'; the CLI names its flag with it. */
  readonly expected: string | undefined;
  /** The value given, as text. */
  readonly received: string | undefined;
  constructor(option: string, message: string, facts?: { expected: string; received: string }) {
    super('INVALID_OPTION', message);
    this.option = option;
    this.expected = facts?.expected;
    this.received = facts?.received;
  }

  /** `${name} must be ${expected}, got ${value}.`, with the facts kept apart for the CLI. */
  static expected(option: string, expected: string, value: unknown, name = option): InvalidOptionError {
    const received = describeValue(value);
    return new InvalidOptionError(option, `${name} must be ${expected}, got ${received}.`, { expected, received });
  }
}

/** A value as an error message shows it: strings quoted, objects as JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (value !== null && typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}

// ── Glacier's own limits (glacier-rules.md) ─────────────────────────────────────────────────────
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const MIN_PART_SIZE = MiB;
export const MAX_PART_SIZE = 4 * GiB;
export const MAX_PARTS = 10_000;
export const MAX_ARCHIVE_SIZE = MAX_PARTS * MAX_PART_SIZE;
/**
 * The smallest part size 'auto' picks. Each UploadMultipartPart costs a signed request and a round
 * trip (tens of ms to a real region), so parts below 8 MiB spend a growing share of the time on
 * request overhead; 8 MiB also keeps the part count of everything up to 78 GiB within 10,000 while
 * holding only concurrency x 8 MiB in memory. Archives below 8 MiB go up in a single part.
 */
export const AUTO_MIN_PART_SIZE = 8 * MiB;
/** Largest chunk downloadArchive takes (one buffer per request in flight). */
export const MAX_CHUNK_SIZE = 1024 * MiB;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// ── The table ───────────────────────────────────────────────────────────────────────────────────
/** One numeric option: its library name, where it applies, its range and its default. */
export interface Limit {
  /** The option's name in the options object of `where`. */
  readonly option: string;
  /** The entry points taking it. */
  readonly where: string;
  readonly min: number;
  readonly max: number;
  /** The default (a number), or how it is chosen. */
  readonly default: number | string;
  /** What the number counts, as messages say it. */
  readonly what: string;
  /** Infinity is accepted too (meaning "no limit"). */
  readonly infinity?: boolean;
}

const limit = <D extends number | string>(option: string, where: string, min: number, max: number, dflt: D, what: string, infinity?: boolean): Limit & { readonly default: D } =>
  ({ option, where, min, max, default: dflt, what, ...(infinity ? { infinity } : {}) });
const ANY = Number.MAX_SAFE_INTEGER;
/** The longest delay a Node timer takes (longer ones fire after 1 ms). */
const TIMER_MAX = 2 ** 31 - 1;

/**
 * Every numeric option of the library, once. A key names the option where one name means
 * different things in different calls (`concurrency` counts parts, ranged requests, files or deletes).
 */
export const LIMITS = {
  // uploads
  uploadConcurrency: limit('concurrency', 'uploadArchive', 1, 1000, 4, 'parts in flight'),
  readAhead: limit('readAhead', 'uploadArchive', 0, 16, 'as many as fit in 32 MiB, at most 2', 'extra parts read and hashed ahead'),
  expectedSize: limit('expectedSize', 'uploadArchive', 1, ANY, 'none', 'bytes'),
  // every call that sends requests
  maxAttempts: limit('maxAttempts', 'uploadArchive, downloadArchive, MultipartUpload, jobs, inventory, sync, restore, purge', 1, 100, 5, 'attempts per request, the first included'),
  clientMaxAttempts: limit('maxAttempts', 'createGlacierClient', 1, 100, 1, "the SDK's attempts per request (we retry around it)"),
  requestTimeout: limit('requestTimeout', 'createGlacierClient, uploadArchive, downloadArchive, syncDirectory', 1, HOUR, 120_000, 'milliseconds a request may go without a byte moving'),
  connectTimeout: limit('connectTimeout', 'createGlacierClient, uploadArchive', 1, HOUR, 10_000, 'milliseconds to connect'),
  // hashing
  threads: limit('threads', 'HashPool, uploadArchive, downloadArchive, syncDirectory, completeRestore, checkLocalFiles', 1, 1024,
    'cores (uploads: cores - 1; downloads: 1)', 'hashing threads'),
  maxQueue: limit('maxQueue', 'HashPool', 0, ANY, Infinity, 'tasks waiting for a thread', true),
  idleTimeout: limit('idleTimeout', 'HashPool', 0, TIMER_MAX, 'none', 'ms before an idle thread exits', true),
  hashFileConcurrency: limit('concurrency', 'HashPool.hashFile', 1, 1000, 'threads x 2', 'parts hashed at once'),
  // downloads and jobs
  downloadConcurrency: limit('concurrency', 'downloadArchive', 1, 256, 4, 'ranged requests in flight'),
  pollInterval: limit('pollInterval', 'downloadArchive (wait), waitForJob, retrieveInventory', 1, DAY, '1 s growing to 1-5 min', 'milliseconds between job status checks'),
  waitTimeout: limit('timeout', 'downloadArchive (wait), waitForJob, retrieveInventory', 0, 30 * DAY, '48 h (inventory: 24 h)', 'milliseconds to wait for a job'),
  // many files
  syncConcurrency: limit('concurrency', 'syncDirectory', 1, 1000, 'probed from 8 up to 64', 'one-request uploads in flight'),
  partConcurrency: limit('partConcurrency', 'syncDirectory', 1, 1000, 4, 'parts in flight for a large file'),
  syncRequestTimeout: limit('requestTimeout', 'syncDirectory', 1, HOUR, 600_000, 'milliseconds a one-request upload may take'),
  restoreConcurrency: limit('concurrency', 'completeRestore', 1, 1000, 8, 'files downloaded at once'),
  maxFiles: limit('maxFiles', 'startRestore', 1, ANY, 'all', 'retrieval jobs started'),
  purgeConcurrency: limit('concurrency', 'purgeArchives', 1, 1000, 4, 'DeleteArchive calls at once'),
  // the local server
  port: limit('port', 'startLocalGlacier', 0, 65535, 'a free port (CLI serve: 3000)', 'the TCP port (0 picks a free one)'),
  pageLimit: limit('pageLimit', 'startLocalGlacier', 1, ANY, 50, 'items per list page'),
  uploadTtlMs: limit('uploadTtlMs', 'startLocalGlacier', 1, ANY, DAY, 'ms an idle multipart upload lives'),
  jobDelayMs: limit('jobDelayMs', 'startLocalGlacier', 0, ANY, 0, 'ms before a job completes'),
  jobOutputTtlMs: limit('jobOutputTtlMs', 'startLocalGlacier', 1, ANY, DAY, "ms a job's output stays"),
  expeditedCapacity: limit('expeditedCapacity', 'startLocalGlacier', 0, ANY, Infinity, 'Expedited jobs accepted', true),
  maxVaults: limit('maxVaults', 'startLocalGlacier', 1, ANY, 1000, 'vaults per account'),
  inventoryIntervalMs: limit('inventoryIntervalMs', 'startLocalGlacier', 0, ANY, DAY, 'ms between inventories'),
  headersTimeoutMs: limit('headersTimeoutMs', 'startLocalGlacier', 1, TIMER_MAX, 10_000, "ms to receive a request's headers"),
  bodyIdleTimeoutMs: limit('bodyIdleTimeoutMs', 'startLocalGlacier', 1, TIMER_MAX, 30_000, 'ms a request body may stall'),
  maxConnections: limit('maxConnections', 'startLocalGlacier', 1, ANY, 512, 'open connections'),
  latencyMs: limit('latencyMs', 'startLocalGlacier', 0, 60_000, 0, 'ms of emulated one-way delay'),
  bandwidthBitsPerSecond: limit('bandwidthBitsPerSecond', 'startLocalGlacier', 8_000, ANY, 'no cap', 'bits per second per direction'),
} as const satisfies Record<string, Limit>;

export type LimitKey = keyof typeof LIMITS;

/** The defaults as numbers, for the code that applies them (one place: this table). */
export const DEFAULTS = {
  uploadConcurrency: LIMITS.uploadConcurrency.default,
  maxAttempts: LIMITS.maxAttempts.default,
  requestTimeout: LIMITS.requestTimeout.default,
  connectTimeout: LIMITS.connectTimeout.default,
  downloadConcurrency: LIMITS.downloadConcurrency.default,
  chunkSize: 16 * MiB,
  partConcurrency: LIMITS.partConcurrency.default,
  syncRequestTimeout: LIMITS.syncRequestTimeout.default,
  restoreConcurrency: LIMITS.restoreConcurrency.default,
  purgeConcurrency: LIMITS.purgeConcurrency.default,
} as const;

/** 'an integer from 1 to 100 (attempts per request, the first included)' */
export function limitText(l: Limit): string {
  if (l.max !== ANY) return `an integer from ${l.min} to ${l.max}${l.infinity ? ', or Infinity' : ''} (${l.what})`;
  return `an integer of ${l.min} or more${l.infinity ? ', or Infinity' : ''} (${l.what})`;
}

/** Returns `value` (undefined stays undefined) when it is within the limit; throws InvalidOptionError otherwise. */
export function checkLimit(key: LimitKey, value: unknown, name?: string): number | undefined {
  if (value === undefined) return undefined;
  const l: Limit = LIMITS[key];
  if (l.infinity && value === Infinity) return value;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < l.min || value > l.max) {
    throw InvalidOptionError.expected(l.option, limitText(l), value, name ?? l.option);
  }
  return value;
}

// ── Glacier's value rules ───────────────────────────────────────────────────────────────────────
/** True when Glacier accepts `n` as a part size: 1 MiB x 2^k, from 1 MiB to 4 GiB. */
export function isValidPartSize(n: unknown): n is number {
  return isPowerOfTwoMiB(n, MAX_PART_SIZE);
}

function isPowerOfTwoMiB(n: unknown, max: number): n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < MiB || n > max) return false;
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

/** A download chunk: 1 MiB x 2^k up to 1 GiB, so each chunk is one node of the archive's hash tree. */
export function checkChunkSize(chunkSize: unknown): number {
  if (isPowerOfTwoMiB(chunkSize, MAX_CHUNK_SIZE)) return chunkSize;
  throw InvalidOptionError.expected('chunkSize',
    `1 MiB x 2^k from 1048576 to ${MAX_CHUNK_SIZE} bytes (so each chunk is one node of the archive's hash tree and ` +
    'Glacier sends its tree hash), e.g. 16777216 (16 MiB)', chunkSize);
}

/**
 * The part size for an archive of `archiveSize` bytes: the smallest power of two (in MiB) that keeps
 * the archive within 10,000 parts, but at least AUTO_MIN_PART_SIZE (8 MiB) to bound the request
 * count. Throws TooManyPartsError above 10,000 x 4 GiB.
 */
export function choosePartSize(archiveSize: number): number {
  if (typeof archiveSize !== 'number' || !Number.isSafeInteger(archiveSize) || archiveSize < 0) {
    throw new RangeError(`archiveSize must be a whole number of bytes >= 0, got ${String(archiveSize)}`);
  }
  if (archiveSize > MAX_ARCHIVE_SIZE) {
    throw new TooManyPartsError(MAX_PART_SIZE, archiveSize,
      `An archive of ${archiveSize} bytes is larger than Glacier's maximum of 10,000 parts x 4 GiB ` +
      `(${MAX_ARCHIVE_SIZE} bytes): split it into several archives.`);
  }
  let size = AUTO_MIN_PART_SIZE;
  while (size * MAX_PARTS < archiveSize) size *= 2;
  return size;
}

/** Glacier's vault-name rule: 1 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'. */
export function isValidVaultName(name: unknown): name is string {
  return typeof name === 'string' && /^[A-Za-z0-9_.-]{1,255}$/.test(name);
}

export function checkVaultName(name: unknown): string {
  if (isValidVaultName(name)) return name;
  throw InvalidOptionError.expected('vaultName', "1-255 characters of a-z, A-Z, 0-9, '_', '-' and '.'", name);
}

/** '-' (the credentials' account) or 12 digits; undefined means '-'. */
export function checkAccountId(accountId: unknown): void {
  if (accountId !== undefined && (typeof accountId !== 'string' || !/^(-|\d{12})$/.test(accountId))) {
    throw InvalidOptionError.expected('accountId', "'-' (the credentials' account) or a 12-digit AWS account id", accountId);
  }
}

export const RETRIEVAL_TIERS = ['Expedited', 'Standard', 'Bulk'] as const;
export type RetrievalTier = (typeof RETRIEVAL_TIERS)[number];

export function checkTier(tier: unknown): RetrievalTier | undefined {
  if (tier !== undefined && !RETRIEVAL_TIERS.includes(tier as RetrievalTier)) {
    throw InvalidOptionError.expected('tier', 'Expedited (minutes), Standard (hours) or Bulk (5-12 h)', tier);
  }
  return tier as RetrievalTier | undefined;
}

/** An inclusive byte range { first, last } with 0 <= first <= last (alignment is Glacier's rule: see checkRange in jobs). */
export function checkByteRange(range: unknown): { first: number; last: number } | undefined {
  if (range === undefined) return undefined;
  const r = range as { first: number; last: number };
  if (!r || typeof r !== 'object' || !Number.isSafeInteger(r.first) || !Number.isSafeInteger(r.last) || r.first < 0 || r.last < r.first) {
    const text = r && typeof r === 'object' ? `${r.first}-${r.last}` : String(range);
    throw new InvalidOptionError('range', `range must be { first, last } with 0 <= first <= last (inclusive archive bytes), got ${text}.`,
      { expected: 'FIRST-LAST with 0 <= FIRST <= LAST (inclusive archive bytes)', received: text });
  }
  return { first: r.first, last: r.last };
}

export function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidOptionError('signal', 'signal must be an AbortSignal (e.g. from new AbortController()).');
  }
  return signal;
}

/** `client` is something with send() (a GlacierClient); `clientConfig` configures the client we make, so not both. */
export function checkClient(o: { client?: unknown; clientConfig?: unknown }, required = false): void {
  if ((o.client !== undefined || required) && (!o.client || typeof (o.client as { send?: unknown }).send !== 'function')) {
    throw new InvalidOptionError('client', 'client must be a GlacierClient (e.g. createGlacierClient()).');
  }
  if (o.clientConfig !== undefined && (o.clientConfig === null || typeof o.clientConfig !== 'object')) {
    throw new InvalidOptionError('clientConfig', 'clientConfig must be a GlacierClientConfig object.');
  }
  if (o.client !== undefined && o.clientConfig !== undefined) {
    throw new InvalidOptionError('clientConfig', 'Pass either client or clientConfig, not both (clientConfig only configures the client glacier-multipart creates).');
  }
}

/** An options object was given at all. */
export function checkOptionsObject(o: unknown, call: string, shape: string): void {
  if (!o || typeof o !== 'object') throw new InvalidOptionError('options', `${call} needs an options object: ${shape}.`);
}

/** What every call sending requests to a vault takes: { client, vaultName, accountId?, signal?, maxAttempts? }. */
export function checkVaultCall(o: unknown, call: string, shape = '{ client, vaultName, ... }'): void {
  checkOptionsObject(o, call, shape);
  const t = o as { client?: unknown; vaultName?: unknown; accountId?: unknown; signal?: unknown; maxAttempts?: unknown };
  checkClient(t, true);
  checkVaultName(t.vaultName);
  checkAccountId(t.accountId);
  checkSignal(t.signal);
  checkLimit('maxAttempts', t.maxAttempts);
}
