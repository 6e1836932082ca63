/**
 * Restore benchmark: `restore --completed` of many small files from the local Glacier server (its own
 * process, data in /dev/shm when there is one), against the loop it replaced.
 *
 *   - files: 2,000 files of 16-256 KiB (random sizes, fixed seed; 300 with --quick), synced once and
 *     their retrieval jobs started (Expedited, ready at once here) before anything is measured
 *   - 'restore': completeRestore (one HashPool for every file, several files at once)
 *   - 'per-file': what completeRestore did before: each file in turn, DescribeJob then
 *     downloadArchive with no pool (a new HashPool, worker threads and calibration per file)
 *
 * Each run restores into an empty directory in a fresh child process whose peak RSS (VmHWM) is its own.
 *
 *   npm run bench:restore     (node dist/bench/restore.js [--quick] [--files N])
 *
 * Prints a table and writes bench/results/restore.json. Target: restore >= 5x the per-file files/s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateVaultCommand } from '@aws-sdk/client-glacier';
import { createGlacierClient } from '../src/glacier/index.js';
import { describeJob } from '../src/glacier/download/jobs.js';
import { downloadArchive } from '../src/glacier/download/download-archive.js';
import { Catalog, completeRestore, startRestore, syncDirectory } from '../src/catalog/index.js';
import { childEnv, peakRssBytes, readLine, serveInChild, stopChild } from './child-process.js';

const MiB = 1024 * 1024;
const KiB = 1024;
const SELF = fileURLToPath(import.meta.url);
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const VAULT = 'bench-restore';
const VARIANTS = ['restore', 'per-file'] as const;
export type RestoreVariant = (typeof VARIANTS)[number];

export interface RestoreBenchOptions {
  quick?: boolean;
  /** Files (default 2,000; 300 with quick). */
  files?: number;
  outDir?: string | null;
  signal?: AbortSignal;
  log?: (line: string) => void;
  print?: (line: string) => void;
}

export interface RestoreBenchRow {
  variant: RestoreVariant;
  files: number;
  bytes: number;
  seconds: number;
  filesPerSecond: number;
  mibPerSecond: number;
  cpuSeconds: number;
  peakRssMiB: number;
}

export interface RestoreBenchResult {
  date: string;
  node: string;
  files: number;
  rows: RestoreBenchRow[];
  targets: { speedup: number | null; speedupOk: boolean | null };
}

interface ChildResult {
  restored: number;
  seconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
}

/** A small deterministic PRNG for the file sizes: 16-256 KiB. */
function sizes(count: number): number[] {
  let a = 424242;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => 16 * KiB + Math.floor(next() * 240 * KiB));
}

function writeFiles(root: string, count: number): number {
  const chunk = Buffer.alloc(256 * KiB);
  let bytes = 0;
  sizes(count).forEach((size, i) => {
    const dir = join(root, `d${i % 40}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}.bin`), randomFillSync(chunk, 0, size).subarray(0, size));
    bytes += size;
  });
  return bytes;
}

