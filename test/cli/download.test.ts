// retrieve, jobs and download as a user runs them (child processes of the compiled bin) against
// the local server: printed next-step commands are run as printed, stdout output equals the file,
// Ctrl-C keeps the journal and its continue command fetches no verified chunk again.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlacierClient, UploadArchiveCommand, CreateVaultCommand } from '@aws-sdk/client-glacier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGlacier, type LocalGlacier } from 'glacier-multipart';
import { MAIN, cleanEnv, oracleTreeHash, runCli, startCli, tempDir, waitFor } from './helpers.js';

const MiB = 1024 * 1024;
let server: LocalGlacier;
let dir: string;
let cleanup: () => Promise<void>;
const vault = 'cli-downloads';

async function putArchive(data: Buffer): Promise<string> {
  const client = new GlacierClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  try {
    await client.send(new CreateVaultCommand({ accountId: '-', vaultName: vault }));
    return (await client.send(new UploadArchiveCommand({ accountId: '-', vaultName: vault, body: data }))).archiveId!;
  } finally {
    client.destroy();
  }
}

/** Runs a printed command line as a shell would (it names the CLI as this run was started, or glacier-multipart). */
function runPrinted(line: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const command = line.replace(/^glacier-multipart /, `${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} `);
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd: dir, env: cleanEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  server = await startLocalGlacier({});
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => {
  await server?.close();
  await cleanup?.();
});

describe('retrieve, jobs, download', () => {
  it('retrieve prints the job id and a download command that works as printed; jobs lists the job', async () => {
    const data = Buffer.from(Array.from({ length: 2 * MiB + 5 }, (_, i) => (i * 7) & 0xff));
    const archiveId = await putArchive(data);
    const r = await runCli(['retrieve', '--vault', vault, '--archive-id', archiveId, '--tier', 'bulk', '--endpoint', server.endpoint, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const job = JSON.parse(r.stdout);
    expect(job.tier).toBe('Bulk');
    expect(job.download).toContain(`--job-id ${job.jobId}`);
    expect(job.download).toContain(`--endpoint ${server.endpoint}`);

    const listed = await runCli(['jobs', '--vault', vault, '--endpoint', server.endpoint, '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((j: { jobId: string }) => j.jobId)).toContain(job.jobId);

    const printed = (job.download as string).replace('--out FILE', '--out got.bin');
    const d = await runPrinted(`${printed} --chunk-size 1MiB`);
    expect(d.code, d.stderr).toBe(0);
    expect(readFileSync(join(dir, 'got.bin')).equals(data)).toBe(true);
    expect(d.stdout).toContain(`tree hash:    ${oracleTreeHash(data)}`);
    expect(d.stdout).toMatch(/MiB\/s/);
  });

  it('download --out - writes the same bytes to stdout as to a file', async () => {
    const data = Buffer.from(Array.from({ length: 3 * MiB + 1 }, (_, i) => (i * 13) & 0xff));
    const archiveId = await putArchive(data);
    const file = join(dir, 'file.bin');
    const toFile = await runCli(['download', '--vault', vault, '--archive-id', archiveId, '--out', file, '--chunk-size', '1MiB', '--endpoint', server.endpoint]);
    expect(toFile.code, toFile.stderr).toBe(0);
    const done = await runPrinted(`glacier-multipart download --vault ${vault} --archive-id ${archiveId} --out - --chunk-size 1MiB --concurrency 3 --endpoint ${server.endpoint} > piped.bin`);
    expect(done.code, done.stderr).toBe(0);
    const piped = readFileSync(join(dir, 'piped.bin'));
    expect(piped.equals(readFileSync(file))).toBe(true);
    expect(piped.equals(data)).toBe(true);
    // The summary goes to stderr, out of the data's way.
    expect(done.stderr).toContain('tree hash:');
  });

  it('usage errors exit 2 before any request', async () => {
    server.resetStats();
    const both = await runCli(['download', '--vault', vault, '--archive-id', 'A', '--job-id', 'J', '--out', 'x', '--endpoint', server.endpoint]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/exactly one of --job-id/);
    const range = await runCli(['retrieve', '--vault', vault, '--archive-id', 'A', '--range', '1000-2000', '--endpoint', server.endpoint]);
    expect(range.code).toBe(2);
    expect(range.stderr).toMatch(/multiple of 1048576/);
    const chunk = await runCli(['download', '--vault', vault, '--job-id', 'J', '--out', 'x', '--chunk-size', '3MiB', '--endpoint', server.endpoint]);
    expect(chunk.code).toBe(2);
    const tier = await runCli(['retrieve', '--vault', vault, '--archive-id', 'A', '--tier', 'fast', '--endpoint', server.endpoint]);
    expect(tier.code).toBe(2);
    expect(server.stats.InitiateJob ?? 0).toBe(0);
    expect(server.stats.GetJobOutput ?? 0).toBe(0);
  });

  it('Ctrl-C keeps the journal and prints the exact command that continues; it fetches no verified chunk again', async () => {
    const data = Buffer.from(Array.from({ length: 8 * MiB }, (_, i) => (i * 31 + 3) & 0xff));
    const archiveId = await putArchive(data);
    const out = join(dir, 'interrupted.bin');
    const journal = `${out}.glacier-download.json`;
    server.setFaults([{ operation: 'GetJobOutput', kind: 'Slow', delayMs: 300 }]);
    const run = startCli(['download', '--vault', vault, '--archive-id', archiveId, '--out', out, '--chunk-size', '1MiB', '--concurrency', '1',
      '--endpoint', server.endpoint]);
    run.child.stdin!.end();
    await waitFor(() => existsSync(journal) && readFileSync(journal, 'utf8').split('\n').filter(Boolean).length >= 3);
    run.child.kill('SIGINT');
    const r = await run.done;
    server.setFaults([]);
    expect(r.code, r.stderr).toBe(130);
    const line = /continue with: (.+)$/m.exec(r.stderr)?.[1];
    expect(line, r.stderr).toBeDefined();
    const kept = readFileSync(journal, 'utf8').split('\n').filter(Boolean).length - 1;
    expect(kept).toBeGreaterThanOrEqual(2);
    server.resetStats();
    const again = await runPrinted(line!);
    expect(again.code, again.stderr).toBe(0);
    expect(server.stats.InitiateJob ?? 0).toBe(0);
    expect(server.stats.GetJobOutput).toBe(8 - kept);
    expect(readFileSync(out).equals(data)).toBe(true);
    expect(again.stdout).toContain(`${kept} kept from an earlier run`);
  });

  it('--no-wait on a running job fails and prints the command for later', async () => {
    const slow = await startLocalGlacier({ jobDelayMs: 60_000 });
    try {
      const client = new GlacierClient({ endpoint: slow.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      await client.send(new CreateVaultCommand({ accountId: '-', vaultName: vault }));
      const archiveId = (await client.send(new UploadArchiveCommand({ accountId: '-', vaultName: vault, body: Buffer.from('tiny') }))).archiveId!;
      client.destroy();
      const r = await runCli(['download', '--vault', vault, '--archive-id', archiveId, '--out', join(dir, 'later.bin'), '--no-wait', '--endpoint', slow.endpoint]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/has not completed yet/);
      expect(r.stderr).toMatch(/download it later with: .*download --vault cli-downloads --job-id \S+ --out \S*later\.bin --endpoint/);
    } finally {
      await slow.close();
    }
  });
});
