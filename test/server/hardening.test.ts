// The local server's own safety: headers and body-idle timeouts, a connection bound that idle
// connections cannot use to lock real clients out, an exclusive data-dir lock, SigV4 that always
// covers the body and every x-amz-* header, the DNS-rebinding Host guard, and one random stream per
// probability fault rule.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CreateVaultCommand, DescribeVaultCommand, ListVaultsCommand, UploadArchiveCommand,
} from '@aws-sdk/client-glacier';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  DataDirInUseError, LocalGlacierOptionsError, startLocalGlacier, type LocalGlacier, type LocalGlacierOptions,
} from '../../dist/src/server/index.js';
import { FAKE_AUTH, MiB, bytes, client, failure, raw, sha256, treeHash } from './helpers.js';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function serve(opts: LocalGlacierOptions = {}): Promise<LocalGlacier> {
  const server = await startLocalGlacier(opts);
  cleanup.push(() => server.close());
  return server;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'glacier-hardening-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens a TCP connection to the server and writes `text` (e.g. unfinished headers). */
function openSocket(server: LocalGlacier, text: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(server.port, '127.0.0.1', () => {
      s.write(text);
      resolve(s);
    });
    s.on('error', () => {}); // a reset by the server is what these tests expect
    s.once('error', reject);
    s.setNoDelay(true);
  });
}

describe('timeouts and the connection bound', () => {
  it('1,000 connections with unfinished headers neither lock out SDK requests nor stay open', async () => {
    const server = await serve({ headersTimeoutMs: 2000, maxConnections: 200 });
    const sockets: Socket[] = [];
    let closed = 0;
    for (let i = 0; i < 1000; i++) {
      const s = await openSocket(server, `GET /-/vaults HTTP/1.1\r\nHost: 127.0.0.1\r\nx-amz-glacier-version: 2012-06-01\r\n`);
      s.once('close', () => closed++);
      sockets.push(s);
    }
    cleanup.push(() => sockets.forEach((s) => s.destroy()));
    const glacier = client(server);
    cleanup.push(() => glacier.destroy());
    await glacier.send(new CreateVaultCommand({ vaultName: 'busy' }));
    const body = bytes(3 * MiB, 4);
    const ar = await glacier.send(new UploadArchiveCommand({ vaultName: 'busy', body }));
    expect(ar.checksum).toBe(treeHash(body));
    // Beyond maxConnections the idlest connections made room; the rest end at the headers timeout.
    expect(server.stats['Connections:evicted']).toBeGreaterThanOrEqual(800);
    await until('every idle connection was closed by the server', () => closed === 1000);
    expect((await glacier.send(new DescribeVaultCommand({ vaultName: 'busy' }))).VaultName).toBe('busy');
  });

  it('a stalled upload body is abandoned after bodyIdleTimeoutMs: 408 answered, connection closed, temporary file removed', async () => {
    const server = await serve({ bodyIdleTimeoutMs: 500 });
    const glacier = client(server);
    cleanup.push(() => glacier.destroy());
    await glacier.send(new CreateVaultCommand({ vaultName: 'stall' }));
    const body = bytes(MiB, 8);
    const head = [
      'POST /-/vaults/stall/archives HTTP/1.1', 'Host: 127.0.0.1', `Authorization: ${FAKE_AUTH}`,
      'x-amz-glacier-version: 2012-06-01', `x-amz-content-sha256: ${sha256(body)}`, `x-amz-sha256-tree-hash: ${treeHash(body)}`,
      `Content-Length: ${body.length}`, '', '',
    ].join('\r\n');
    let closed = false;
    const s = await openSocket(server, head);
    s.once('close', () => { closed = true; });
    let answer = '';
    s.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
    cleanup.push(() => s.destroy());
    s.write(body.subarray(0, 256 * 1024));
    const tmp = join(server.dataDir, 'tmp');
    await until('the body is being received into tmp/', async () => (await readdir(tmp)).length === 1, 10_000);
    await until('the server closed the stalled connection', () => closed, 20_000);
    await until('the temporary file is gone', async () => (await readdir(tmp)).length === 0, 5_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 [^]*"code":"RequestTimeoutException"/);
    expect((await glacier.send(new DescribeVaultCommand({ vaultName: 'stall' }))).NumberOfArchives ?? 0).toBe(0);
  });

  it('refuses bad limits with a typed error', async () => {
    await expect(startLocalGlacier({ headersTimeoutMs: 0 })).rejects.toThrow(LocalGlacierOptionsError);
    await expect(startLocalGlacier({ bodyIdleTimeoutMs: -1 })).rejects.toThrow(/bodyIdleTimeoutMs/);
    await expect(startLocalGlacier({ maxConnections: 0 })).rejects.toThrow(/maxConnections/);
  });
});

