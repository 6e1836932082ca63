// Every limit of the one table (LIMITS, src/options.ts) gives the same answer from the library and
// from the CLI: just outside the range is InvalidOptionError naming the option (library) and exit 2
// naming the flag (CLI, a child process); the boundaries themselves are accepted.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Catalog, GlacierMultipartError, HashPool, InvalidCatalogOptionError, InvalidDownloadOptionError, InvalidOptionError,
  InvalidPoolOptionError, InvalidUploadOptionError, LIMITS, LocalGlacierOptionsError, UsageError, limitText, completeRestore, createGlacierClient, downloadArchive, purgeArchives,
  retrieveInventory, startLocalGlacier, startRestore, syncDirectory, uploadArchive, waitForJob,
  type LimitKey, type LocalGlacier,
} from 'glacier-multipart';
import type { GlacierClient } from '@aws-sdk/client-glacier';
import { CreateVaultCommand } from '@aws-sdk/client-glacier';
import { runCli, tempDir } from '../cli/helpers.js';
import { asUsageError, FLAG_OF } from '../../dist/src/cli/flags.js';
import { CliUsageError } from '../../dist/src/cli/errors.js';
import { exitCodeFor } from '../../dist/src/cli/output.js';

let server: LocalGlacier;
let client: GlacierClient;
let pool: HashPool;
let dir: string;
let cleanup: () => Promise<void>;
const vaultName = 'limits';

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  server = await startLocalGlacier();
  client = createGlacierClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  await client.send(new CreateVaultCommand({ accountId: '-', vaultName }));
  pool = new HashPool({ threads: 1 });
  await mkdir(join(dir, 'tree'));
  await writeFile(join(dir, 'one.bin'), 'x');
});

afterAll(async () => {
  client?.destroy();
  await pool?.destroy();
  await server?.close();
  await cleanup?.();
});

const target = () => ({ client, vaultName, maxAttempts: 1 });
const upload = (o: object) => uploadArchive({ ...target(), source: new Uint8Array([1]), pool, ...o });
const download = (o: object) => downloadArchive({ ...target(), jobId: 'no-such-job', destination: join(dir, 'out.bin'), pool, wait: false, ...o });
const catalog = () => Catalog.open(join(dir, `c-${Math.random()}.log`));
const sync = (o: object) => syncDirectory({ dir: join(dir, 'tree'), vaultName, client, catalog: join(dir, `s-${Math.random()}.log`), pool, ...o } as never);

/** How the library takes each limit: a call given the value, and whether trying the boundaries is cheap. */
const library: Record<LimitKey, { call: (v: number) => Promise<unknown>; heavyMax?: boolean }> = {
  uploadConcurrency: { call: (v) => upload({ concurrency: v }) },
  readAhead: { call: (v) => upload({ readAhead: v }) },
  expectedSize: { call: (v) => upload({ expectedSize: v }) },
  maxAttempts: { call: (v) => upload({ maxAttempts: v }) },
  clientMaxAttempts: { call: async (v) => createGlacierClient({ maxAttempts: v, region: 'us-east-1' }).destroy() },
  requestTimeout: { call: (v) => uploadArchive({ vaultName, source: new Uint8Array([1]), pool, requestTimeout: v, clientConfig: { endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } } }) },
  connectTimeout: { call: async (v) => createGlacierClient({ connectTimeout: v, region: 'us-east-1' }).destroy() },
  threads: { call: async (v) => new HashPool({ threads: v }).destroy(), heavyMax: true },
  maxQueue: { call: async (v) => new HashPool({ threads: 1, maxQueue: v }).destroy() },
  idleTimeout: { call: async (v) => new HashPool({ threads: 1, idleTimeout: v }).destroy() },
  hashFileConcurrency: { call: (v) => pool.hashFile(join(dir, 'one.bin'), { concurrency: v }) },
  downloadConcurrency: { call: (v) => download({ concurrency: v }) },
  pollInterval: { call: (v) => waitForJob({ ...target(), jobId: 'no-such-job', pollInterval: v }) },
  waitTimeout: { call: (v) => waitForJob({ ...target(), jobId: 'no-such-job', timeout: v }) },
  syncConcurrency: { call: (v) => sync({ concurrency: v }) },
  partConcurrency: { call: (v) => sync({ partConcurrency: v }) },
  syncRequestTimeout: { call: (v) => sync({ requestTimeout: v }) },
  restoreConcurrency: { call: async (v) => completeRestore({ ...target(), dir: join(dir, 'tree'), catalog: await catalog(), pool, concurrency: v }) },
  maxFiles: { call: async (v) => startRestore({ ...target(), dir: join(dir, 'tree'), catalog: await catalog(), maxFiles: v }) },
  purgeConcurrency: { call: (v) => purgeArchives({ ...target(), archives: [], concurrency: v }) },
  port: { call: async (v) => (await startLocalGlacier({ port: v })).close(), heavyMax: true },
  pageLimit: { call: async (v) => (await startLocalGlacier({ pageLimit: v })).close() },
  uploadTtlMs: { call: async (v) => (await startLocalGlacier({ uploadTtlMs: v })).close() },
  jobDelayMs: { call: async (v) => (await startLocalGlacier({ jobDelayMs: v })).close() },
  jobOutputTtlMs: { call: async (v) => (await startLocalGlacier({ jobOutputTtlMs: v })).close() },
  expeditedCapacity: { call: async (v) => (await startLocalGlacier({ expeditedCapacity: v })).close() },
  maxVaults: { call: async (v) => (await startLocalGlacier({ maxVaults: v })).close() },
  inventoryIntervalMs: { call: async (v) => (await startLocalGlacier({ inventoryIntervalMs: v })).close() },
  headersTimeoutMs: { call: async (v) => (await startLocalGlacier({ headersTimeoutMs: v })).close() },
  latencyMs: { call: async (v) => (await startLocalGlacier({ latencyMs: v })).close() },
  bandwidthBitsPerSecond: { call: async (v) => (await startLocalGlacier({ bandwidthBitsPerSecond: v })).close(), heavyMax: true },
  bodyIdleTimeoutMs: { call: async (v) => (await startLocalGlacier({ bodyIdleTimeoutMs: v })).close() },
  maxConnections: { call: async (v) => (await startLocalGlacier({ maxConnections: v })).close() },
};

