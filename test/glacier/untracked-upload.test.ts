// Issue 9 §6: a kill or Ctrl-C between InitiateMultipartUpload and the journal's first write must
// not leave an open upload that nothing knows of.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { MultipartUpload, readJournal, uploadArchive } from 'glacier-multipart';
import { readBack, setup, startUploadChild, writeRandomFile, MiB, type Env } from './helpers.js';

let env: Env;
beforeAll(async () => {
  env = await setup({}, 'untracked');
});
afterAll(() => env?.close());
beforeEach(() => {
  env.server.setFaults([]);
  env.server.resetStats();
});

async function openUploads(): Promise<string[]> {
  const ids: string[] = [];
  for await (const u of MultipartUpload.list({ client: env.client, vaultName: env.vaultName })) ids.push(u.uploadId);
  return ids;
}

async function whenStat(name: string, alive: () => boolean): Promise<void> {
  while ((env.server.stats[name] ?? 0) < 1) {
    if (!alive()) throw new Error('the child ended early');
    await new Promise((r) => setTimeout(r, 10));
  }
}

it('SIGKILL while the Initiate answer is on its way: the journal already exists, and the resume finds and finishes that upload', async () => {
  expect(await openUploads()).toEqual([]);
  const { path, data } = writeRandomFile(env.dir, 'initiate-kill.bin', 3 * MiB);
  const journal = join(env.dir, 'initiate-kill.journal');
  // Glacier creates the upload; its answer is held back until the client is gone.
  env.server.setFaults([{ operation: 'InitiateMultipartUpload', kind: 'Slow', every: 1, delayMs: 600_000 }]);
  const child = startUploadChild(env, path, journal);
  await whenStat('InitiateMultipartUpload:Slow', () => child.proc.exitCode === null);
  child.proc.kill('SIGKILL');
  expect((await child.exited).signal).toBe('SIGKILL');
  env.server.setFaults([]);
  const open = await openUploads();
  expect(open.length).toBe(1);
  expect(existsSync(journal)).toBe(true);

  const r = await uploadArchive({ vaultName: env.vaultName, client: env.client, source: path, journal, threads: 1 });
  expect(r.uploadId).toBe(open[0]);
  expect((await readBack(env.client, env.vaultName, r.archiveId)).equals(data)).toBe(true);
  // Nothing left open behind the user's back.
  expect(await openUploads()).toEqual([]);
});

it('a journal written before an Initiate that never arrived starts afresh', async () => {
  const { path, data } = writeRandomFile(env.dir, 'initiate-lost.bin', 2 * MiB);
  const journal = join(env.dir, 'initiate-lost.journal');
  env.server.setFaults([{ operation: 'InitiateMultipartUpload', kind: 'Slow', every: 1, delayMs: 600_000 }]);
  const child = startUploadChild(env, path, journal);
  await whenStat('InitiateMultipartUpload:Slow', () => child.proc.exitCode === null);
  child.proc.kill('SIGKILL');
  await child.exited;
  env.server.setFaults([]);
  // As if that Initiate had never reached Glacier.
  for (const id of await openUploads()) await (await MultipartUpload.resume({ client: env.client, vaultName: env.vaultName, uploadId: id })).abort();
  expect((await readJournal(journal))!.header.uploadId).toBe('');
  const r = await uploadArchive({ vaultName: env.vaultName, client: env.client, source: path, journal, threads: 1 });
  expect((await readBack(env.client, env.vaultName, r.archiveId)).equals(data)).toBe(true);
  expect(await openUploads()).toEqual([]);
});

it('CLI: Ctrl-C while Initiate is in flight leaves a journaled, resumable upload (and says how to resume), never an untracked one', async () => {
  const { path, data } = writeRandomFile(env.dir, 'initiate-ctrlc.bin', 2 * MiB);
  const journal = join(env.dir, 'initiate-ctrlc.journal');
  env.server.setFaults([{ operation: 'InitiateMultipartUpload', kind: 'Slow', every: 1, delayMs: 1500 }]);
  const main = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
  const cliEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };
  const child = spawn(process.execPath, [main, 'upload', path, '--vault', env.vaultName, '--endpoint', env.server.endpoint, '--journal', journal,
    '--part-size', '1MiB', '--progress', 'none'], { env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const code = new Promise<number | null>((resolve) => child.on('close', resolve));
  await whenStat('InitiateMultipartUpload:Slow', () => child.exitCode === null);
  child.kill('SIGINT');
  expect(await code).toBe(130);
  env.server.setFaults([]);
  const open = await openUploads();
  expect(open.length).toBe(1);
  expect(stderr).not.toMatch(/nothing to resume/);
  // Ctrl-C cancels the Initiate in flight at once (issue 20.5), so its answer (the upload id) is never
  // read: the journal, written before Initiate was sent, is what lets resume find the upload.
  expect(stderr).toMatch(/resume with: .* resume --journal /);
  expect([open[0], '']).toContain((await readJournal(journal))!.header.uploadId);
  // The printed command works: it finds the upload Glacier created and finishes it.
  const resumed = spawn(process.execPath, [main, 'resume', '--journal', journal, '--endpoint', env.server.endpoint, '--json', '--progress', 'none'],
    { env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  resumed.stdout.on('data', (d) => { out += d; });
  expect(await new Promise((resolve) => resumed.on('close', resolve))).toBe(0);
  const r = JSON.parse(out) as { archiveId: string; uploadId: string };
  expect(r.uploadId).toBe(open[0]);
  expect((await readBack(env.client, env.vaultName, r.archiveId)).equals(data)).toBe(true);
  expect(await openUploads()).toEqual([]);
});
