// Ctrl-C and SIGTERM against an endpoint that accepts connections and never answers: the requests
// in flight are cancelled at once and the CLI exits (the test's timeout bounds the wait: before,
// each stop sat out the 120 s request timeout); `vault create` says what it is waiting for.
import { createServer, type Server, type Socket } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomFile, startCli, tempDir, waitFor } from './helpers.js';

const MiB = 1024 * 1024;
let server: Server;
let endpoint: string;
const sockets = new Set<Socket>();
let connections = 0;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  server = createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('data', () => undefined).on('error', () => undefined).on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  await cleanup();
});

const awsEnv = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };

/** Starts the CLI, waits until it has a request open at the silent endpoint, then signals it. */
async function stopWhileHanging(args: string[], signal: NodeJS.Signals) {
  const before = connections;
  const run = startCli([...args, '--endpoint', endpoint], { env: awsEnv });
  run.child.stdin!.end();
  await waitFor(() => connections > before || undefined);
  run.child.kill(signal);
  return run.done;
}

describe('stopping against an endpoint that never answers', () => {
  it('upload: Ctrl-C cancels the unanswered InitiateMultipartUpload at once; the journal finds the upload on resume', { timeout: 30_000 }, async () => {
    const { path } = await randomFile(dir, 'big.bin', 3 * MiB);
    const r = await stopWhileHanging(['upload', path, '--vault', 'v', '--part-size', '1MiB'], 'SIGINT');
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('InitiateMultipartUpload had not been answered; if it created an upload, resume finds it: resume with:');
    expect(r.stderr).toContain(`resume --journal ${path}.glacier-journal.json`);
  });

  it('upload: SIGTERM stops it at once too', { timeout: 30_000 }, async () => {
    const { path } = await randomFile(dir, 'term.bin', 3 * MiB);
    const r = await stopWhileHanging(['upload', path, '--vault', 'v', '--part-size', '1MiB', '--no-journal'], 'SIGTERM');
    expect(r.code).toBe(130);
  });

  it('sync: SIGTERM cancels the one-request uploads in flight at once', { timeout: 30_000 }, async () => {
    const root = join(dir, 'tree');
    mkdirSync(root);
    for (let i = 0; i < 4; i++) await randomFile(root, `f${i}.bin`, 20_000);
    const r = await stopWhileHanging(['sync', '--dir', root, '--vault', 'v', '--catalog', join(dir, 'v.catalog'), '--progress', 'none', '--threads', '1'], 'SIGTERM');
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('sync stopped: 0 of 4 files recorded');
  });

  it('vault create: says what it is waiting for, and Ctrl-C stops it', { timeout: 30_000 }, async () => {
    const run = startCli(['vault', 'create', 'v', '--endpoint', endpoint], { env: awsEnv });
    run.child.stdin!.end();
    await waitFor(() => run.stderr().includes('waiting for') || undefined);
    expect(run.stderr()).toContain(`waiting for ${endpoint} to answer CreateVault (no answer yet; each try gives up after 120 s`);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
  });
});