async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
    return undefined;
  } catch (err) {
    return err;
  }
}

const outside = (l: { min: number; max: number }) => [l.min - 1, ...(l.max < Number.MAX_SAFE_INTEGER ? [l.max + 1] : []), l.min + 0.5];

describe('the library: every limit of the table', () => {
  it('has a case for every limit (a new limit needs one here)', () => {
    expect(Object.keys(library).sort()).toEqual(Object.keys(LIMITS).sort());
  });

  it.each(Object.keys(LIMITS) as LimitKey[])('%s: just outside the range is InvalidOptionError naming the option; the boundaries pass', async (key) => {
    const l = LIMITS[key];
    for (const v of outside(l)) {
      const err = await outcome(() => library[key].call(v));
      expect(err, `${key} = ${v}`).toBeInstanceOf(InvalidOptionError);
      expect((err as InvalidOptionError).option).toBe(l.option);
      expect((err as InvalidOptionError).code).toBe('INVALID_OPTION');
      expect((err as Error).message).toContain(`${l.option}`);
      expect((err as Error).message).toContain(`${l.min}`);
    }
    const boundaries = library[key].heavyMax ? [l.min] : [l.min, l.max];
    for (const v of boundaries) {
      const err = await outcome(() => library[key].call(v));
      expect(err instanceof InvalidOptionError ? err.message : 'accepted', `${key} = ${v}`).toBe('accepted');
    }
  });

  it('retrieveInventory checks its wait before starting a job', async () => {
    const before = server.stats.InitiateJob ?? 0;
    const err = await outcome(() => retrieveInventory({ ...target(), pollInterval: 0 }));
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).option).toBe('pollInterval');
    expect(server.stats.InitiateJob ?? 0).toBe(before);
  });
});

/** The CLI's flags for the limits it exposes; `accept` runs the boundary against an unreachable endpoint. */
const UNREACHABLE = ['--endpoint', 'http://127.0.0.1:9', '--region', 'us-east-1'];
const cli: Partial<Record<LimitKey, { flag: string; argv: (v: string) => string[] }>> = {
  uploadConcurrency: { flag: '--concurrency', argv: (v) => ['upload', 'one.bin', '--vault', 'v', '--concurrency', v] },
  maxAttempts: { flag: '--max-attempts', argv: (v) => ['upload', 'one.bin', '--vault', 'v', '--max-attempts', v] },
  threads: { flag: '--threads', argv: (v) => ['hash', 'one.bin', '--threads', v] },
  downloadConcurrency: { flag: '--concurrency', argv: (v) => ['download', '--vault', 'v', '--job-id', 'j', '--out', 'o.bin', '--concurrency', v] },
  pollInterval: { flag: '--poll-interval', argv: (v) => ['download', '--vault', 'v', '--job-id', 'j', '--out', 'o.bin', '--poll-interval', v] },
  syncConcurrency: { flag: '--concurrency', argv: (v) => ['sync', '--dir', 'tree', '--vault', 'v', '--catalog', 'c.log', '--concurrency', v] },
  maxFiles: { flag: '--max-files', argv: (v) => ['restore', '--dir', 'tree', '--vault', 'v', '--catalog', 'c.log', '--max-files', v] },
  port: { flag: '--port', argv: (v) => ['serve', '--port', v] },
};

