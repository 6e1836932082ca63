// restore end to end through the CLI: retrieval jobs started and recorded, then the finished ones
// downloaded with the verified downloader, checked against the catalog, mtimes set; check re-hashes.
import { readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SELF, lit, runCli, runPasted } from '../cli/helpers.js';
import { MiB, setup, writeTree, type Env } from './helpers.js';

let env: Env;
beforeEach(async () => {
  env = await setup({ jobDelayMs: { standard: 3_600_000 } });
});
afterEach(async () => env.close());

const awsEnv = () => ({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' });

describe('restore', () => {
  it('starts jobs for missing files, then downloads, verifies and dates the finished ones; check agrees', async () => {
    const root = join(env.dir, 'tree');
    const data = writeTree(root, { 'a/1.txt': 5000, 'a/b/two é.bin': 2 * MiB + 3, 'keep.txt': 10 });
    const mtime = 1_500_000_000;
    for (const p of data.keys()) utimesSync(join(root, p), mtime, mtime);
    const catalog = join(env.dir, 'r.catalog');
    const conn = ['--dir', root, '--vault', env.vaultName, '--catalog', catalog, '--endpoint', env.server.endpoint];
    expect((await runCli(['sync', ...conn, '--part-size', '1MiB', '--progress', 'none'], { env: awsEnv() })).code).toBe(0);
    rmSync(join(root, 'a'), { recursive: true });

    // A Standard job (an hour on this server) for the first missing file only.
    const standard = await runCli(['restore', ...conn, '--tier', 'Standard', '--max-files', '1'], { env: awsEnv() });
    expect(standard.code, standard.stderr).toBe(0);
    expect(standard.stdout.split('\n').filter((l) => l.startsWith('job started'))).toEqual([expect.stringMatching(/^job started\ta\/1\.txt\t/)]);
    const printed = new RegExp(`run: (${lit(SELF)} restore .* --completed)`).exec(standard.stderr)?.[1];
    expect(printed, standard.stderr).toBeDefined();
    // The printed next step, pasted into a shell as it stands.
    const early = await runPasted(printed!, { env: awsEnv() });
    expect(early.code, early.stderr).toBe(0);
    expect(early.stderr).toMatch(/0 files restored .*1 job still running, 1 file needs a new retrieval job/);

    // An Expedited job (at once here) for the other; the running one is not asked for again.
    const expedited = await runCli(['restore', ...conn, '--tier', 'Expedited'], { env: awsEnv() });
    expect(expedited.stderr).toMatch(/1 retrieval job started \(Expedited\), 1 already pending, 1 file present/);
    expect(readFileSync(catalog, 'utf8').split('\n').filter((l) => l.split('\t')[2] === 'RETRIEVE_JOB')).toHaveLength(2);

    const done = await runCli(['restore', ...conn, '--completed'], { env: awsEnv() });
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(/1 file restored and verified against the catalog, 1 job still running/);
    const restored = 'a/b/two é.bin';
    expect(readFileSync(join(root, restored)).equals(data.get(restored)!)).toBe(true);
    expect(Math.floor(statSync(join(root, restored)).mtimeMs / 1000)).toBe(mtime);
    expect(readdirSync(join(root, 'a/b'))).toEqual(['two é.bin']);

    const check = await runCli(['check', '--dir', root, '--catalog', catalog]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^MISSING\ta\/1\.txt$/m);
    expect(check.stderr).toMatch(/2 files match the catalog, 0 differ, 1 missing/);
    writeFileSync(join(root, 'keep.txt'), 'xxxxxxxxxx'); // same size, other bytes
    const bad = await runCli(['check', '--dir', root, '--catalog', catalog]);
    expect(bad.stdout).toMatch(/^MISMATCH\tkeep\.txt\ttree hash/m);
  });
});
