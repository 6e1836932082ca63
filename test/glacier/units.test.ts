// Pure units of the uploader: part sizing, validation, Content-Range math, the retry policy and
// the journal format. No network.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AUTO_MIN_PART_SIZE, GlacierMultipartError, InvalidDescriptionError, InvalidPartSizeError, JournalError, MAX_PARTS,
  TooManyPartsError, choosePartSize, isValidPartSize, readJournal, validateDescription, validatePartSize,
} from 'glacier-multipart';
// Internals, not part of the package root (issue 10): imported by path.
import { contentRange, parseListedRange, partRange } from '../../dist/src/glacier/part-size.js';
import { backoffDelay, isRetryableError } from '../../dist/src/glacier/retry.js';
import { JournalWriter, JOURNAL_FORMAT } from '../../dist/src/glacier/upload/journal.js';
import { withRetries } from '../../dist/src/glacier/retry.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('choosePartSize', () => {
  it('never goes below the 8 MiB floor', () => {
    expect(AUTO_MIN_PART_SIZE).toBe(8 * MiB);
    expect(choosePartSize(0)).toBe(8 * MiB);
    expect(choosePartSize(1)).toBe(8 * MiB);
    expect(choosePartSize(1 * GiB)).toBe(8 * MiB);
    expect(choosePartSize(8 * MiB * 10_000)).toBe(8 * MiB);
  });

  it('picks the smallest power of two keeping the archive within 10,000 parts', () => {
    expect(choosePartSize(8 * MiB * 10_000 + 1)).toBe(16 * MiB);
    expect(choosePartSize(100 * GiB)).toBe(16 * MiB);
    expect(choosePartSize(1000 * GiB)).toBe(128 * MiB);
    expect(choosePartSize(4 * GiB * 10_000)).toBe(4 * GiB);
    for (const size of [1, 5 * MiB, 77 * GiB, 78.125 * GiB, 78.125 * GiB + 1, 3000 * GiB, 39_000 * GiB]) {
      const ps = choosePartSize(Math.floor(size));
      expect(isValidPartSize(ps)).toBe(true);
      expect(Math.ceil(Math.floor(size) / ps)).toBeLessThanOrEqual(MAX_PARTS);
      if (ps > AUTO_MIN_PART_SIZE) expect(Math.ceil(Math.floor(size) / (ps / 2))).toBeGreaterThan(MAX_PARTS);
    }
  });

  it('refuses archives beyond 10,000 x 4 GiB with TooManyPartsError', () => {
    expect(() => choosePartSize(4 * GiB * 10_000 + 1)).toThrow(TooManyPartsError);
    expect(() => choosePartSize(-1)).toThrow(RangeError);
    expect(() => choosePartSize(1.5)).toThrow(RangeError);
  });
});

describe('part size validation', () => {
  it('accepts exactly 1 MiB x 2^n up to 4 GiB', () => {
    for (let n = 0; n <= 12; n++) expect(validatePartSize(MiB * 2 ** n)).toBe(MiB * 2 ** n);
  });

  it.each([
    [0, 'below 1 MiB'], [MiB - 1, 'below 1 MiB'], [3 * MiB, 'power-of-two'], [MiB + 1, 'power-of-two'],
    [8 * GiB, 'above 4 GiB'], [1.5 * MiB, 'power-of-two'], [Number.NaN, 'whole number'], ['8MiB', 'string'],
  ])('refuses %s (%s)', (value, why) => {
    const err = (() => { try { validatePartSize(value); } catch (e) { return e; } })() as InvalidPartSizeError;
    expect(err).toBeInstanceOf(InvalidPartSizeError);
    expect(err).toBeInstanceOf(GlacierMultipartError);
    expect(err.code).toBe('INVALID_PART_SIZE');
    expect(err.message).toContain(why);
    expect(err.message).toMatch(/1048576.*4294967296/);
  });
});

