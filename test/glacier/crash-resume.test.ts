// A child process (node running a script against dist/) uploads with a journal and is killed with
// SIGKILL mid-upload; the upload is then resumed from the journal alone, and the server's request
// counts prove that no finished part was sent again.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readJournal, uploadArchive } from 'glacier-multipart';
import { MiB, listedPartCount, oracleTreeHash, readBack, setup, startUploadChild, writeRandomFile, type Env } from './helpers.js';

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

/** Rewrites `length` bytes at `at` in place, then sets the times back like `touch -r`. */
function editKeepingMtime(path: string, at: number, length: number): void {
  const ref = `${path}.ref`;
  execFileSync('touch', ['-r', path, ref]);
  const fd = openSync(path, 'r+');
  writeSync(fd, randomBytes(length), 0, length, at);
  closeSync(fd);
  execFileSync('touch', ['-r', ref, path]);
}

/** Replaces `path` with other bytes of the same size (a new inode), keeping the mtime. */
function swapKeepingMtime(path: string): void {
  const next = `${path}.next`;
  writeFileSync(next, randomBytes(statSync(path).size));
  execFileSync('touch', ['-r', path, next]);
  renameSync(next, path);
}

it('property: SIGKILLs at random moments, the source edited in place or swapped between runs: the archive that completes is always the file as it is then', async () => {
  const parts = 12;
  const { path } = writeRandomFile(env.dir, 'property.bin', parts * MiB - 333);
  const journal = join(env.dir, 'property.journal');
  env.server.resetStats();
  let kills = 0;
  let completed = 0;
  let random = 7;
  const next = () => (random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let round = 0; round < 8; round++) {
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'Slow', every: 1, delayMs: 60 }]);
    const child = startUploadChild(env, path, journal, ['--force']);
    const last = round === 7;
    if (!last) {
      // Killed once 1-5 more part requests have reached the server (or at once if the child ends first).
      const target = (env.server.stats.UploadMultipartPart ?? 0) + 1 + Math.floor(next() * 5);
      while ((env.server.stats.UploadMultipartPart ?? 0) < target && child.proc.exitCode === null) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, next() * 60));
      child.proc.kill('SIGKILL');
    }
    const end = await child.exited;
    env.server.setFaults([]);
    if (end.signal === 'SIGKILL') kills++;
    else {
      // It finished before the kill (or this is the last round): its archive must be the file now.
      expect(end.code, end.stderr).toBe(0);
      const r = JSON.parse(end.stdout) as { archiveId: string; checksum: string };
      const now = readFileSync(path);
      expect(r.checksum).toBe(oracleTreeHash(now));
      expect((await readBack(env.client, env.vaultName, r.archiveId)).equals(now)).toBe(true);
      completed++;
    }
    await new Promise((r) => setTimeout(r, 200));
    // Between runs the file changes: a few bytes of one part edited in place, or the whole file swapped.
    if (round % 3 === 0) editKeepingMtime(path, Math.floor(next() * (parts * MiB - 5000)), 4096);
    else if (round % 3 === 1) swapKeepingMtime(path);
  }
  expect(completed).toBeGreaterThanOrEqual(1);
  const sent = env.server.stats.UploadMultipartPart ?? 0;
  // For the record (issue 9's closing note): kills survived and parts sent beyond one upload's worth.
  console.log(`crash-resume property: ${kills} SIGKILLs survived, ${completed} archive(s) completed, ${sent} UploadMultipartPart requests for ${parts}-part archives`);
});
