// Issue 16 §5: a file is opened once per upload. Its identity comes from one fstat of that
// descriptor, and the pool's workers (hashing parts) and the sender (streaming part bodies) read
// through it instead of opening the file again. Counted in a child process whose every thread has
// fs.open/openSync/promises.open wrapped (fixtures/count-opens.cjs).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MiB, oracleTreeHash, setup, writeRandomFile, type Env } from './helpers.js';

const run = promisify(execFile);
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

let env: Env;
beforeAll(async () => {
  env = await setup({}, 'opens');
});
afterAll(() => env?.close());

/** Uploads `path` in a child process; returns its result and the opens of `path` by thread. */
async function countedUpload(path: string, partSize: number, journal = '-'): Promise<{ result: Record<string, unknown>; opens: string[] }> {
  const log = join(env.dir, `opens-${Date.now()}.log`);
  const { stdout } = await run(process.execPath, ['--require', fixture('count-opens.cjs'), fixture('upload-counted.mjs'), env.server.endpoint, env.vaultName, path, String(partSize), journal], {
    env: { ...process.env, COUNT_OPENS_PATH: path, COUNT_OPENS_LOG: log, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const opens = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  return { result: JSON.parse(stdout) as Record<string, unknown>, opens };
}

it('the preload sees opens in the main thread and in worker threads alike', async () => {
  // hashFile on a path the pool opens itself: one open, in the main thread, none in the workers.
  const { path } = writeRandomFile(env.dir, 'probe.bin', 3 * MiB);
  const log = join(env.dir, 'probe.log');
  const script = `const { HashPool } = await import(${JSON.stringify(new URL('../../dist/src/index.js', import.meta.url).href)});
    const { Worker } = await import('node:worker_threads');
    await new Promise((r) => new Worker("process.getBuiltinModule('node:fs').openSync(process.env.COUNT_OPENS_PATH, 'r')", { eval: true }).on('exit', r));
    const pool = new HashPool({ threads: 2 });
    await pool.hashFile(process.env.COUNT_OPENS_PATH, { partSize: 1048576 });
    await pool.destroy();`;
  await run(process.execPath, ['--require', fixture('count-opens.cjs'), '--input-type=module', '-e', script], {
    env: { ...process.env, COUNT_OPENS_PATH: path, COUNT_OPENS_LOG: log },
  });
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  // The hand-made worker's open is seen (thread id != 0), then the pool's single open (thread 0).
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^[1-9]\d* openSync$/);
  expect(lines[1]).toMatch(/^0 promises\.open$/);
});

it('parts above 64 MiB (hashed by the workers, streamed from disk): the file is opened once', async () => {
  const { path, data } = writeRandomFile(env.dir, 'ranges.bin', 128 * MiB + 3 * MiB);
  const { result, opens } = await countedUpload(path, 128 * MiB);
  expect(result).toMatchObject({ partCount: 2, uploadedParts: 2, checksum: oracleTreeHash(data) });
  // Before issue 16: 6 here (reader, the pool's check, one per worker task, one per part sent).
  expect(opens).toEqual(['0 promises.open']);
});

it('buffered parts with a journal: the file is opened once', async () => {
  const { path, data } = writeRandomFile(env.dir, 'buffered.bin', 6 * MiB + 5);
  const { result, opens } = await countedUpload(path, MiB, join(env.dir, 'buffered.journal'));
  expect(result).toMatchObject({ partCount: 7, uploadedParts: 7, checksum: oracleTreeHash(data) });
  expect(opens).toEqual(['0 promises.open']);
});