describe('description validation', () => {
  it('accepts up to 1,024 printable ASCII characters', () => {
    expect(validateDescription(undefined)).toBeUndefined();
    expect(validateDescription('')).toBe('');
    const all = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
    expect(validateDescription(all)).toBe(all);
    expect(validateDescription('x'.repeat(1024))).toHaveLength(1024);
  });

  it('refuses 1,025 characters, control characters, DEL and non-ASCII, naming the culprit', () => {
    expect(() => validateDescription('x'.repeat(1025))).toThrow(/1025 characters/);
    expect(() => validateDescription('tab\there')).toThrow(/character 4 is U\+0009/);
    expect(() => validateDescription('del\x7f')).toThrow(/U\+007F/);
    expect(() => validateDescription('café')).toThrow(/character 4 is U\+00E9/);
    expect(() => validateDescription(42)).toThrow(InvalidDescriptionError);
  });
});

describe('Content-Range math', () => {
  it('maps part index to bytes index*partSize-…/*', () => {
    expect(contentRange(partRange(0, MiB, MiB))).toBe('bytes 0-1048575/*');
    expect(contentRange(partRange(3, MiB, MiB))).toBe('bytes 3145728-4194303/*');
    expect(contentRange(partRange(2, 4 * MiB, 1))).toBe('bytes 8388608-8388608/*');
    expect(partRange(9999, 4 * GiB, 4 * GiB).last).toBe(10_000 * 4 * GiB - 1);
  });

  it('refuses impossible parts', () => {
    expect(() => partRange(-1, MiB, 1)).toThrow(RangeError);
    expect(() => partRange(10_000, MiB, 1)).toThrow(RangeError);
    expect(() => partRange(0, MiB, MiB + 1)).toThrow(RangeError);
    expect(() => partRange(0, MiB, 0)).toThrow(RangeError);
  });

  it('reads ListParts ranges, tolerating one byte too long', () => {
    expect(parseListedRange('0-1048575', MiB)).toEqual({ index: 0, first: 0, last: 1048575, quirk: false });
    expect(parseListedRange('1048576-2097152', MiB)).toEqual({ index: 1, first: MiB, last: 2 * MiB - 1, quirk: true });
    expect(parseListedRange('2097152-2097161', MiB)).toEqual({ index: 2, first: 2 * MiB, last: 2 * MiB + 9, quirk: false });
    expect(parseListedRange('5-10', MiB)).toBeUndefined();
    expect(parseListedRange('0-2097151', MiB)).toBeUndefined();
    expect(parseListedRange('bytes 0-1', MiB)).toBeUndefined();
  });
});

