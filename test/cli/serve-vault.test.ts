import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGlacier } from 'glacier-multipart';
import { SELF, lit, runCli, startCli, waitFor } from './helpers.js';

const NODE_WARNING = /NodeVersionSupportWarning|require node >=22/;

describe('vault create | describe against the local server', () => {
  let server: Awaited<ReturnType<typeof startLocalGlacier>>;
  beforeAll(async () => {
    server = await startLocalGlacier({});
  });
  afterAll(async () => {
    await server?.close();
  });

  it('creates a vault and describes it (endpoint from --endpoint), with no SDK warning', async () => {
    const created = await runCli(['vault', 'create', 'photos', '--endpoint', server.endpoint]);
    expect(created.stderr).not.toMatch(NODE_WARNING);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('created vault photos');
    expect(server.stats.CreateVault).toBeGreaterThanOrEqual(1);

    const described = await runCli(['vault', 'describe', 'photos', '--endpoint', server.endpoint, '--json']);
    expect(described.code).toBe(0);
    const vault = JSON.parse(described.stdout);
    expect(vault.VaultName).toBe('photos');
    expect(vault.VaultARN).toMatch(/:vaults\/photos$/);
    expect(vault.NumberOfArchives).toBe(0);
  });

  it('takes the endpoint from AWS_ENDPOINT_URL_GLACIER and says what it resolved with --debug', async () => {
    const r = await runCli(['vault', 'describe', 'photos', '--debug'], { env: { AWS_ENDPOINT_URL_GLACIER: server.endpoint } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('arn:aws:glacier:');
    expect(r.stderr).toContain(`endpoint ${server.endpoint} (from AWS_ENDPOINT_URL_GLACIER)`);
    expect(r.stderr).toContain('using dummy credentials for the local server');
  });

  it('a missing vault is one line (exit 1) that says how to create it; --debug adds the stack', async () => {
    const r = await runCli(['vault', 'describe', 'nothere', '--endpoint', server.endpoint]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`ResourceNotFoundException: Vault not found .*create it with: ${lit(SELF)} vault create nothere`));
    const d = await runCli(['vault', 'describe', 'nothere', '--endpoint', server.endpoint, '--debug']);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/\n\s+at /);
  });

  it('a server that is not there: exit 1 with a hint', async () => {
    const closed = await startLocalGlacier({});
    const endpoint = closed.endpoint;
    await closed.close();
    const r = await runCli(['vault', 'create', 'x', '--endpoint', endpoint]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`ECONNREFUSED.*${lit(SELF)} serve starts a local one`));
  });
});

describe('serve', () => {
  it('runs in the foreground, prints how to point the SDK at it, serves the CLI, stops cleanly on Ctrl-C', async () => {
    const serve = startCli(['serve', '--port', '0']);
    const endpoint = await waitFor(() => /Local Glacier listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.stdout())?.[1]);
    await waitFor(() => serve.stdout().includes('Press Ctrl-C to stop.'));
    expect(serve.stdout()).toContain(`export AWS_ENDPOINT_URL_GLACIER=${endpoint}`);

    const created = await runCli(['vault', 'create', 'served'], { env: { AWS_ENDPOINT_URL_GLACIER: endpoint } });
    expect(created.code).toBe(0);
    const listed = await runCli(['uploads', '--vault', 'served', '--endpoint', endpoint, '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);

    serve.child.kill('SIGINT');
    const done = await serve.done;
    expect(done.code).toBe(0);
    expect(done.stderr).toContain('local Glacier stopped');
  });

  it('keeps data in --data-dir across restarts', async () => {
    const { tempDir } = await import('./helpers.js');
    const { dir, cleanup } = await tempDir();
    try {
      for (const round of [1, 2]) {
        const serve = startCli(['serve', '--port', '0', '--data-dir', dir]);
        const endpoint = await waitFor(() => /listening on (http:\/\/\S+)/.exec(serve.stdout())?.[1]);
        if (round === 1) expect((await runCli(['vault', 'create', 'kept', '--endpoint', endpoint])).code).toBe(0);
        else expect((await runCli(['vault', 'describe', 'kept', '--endpoint', endpoint])).code).toBe(0);
        serve.child.kill('SIGINT');
        expect((await serve.done).code).toBe(0);
      }
    } finally {
      await cleanup();
    }
  });
});

describe('retries: --max-attempts is the number of attempts, never multiplied with the SDK’s', () => {
  it('parts --max-attempts 2 against a throttling server sends exactly 2 ListParts, then fails', async () => {
    const server = await startLocalGlacier({});
    try {
      const { GlacierClient, CreateVaultCommand, InitiateMultipartUploadCommand } = await import('@aws-sdk/client-glacier');
      const client = new GlacierClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      await client.send(new CreateVaultCommand({ accountId: '-', vaultName: 'v' }));
      const { uploadId } = await client.send(new InitiateMultipartUploadCommand({ accountId: '-', vaultName: 'v', partSize: String(1024 * 1024) }));
      client.destroy();
      server.setFaults([{ operation: 'ListParts', kind: 'Throttling', every: 1 }]);
      server.resetStats();
      const r = await runCli(['parts', '--vault', 'v', '--upload-id', uploadId!, '--max-attempts', '2', '--endpoint', server.endpoint]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Throttling/);
      expect(server.stats.ListParts).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('vault create (sent straight through the SDK) is retried by the SDK after a throttled first try', async () => {
    const server = await startLocalGlacier({ faults: [{ operation: 'CreateVault', kind: 'Throttling', nth: 1 }] });
    try {
      const r = await runCli(['vault', 'create', 'v', '--endpoint', server.endpoint]);
      expect(r.code).toBe(0);
      expect(server.stats.CreateVault).toBe(2);
    } finally {
      await server.close();
    }
  });
});

describe('serve cleans up after itself', () => {
  it('a busy port fails before the data directory is created', async () => {
    const { createServer } = await import('node:net');
    const { tempDir } = await import('./helpers.js');
    const { stat } = await import('node:fs/promises');
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { dir, cleanup } = await tempDir();
    try {
      const port = (busy.address() as { port: number }).port;
      const data = `${dir}/data`;
      const r = await runCli(['serve', '--port', String(port), '--data-dir', data]);
      expect(r.code).toBe(1);
      expect(await stat(data).then(() => true, () => false)).toBe(false);
      expect(r.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use; pick another --port`);
    } finally {
      busy.close();
      await cleanup();
    }
  });

  it('serve | true: when the reader has gone, serve stops at its first write and removes its temporary directory', async () => {
    const { runPasted, MAIN, tempDir } = await import('./helpers.js');
    const { readdir } = await import('node:fs/promises');
    const { dir, cleanup } = await tempDir();
    try {
      // `true` exits at once, so serve's first line meets a closed pipe (EPIPE): it must stop as on
      // Ctrl-C (exit 0, quietly) and delete the temporary data directory it made under TMPDIR.
      const r = await runPasted(`node ${MAIN} serve --port 0 | true`, { env: { TMPDIR: dir } });
      expect(r.code).toBe(0);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});
