// The error contract of the package root: one class per cause, each `code` owned by one class,
// old names kept as aliases of the class of their cause, and library messages free of CLI words
// (the CLI builds its next steps from the errors' fields, in src/cli/next-step.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as root from 'glacier-multipart';

/** A command of this CLI written out ("glacier-multipart vault create v", "glacier-multipart download --vault …"). */
const COMMAND = /glacier-multipart (resume|abort|uploads|parts|vault create|serve|retrieve|jobs|sync|restore|purge|catalog \w+|(upload|download|inventory) (--|-|\/|<|\$))/;

const holder = { pid: 1, command: 'sync', hostname: 'h', started: '2026-01-01T00:00:00Z' };
const cause = Object.assign(new Error('Vault not found for ARN: arn:aws:glacier:us-east-1:1:vaults/v'), { name: 'ResourceNotFoundException' });
const h = 'a'.repeat(64);
const hb = 'b'.repeat(64);

/**
 * Every distinct error class the root exports, built from its cause's facts. Each sample is one
 * way the library raises it (a class with two codes has two samples).
 */
const SAMPLES: Record<string, () => Error[]> = {
  ArchiveNotFoundError: () => [new root.ArchiveNotFoundError('v', 'A1')],
  CancelledError: () => [
    new root.CancelledError({ operation: 'upload', uploadId: 'U1', journal: '/j' }),
    new root.CancelledError({ operation: 'download', jobId: 'J1', journal: '/j' }),
    new root.CancelledError({ operation: 'hash' }),
  ],
  CatalogAccessError: () => [new root.CatalogAccessError('/c', 'The catalog /c does not exist')],
  CatalogFormatError: () => [new root.CatalogFormatError('/c', 3, 'unknown record')],
  CatalogLockedError: () => [new root.CatalogLockedError('/c', '/c.lock', holder)],
  ChecksumMismatchError: () => [
    new root.ChecksumMismatchError({ scope: 'part', operation: 'upload', what: 'Part 0', expected: h, actual: hb, partIndex: 0 }),
    new root.ChecksumMismatchError({ scope: 'archive', operation: 'upload', what: 'Archive A1', expected: h, actual: hb, archiveId: 'A1' }),
    new root.ChecksumMismatchError({ scope: 'chunk', operation: 'download', what: 'Chunk 1', expected: h, actual: hb, chunk: { index: 1, first: 0, last: 9, attempts: 3 } }),
    new root.ChecksumMismatchError({ scope: 'file', operation: 'restore', what: 'a/b', path: 'a/b', expected: h, actual: hb }),
    new root.ChecksumMismatchError({ scope: 'archive', operation: 'migrate', what: 'Archive A1 (k)', archiveId: 'A1', jobId: 'J1', expected: h, actual: hb }),
  ],
  ChecksumNotPrecomputedError: () => [new root.ChecksumNotPrecomputedError('UploadMultipartPart')],
  ChunkTransferError: () => [new root.ChunkTransferError('SHORT_BODY', 'short'), new root.ChunkTransferError('STALLED', 'stalled'), new root.ChunkTransferError('BAD_RANGE', 'range')],
  CompleteAnswerLostError: () => [new root.CompleteAnswerLostError({ vaultName: 'v', uploadId: 'U1', archiveSize: 5, treeHash: h, journal: '/j', fileChanged: 'size' })],
  DataDirInUseError: () => [new root.DataDirInUseError('/d', 1)],
  DescriptionTooLongError: () => [new root.DescriptionTooLongError('a/b', 2000)],
  DestinationExistsError: () => [new root.DestinationExistsError('/out')],
  DiskFullError: () => [new root.DiskFullError('/out', 'needs 5 bytes')],
  EmptyArchiveError: () => [new root.EmptyArchiveError('/f')],
  FileIsDirectoryError: () => [new root.FileIsDirectoryError('/d')],
  FileNotFoundError: () => [new root.FileNotFoundError('/f')],
  FileNotReadableError: () => [new root.FileNotReadableError('/f', 'permission denied')],
  HashWorkerError: () => [new root.HashWorkerError('part 0', new Error('boom'))],
  HasherFinalizedError: () => [new root.HasherFinalizedError('update')],
  IncompleteUploadError: () => [new root.IncompleteUploadError('U1', [2, 3])],
  InsufficientCapacityError: () => [new root.InsufficientCapacityError('v', 'A1')],
  InvalidCatalogPathError: () => [new root.InvalidCatalogPathError('../x', "it has a '..' segment")],
  InvalidDescriptionError: () => [new root.InvalidDescriptionError('character 3 is not printable ASCII')],
  InvalidOptionError: () => [new root.InvalidOptionError('maxAttempts', 'maxAttempts must be a whole number from 1 to 100, got 0.')],
  InvalidPartDataError: () => [new root.InvalidPartDataError('not bytes')],
  InvalidPartSizeError: () => [new root.InvalidPartSizeError(3, 'not a power of two')],
  InvalidShardError: () => [new root.InvalidShardError('5/4', 'I must be below N')],
  InvalidTreeHashError: () => [new root.InvalidTreeHashError('bad hash')],
  InvariantError: () => [new root.InvariantError('broken')],
  InventoryFormatError: () => [new root.InventoryFormatError('no ArchiveList')],
  InventoryJobError: () => [new root.InventoryJobError('J1', 'Inventory job J1 failed: start a new one.', { vaultName: 'v' })],
  JobNotFoundError: () => [
    new root.JobNotFoundError('v', 'J1', { archiveId: 'A1' }),
    new root.JobNotFoundError('v', 'J1', { archiveId: 'A1', journal: '/j', keptChunks: 2, duringDownload: true }),
  ],
  JobNotReadyError: () => [
    new root.JobNotReadyError({ vaultName: 'v', jobId: 'J1' }),
    new root.JobNotReadyError({ vaultName: 'v', jobId: 'J1', action: 'InventoryRetrieval', waitedMs: 5000, timedOut: true }),
  ],
  JournalError: () => [
    new root.JournalError({ journal: '/j', operation: 'upload', kind: 'damaged', uploadId: 'U1', problem: '/j line 3 is damaged', fix: 'Resume with the upload id U1 instead.' }),
    new root.JournalError({ journal: '/j', operation: 'download', kind: 'mismatch', problem: 'The journal /j belongs to archive A2', fix: 'Delete it.' }),
  ],
  JournalLockedError: () => [new root.JournalLockedError('/j', '/j.lock', holder)],
  PoolDestroyedError: () => [new root.PoolDestroyedError('hashPart')],
  PoolQueueFullError: () => [new root.PoolQueueFullError(8)],
  RangeNotAlignedError: () => [new root.RangeNotAlignedError('1-2', 'FIRST 1 is not a multiple of 1048576')],
  RequestTimeoutError: () => [new root.RequestTimeoutError('UploadMultipartPart', { cause: new Error('socket timed out') })],
  ResumeMismatchError: () => [new root.ResumeMismatchError('None of the parts match', { kind: 'foreign-parts', uploadId: 'U1' })],
  RetrievalJobFailedError: () => [new root.RetrievalJobFailedError('v', 'J1', 'A1', 'gone')],
  RetrievalPolicyError: () => [new root.RetrievalPolicyError('over the free tier')],
  SourceChangedError: () => [new root.SourceChangedError('/f', 'size 1 -> 2')],
  TooManyPartsError: () => [new root.TooManyPartsError(1048576, 20_000 * 1048576)],
  UnexpectedResponseError: () => [new root.UnexpectedResponseError('InitiateJob', 'an x-amz-job-id header')],
  UploadFailedError: () => [new root.UploadFailedError('Upload to vault "v" failed', { uploadId: 'U1', aborted: false, uploadedParts: 1, cause: new Error('x') })],
  UploadNotFoundError: () => [new root.UploadNotFoundError('v', 'U1', { journal: '/j' })],
  VaultNotFoundError: () => [new root.VaultNotFoundError('v', { cause })],
  WasmCoreError: () => [new root.WasmCoreError('no SIMD')],
  WasmEngineUnavailableError: () => [new root.WasmEngineUnavailableError('no WebAssembly')],
  WorkerCrashedError: () => [new root.WorkerCrashedError('part 0', 1)],
  UnsafeDestinationError: () => [new root.UnsafeDestinationError('/out'), new root.UnsafeDestinationError('a/b', { operation: 'restore', link: '/d/a', detail: 'is a symbolic link' })],
  JournalDirAccessError: () => [new root.JournalDirAccessError('/c.journals', 'EACCES')],
  CatalogVaultMismatchError: () => [new root.CatalogVaultMismatchError('/c', 'v1', 'v2')],
  MigrationStateError: () => [new root.MigrationStateError('/s', 'Cannot open the migration state file /s')],
};

