// A child process (node running a script against dist/) uploads with a journal and is killed with
// SIGKILL mid-upload; the upload is then resumed from the journal alone, and the server's request
// counts prove that no finished part was sent again.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readJournal, uploadArchive } from 'glacier-multipart';
import { MiB, listedPartCount, oracleTreeHash, readBack, setup, writeRandomFile, type Env } from './helpers.js';

const child = fileURLToPath(new URL('./fixtures/upload-child.mjs', import.meta.url));
let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(() => env?.close());

function journalLines(path: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).length;
}

it('resumes from the journal of a process killed with SIGKILL, sending no finished part again', async () => {
  const parts = 24;
  const { path, data } = writeRandomFile(env.dir, 'killed.bin', parts * MiB - 1000);
  const journal = join(env.dir, 'killed.journal');
  // Every part answer is held back a little so the kill lands mid-upload.
  env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'Slow', delayMs: 120 }]);

  const proc = spawn(process.execPath, [child, env.server.endpoint, env.vaultName, path, journal], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));

  // Header + at least 6 part records, then kill without warning.
  let exitedEarly = false;
  void exited.then(() => { exitedEarly = true; });
  while (journalLines(journal) < 1 + 6) {
    if (exitedEarly) throw new Error(`the child ended before it could be killed: ${stderr}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  proc.kill('SIGKILL');
  expect((await exited).signal).toBe('SIGKILL');
  env.server.setFaults([]);
  // Requests the child had in flight may still land (as on the real service): let them settle.
  await new Promise((r) => setTimeout(r, 400));

  const state = await readJournal(journal);
  const journaled = [...state!.parts.keys()];
  expect(journaled.length).toBeGreaterThanOrEqual(6);
  expect(journaled.length).toBeLessThan(parts);
  for (const i of journaled) expect(state!.parts.get(i)!.treeHash).toBe(oracleTreeHash(data.subarray(i * MiB, (i + 1) * MiB)));
  const held = await listedPartCount(env.client, env.vaultName, state!.header.uploadId);
  expect(held).toBeGreaterThanOrEqual(journaled.length);

  env.server.resetStats();
  const r = await uploadArchive({ vaultName: env.vaultName, client: env.client, source: path, journal, threads: 1 });
  expect(r.uploadId).toBe(state!.header.uploadId);
  expect(r.skippedParts).toBe(held);
  expect(r.uploadedParts).toBe(parts - held);
  // Exactly the parts Glacier did not hold went over the wire; none of the journaled ones.
  expect(env.server.stats.UploadMultipartPart).toBe(parts - held);
  expect(env.server.stats['UploadMultipartPart:bytes']).toBe(data.length - held * MiB);
  expect(r.checksum).toBe(oracleTreeHash(data));
  expect((await readBack(env.client, env.vaultName, r.archiveId)).equals(data)).toBe(true);
  expect(existsSync(journal)).toBe(false);
});