describe('retry policy', () => {
  it('retries throttling, 5xx, 408 and connection failures; not client errors', () => {
    const meta = (status: number) => ({ $metadata: { httpStatusCode: status } });
    expect(isRetryableError({ name: 'ThrottlingException', ...meta(400) })).toBe(true);
    expect(isRetryableError({ name: 'ServiceUnavailableException', ...meta(500) })).toBe(true);
    expect(isRetryableError({ name: 'RequestTimeoutException', ...meta(408) })).toBe(true);
    expect(isRetryableError({ name: 'Unknown', ...meta(502) })).toBe(true);
    expect(isRetryableError({ name: 'Unknown', ...meta(503) })).toBe(true);
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED']) {
      expect(isRetryableError(Object.assign(new Error('x'), { code }))).toBe(true);
    }
    expect(isRetryableError(new Error('socket hang up'))).toBe(true);
    expect(isRetryableError(new Error('outer', { cause: Object.assign(new Error('inner'), { code: 'ECONNRESET' }) }))).toBe(true);

    expect(isRetryableError({ name: 'InvalidParameterValueException', ...meta(400) })).toBe(false);
    expect(isRetryableError({ name: 'ResourceNotFoundException', ...meta(404) })).toBe(false);
    expect(isRetryableError({ name: 'LimitExceededException', ...meta(400) })).toBe(false);
    expect(isRetryableError({ name: 'AccessDeniedException', ...meta(403) })).toBe(false);
    expect(isRetryableError(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe(false);
    expect(isRetryableError(new TypeError('bug'))).toBe(false);
  });

  it('uses full jitter under an exponential, capped bound', () => {
    expect(backoffDelay(1, 100, 20_000, () => 0.999999)).toBe(99);
    expect(backoffDelay(2, 100, 20_000, () => 0.999999)).toBe(199);
    expect(backoffDelay(5, 100, 20_000, () => 0.5)).toBe(800);
    expect(backoffDelay(30, 100, 20_000, () => 0.999999)).toBe(19_999);
    expect(backoffDelay(3, 100, 20_000, () => 0)).toBe(0);
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(4, 100, 20_000)));
    expect(seen.size).toBeGreaterThan(10);
    for (const d of seen) expect(d).toBeLessThan(800);
  });

  it('stops at maxAttempts and fails fast on non-retryable errors', async () => {
    let calls = 0;
    const transient = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    await expect(withRetries(async () => { calls++; throw transient; }, { maxAttempts: 3, baseDelayMs: 1 })).rejects.toBe(transient);
    expect(calls).toBe(3);
    calls = 0;
    const fatal = { name: 'InvalidParameterValueException', $metadata: { httpStatusCode: 400 } };
    await expect(withRetries(async () => { calls++; throw fatal; }, { maxAttempts: 5, baseDelayMs: 1 })).rejects.toBe(fatal);
    expect(calls).toBe(1);
    calls = 0;
    const delays: number[] = [];
    await expect(withRetries(async () => { if (++calls < 3) throw transient; return 'ok'; },
      { maxAttempts: 5, baseDelayMs: 1, onRetry: (_e, _a, d) => delays.push(d) })).resolves.toBe('ok');
    expect(delays).toHaveLength(2);
  });
});

describe('journal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glacier-journal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const header = {
    format: JOURNAL_FORMAT, version: 1, vaultName: 'v', accountId: '-', uploadId: 'U1', partSize: MiB,
    file: { path: '/x', size: 3 * MiB, mtimeMs: 1 }, archiveSize: 3 * MiB, createdAt: new Date(0).toISOString(),
  } as const;
  const h = (c: string) => c.repeat(64);

  it('records parts durably and reads them back; a line cut by a crash is ignored and trimmed', async () => {
    const path = join(dir, 'a.journal');
    const w = await JournalWriter.create(path, header);
    await Promise.all([w.recordPart(2, h('c'), 123), w.recordPart(0, h('a'), MiB)]);
    await w.close();
    appendFileSync(path, '{"part":1,"treeH'); // the crash
    const state = await readJournal(path);
    expect(state!.header.uploadId).toBe('U1');
    expect([...state!.parts.entries()].sort()).toEqual([[0, { treeHash: h('a'), size: MiB }], [2, { treeHash: h('c'), size: 123 }]]);
    const again = await JournalWriter.append(path);
    await again.recordPart(1, h('b'), MiB);
    await again.close();
    expect((await readJournal(path))!.parts.size).toBe(3);
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(4);
  });

  it('is undefined when absent and a JournalError when foreign or damaged', async () => {
    expect(await readJournal(join(dir, 'none'))).toBeUndefined();
    const foreign = join(dir, 'foreign');
    writeFileSync(foreign, '{"hello":1}\n');
    await expect(readJournal(foreign)).rejects.toThrow(JournalError);
    const damaged = join(dir, 'damaged');
    writeFileSync(damaged, `${JSON.stringify(header)}\nnot json\n{"part":1,"treeHash":"${h('a')}","size":1}\n`);
    await expect(readJournal(damaged)).rejects.toThrow(/line 2 is damaged.*U1/);
  });
});