describe('the CLI: the same limits, under their flags', () => {
  it.each(Object.keys(cli) as LimitKey[])('%s: just outside the range exits 2 naming the flag, before any request', async (key) => {
    const l = LIMITS[key];
    const { flag, argv } = cli[key]!;
    for (const v of [l.min - 1, l.max + 1].filter((n) => n >= 0 && n <= Number.MAX_SAFE_INTEGER)) {
      const r = await runCli([...argv(String(v)), ...(key === 'port' ? [] : UNREACHABLE)], { cwd: dir });
      expect(r.code, `${flag} ${v}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`${flag} must be ${limitText(l)}`);
      expect(r.stderr).not.toMatch(/ECONNREFUSED/);
    }
  });

  it.each(['uploadConcurrency', 'maxAttempts', 'downloadConcurrency', 'syncConcurrency', 'pollInterval', 'maxFiles'] as LimitKey[])(
    '%s: the boundaries are accepted by the CLI (the command runs against the local server)', async (key) => {
      for (const v of [LIMITS[key].min, LIMITS[key].max]) {
        const argv = cli[key]!.argv(String(v)).map((a) => (a === 'v' ? vaultName : a));
        const r = await runCli([...argv, '--endpoint', server.endpoint], { cwd: dir });
        expect(r.stderr, `${key} = ${v}`).not.toMatch(/must be an integer/);
        expect(r.code, `${key} = ${v}: ${r.stderr}`).not.toBe(2);
      }
    });

  it('--request-timeout takes the library range as a duration', async () => {
    const over = await runCli(['upload', 'one.bin', '--vault', 'v', '--request-timeout', '61m', ...UNREACHABLE], { cwd: dir });
    expect(over.code).toBe(2);
    expect(over.stderr).toMatch(/--request-timeout must be seconds .* from 1 ms to 3600 s/);
  });
});

describe('one option error', () => {
  it('the five old option-error names are InvalidOptionError itself (a UsageError, code INVALID_OPTION)', () => {
    for (const Old of [InvalidUploadOptionError, InvalidDownloadOptionError, InvalidCatalogOptionError, InvalidPoolOptionError, LocalGlacierOptionsError]) {
      expect(Old).toBe(InvalidOptionError);
    }
    const err = new InvalidOptionError('threads', 'threads must be …');
    expect(err).toBeInstanceOf(UsageError);
    expect(err).toBeInstanceOf(GlacierMultipartError);
    expect(err.code).toBe('INVALID_OPTION');
    expect(err.name).toBe('InvalidOptionError');
  });

  it('a library InvalidOptionError reaching the CLI is a usage error (exit 2) under its flag, from its facts, not its text', () => {
    const err = InvalidOptionError.expected('maxAttempts', limitText(LIMITS.maxAttempts), 500);
    expect(exitCodeFor(err)).toBe(2);
    const usage = asUsageError(err) as Error;
    expect(usage).toBeInstanceOf(CliUsageError);
    expect(usage.message).toBe('--max-attempts must be an integer from 1 to 100 (attempts per request, the first included), got 500.');
    expect(exitCodeFor(usage)).toBe(2);
    expect(FLAG_OF.vaultName).toBe('--vault');
    const other = new Error('not an option');
    expect(asUsageError(other)).toBe(other);
  });
});

describe("the README's table", () => {
  it('lists every limit with its range and default, as LIMITS has them', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /<!-- LIMITS:START[^>]*-->\n([\s\S]*?)<!-- LIMITS:END -->/.exec(readme)?.[1] ?? '';
    const n = (v: number | string) => (typeof v === 'number' ? (v === Infinity ? 'Infinity' : v >= 10_000 ? v.toLocaleString('en-US') : String(v)) : v);
    const range = (l: { min: number; max: number; infinity?: boolean }) =>
      (l.max === Number.MAX_SAFE_INTEGER ? `${n(l.min)} or more` : `${n(l.min)} to ${n(l.max)}`) + (l.infinity ? ', or Infinity' : '');
    const rows = Object.values(LIMITS).map((l) => `| \`${l.option}\` | ${l.where} | ${range(l)} | ${n(l.default)} | ${l.what} |`);
    expect(block.split('\n').slice(2, -1)).toEqual(rows);
  });
});