describe('the data directory lock', () => {
  it('a second server on the same dataDir refuses with DataDirInUseError; after close it starts', async () => {
    const dataDir = await tempDir();
    const first = await startLocalGlacier({ dataDir });
    const err = await startLocalGlacier({ dataDir }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirInUseError);
    expect(err).toMatchObject({ code: 'DATA_DIR_IN_USE', pid: process.pid });
    expect((err as Error).message).toMatch(/is in use by another local Glacier server \(process \d+, this one\)\. Stop that server first/);
    await first.close();
    const second = await startLocalGlacier({ dataDir });
    await second.close();
  });

  it('a lock left by a killed server (its pid is gone) is stale and taken over; a live one in another process is not', async () => {
    const dataDir = await tempDir();
    const serverModule = fileURLToPath(new URL('../../dist/src/server/index.js', import.meta.url));
    const code = `const { startLocalGlacier } = await import(${JSON.stringify(serverModule)});
      await startLocalGlacier({ dataDir: ${JSON.stringify(dataDir)} }); console.log('up'); setInterval(() => {}, 1 << 30);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanup.push(() => child.kill('SIGKILL'));
    await new Promise<void>((ok, fail) => {
      child.stdout!.once('data', () => ok());
      child.once('exit', (c) => fail(new Error(`server child exited with ${c}`)));
    });
    const busy = await startLocalGlacier({ dataDir }).then(() => undefined, (e: unknown) => e);
    expect(busy).toMatchObject({ code: 'DATA_DIR_IN_USE', pid: child.pid });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const next = await startLocalGlacier({ dataDir });
    await next.close();
    // A lock file naming a pid that does not run (a torn or foreign leftover) does not block either.
    await writeFile(join(dataDir, 'server.lock'), '999999999\n');
    const again = await startLocalGlacier({ dataDir });
    await again.close();
  });
});

const credentials = { accessKeyId: 'AKIDHARDEN', secretAccessKey: 'harden/secret' };

/** Signs a request the way any SigV4 client would, for raw replays and tampering. */
async function signed(server: LocalGlacier, method: string, path: string, headers: Record<string, string>, body?: string, applyChecksum = true) {
  const host = new URL(server.endpoint).host;
  const req = await new SignatureV4({ credentials, region: 'us-east-1', service: 'glacier', sha256: Sha256, applyChecksum }).sign({
    method, protocol: 'http:', hostname: host, path, query: {},
    headers: { host, 'x-amz-glacier-version': '2012-06-01', ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  return req.headers as Record<string, string>;
}

describe('SigV4 covers the body and every x-amz-* header', () => {
  async function setup() {
    const server = await serve({ credentials });
    const glacier = client(server, { credentials });
    cleanup.push(() => glacier.destroy());
    await glacier.send(new CreateVaultCommand({ vaultName: 'sig' }));
    const { archiveId } = await glacier.send(new UploadArchiveCommand({ vaultName: 'sig', body: bytes(100) }));
    return { server, archiveId: archiveId! };
  }
  const jobs = '/-/vaults/sig/jobs';

  it('refuses UNSIGNED-PAYLOAD, so a replayed InitiateJob cannot carry another body', async () => {
    const { server, archiveId } = await setup();
    const inventory = JSON.stringify({ Type: 'inventory-retrieval' });
    const headers = await signed(server, 'POST', jobs, { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, inventory);
    const retrieval = Buffer.from(JSON.stringify({ Type: 'archive-retrieval', ArchiveId: archiveId }));
    const replay = await raw(server, { method: 'POST', path: jobs, headers, body: retrieval });
    expect(replay.status).toBe(403);
    expect(JSON.parse(replay.body.toString())).toMatchObject({ code: 'InvalidSignatureException', message: expect.stringMatching(/UNSIGNED-PAYLOAD is not accepted/) });
  });

  it('without x-amz-content-sha256 the body is hashed into the canonical request: a changed body is refused', async () => {
    const { server, archiveId } = await setup();
    const inventory = JSON.stringify({ Type: 'inventory-retrieval' });
    const headers = await signed(server, 'POST', jobs, {}, inventory, false);
    expect(headers['x-amz-content-sha256']).toBeUndefined();
    const ok = await raw(server, { method: 'POST', path: jobs, headers, body: Buffer.from(inventory) });
    expect(ok.status).toBe(202);
    const retrieval = Buffer.from(JSON.stringify({ Type: 'archive-retrieval', ArchiveId: archiveId }));
    const tampered = await raw(server, { method: 'POST', path: jobs, headers, body: retrieval });
    expect(tampered.status).toBe(403);
    expect(JSON.parse(tampered.body.toString()).code).toBe('InvalidSignatureException');
    // With the header, it must equal the body's SHA-256.
    const withHash = await signed(server, 'POST', jobs, { 'x-amz-content-sha256': sha256(Buffer.from(inventory)) }, inventory);
    const swapped = await raw(server, { method: 'POST', path: jobs, headers: withHash, body: retrieval });
    expect(swapped.status).toBe(403);
    expect(JSON.parse(swapped.body.toString()).message).toMatch(/^The value passed in as x-amz-content-sha256 does not match/);
  });

  it('refuses a replayed request with an added, unsigned x-amz-* header', async () => {
    const { server } = await setup();
    const path = '/-/vaults/sig/multipart-uploads';
    const headers = await signed(server, 'POST', path, { 'x-amz-part-size': String(MiB) }, '');
    const ok = await raw(server, { method: 'POST', path, headers, body: Buffer.alloc(0) });
    expect(ok.status).toBe(201);
    const added = await raw(server, { method: 'POST', path, headers: { ...headers, 'x-amz-archive-description': 'smuggled' }, body: Buffer.alloc(0) });
    expect(added.status).toBe(403);
    expect(JSON.parse(added.body.toString())).toMatchObject({
      code: 'AccessDeniedException', message: expect.stringMatching(/not signed: x-amz-archive-description\./),
    });
  });
});

describe('the Host guard (DNS rebinding)', () => {
  it('without credentials serves only loopback names and the configured host, unless allowAnyHost', async () => {
    const server = await serve();
    const get = (host: string) => raw(server, { method: 'GET', path: '/-/vaults', headers: { host } });
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, '127.1.2.3', `[::1]:${server.port}`, 'LOCALHOST', 'app.localhost']) {
      expect([host, (await get(host)).status]).toEqual([host, 200]);
    }
    for (const host of ['evil.example', `evil.example:${server.port}`, '10.0.0.5', '127.0.0.1.evil.example']) {
      const res = await get(host);
      expect([host, res.status]).toEqual([host, 403]);
      expect(JSON.parse(res.body.toString())).toMatchObject({ code: 'AccessDeniedException', message: expect.stringMatching(/allowAnyHost/) });
    }
    expect(server.stats['RefusedHost']).toBe(4);
    const open = await serve({ allowAnyHost: true });
    expect((await raw(open, { method: 'GET', path: '/-/vaults', headers: { host: 'evil.example' } })).status).toBe(200);
    // The SDK addresses the server by its endpoint's host, which passes.
    const glacier = client(server);
    cleanup.push(() => glacier.destroy());
    expect((await glacier.send(new ListVaultsCommand({}))).VaultList).toEqual([]);
  });
});

describe('fault plans', () => {
  it('probability rules without a seed each draw from their own stream, so both fire', async () => {
    const server = await serve();
    const glacier = client(server);
    cleanup.push(() => glacier.destroy());
    await glacier.send(new CreateVaultCommand({ vaultName: 'p' }));
    server.setFaults([
      { operation: 'DescribeVault', kind: 'ServiceUnavailable', probability: 0.3 },
      { operation: 'DescribeVault', kind: 'Throttling', probability: 0.3 },
    ]);
    for (let i = 0; i < 200; i++) await glacier.send(new DescribeVaultCommand({ vaultName: 'p' })).catch(() => {});
    expect(server.stats['DescribeVault:ServiceUnavailable']).toBeGreaterThan(20);
    expect(server.stats['DescribeVault:Throttling']).toBeGreaterThan(10);
  });
});
