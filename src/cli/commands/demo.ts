import { randomFill } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { CreateVaultCommand, type GlacierClient } from '@aws-sdk/client-glacier';
import type { HashPool } from '../../pool/index.js';
import { createDownloadView } from './download-progress.js';
import { GlacierMultipartError } from '../../errors.js';
import { CliUsageError } from '../errors.js';
import { LOCAL_DUMMY_CREDENTIALS } from '../client.js';
import type { Context } from '../output.js';
import { createProgress, type ProgressMode } from '../progress.js';
import { formatSize } from '../size.js';
import { sampleOf } from './upload.js';
import type { DemoFlags } from '../definitions/tools.js';

const MiB = 1024 * 1024;
const randomFillAsync = (buf: Buffer) =>
  new Promise<Buffer>((resolve, reject) => randomFill(buf, (err, filled) => (err ? reject(err) : resolve(filled))));

/** The demo read back something other than what it uploaded. */
export class DemoVerificationError extends GlacierMultipartError {
  constructor(message: string) {
    super('DEMO_VERIFICATION_FAILED', message);
  }
}

async function writeRandomFile(path: string, size: number, signal: AbortSignal): Promise<void> {
  const out = createWriteStream(path);
  const chunk = Buffer.allocUnsafe(Math.min(size, 8 * MiB));
  try {
    for (let written = 0; written < size;) {
      if (signal.aborted) throw signal.reason;
      const n = Math.min(chunk.length, size - written);
      // A fresh buffer per write: the stream may still hold the previous one.
      const buf = await randomFillAsync(Buffer.allocUnsafe(n));
      if (!out.write(buf)) await once(out, 'drain');
      written += n;
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
}

/**
 * The whole job with no AWS account: a local Glacier in a temporary directory, a vault, a file of
 * random bytes, an upload through the worker pool, then an archive-retrieval job that reads it back;
 * bytes and tree hash are checked against the original before the summary is printed.
 */
export async function demoCommand(ctx: Context, opts: DemoFlags): Promise<number> {
  if (opts.file === undefined && opts.size < 1) {
    throw new CliUsageError('--size must be at least 1 byte: a Glacier archive cannot be empty (e.g. --size 64MiB).');
  }
  const { startLocalGlacier } = await import('../../server/index.js');
  const { uploadArchive, createGlacierClient, validatePartSize, defaultHashThreads } = await import('../../glacier/index.js');
  const { HashPool } = await import('../../pool/index.js');
  if (opts.partSize !== 'auto') {
    try {
      validatePartSize(opts.partSize);
    } catch (err) {
      throw new CliUsageError(`--part-size: ${(err as Error).message}`, 'INVALID_PART_SIZE');
    }
  }
  if (opts.file !== undefined) {
    const info = await stat(opts.file).catch(() => undefined);
    if (!info?.isFile()) throw new CliUsageError(`--file ${opts.file}: no such file; pass an existing file or leave --file out to use random bytes.`);
  }

  const work = await mkdtemp(join(tmpdir(), 'glacier-multipart-demo-'));
  const say = (line: string) => { if (!opts.json) ctx.note(line); };
  let server: Awaited<ReturnType<typeof startLocalGlacier>> | undefined;
  let pool: InstanceType<typeof HashPool> | undefined;
  let client: ReturnType<typeof createGlacierClient> | undefined;
  try {
    server = await startLocalGlacier({ dataDir: join(work, 'glacier') });
    say(`local Glacier at ${server.endpoint} (data in ${work})`);
    client = createGlacierClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { ...LOCAL_DUMMY_CREDENTIALS } });
    const vaultName = 'demo';
    await client.send(new CreateVaultCommand({ accountId: '-', vaultName }));

    let source = opts.file;
    if (source === undefined) {
      source = join(work, 'random.bin');
      say(`writing ${formatSize(opts.size)} of random bytes to ${source}`);
      await writeRandomFile(source, opts.size, ctx.signal);
    }
    const size = (await stat(source)).size;

    pool = new HashPool({ engine: opts.engine, threads: opts.threads ?? defaultHashThreads() });
    const mode: ProgressMode = opts.json ? 'none' : opts.progress;
    const progress = createProgress(ctx.io, mode, 'upload');
    const t0 = performance.now();
    // The bar hides the cursor and keeps a timer: stop it on failure and Ctrl-C too.
    const result = await uploadArchive({
      vaultName,
      source,
      description: 'glacier-multipart demo',
      partSize: opts.partSize,
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
      client,
      pool,
      signal: ctx.signal,
      onProgress: (p) => progress.update(sampleOf(p)),
    }).finally(() => progress.stop());
    const uploadSeconds = (performance.now() - t0) / 1000;

    say('reading the archive back with an archive-retrieval job');
    const t1 = performance.now();
    const verified = await readBackAndVerify(ctx, client, pool, vaultName, result.archiveId, source, join(work, 'downloaded.bin'), result.checksum, mode);
    const verifySeconds = (performance.now() - t1) / 1000;

    const migrated = await (await import('./demo-migrate.js')).demoMigrate({ client, pool, vaultName, s3Endpoint: server.s3Endpoint, signal: ctx.signal, statePath: join(work, 'migrate.state.jsonl'), say });

    const summary = {
      size: result.archiveSize,
      parts: result.partCount,
      partSize: result.partSize,
      engine: pool.engine,
      threads: pool.threads,
      uploadMiBPerSecond: Math.round((result.archiveSize / MiB / uploadSeconds) * 10) / 10,
      uploadSeconds: Math.round(uploadSeconds * 100) / 100,
      treeHash: result.checksum,
      archiveId: result.archiveId,
      verified: true,
      retrievalTreeHash: verified.serverTreeHash,
      verifySeconds: Math.round(verifySeconds * 100) / 100,
      migrated,
    };
    if (opts.json) ctx.json(summary);
    else printSummary(ctx, summary, verified.chunks);
    return 0;
  } finally {
    client?.destroy();
    await pool?.destroy();
    await server?.close();
    await rm(work, { recursive: true, force: true });
  }
}

