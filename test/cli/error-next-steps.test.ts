// The next steps the CLI builds from library errors' facts (src/cli/next-step.ts), for failed
// uploads, downloads and inventories: each is pasted into a shell as printed and must do what it
// says. Library messages carry no command; these lines are the CLI's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GlacierClient, UploadArchiveCommand } from '@aws-sdk/client-glacier';
import { startLocalGlacier } from 'glacier-multipart';
import { SELF, lit, randomFile, runCli, runPasted, tempDir } from './helpers.js';

const MiB = 1024 * 1024;

/** The command a message prints after `label` (to the end of its line, or to ` (or`). */
function printed(text: string, label: string): string {
  const m = new RegExp(`${lit(label)} (.+)$`, 'm').exec(text);
  if (!m) throw new Error(`no "${label}" in:\n${text}`);
  return m[1]!.replace(/ \(or .*$/, '').trim();
}

describe('next steps built from library errors work when pasted', () => {
  let server: Awaited<ReturnType<typeof startLocalGlacier>>;
  let dir: string;
  let cleanup: () => Promise<void>;
  let ep: string[];
  let client: GlacierClient;
  beforeAll(async () => {
    // Jobs take a moment, so a run that does not wait finds them in progress.
    server = await startLocalGlacier({ jobDelayMs: 1500 });
    ({ dir, cleanup } = await tempDir());
    ep = ['--endpoint', server.endpoint];
    client = new GlacierClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  });
  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await cleanup?.();
  });

  it('an upload to a missing vault prints "create it with", which creates it; the upload then succeeds', async () => {
    const { path } = await randomFile(dir, 'novault.bin', MiB);
    const r = await runCli(['upload', path, '--vault', 'made-later', ...ep]);
    expect(r.code).toBe(1);
    const line = printed(r.stderr, 'create it with:');
    // The upload repeats the region it resolved, so another shell reaches the same place.
    expect(line).toBe(`${SELF} vault create made-later --endpoint ${server.endpoint} --region us-east-1`);
    const created = await runPasted(line);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('created vault made-later');
    const again = await runCli(['upload', path, '--vault', 'made-later', ...ep, '--json']);
    expect(again.code, again.stderr).toBe(0);
  });

  it('vault describe of a missing vault: one line naming Glacier\'s answer and the create command, which works', async () => {
    const r = await runCli(['vault', 'describe', 'nothere2', ...ep]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const created = await runPasted(printed(r.stderr, 'create it with:'));
    expect(created.code, created.stderr).toBe(0);
    expect((await runCli(['vault', 'describe', 'nothere2', ...ep])).code).toBe(0);
  });

  it('download --no-wait on a running job prints "download it later with", which downloads the verified archive', async () => {
    expect((await runCli(['vault', 'create', 'dl', ...ep])).code).toBe(0);
    const data = Buffer.from('an archive retrieved later');
    const archiveId = (await client.send(new UploadArchiveCommand({ accountId: '-', vaultName: 'dl', body: data }))).archiveId!;
    const out = join(dir, 'later.bin');
    const r = await runCli(['download', '--vault', 'dl', '--archive-id', archiveId, '--out', out, '--no-wait', ...ep]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/glacier-multipart download --vault dl --job-id \S+ --out FILE/);
    const line = printed(r.stderr, 'download it later with:');
    expect(line).toMatch(new RegExp(`^${lit(SELF)} download --vault dl --job-id \\S+ --out ${lit(out)} --endpoint ${lit(server.endpoint)}$`));
    const done = await runPasted(line);
    expect(done.code, done.stderr).toBe(0);
    expect(await readFile(out)).toEqual(data);
  });

  it('download into an existing file names --overwrite; with it the same command replaces the file', async () => {
    const data = Buffer.from('replaced by the archive');
    const archiveId = (await client.send(new UploadArchiveCommand({ accountId: '-', vaultName: 'dl', body: data }))).archiveId!;
    const out = join(dir, 'exists.bin');
    await writeFile(out, 'old');
    const args = ['download', '--vault', 'dl', '--archive-id', archiveId, '--out', out, ...ep];
    const r = await runCli(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already exists.*add --overwrite to replace it/);
    const again = await runCli([...args, '--overwrite']);
    expect(again.code, again.stderr).toBe(0);
    expect(await readFile(out)).toEqual(data);
  });

  it('an inventory not ready within --wait prints "fetch it later with", which prints the inventory', async () => {
    expect((await runCli(['vault', 'create', 'inv', ...ep])).code).toBe(0);
    const archiveId = (await client.send(new UploadArchiveCommand({ accountId: '-', vaultName: 'inv', body: Buffer.from('listed') }))).archiveId!;
    const r = await runCli(['inventory', '--vault', 'inv', '--wait', '0', ...ep]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Inventory job \S+ of vault "inv" has not completed yet/);
    const line = printed(r.stderr, 'fetch it later with:');
    expect(line).toMatch(new RegExp(`^${lit(SELF)} inventory --vault inv --job-id \\S+ --endpoint ${lit(server.endpoint)}$`));
    const fetched = await runPasted(line);
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(fetched.stdout).toContain(archiveId);
  });
});
