import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chmod, chown, readFile, stat } from 'node:fs/promises';
import { startLocalGlacier } from 'glacier-multipart';
import { SELF, lit, oracleTreeHash, randomFile, runCli, startCli, tempDir, waitFor } from './helpers.js';
import { readableInstall, removeReadableInstall } from '../readable-install.js';

const MiB = 1024 * 1024;

/** Part lines in a journal (the first line is the header). */
async function journalParts(path: string): Promise<number> {
  try {
    const lines = (await readFile(path, 'utf8')).split('\n').slice(1);
    return lines.filter((l) => l.trim().startsWith('{')).length;
  } catch {
    return 0;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

describe('upload, resume, uploads, parts, abort (child processes against the local server)', () => {
  let server: Awaited<ReturnType<typeof startLocalGlacier>>;
  let dir: string;
  let cleanup: () => Promise<void>;
  let ep: string[];
  beforeAll(async () => {
    server = await startLocalGlacier({});
    ({ dir, cleanup } = await tempDir());
    ep = ['--endpoint', server.endpoint];
    expect((await runCli(['vault', 'create', 'cli', ...ep])).code).toBe(0);
  });
  afterAll(async () => {
    await server?.close();
    await cleanup?.();
  });
  beforeEach(() => {
    server.setFaults([]);
    server.resetStats();
  });

  /** Holds each part for a while so a test can interrupt an upload part-way. */
  const slowParts = (delayMs = 150) => server.setFaults([{ operation: 'UploadMultipartPart', kind: 'Slow', every: 1, delayMs }]);

  it('keeps the default journal in the user state directory when the file sits in a read-only directory', async () => {
    const ro = await tempDir();
    const home = await tempDir();
    try {
      const { path, data } = await randomFile(ro.dir, 'snapshot.bin', 2 * MiB + 3);
      await chmod(path, 0o644);
      // Root writes anywhere, so as root the upload runs as user 'nobody' (who cannot write in ro.dir),
      // from a world-readable copy of the build (the checkout may be where 'nobody' cannot enter).
      const asRoot = process.getuid?.() === 0;
      let uid: number | undefined;
      let asNobody = {};
      if (asRoot) {
        uid = 65534;
        await chmod(ro.dir, 0o755);
        await chown(home.dir, uid, uid);
        const copy = readableInstall();
        asNobody = { main: copy.path('dist/src/cli/main.js'), cwd: copy.root };
      } else {
        await chmod(ro.dir, 0o555);
      }
      const r = await runCli(['upload', path, '--vault', 'cli', '--part-size', '1MiB', ...ep],
        { env: { HOME: home.dir, XDG_STATE_HOME: '' }, uid, ...asNobody });
      expect(r.stderr).not.toMatch(/JournalError|not writable/);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`resume --journal ${home.dir}/.local/state/glacier-multipart/journals/snapshot.bin-`);
      expect(r.stdout).toContain(oracleTreeHash(data));
      expect(await exists(`${path}.glacier-journal.json`)).toBe(false);
    } finally {
      await chmod(ro.dir, 0o700);
      await ro.cleanup();
      await home.cleanup();
      removeReadableInstall();
    }
  });

  it('uploads a file: the archive tree hash equals the oracle, the journal is removed', async () => {
    const { path, data } = await randomFile(dir, 'happy.bin', 3.5 * MiB);
    const r = await runCli(['upload', path, '--vault', 'cli', '--part-size', '1MiB', '--description', 'cli test', '--json', ...ep]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ vaultName: 'cli', checksum: oracleTreeHash(data), archiveSize: data.length, partSize: MiB, partCount: 4, uploadedParts: 4, skippedParts: 0 });
    expect(out.archiveId).toMatch(/\S{20,}/);
    expect(server.stats.UploadMultipartPart).toBe(4);
    expect(await exists(`${path}.glacier-journal.json`)).toBe(false);
  });

  it('rides out throttling, 500s and a connection reset (retries) and still produces the right archive', async () => {
    const { path, data } = await randomFile(dir, 'faulty.bin', 6 * MiB);
    server.setFaults([
      { operation: 'UploadMultipartPart', kind: 'Throttling', nth: 1 },
      { operation: 'UploadMultipartPart', kind: 'ServiceUnavailable', nth: 3 },
      { operation: 'UploadMultipartPart', kind: 'ConnectionReset', nth: 5 },
      { operation: 'CompleteMultipartUpload', kind: 'RequestTimeout', nth: 1 },
    ]);
    const r = await runCli(['upload', path, '--vault', 'cli', '--part-size', '1MiB', '--json', ...ep]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ checksum: oracleTreeHash(data), partCount: 6, uploadedParts: 6 });
    expect(server.stats['UploadMultipartPart:Throttling']).toBe(1);
    expect(server.stats['UploadMultipartPart:ServiceUnavailable']).toBe(1);
    expect(server.stats['UploadMultipartPart:ConnectionReset']).toBe(1);
    expect(server.stats.UploadMultipartPart).toBe(9);
  });

  it('human output names the archive id, tree hash, parts and throughput', async () => {
    const { path, data } = await randomFile(dir, 'human.bin', 2 * MiB + 5);
    const r = await runCli(['upload', path, '--vault', 'cli', '--part-size', '1MiB', ...ep]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`tree hash:   ${oracleTreeHash(data)}`);
    expect(r.stdout).toMatch(/archive id: {2}\S+/);
    expect(r.stdout).toContain('in 3 parts of 1 MiB');
    expect(r.stdout).toMatch(/throughput: .* MiB\/s/);
    // Off a terminal, progress is plain lines on stderr.
    expect(r.stderr).toMatch(new RegExp(`upload id \\S+; if interrupted, resume with: ${lit(SELF)} resume --journal `));
  });

  it('--progress bar draws a bar with bytes, MiB/s, ETA and parts', async () => {
    slowParts(100);
    const { path } = await randomFile(dir, 'bar.bin', 4 * MiB);
    const r = await runCli(['upload', path, '--vault', 'cli', '--part-size', '1MiB', '--concurrency', '1', '--progress', 'bar', ...ep]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\[[█░]+\] \d+% \| [\d.]+ \w+ \/ 4 MiB \| [\d.]+ MiB\/s \| ETA \S+ \| parts \d\/4/);
  });

  it("uploads stdin with '-'", async () => {
    const { data } = await randomFile(dir, 'stdin.bin', 1.5 * MiB);
    const r = await runCli(['upload', '-', '--vault', 'cli', '--part-size', '1MiB', '--json', ...ep], { input: data });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ checksum: oracleTreeHash(data), archiveSize: data.length, partCount: 2 });
  });

  it('SIGKILL mid-upload, then resume --journal completes without sending a finished part again', async () => {
    const { path, data } = await randomFile(dir, 'killed.bin', 8 * MiB);
    const journal = `${path}.glacier-journal.json`;
    slowParts();
    const run = startCli(['upload', path, '--vault', 'cli', '--part-size', '1MiB', '--concurrency', '1', ...ep]);
    await waitFor(async () => (await journalParts(journal)) >= 3 || undefined);
    run.child.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
    const journaled = await journalParts(journal);
    expect(journaled).toBeGreaterThanOrEqual(3);
    expect(journaled).toBeLessThan(8);

    const header = JSON.parse((await readFile(journal, 'utf8')).split('\n')[0]!);
    const parts = await runCli(['parts', '--vault', 'cli', '--upload-id', header.uploadId, '--json', ...ep]);
    expect(parts.code).toBe(0);
    const held: number = JSON.parse(parts.stdout).partCount;
    expect(held).toBeGreaterThanOrEqual(journaled);

    server.setFaults([]);
    server.resetStats();
    const resumed = await runCli(['resume', '--journal', journal, '--json', ...ep]);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const out = JSON.parse(resumed.stdout);
    expect(out).toMatchObject({ uploadId: header.uploadId, checksum: oracleTreeHash(data), archiveSize: data.length, skippedParts: held, uploadedParts: 8 - held });
    // Exactly the parts Glacier did not hold went over the wire again.
    expect(server.stats.UploadMultipartPart).toBe(8 - held);
    expect(server.stats.InitiateMultipartUpload ?? 0).toBe(0);
    expect(await exists(journal)).toBe(false);
  });

  it('Ctrl-C stops cleanly (exit 130), leaves a resumable journal; uploads and parts show it; resume finishes it', async () => {
    const { path, data } = await randomFile(dir, 'interrupted.bin', 8 * MiB);
    const journal = `${path}.glacier-journal.json`;
    slowParts();
    const run = startCli(['upload', path, '--vault', 'cli', '--part-size', '1MiB', '--concurrency', '1', ...ep]);
    await waitFor(async () => (await journalParts(journal)) >= 2 || undefined);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('stopping (press Ctrl-C again to force)');
    expect(r.stderr).toMatch(new RegExp(`interrupted: upload (\\S+) is left open and resumable; resume with: ${lit(SELF)} resume --journal \\S+interrupted\\.bin\\.glacier-journal\\.json`));
    expect(await exists(journal)).toBe(true);
    const uploadId = /interrupted: upload (\S+) is left open/.exec(r.stderr)![1]!;

    const uploads = await runCli(['uploads', '--vault', 'cli', '--json', ...ep]);
    expect(uploads.code).toBe(0);
    expect(JSON.parse(uploads.stdout).map((u: { uploadId: string }) => u.uploadId)).toContain(uploadId);
    const table = await runCli(['uploads', '--vault', 'cli', ...ep]);
    expect(table.stdout).toContain(uploadId);
    expect(table.stdout).toContain('1 MiB');

    const parts = await runCli(['parts', '--vault', 'cli', '--upload-id', uploadId, '--json', ...ep]);
    const listed = JSON.parse(parts.stdout);
    expect(listed.partSize).toBe(MiB);
    for (const p of listed.parts) {
      expect(p.treeHash).toBe(oracleTreeHash(data.subarray(p.first, p.last + 1)));
    }

    server.setFaults([]);
    const resumed = await runCli(['resume', '--journal', journal, '--json', ...ep]);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ uploadId, checksum: oracleTreeHash(data) });
  });

  it('resume <file> --vault --upload-id continues an upload without a journal', async () => {
    const { path, data } = await randomFile(dir, 'nojournal.bin', 5 * MiB);
    slowParts();
    const run = startCli(['upload', path, '--vault', 'cli', '--part-size', '1MiB', '--concurrency', '1', '--no-journal', ...ep]);
    await waitFor(() => (server.stats.UploadMultipartPart ?? 0) >= 3 || undefined);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    const m = new RegExp(`resume with: ${lit(SELF)} resume (\\S+) --vault cli --upload-id (\\S+)`).exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    server.setFaults([]);
    const resumed = await runCli(['resume', path, '--vault', 'cli', '--upload-id', m![2]!, '--json', ...ep]);
    expect(resumed.code).toBe(0);
    const out = JSON.parse(resumed.stdout);
    expect(out.checksum).toBe(oracleTreeHash(data));
    expect(out.skippedParts).toBeGreaterThanOrEqual(1);
  });

  it('--abort-on-interrupt aborts the upload on Ctrl-C; abort command aborts an open upload', async () => {
    const { path } = await randomFile(dir, 'aborted.bin', 6 * MiB);
    slowParts();
    const run = startCli(['upload', path, '--vault', 'cli', '--part-size', '1MiB', '--concurrency', '1', '--abort-on-interrupt', ...ep]);
    await waitFor(() => (server.stats.UploadMultipartPart ?? 0) >= 2 || undefined);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted: multipart upload \S+ was aborted \(--abort-on-interrupt\)/);
    // What happened, and only that: no resume hint for an upload that is gone, not even at the start.
    expect(r.stderr).toMatch(/upload id \S+; Ctrl-C aborts it \(--abort-on-interrupt\)/);
    expect(r.stderr).not.toMatch(/resume with|left open|if interrupted/);
    expect(server.stats.AbortMultipartUpload).toBeGreaterThanOrEqual(1);
    expect(await exists(`${path}.glacier-journal.json`)).toBe(false);

    // And the abort command on an upload left open by an interruption.
    server.resetStats();
    const run2 = startCli(['upload', path, '--vault', 'cli', '--part-size', '1MiB', '--concurrency', '1', ...ep]);
    await waitFor(() => (server.stats.UploadMultipartPart ?? 0) >= 2 || undefined);
    run2.child.kill('SIGINT');
    const r2 = await run2.done;
    const uploadId = /interrupted: upload (\S+) is left open/.exec(r2.stderr)![1]!;
    const aborted = await runCli(['abort', '--vault', 'cli', '--upload-id', uploadId, ...ep]);
    expect(aborted.code).toBe(0);
    expect(aborted.stdout).toContain(`aborted upload ${uploadId}`);
    const uploads = await runCli(['uploads', '--vault', 'cli', '--json', ...ep]);
    expect(JSON.parse(uploads.stdout).map((u: { uploadId: string }) => u.uploadId)).not.toContain(uploadId);
    const parts = await runCli(['parts', '--vault', 'cli', '--upload-id', uploadId, ...ep]);
    expect(parts.code).toBe(1);
    // The message names a wrong endpoint, region or account before the upload's own end.
    expect(parts.stderr).toContain(`multipart upload ${uploadId} was not found in vault cli at ${server.endpoint}: if that is the wrong endpoint, region or account, pass the right --endpoint, --region or --account-id; otherwise it was aborted`);
  });

  it('a second Ctrl-C forces the exit while the first is still stopping', async () => {
    const { path } = await randomFile(dir, 'forced.bin', 4 * MiB);
    // The abort that --abort-on-interrupt sends after the first Ctrl-C is held back for 3 s.
    server.setFaults([
      { operation: 'UploadMultipartPart', kind: 'Slow', every: 1, delayMs: 150 },
      { operation: 'AbortMultipartUpload', kind: 'Slow', every: 1, delayMs: 3000 },
    ]);
    const run = startCli(['upload', path, '--vault', 'cli', '--part-size', '1MiB', '--concurrency', '1', '--abort-on-interrupt', ...ep]);
    await waitFor(() => (server.stats.UploadMultipartPart ?? 0) >= 1 || undefined);
    run.child.kill('SIGINT');
    await waitFor(() => (server.stats.AbortMultipartUpload ?? 0) >= 1 || undefined);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('forced exit');
  });

  it('a failed upload is one line with the upload id and how to resume (exit 1)', async () => {
    const { path } = await randomFile(dir, 'failing.bin', 3 * MiB);
    server.setFaults([{ operation: 'UploadMultipartPart', kind: 'ServiceUnavailable', every: 1 }]);
    const r = await runCli(['upload', path, '--vault', 'cli', '--part-size', '1MiB', '--max-attempts', '2', ...ep]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    const last = lines[lines.length - 1]!;
    // The upload id note when it started, then the error: one line.
    expect(lines.filter((l) => l.startsWith('glacier-multipart:'))).toEqual([last]);
    expect(last).toMatch(/^glacier-multipart: .*Service is unavailable/i);
    expect(last).toMatch(/upload \S+ is left open/);
    expect(last).toContain(`resume with: ${SELF} resume --journal ${path}.glacier-journal.json --endpoint ${server.endpoint}`);
    expect(await exists(`${path}.glacier-journal.json`)).toBe(true);
  });

  it('an unknown vault fails before parts are sent, with a hint', async () => {
    const { path } = await randomFile(dir, 'novault.bin', MiB);
    const r = await runCli(['upload', path, '--vault', 'missing-vault', ...ep]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`"missing-vault" does not exist.*${lit(SELF)} vault create missing-vault`));
    expect(server.stats.UploadMultipartPart ?? 0).toBe(0);
  });
});
