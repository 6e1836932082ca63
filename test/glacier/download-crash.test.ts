// A child process (node running a script against dist/) downloads with a journal and is killed
// with SIGKILL mid-download; the next run continues from the journal and the partial file, and the
// server's request counts prove that no verified chunk was fetched again.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HashPool, downloadArchive, initiateRetrievalJob, readDownloadJournal } from 'glacier-multipart';
import { MiB, oracleTreeHash, randomData, setup, uploadPlain, type Env } from './download-helpers.js';

const child = fileURLToPath(new URL('./fixtures/download-child.mjs', import.meta.url));
let env: Env;
beforeAll(async () => {
  env = await setup({}, 'crash');
});
afterAll(() => env?.close());

const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).length : 0);

it('continues the download of a process killed with SIGKILL, fetching no verified chunk again', async () => {
  const chunks = 12;
  const data = randomData(chunks * MiB - 333);
  const archiveId = await uploadPlain(env, data);
  const { jobId } = await initiateRetrievalJob({ vaultName: env.vaultName, client: env.client, archiveId });
  const dest = join(env.dir, 'killed.bin');
  const journal = `${dest}.glacier-download.json`;
  // Every chunk's answer is held back a little so the kill lands mid-download.
  env.server.setFaults([{ operation: 'GetJobOutput', kind: 'Slow', delayMs: 150 }]);
  const proc = spawn(process.execPath, [child, env.server.endpoint, env.vaultName, jobId, dest], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<{ signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (_code, signal) => resolve({ signal })));
  let ended = false;
  void exited.then(() => { ended = true; });
  while (lines(journal) < 1 + 4) {
    if (ended) throw new Error(`the child ended before it could be killed: ${stderr}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  proc.kill('SIGKILL');
  expect((await exited).signal).toBe('SIGKILL');
  env.server.setFaults([]);

  const state = await readDownloadJournal(journal);
  const recorded = [...state!.chunks.values()];
  expect(recorded.length).toBeGreaterThanOrEqual(4);
  expect(recorded.length).toBeLessThan(chunks);
  for (const c of recorded) expect(c.treeHash).toBe(oracleTreeHash(data.subarray(c.first, c.last + 1)));
  expect(existsSync(`${dest}.part`)).toBe(true);
  expect(existsSync(dest)).toBe(false);

  env.server.resetStats();
  const pool = new HashPool({ threads: 1 });
  try {
    const r = await downloadArchive({ vaultName: env.vaultName, client: env.client, pool, jobId, destination: dest });
    expect(r.chunksResumed).toBe(recorded.length);
    expect(env.server.stats.GetJobOutput).toBe(chunks - recorded.length);
    expect(r.treeHash).toBe(oracleTreeHash(data));
  } finally {
    await pool.destroy();
  }
  expect(readFileSync(dest).equals(data)).toBe(true);
  expect(existsSync(journal)).toBe(false);
  expect(existsSync(`${dest}.part`)).toBe(false);
});
