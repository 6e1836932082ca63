// A source file that changes under the uploader must never produce a wrong archive or a hang.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MultipartUpload, ResumeMismatchError, SourceChangedError, readJournal, uploadArchive, type UploadProgress } from 'glacier-multipart';
import {
  MiB, killMidUpload, listedPartCount, oracleSha256, oracleTreeHash, randomData, readBack, setup, startUploadChild, writeRandomFile, type Env,
} from './helpers.js';

const MAIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/** Runs the CLI in a child process against the test server. */
async function cli(env: Env, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args, '--endpoint', env.server.endpoint, '--progress', 'none'], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

/** Rewrites `path` in place (same inode, same size) with `data`, then sets its times back like `touch -r`. */
function rewriteKeepingMtime(path: string, data: Uint8Array, at = 0): void {
  const ref = `${path}.timeref`;
  execFileSync('touch', ['-r', path, ref]);
  const fd = openSync(path, 'r+');
  writeSync(fd, data, 0, data.length, at);
  closeSync(fd);
  execFileSync('touch', ['-r', ref, path]);
}

let env: Env;
beforeAll(async () => {
  env = await setup({}, 'changes');
});
afterAll(() => env?.close());

describe('a part streamed from a file (the path of parts above 64 MiB)', () => {
  it('fails with SourceChangedError when the file ends before the part does, instead of sending a short body', async () => {
    const { path, data } = writeRandomFile(env.dir, 'shrinks.bin', 4 * MiB);
    const part = data.subarray(2 * MiB, 4 * MiB);
    const hashes = { treeHash: oracleTreeHash(part), sha256: oracleSha256(part) };
    const upload = await MultipartUpload.start({ client: env.client, vaultName: env.vaultName, partSize: 2 * MiB });
    // Hashed at 4 MiB, then cut to 3 MiB + 100 bytes before (or while) its bytes are streamed.
    truncateSync(path, 3 * MiB + 100);
    const err = await upload.uploadPart(1, { path, start: 2 * MiB, size: 2 * MiB }, hashes, { maxAttempts: 3 })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(SourceChangedError);
    expect((err as SourceChangedError).code).toBe('SOURCE_CHANGED');
    expect((err as Error).message).toMatch(/ended at byte 3145828 while bytes 2097152-4194303 were being sent/);
    // Nothing of the short body was accepted as a part.
    const listed = [];
    for await (const p of upload.listParts()) listed.push(p);
    expect(listed).toEqual([]);
    // A file that vanished is a change too, not a hang or an opaque ENOENT.
    const gone = await upload.uploadPart(0, { path: `${path}.missing`, start: 0, size: 2 * MiB }, hashes).then(() => undefined, (e: unknown) => e);
    expect(gone).toBeInstanceOf(SourceChangedError);
    await upload.abort();
  });
});

