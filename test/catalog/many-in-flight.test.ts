// Many uploads and downloads in flight on one run's signal: each holds a few abort listeners for
// as long as it runs, so Node's default warning at 11 listeners is a false alarm the CLI must not
// print (a real leak would grow with the files done, not with the concurrency).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';
import { setup, writeTree, type Env } from './helpers.js';

const awsEnv = () => ({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' });

let env: Env;
beforeEach(async () => {
  env = await setup();
});
afterEach(async () => env.close());

describe('many requests in flight', () => {
  it('sync at --concurrency 48 and restore --completed print no MaxListenersExceededWarning', async () => {
    const root = join(env.dir, 'tree');
    const files: Record<string, number> = {};
    for (let i = 0; i < 240; i++) files[`d${i % 4}/f${i}.bin`] = 100 + i * 37;
    writeTree(root, files);
    const catalog = join(env.dir, 'many.catalog');
    const conn = ['--dir', root, '--vault', env.vaultName, '--catalog', catalog, '--endpoint', env.server.endpoint];
    const synced = await runCli(['sync', ...conn, '--progress', 'none', '--concurrency', '48'], { env: awsEnv() });
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.stdout).toMatch(/uploaded 240 files/);
    expect(synced.stderr).not.toMatch(/MaxListeners|Warning/);
    rmSync(join(root, 'd0'), { recursive: true });
    rmSync(join(root, 'd1'), { recursive: true });
    const started = await runCli(['restore', ...conn, '--tier', 'Expedited'], { env: awsEnv() });
    expect(started.code, started.stderr).toBe(0);
    const done = await runCli(['restore', ...conn, '--completed'], { env: awsEnv() });
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(/120 files restored and verified/);
    expect(done.stderr).not.toMatch(/MaxListeners|Warning/);
  }, 120_000);
});