/** Base classes: they take their subclass's code and are never thrown themselves. */
const BASES = new Set<unknown>([root.GlacierMultipartError, root.UsageError, root.LockHeldError]);

const exportedClasses = () => {
  const byClass = new Map<Function, string[]>();
  for (const [name, value] of Object.entries(root)) {
    if (typeof value !== 'function' || !(value.prototype instanceof Error || value === root.GlacierMultipartError)) continue;
    byClass.set(value, [...(byClass.get(value) ?? []), name]);
  }
  return byClass;
};

describe('error classes of the package root', () => {
  it('every exported error class has a sample here (a new class must join the contract)', () => {
    const missing = [...exportedClasses().keys()].filter((c) => !BASES.has(c) && !(c.name in SAMPLES)).map((c) => c.name);
    expect(missing).toEqual([]);
    for (const name of Object.keys(SAMPLES)) expect(root, name).toHaveProperty(name);
  });

  it('no two exported classes share a code', () => {
    const owner = new Map<string, string>();
    for (const cls of exportedClasses().keys()) {
      if (BASES.has(cls)) continue;
      for (const err of SAMPLES[cls.name]!()) {
        expect(err, cls.name).toBeInstanceOf(cls);
        const code = (err as root.GlacierMultipartError).code;
        expect(code, cls.name).toMatch(/^[A-Z][A-Z0-9_]+$/);
        const first = owner.get(code);
        expect(first === undefined || first === cls.name, `${code} is used by ${first} and ${cls.name}`).toBe(true);
        owner.set(code, cls.name);
      }
    }
    expect(owner.size).toBeGreaterThan(50);
  });

  it('messages are neutral: no CLI flag and no glacier-multipart command, the facts as fields', () => {
    for (const [name, samples] of Object.entries(SAMPLES)) {
      for (const err of samples()) {
        expect(err.message, name).not.toMatch(/(^|[\s(])--[a-z]/);
        expect(err.message, name).not.toMatch(COMMAND);
        expect(err.message, name).not.toMatch(/\bCLI\b/);
      }
    }
    const [upload, download] = SAMPLES.CancelledError!() as root.CancelledError[];
    expect(upload).toMatchObject({ operation: 'upload', uploadId: 'U1', journal: '/j', code: 'CANCELLED', name: 'AbortError' });
    expect(download).toMatchObject({ operation: 'download', jobId: 'J1' });
    const notReady = SAMPLES.JobNotReadyError!()[1] as root.JobNotReadyError;
    expect(notReady).toMatchObject({ vaultName: 'v', jobId: 'J1', action: 'InventoryRetrieval', timedOut: true, waitedMs: 5000 });
    const chunk = SAMPLES.ChecksumMismatchError!()[2] as root.ChecksumMismatchError;
    expect(chunk).toMatchObject({ scope: 'chunk', operation: 'download', chunkIndex: 1, first: 0, last: 9, expected: h, actual: hb });
  });

  it('old names are deprecated aliases of the class of their cause: instanceof still holds', () => {
    const cancels = SAMPLES.CancelledError!();
    for (const err of cancels) {
      expect(err).toBeInstanceOf(root.UploadCancelledError);
      expect(err).toBeInstanceOf(root.DownloadCancelledError);
      expect(err).toBeInstanceOf(root.HashAbortedError);
    }
    for (const err of SAMPLES.ChecksumMismatchError!()) {
      expect(err).toBeInstanceOf(root.DownloadChecksumError);
      expect(err).toBeInstanceOf(root.RestoreMismatchError);
      expect(err).toBeInstanceOf(root.ArchiveCopyError);
    }
    for (const err of SAMPLES.JournalError!()) expect(err).toBeInstanceOf(root.DownloadJournalError);
    for (const err of SAMPLES.JobNotReadyError!()) {
      expect(err).toBeInstanceOf(root.JobNotCompleteError);
      expect(err).toBeInstanceOf(root.JobWaitTimeoutError);
      expect(err).toBeInstanceOf(root.InventoryNotReadyError);
    }
    // A cause is one class: an unrelated error is not an instance of another cause's alias.
    expect(new root.VaultNotFoundError('v')).not.toBeInstanceOf(root.UploadCancelledError);
  });
});

/** String literals of a TypeScript file, comments removed (a rough lexer: enough for this source). */
function literals(text: string): string[] {
  const out: string[] = [];
  const re = /\/\*[\s\S]*?\*\/|\/\/[^\n]*|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g;
  for (const m of text.matchAll(re)) if (!m[0].startsWith('/')) out.push(m[0]);
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('library source outside src/cli', () => {
  it('writes no CLI flag or glacier-multipart command into a message', () => {
    const src = join(import.meta.dirname, '..', 'src');
    const found: string[] = [];
    for (const file of sourceFiles(src)) {
      if (file.startsWith(join(src, 'cli'))) continue;
      for (const lit of literals(readFileSync(file, 'utf8'))) {
        // Node's own flags (setFlagsFromString) and regular expressions are not messages.
        if (/^['"`]--(expose-gc|no-expose-gc)['"`]$/.test(lit)) continue;
        // The descriptions restore and migrate give their retrieval jobs at Glacier, not messages.
        if (lit === '`glacier-multipart restore`' || lit === "'glacier-multipart migrate'") continue;
        if (/(^|[\s(`'"])--[a-z][a-z-]+/.test(lit) || COMMAND.test(lit) || /\(CLI:/.test(lit)) {
          found.push(`${file.slice(src.length + 1)}: ${lit.slice(0, 120)}`);
        }
      }
    }
    expect(found).toEqual([]);
  });
});