describe('a resume never completes an archive whose bytes differ from the file (issue 9 §1, §6)', () => {
  it('crash, then the file replaced by other bytes of the same size (touch -r): refused, nothing sent; with force the new bytes are uploaded', async () => {
    const { path } = writeRandomFile(env.dir, 'replaced.bin', 10 * MiB);
    const journal = join(env.dir, 'replaced.journal');
    await killMidUpload(env, path, journal, 3);
    const other = randomData(10 * MiB);
    rewriteKeepingMtime(path, other);
    const state = (await readJournal(journal))!;
    // Same size, same mtime (to the nanosecond) as the journal records: only the ctime tells.
    const st = statSync(path, { bigint: true });
    expect(String(st.mtimeNs)).toBe(state.header.file!.mtimeNs);
    expect(Number(st.size)).toBe(state.header.file!.size);

    env.server.resetStats();
    const refused = await uploadArchive({ vaultName: env.vaultName, client: env.client, source: path, journal, threads: 1 })
      .then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(ResumeMismatchError);
    expect((refused as Error).message).toMatch(/None of the \d+ parts that upload .* holds matches .*replaced\.bin.*force/);
    expect(env.server.stats.UploadMultipartPart ?? 0).toBe(0);
    expect(env.server.stats.CompleteMultipartUpload ?? 0).toBe(0);

    const r = await uploadArchive({ vaultName: env.vaultName, client: env.client, source: path, journal, threads: 1, force: true });
    expect(r.uploadId).toBe(state.header.uploadId);
    expect(r.skippedParts).toBe(0);
    expect(r.checksum).toBe(oracleTreeHash(other));
    expect((await readBack(env.client, env.vaultName, r.archiveId)).equals(other)).toBe(true);
  });

  it('upload b.bin --journal <a.bin\'s journal>: refused as another file\'s journal, before any request', async () => {
    const a = writeRandomFile(env.dir, 'a.bin', 6 * MiB);
    const b = writeRandomFile(env.dir, 'b.bin', 6 * MiB);
    const journal = join(env.dir, 'a.journal');
    await killMidUpload(env, a.path, journal, 2);
    execFileSync('touch', ['-r', a.path, b.path]);
    env.server.resetStats();
    const out = await cli(env, ['upload', b.path, '--vault', env.vaultName, '--journal', journal]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/belongs to another file: it was written for .*a\.bin, not .*b\.bin/);
    expect(env.server.stats.UploadMultipartPart ?? 0).toBe(0);
    expect(env.server.stats.CompleteMultipartUpload ?? 0).toBe(0);
    // a.bin itself still resumes from it, with the right bytes.
    const r = await uploadArchive({ vaultName: env.vaultName, client: env.client, source: a.path, journal, threads: 1 });
    expect((await readBack(env.client, env.vaultName, r.archiveId)).equals(a.data)).toBe(true);
  });

  it('the journal\'s file path edited to point at another file: refused (CLI resume --journal); --force uploads that file\'s bytes', async () => {
    const a = writeRandomFile(env.dir, 'edit-a.bin', 6 * MiB);
    const b = writeRandomFile(env.dir, 'edit-b.bin', 6 * MiB);
    const journal = join(env.dir, 'edit.journal');
    await killMidUpload(env, a.path, journal, 2);
    execFileSync('touch', ['-r', a.path, b.path]);
    writeFileSync(journal, readFileSync(journal, 'utf8').replace(JSON.stringify(a.path), JSON.stringify(b.path)));
    const uploadId = (await readJournal(journal))!.header.uploadId;
    env.server.resetStats();
    const refused = await cli(env, ['resume', '--journal', journal]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/belongs to another file, or this file was replaced\. Nothing was sent.*--force/);
    expect(env.server.stats.UploadMultipartPart ?? 0).toBe(0);
    const forced = await cli(env, ['resume', '--journal', journal, '--force', '--json']);
    expect(forced.code).toBe(0);
    const r = JSON.parse(forced.stdout) as { archiveId: string; uploadId: string; checksum: string };
    expect(r.uploadId).toBe(uploadId);
    expect(r.checksum).toBe(oracleTreeHash(b.data));
    expect((await readBack(env.client, env.vaultName, r.archiveId)).equals(b.data)).toBe(true);
  });

  it('bytes overwritten in place during the upload, then the mtime restored: the run fails (ctime), the resume re-sends the changed part', async () => {
    const { path, data } = writeRandomFile(env.dir, 'inplace.bin', 10 * MiB);
    const journal = join(env.dir, 'inplace.journal');
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'Slow', every: 1, delayMs: 300 }]);
    const child = startUploadChild(env, path, journal);
    await child.journaled(2);
    // Part 0 is already in Glacier; its first bytes change on disk, and the mtime is set back.
    const patch = randomData(4096);
    rewriteKeepingMtime(path, patch, 100);
    const end = await child.exited;
    env.server.setFaults([]);
    expect(end.stdout).toBe('');
    expect(end.code).not.toBe(0);
    // The child notices at its next check: the ctime (or, if it looked between the write and touch -r, the mtime).
    expect(end.stderr).toMatch(/changed while it was being uploaded or hashed \((its status-change time|its modification time)/);

    const now = Buffer.from(data);
    now.set(patch, 100);
    const held = await listedPartCount(env.client, env.vaultName, (await readJournal(journal))!.header.uploadId);
    env.server.resetStats();
    const r = await uploadArchive({ vaultName: env.vaultName, client: env.client, source: path, journal, threads: 1 });
    // Part 0 was re-sent along with the parts Glacier lacked; the other held parts were re-hashed and
    // kept (parts the killed run still had in flight may land after \`held\` was counted).
    expect(r.uploadedParts + r.skippedParts).toBe(10);
    expect(r.skippedParts).toBeGreaterThanOrEqual(held - 1);
    expect(r.skippedParts).toBeGreaterThanOrEqual(1);
    expect(r.checksum).toBe(oracleTreeHash(now));
    expect((await readBack(env.client, env.vaultName, r.archiveId)).equals(now)).toBe(true);
    expect(existsSync(journal)).toBe(false);
  });

  it('verify: true re-hashes every held part even when the file\'s identity matches the journal', async () => {
    const { path, data } = writeRandomFile(env.dir, 'verify.bin', 8 * MiB);
    const journal = join(env.dir, 'verify.journal');
    await killMidUpload(env, path, journal, 3);
    const held = await listedPartCount(env.client, env.vaultName, (await readJournal(journal))!.header.uploadId);
    let last: UploadProgress | undefined;
    const r = await uploadArchive({ vaultName: env.vaultName, client: env.client, source: path, journal, threads: 1, verify: true, onProgress: (p) => { last = p; } });
    expect(r.skippedParts).toBe(held);
    // Every byte of the file was hashed in this run: the held parts too.
    expect(last!.bytesHashed).toBe(data.length);
    expect((await readBack(env.client, env.vaultName, r.archiveId)).equals(data)).toBe(true);
  });

  it('resume <file> --upload-id of another file\'s open upload: refused unless --force', async () => {
    const a = writeRandomFile(env.dir, 'own-a.bin', 4 * MiB);
    const b = writeRandomFile(env.dir, 'own-b.bin', 4 * MiB);
    const upload = await MultipartUpload.start({ client: env.client, vaultName: env.vaultName, partSize: MiB });
    await upload.uploadPart(0, b.data.subarray(0, MiB));
    await upload.uploadPart(1, b.data.subarray(MiB, 2 * MiB));
    const refused = await cli(env, ['resume', a.path, '--vault', env.vaultName, '--upload-id', upload.uploadId]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/None of the 2 parts that upload .* holds matches/);
    // b's parts are untouched: b can still be finished from them.
    const r = await uploadArchive({ vaultName: env.vaultName, client: env.client, source: b.path, uploadId: upload.uploadId, threads: 1 });
    expect(r.skippedParts).toBe(2);
    expect((await readBack(env.client, env.vaultName, r.archiveId)).equals(b.data)).toBe(true);
  });
});
