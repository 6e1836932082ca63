// restore --completed of many files: one HashPool for all of them (a pool per file started worker
// threads and calibrated for every file), several files at once, every file verified and in place.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';
import { setup, writeTree, type Env } from './helpers.js';

const COUNT_WORKERS = fileURLToPath(new URL('./fixtures/count-workers.mjs', import.meta.url));
const awsEnv = () => ({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' });

let env: Env;
beforeEach(async () => {
  env = await setup();
});
afterEach(async () => env.close());

describe('restore --completed of many files', () => {
  it('hashes every file in one pool and restores each byte-identical', async () => {
    const root = join(env.dir, 'tree');
    const files: Record<string, number> = {};
    for (let i = 0; i < 12; i++) files[`d${i % 3}/f${i}.bin`] = 1000 + i * 7919;
    const data = writeTree(root, files);
    const catalog = join(env.dir, 'many.catalog');
    const conn = ['--dir', root, '--vault', env.vaultName, '--catalog', catalog, '--endpoint', env.server.endpoint];
    expect((await runCli(['sync', ...conn, '--progress', 'none'], { env: awsEnv() })).code).toBe(0);
    for (let i = 0; i < 3; i++) rmSync(join(root, `d${i}`), { recursive: true });
    const started = await runCli(['restore', ...conn, '--tier', 'Expedited'], { env: awsEnv() });
    expect(started.code, started.stderr).toBe(0);

    const done = await runCli(['restore', ...conn, '--completed', '--threads', '2'], {
      env: { ...awsEnv(), NODE_OPTIONS: `--import=${COUNT_WORKERS}` },
    });
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(/12 files restored and verified against the catalog/);
    // Reported in path order whatever order the downloads finished in.
    const restored = done.stdout.split('\n').filter((l) => l.startsWith('restored\t')).map((l) => l.split('\t')[1]);
    expect(restored).toEqual([...data.keys()].sort());
    for (const [path, bytes] of data) expect(readFileSync(join(root, path)).equals(bytes), path).toBe(true);
    // One pool of 2 threads for all 12 files (plus at most one for its calibration), not 12 pools.
    const workers = Number(/workers started: (\d+)/.exec(done.stderr)?.[1]);
    expect(workers).toBeGreaterThanOrEqual(1);
    expect(workers).toBeLessThanOrEqual(3);
  });
});
