/**
 * The local server at a million archives (the server part of bench:million): a data dir of N archives
 * (each its directory and archive.json, plus the archive index) and 20,000 finished retrieval jobs is
 * written, then a child process measures:
 *   - server start: startLocalGlacier on it (seconds, and peak RSS once started)
 *   - inventory job: InitiateJob inventory-retrieval (its output written to disk) and the longest
 *     event-loop stall meanwhile, then GetJobOutput of it all
 *   - ListJobs of 20k jobs: every page (50 each), following Marker
 *
 *   node dist/bench/million-server.js [--archives N] [--jobs N] [--dist DIR]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GetJobOutputCommand, GlacierClient, InitiateJobCommand, ListJobsCommand } from '@aws-sdk/client-glacier';
import { childEnv, peakRssBytes, readLine } from './child-process.js';

const MiB = 1024 * 1024;
const SELF = fileURLToPath(import.meta.url);
const OWN_DIST = fileURLToPath(new URL('../src/', import.meta.url));
const VAULT = 'million';

export interface ServerMillionResult {
  archives: number;
  jobs: number;
  startSeconds: number;
  startRssMiB: number;
  inventorySeconds: number;
  inventoryMiB: number;
  inventoryDownloadSeconds: number;
  eventLoopMaxMs: number;
  listJobsSeconds: number;
  listJobsPages: number;
  peakRssMiB: number;
}

const id = (seed: string, i: number, len: number) => createHash('sha512').update(`${seed}${i}`).digest('base64url').slice(0, len);
const date = (i: number) => new Date(Date.UTC(2020, 0, 1) + i * 1000).toISOString();

/** Writes the data dir as the server keeps it (vaults/<account>/<region>/v-<name>/...). */
export async function writeDataDir(dataDir: string, archives: number, jobs: number): Promise<void> {
  const vault = join(dataDir, 'vaults', '000000000000', 'us-east-1', `v-${VAULT}`);
  for (const sub of ['uploads', 'archives', 'jobs']) mkdirSync(join(vault, sub), { recursive: true });
  writeFileSync(join(vault, 'vault.json'), JSON.stringify({ name: VAULT, creationDate: date(0), accountId: '000000000000', region: 'us-east-1', lastInventory: null }));
  const index = createWriteStream(join(vault, 'archives.idx'));
  for (let i = 0; i < archives; i++) {
    const archiveId = id('a', i, 138);
    const description = `mt2 ${Buffer.from(JSON.stringify({ mtime: '20200101T000000Z', filename: `photos/${i % 1000}/img-${i}.jpg` })).toString('base64url')}`;
    const record = { archiveId, vaultName: VAULT, description, creationDate: date(i), size: 1000 + i, treeHash: id('h', i, 64), completedAt: 0, files: [{ file: 'data', size: 1000 + i }] };
    const text = JSON.stringify(record);
    mkdirSync(join(vault, 'archives', archiveId));
    writeFileSync(join(vault, 'archives', archiveId, 'archive.json'), text);
    if (!index.write(`${text}\n`)) await once(index, 'drain');
  }
  index.end();
  await once(index, 'finish');
  for (let i = 0; i < jobs; i++) {
    const jobId = id('j', i, 92);
    const a = i % Math.max(1, archives);
    writeFileSync(join(vault, 'jobs', `${jobId}.json`), JSON.stringify({
      jobId, vaultName: VAULT, action: 'ArchiveRetrieval', archiveId: id('a', a, 138), creationDate: new Date(Date.now() - (jobs - i) * 1000).toISOString(),
      tier: 'Standard', first: 0, last: 999 + a, archiveSize: 1000 + a, archiveTreeHash: id('h', a, 64), outputTreeHash: id('h', a, 64), readyAt: Date.now(),
    }));
  }
}

export async function runServerMillionBench(opts: { archives?: number; jobs?: number; dist?: string; log?: (l: string) => void } = {}): Promise<ServerMillionResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const archives = opts.archives ?? 1_000_000;
  const jobs = opts.jobs ?? 20_000;
  const dir = mkdtempSync(join(tmpdir(), 'glacier-bench-million-server-'));
  try {
    log(`writing a server data dir of ${archives} archives and ${jobs} jobs under ${dir}`);
    await writeDataDir(dir, archives, jobs);
    const child = spawn(process.execPath, [SELF, '--child', resolve(opts.dist ?? OWN_DIST), dir], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    const r = JSON.parse(await readLine(child)) as Omit<ServerMillionResult, 'archives' | 'jobs'>;
    if (child.exitCode === null) await once(child, 'exit');
    const result = { archives, jobs, ...r };
    log(`  server start ${r.startSeconds.toFixed(1)} s (RSS ${r.startRssMiB.toFixed(0)} MiB), inventory job ${r.inventorySeconds.toFixed(1)} s `
      + `(${r.inventoryMiB.toFixed(0)} MiB, event loop max ${r.eventLoopMaxMs.toFixed(0)} ms), ListJobs of ${jobs} jobs ${r.listJobsSeconds.toFixed(1)} s (${r.listJobsPages} pages), peak RSS ${r.peakRssMiB.toFixed(0)} MiB`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The measuring child: the server and an SDK client in one process. */
async function child(dist: string, dataDir: string): Promise<void> {
  const { startLocalGlacier } = await import(pathToFileURL(join(dist, 'server/index.js')).href);
  let t0 = performance.now();
  const server = await startLocalGlacier({ dataDir });
  const startSeconds = (performance.now() - t0) / 1000;
  const startRss = peakRssBytes();
  const glacier = new GlacierClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'b', secretAccessKey: 'b' }, maxAttempts: 1 });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  t0 = performance.now();
  const { jobId } = await glacier.send(new InitiateJobCommand({ accountId: '-', vaultName: VAULT, jobParameters: { Type: 'inventory-retrieval' } }));
  const inventorySeconds = (performance.now() - t0) / 1000;
  loop.disable();
  t0 = performance.now();
  let inventoryBytes = 0;
  const out = await glacier.send(new GetJobOutputCommand({ accountId: '-', vaultName: VAULT, jobId }));
  for await (const chunk of out.body as AsyncIterable<Uint8Array>) inventoryBytes += chunk.length;
  const inventoryDownloadSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  let marker: string | undefined;
  let pages = 0;
  do {
    const page = await glacier.send(new ListJobsCommand({ accountId: '-', vaultName: VAULT, marker }));
    marker = page.Marker ?? undefined;
    pages++;
  } while (marker);
  const listJobsSeconds = (performance.now() - t0) / 1000;
  glacier.destroy();
  await server.close();
  process.stdout.write(`${JSON.stringify({
    startSeconds, startRssMiB: startRss / MiB, inventorySeconds, inventoryMiB: inventoryBytes / MiB, inventoryDownloadSeconds,
    eventLoopMaxMs: loop.max / 1e6, listJobsSeconds, listJobsPages: pages, peakRssMiB: peakRssBytes() / MiB,
  })}\n`);
}

if (process.argv[1] === SELF) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') await child(argv[1]!, argv[2]!);
  else {
    const value = (flag: string) => {
      const i = argv.indexOf(flag);
      return i >= 0 ? argv[i + 1] : undefined;
    };
    const r = await runServerMillionBench({
      ...(value('--archives') ? { archives: Number(value('--archives')) } : {}),
      ...(value('--jobs') ? { jobs: Number(value('--jobs')) } : {}),
      ...(value('--dist') ? { dist: value('--dist')! } : {}),
    });
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  }
}