interface DemoSummary {
  size: number; parts: number; partSize: number; engine: string; threads: number; uploadMiBPerSecond: number; uploadSeconds: number;
  treeHash: string; archiveId: string; verifySeconds: number; migrated: { archives: number; bytes: number; bucket: string; seconds: number };
}

function printSummary(ctx: Context, summary: DemoSummary, chunks: number): void {
  ctx.out('demo: uploaded, read back and verified');
  ctx.out(`  size        ${formatSize(summary.size)} (${summary.size} bytes)`);
  ctx.out(`  parts       ${summary.parts} of ${formatSize(summary.partSize)} (part size)`);
  ctx.out(`  hashing     engine ${summary.engine}, ${summary.threads} thread${summary.threads === 1 ? '' : 's'}`);
  ctx.out(`  upload      ${summary.uploadMiBPerSecond} MiB/s (${summary.uploadSeconds} s)`);
  ctx.out(`  tree hash   ${summary.treeHash}`);
  ctx.out(`  archive id  ${summary.archiveId}`);
  ctx.out(`  read back   downloadArchive: ${chunks} verified chunk${chunks === 1 ? '' : 's'}, bytes identical, tree hash matches (${summary.verifySeconds} s)`);
  ctx.out(`  migrate     ${summary.migrated.archives} archives (${formatSize(summary.migrated.bytes)}) to s3://${summary.migrated.bucket}/, bytes identical (${summary.migrated.seconds} s)`);
}

/**
 * Reads the archive back the way users do (downloadArchive: a retrieval job, verified ranged chunks,
 * a journal), then compares the downloaded file with the source byte for byte as well.
 */
async function readBackAndVerify(
  ctx: Context,
  client: GlacierClient,
  pool: HashPool,
  vaultName: string,
  archiveId: string,
  source: string,
  destination: string,
  uploadedTreeHash: string,
  mode: ProgressMode,
): Promise<{ serverTreeHash: string; chunks: number }> {
  const { downloadArchive } = await import('../../glacier/index.js');
  const view = createDownloadView(ctx.io, mode, 'download');
  const result = await downloadArchive({
    vaultName, archiveId, destination, client, pool, signal: ctx.signal, wait: { pollInterval: 100 },
    onProgress: (p) => view.update(p),
  }).finally(() => view.stop());
  if (result.treeHash !== uploadedTreeHash) throw new DemoVerificationError(`the download's tree hash is ${result.treeHash}, the upload's ${uploadedTreeHash}`);
  const [a, b] = await Promise.all([open(source, 'r'), open(destination, 'r')]);
  try {
    const x = Buffer.allocUnsafe(8 * MiB);
    const y = Buffer.allocUnsafe(8 * MiB);
    for (let offset = 0; ; offset += x.length) {
      const [ra, rb] = await Promise.all([a.read(x, 0, x.length, offset), b.read(y, 0, y.length, offset)]);
      if (ra.bytesRead !== rb.bytesRead || x.compare(y, 0, rb.bytesRead, 0, ra.bytesRead) !== 0) {
        throw new DemoVerificationError(`the archive read back differs from ${source} within bytes ${offset}-${offset + x.length - 1}`);
      }
      if (ra.bytesRead === 0) break;
    }
  } finally {
    await a.close();
    await b.close();
  }
  return { serverTreeHash: result.treeHash, chunks: result.chunks };
}
