// Hostile odds and ends (child processes): stdout on a full disk, delete's confirmation and its
// honest catalog note, a catalog path that is a directory, https to a plain HTTP server, an
// endpoint that repeats its ListJobs Marker or describes a job without an Action, Ctrl-C during
// an inventory.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { CreateVaultCommand, GlacierClient, UploadArchiveCommand } from '@aws-sdk/client-glacier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGlacier, type LocalGlacier } from 'glacier-multipart';
import { cannotMount, mountSmallFs } from '../small-fs.js';
import { MAIN, SELF, runCli, runPasted, startCli, tempDir, waitFor } from './helpers.js';

const MiB = 1024 * 1024;
let server: LocalGlacier;
let dir: string;
let cleanup: () => Promise<void>;
const vault = 'hostile';
const ep = () => ['--endpoint', server.endpoint];

async function putArchive(data: Buffer): Promise<string> {
  const client = new GlacierClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  try {
    await client.send(new CreateVaultCommand({ accountId: '-', vaultName: vault }));
    return (await client.send(new UploadArchiveCommand({ accountId: '-', vaultName: vault, body: data }))).archiveId!;
  } finally {
    client.destroy();
  }
}

/** An endpoint that answers like Glacier's headers with bodies of our choosing. */
async function fakeGlacier(answer: (method: string, url: string) => unknown): Promise<{ endpoint: string; server: Server; requests: () => number }> {
  let requests = 0;
  const s = createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-RequestId': `r${requests}` });
    res.end(JSON.stringify(answer(req.method!, req.url!)));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { endpoint: `http://127.0.0.1:${(s.address() as { port: number }).port}`, server: s, requests: () => requests };
}

beforeAll(async () => {
  server = await startLocalGlacier({});
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => {
  await server?.close();
  await cleanup?.();
});

describe('hostile odds and ends', () => {
  it.skipIf(cannotMount !== undefined)(`download --out - into a full disk: one clean line, exit 1${cannotMount ? ` (skipped: ${cannotMount})` : ''}`, async () => {
    const archiveId = await putArchive(Buffer.alloc(3 * MiB, 7));
    const full = mountSmallFs(join(dir, 'full'), 1 * MiB);
    try {
      const r = await runPasted(`${process.execPath} ${MAIN} download --vault ${vault} --archive-id ${archiveId} --out - --chunk-size 1MiB --endpoint ${server.endpoint} > ${full.dir}/out.bin`);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('cannot write to stdout (ENOSPC: the disk it goes to is full)');
      expect(r.stderr).not.toMatch(/\n\s+at |Uncaught|node:internal/);
    } finally {
      full.unmount();
    }
  });

  it('delete asks for --yes off a terminal; deleting an archive no catalog knows records nothing and says so', async () => {
    const archiveId = await putArchive(Buffer.from('delete me'));
    const catalog = join(dir, 'del.catalog');
    writeFileSync(catalog, '');
    const unasked = await runCli(['delete', '--vault', vault, '--archive-id', archiveId, ...ep()]);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toContain('pass --yes to delete without asking');
    expect(server.stats['DeleteArchive'] ?? 0).toBe(0);
    const gone = await runCli(['delete', '--vault', vault, '--archive-id', archiveId, '--yes', ...ep()]);
    expect(gone.code, gone.stderr).toBe(0);
    const nosuch = await runCli(['delete', '--vault', vault, '--archive-id', 'NOSUCH', '--catalog', catalog, '--yes', ...ep()]);
    expect(nosuch.code).toBe(1);
    expect(nosuch.stderr).toContain(`${catalog} does not know it either, so nothing was recorded`);
    expect(nosuch.stderr).not.toContain('recorded as DELETED');
    expect(readFileSync(catalog, 'utf8')).toBe('');
  });

  it('a catalog path that is a directory is named', async () => {
    const catalogDir = join(dir, 'a-directory');
    mkdirSync(catalogDir);
    const r = await runCli(['sync', '--dir', dir, '--vault', vault, '--catalog', catalogDir, ...ep()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`The catalog ${catalogDir} is a directory: pass the catalog file itself`);
  });

  it('https pointed at a plain HTTP server says so, without OpenSSL text', async () => {
    const r = await runCli(['vault', 'create', 'v', '--endpoint', server.endpoint.replace('http:', 'https:'), '--max-attempts', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('did not answer in TLS');
    expect(r.stderr).toContain('write http:// instead of https://');
    expect(r.stderr).not.toMatch(/SSL routines|0A00010B/);
  });

  it('jobs stops when the endpoint repeats its Marker; a job described without an Action is called malformed', async () => {
    const fake = await fakeGlacier((_m, url) => (/\/jobs\/J1/.test(url) ? { JobId: 'J1', Completed: true, StatusCode: 'Succeeded' } : { JobList: [], Marker: 'same' }));
    try {
      const jobs = await runCli(['jobs', '--vault', 'v', '--endpoint', fake.endpoint]);
      expect(jobs.code).toBe(1);
      expect(jobs.stderr).toContain('it repeated "same", which would page forever');
      expect(fake.requests()).toBe(2);
      const d = await runCli(['download', '--vault', 'v', '--job-id', 'J1', '--out', join(dir, 'j1.bin'), '--endpoint', fake.endpoint]);
      expect(d.stderr).toContain('Job J1 is a job whose description names no Action (a malformed answer from the endpoint)');
      expect(d.stderr).not.toMatch(/an {2}job|undefined job/);
    } finally {
      fake.server.close();
    }
  });

  it('Ctrl-C during an inventory says the inventory stopped, not that an upload was cancelled', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    let connected = false;
    silent.on('connection', () => (connected = true));
    try {
      const run = startCli(['inventory', '--vault', 'v', '--endpoint', `http://127.0.0.1:${(silent.address() as { port: number }).port}`]);
      run.child.stdin!.end();
      await waitFor(() => connected || undefined);
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r.code).toBe(130);
      expect(r.stderr).toContain('glacier-multipart: inventory stopped (Interrupted by Ctrl-C)');
      expect(r.stderr).not.toMatch(/upload was cancelled/i);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('serve prints its next steps with the CLI as started, and they work as pasted (exports first)', async () => {
    const serve = startCli(['serve', '--port', '0']);
    serve.child.stdin!.end();
    try {
      await waitFor(() => serve.stdout().includes('Press Ctrl-C to stop.') || undefined);
      const lines = serve.stdout().split('\n').map((l) => l.trim());
      const step = lines.find((l) => l.includes(' vault create my-vault'))!;
      expect(step).toBe(`${SELF} vault create my-vault && ${SELF} upload big.tar --vault my-vault`);
      const exports = lines.filter((l) => l.startsWith('export AWS_')).slice(0, 2).join(' && ');
      writeFileSync(join(dir, 'big.tar'), Buffer.alloc(5000, 1));
      const r = await runPasted(`cd ${dir} && ${exports} && ${step}`);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('created vault my-vault');
    } finally {
      serve.child.kill('SIGINT');
      await serve.done;
    }
  });
});