export async function runRestoreBench(opts: RestoreBenchOptions = {}): Promise<RestoreBenchResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const count = opts.files ?? (opts.quick ? 300 : 2000);
  const dir = mkdtempSync(join(tmpdir(), 'glacier-bench-restore-'));
  const serverParent = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const serverDir = mkdtempSync(join(serverParent, 'glacier-bench-restore-server-'));
  let server: ChildProcess | undefined;
  try {
    log(`writing ${count} files of 16-256 KiB under ${dir}`);
    const tree = join(dir, 'tree');
    const bytes = writeFiles(tree, count);
    server = spawn(process.execPath, [SELF, '--serve', serverDir], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    const endpoint = JSON.parse(await readLine(server)).endpoint as string;
    const catalogPath = join(dir, 'restore.catalog');
    await prepare(endpoint, tree, catalogPath, log);
    const rows: RestoreBenchRow[] = [];
    for (const variant of VARIANTS) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      log(variant);
      const into = join(dir, `into-${variant}`);
      mkdirSync(into);
      const child = spawn(process.execPath, [SELF, '--run', variant, endpoint, into, catalogPath], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
      const r = JSON.parse(await readLine(child)) as ChildResult;
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
      if (r.restored !== count) throw new Error(`${variant} restored ${r.restored} of ${count} files`);
      log(`  ${r.seconds.toFixed(1)} s, ${r.cpuSeconds.toFixed(1)} s CPU, peak RSS ${(r.peakRssBytes / MiB).toFixed(0)} MiB`);
      rows.push({ variant, files: count, bytes, seconds: r.seconds, filesPerSecond: count / r.seconds, mibPerSecond: bytes / MiB / r.seconds, cpuSeconds: r.cpuSeconds, peakRssMiB: r.peakRssBytes / MiB });
      rmSync(into, { recursive: true, force: true });
    }
    const [fast, slow] = rows;
    const speedup = fast && slow ? fast.filesPerSecond / slow.filesPerSecond : null;
    const result: RestoreBenchResult = {
      date: new Date().toISOString(), node: process.version, files: count, rows,
      targets: { speedup, speedupOk: speedup === null ? null : speedup >= 5 },
    };
    print(`restore --completed of ${count} files of 16-256 KiB (${(bytes / MiB).toFixed(0)} MiB), loopback local server (own process, data in ${serverParent})`);
    print('variant     files   seconds   files/s    MiB/s   client CPU   peak RSS');
    for (const r of rows) {
      print(`${r.variant.padEnd(10)} ${String(r.files).padStart(6)} ${r.seconds.toFixed(1).padStart(9)} ${r.filesPerSecond.toFixed(1).padStart(9)} ${r.mibPerSecond.toFixed(1).padStart(8)} ${r.cpuSeconds.toFixed(1).padStart(10)} s   ${r.peakRssMiB.toFixed(0)} MiB`);
    }
    print(`target: restore >= 5x the per-file loop's files/s: ${speedup === null ? 'n/a' : speedup >= 5 ? 'yes' : 'NO'} (${speedup?.toFixed(1) ?? '-'}x)`);
    if (opts.outDir !== null) {
      const outDir = opts.outDir ?? fileURLToPath(new URL('../../bench/results/', import.meta.url));
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'restore.json'), `${JSON.stringify(result, null, 2)}\n`);
      log(`wrote ${join(outDir, 'restore.json')}`);
    }
    return result;
  } finally {
    await stopChild(server);
    rmSync(dir, { recursive: true, force: true });
    rmSync(serverDir, { recursive: true, force: true });
  }
}

/** Not measured: the vault gets the files and every file a finished (Expedited) retrieval job. */
async function prepare(endpoint: string, tree: string, catalogPath: string, log: (l: string) => void): Promise<void> {
  const client = createGlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  try {
    await client.send(new CreateVaultCommand({ accountId: '-', vaultName: VAULT }));
    log('uploading them (sync) and starting their retrieval jobs');
    await syncDirectory({ dir: tree, vaultName: VAULT, catalog: catalogPath, client });
    const catalog = await Catalog.open(catalogPath, { create: false });
    try {
      // Restore into an empty directory: every file is missing there.
      await startRestore({ dir: join(dirname(catalogPath), 'nothing-here'), vaultName: VAULT, catalog, client, tier: 'Expedited' });
    } finally {
      await catalog.close();
    }
  } finally {
    client.destroy();
  }
}

/** Child: one measured run. */
async function runOne(variant: RestoreVariant, endpoint: string, into: string, catalogPath: string): Promise<void> {
  const client = createGlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  const catalog = await Catalog.open(catalogPath, { create: false });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let restored = 0;
  if (variant === 'restore') {
    restored = (await completeRestore({ dir: into, vaultName: VAULT, catalog, client })).restored.length;
  } else {
    for (const f of [...catalog.files()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
      const jobs = catalog.retrieveJobs(f.archiveId);
      const job = await describeJob({ client, vaultName: VAULT, jobId: jobs[jobs.length - 1]!.jobId });
      const dest = join(into, ...f.path.split('/'));
      mkdirSync(dirname(dest), { recursive: true });
      await downloadArchive({ vaultName: VAULT, jobId: job.jobId, destination: dest, client, wait: false });
      restored++;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await catalog.close();
  client.destroy();
  process.stdout.write(`${JSON.stringify({ restored, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssBytes: peakRssBytes() })}\n`);
}

if (process.argv[1] === SELF) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--serve') await serveInChild(argv[1]!, CREDENTIALS);
  else if (argv[0] === '--run') await runOne(argv[1] as RestoreVariant, argv[2]!, argv[3]!, argv[4]!);
  else {
    const i = argv.indexOf('--files');
    await runRestoreBench({ quick: argv.includes('--quick'), ...(i >= 0 ? { files: Number(argv[i + 1]) } : {}) });
  }
}
