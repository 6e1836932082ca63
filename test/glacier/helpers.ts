// Shared by the uploader tests: the local server with a vault, a client wired like the CLI's, an
// independent node:crypto tree-hash oracle, random files, and reading an archive back through a
// retrieval job.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateVaultCommand, DescribeJobCommand, GetJobOutputCommand, InitiateJobCommand, ListPartsCommand, type GlacierClient,
  type DescribeJobCommandOutput, type GetJobOutputCommandOutput, type InitiateJobCommandOutput, type ListPartsCommandOutput,
} from '@aws-sdk/client-glacier';
import { createGlacierClient } from '../../dist/src/glacier/index.js';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';

import { MiB } from '../oracle.js';

export { MiB, oracleSha256, oracleTreeHash } from '../oracle.js';
export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface Env {
  server: LocalGlacier;
  client: GlacierClient;
  vaultName: string;
  dir: string;
  close(): Promise<void>;
}

/** A local server (verifying SigV4), a client from createGlacierClient, a vault and a temp dir. */
export async function setup(opts: Parameters<typeof startLocalGlacier>[0] = {}, vaultName = 'uploads'): Promise<Env> {
  const server = await startLocalGlacier({ credentials, ...opts });
  const client = createGlacierClient({ endpoint: server.endpoint, region: 'us-east-1', credentials });
  await client.send(new CreateVaultCommand({ accountId: '-', vaultName }));
  const dir = mkdtempSync(join(tmpdir(), 'glacier-test-'));
  return {
    server, client, vaultName, dir,
    async close() {
      client.destroy();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Deterministic-size random bytes. */
export function randomData(size: number): Buffer {
  return randomBytes(size);
}

export function writeRandomFile(dir: string, name: string, size: number): { path: string; data: Buffer } {
  const data = randomData(size);
  const path = join(dir, name);
  writeFileSync(path, data);
  return { path, data };
}

/**
 * The test's own checking calls (not the code under test): createGlacierClient leaves retries to the
 * library (SDK maxAttempts 1), so a pooled keep-alive socket the server closes idle just as it is
 * reused (ECONNRESET, seen under load) is retried here, as the library's request path would.
 */
async function send<T>(client: GlacierClient, command: Parameters<GlacierClient['send']>[0]): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await client.send(command as never)) as T;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt >= 3 || !['ECONNRESET', 'EPIPE'].includes(code ?? '')) throw err;
    }
  }
}

/** Reads an archive back through an archive-retrieval job (the server completes jobs at once). */
export async function readBack(client: GlacierClient, vaultName: string, archiveId: string): Promise<Buffer> {
  const job = await send<InitiateJobCommandOutput>(client, new InitiateJobCommand({ accountId: '-', vaultName, jobParameters: { Type: 'archive-retrieval', ArchiveId: archiveId } }));
  for (let i = 0; i < 200; i++) {
    const d = await send<DescribeJobCommandOutput>(client, new DescribeJobCommand({ accountId: '-', vaultName, jobId: job.jobId! }));
    if (d.Completed) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const out = await send<GetJobOutputCommandOutput>(client, new GetJobOutputCommand({ accountId: '-', vaultName, jobId: job.jobId! }));
  return Buffer.from(await out.body!.transformToByteArray());
}

/** How many parts Glacier holds for an upload (raw ListParts, following the marker). */
export async function listedPartCount(client: GlacierClient, vaultName: string, uploadId: string): Promise<number> {
  let marker: string | undefined;
  let n = 0;
  do {
    const out = await send<ListPartsCommandOutput>(client, new ListPartsCommand({ accountId: '-', vaultName, uploadId, marker }));
    n += out.Parts?.length ?? 0;
    marker = out.Marker ?? undefined;
  } while (marker);
  return n;
}

/** An async iterable yielding `data` in chunks of irregular sizes. */
export async function* chunked(data: Uint8Array, sizes = [1, 65536, 333_333, 1_048_577, 7]): AsyncIterable<Uint8Array> {
  let i = 0;
  let k = 0;
  while (i < data.length) {
    const n = sizes[k++ % sizes.length]!;
    yield data.subarray(i, Math.min(data.length, i + n));
    i += n;
    await Promise.resolve();
  }
}

/** Part records in a journal file (its first line is the header). */
export function journalPartCount(path: string): number {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).length - 1;
  } catch {
    return 0;
  }
}

const uploadChild = fileURLToPath(new URL('./fixtures/upload-child.mjs', import.meta.url));

/**
 * Runs fixtures/upload-child.mjs (uploadArchive through the compiled package, 1 MiB parts, with a
 * journal) in a child process. `exited` resolves with its status and output.
 */
export function startUploadChild(env: Env, source: string, journal: string, flags: string[] = []) {
  const proc = spawn(process.execPath, [uploadChild, env.server.endpoint, env.vaultName, source, journal, ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => { stdout += d; });
  proc.stderr.on('data', (d) => { stderr += d; });
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    proc.on('close', (code, signal) => {
      ended = true;
      resolve({ code, signal, stdout, stderr });
    }));
  /** Waits until the journal holds `parts` part records (throws if the child ended first). */
  const journaled = async (parts: number) => {
    while (journalPartCount(journal) < parts) {
      if (ended) throw new Error(`the child ended before ${parts} parts were journaled: ${stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { proc, exited, journaled, stderr: () => stderr };
}

/** Starts an upload in a child, SIGKILLs it once `parts` parts are journaled; parts answers are slowed meanwhile. */
export async function killMidUpload(env: Env, source: string, journal: string, parts: number, delayMs = 150): Promise<void> {
  env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'Slow', every: 1, delayMs }]);
  const child = startUploadChild(env, source, journal);
  await child.journaled(parts);
  child.proc.kill('SIGKILL');
  const end = await child.exited;
  env.server.setFaults([]);
  if (end.signal !== 'SIGKILL') throw new Error(`the child was not killed: ${JSON.stringify(end)}`);
  // Requests the child had in flight may still land (as on the real service): let them settle.
  await new Promise((r) => setTimeout(r, 400));
}
