// Every request has a timeout: a server that accepts a connection and never answers, or that holds
// one UploadMultipartPart answer, must not stall an upload. Timeouts are retried, then the upload
// fails the usual resumable way.
import { createServer, type Server, type Socket } from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGlacierClient, uploadArchive, UploadFailedError } from 'glacier-multipart';
import { MiB, credentials, oracleTreeHash, readBack, setup, writeRandomFile, type Env } from './helpers.js';

/** Accepts connections and reads whatever comes, but never answers. */
async function silentListener(): Promise<{ endpoint: string; close(): Promise<void>; connections: () => number }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

describe('request timeouts', () => {
  let silent: Awaited<ReturnType<typeof silentListener>>;
  let env: Env;
  beforeAll(async () => {
    silent = await silentListener();
    env = await setup({}, 'timeouts');
  });
  afterAll(async () => {
    await silent?.close();
    await env?.close();
  });

  it('a silent server: every attempt times out and uploadArchive fails with RequestTimeoutError', async () => {
    const client = createGlacierClient({ endpoint: silent.endpoint, region: 'us-east-1', credentials, requestTimeout: 300 });
    try {
      const before = silent.connections();
      const err = await uploadArchive({ vaultName: 'v', client, source: new Uint8Array(1000), maxAttempts: 2, threads: 1 })
        .then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as { code?: string }).code).toBe('REQUEST_TIMEOUT');
      expect((err as Error).name).toBe('RequestTimeoutError');
      expect((err as Error).message).toMatch(/InitiateMultipartUpload: Glacier did not answer in time.*requestTimeout/);
      // Both attempts reached the listener: the timeout was retried.
      expect(silent.connections() - before).toBe(2);
    } finally {
      client.destroy();
    }
  });

  it('uploadArchive({ requestTimeout }) configures the client it creates', async () => {
    const err = await uploadArchive({
      vaultName: 'v', source: new Uint8Array(1000), maxAttempts: 1, threads: 1, requestTimeout: 300,
      clientConfig: { endpoint: silent.endpoint, region: 'us-east-1', credentials },
    }).then(() => undefined, (e: unknown) => e);
    expect((err as { code?: string }).code).toBe('REQUEST_TIMEOUT');
  });

  it('requestTimeout with a caller client is refused before any request, naming the fix', async () => {
    await expect(uploadArchive({ vaultName: 'v', client: env.client, source: new Uint8Array(10), requestTimeout: 1000 }))
      .rejects.toThrow(/createGlacierClient\(\{ requestTimeout/);
    expect(() => createGlacierClient({ requestTimeout: 0 })).toThrow(/requestTimeout must be an integer from 1 to 3600000 \(milliseconds/);
  });

  it('one held UploadMultipartPart answer is timed out and retried; the archive completes with the right bytes', async () => {
    const { path, data } = writeRandomFile(env.dir, 'held.bin', 4 * MiB + 5);
    // The second part's answer is held for ten minutes (the server finishes it early on close).
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'Slow', nth: 2, delayMs: 600_000 }]);
    env.server.resetStats();
    const client = createGlacierClient({ endpoint: env.server.endpoint, region: 'us-east-1', credentials, requestTimeout: 1500 });
    try {
      const r = await uploadArchive({ vaultName: env.vaultName, client, source: path, partSize: MiB, concurrency: 2, threads: 1 });
      expect(env.server.stats['UploadMultipartPart:Slow']).toBe(1);
      expect(env.server.stats.UploadMultipartPart).toBeGreaterThanOrEqual(6);
      expect(r.checksum).toBe(oracleTreeHash(data));
      expect((await readBack(env.client, env.vaultName, r.archiveId)).equals(data)).toBe(true);
    } finally {
      env.server.setFaults([]);
      client.destroy();
    }
  });

  it('a held answer on every attempt ends in the usual resumable failure (upload left open)', async () => {
    const { path } = writeRandomFile(env.dir, 'held-always.bin', 2 * MiB);
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'Slow', every: 1, delayMs: 600_000 }]);
    const client = createGlacierClient({ endpoint: env.server.endpoint, region: 'us-east-1', credentials, requestTimeout: 400 });
    try {
      const err = await uploadArchive({
        vaultName: env.vaultName, client, source: path, partSize: MiB, threads: 1, maxAttempts: 2, leavePartsOnError: true,
      }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(UploadFailedError);
      const failed = err as UploadFailedError;
      expect(failed.aborted).toBe(false);
      expect(failed.uploadId).toMatch(/\S/);
      expect((failed.cause as { code?: string }).code).toBe('REQUEST_TIMEOUT');
    } finally {
      env.server.setFaults([]);
      client.destroy();
    }
  });

  it('CLI: upload --request-timeout against a silent server exits 1 naming the timeout, instead of hanging', async () => {
    const main = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
    const { path } = writeRandomFile(env.dir, 'cli-silent.bin', 1000);
    const child = spawn(process.execPath, [main, 'upload', path, '--vault', 'v', '--endpoint', silent.endpoint, '--request-timeout', '300ms',
      '--max-attempts', '2', '--no-journal', '--progress', 'none'], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toMatch(/did not answer in time/);
    expect(code).toBe(1);
  });
});
