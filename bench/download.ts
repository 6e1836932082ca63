/**
 * Download benchmark: a 1 GiB archive of random bytes read back from the local Glacier server over
 * loopback, verified.
 *
 *   - downloadArchive: ranged GetJobOutput chunks (16 MiB, 4 in flight), each tree-hashed in the
 *     HashPool and checked against Glacier's per-chunk hash, positional writes, journal, rename;
 *   - baseline: what a careful SDK user writes — one GetJobOutput of the whole output streamed to a
 *     file, its tree hash computed on the main thread with node:crypto (1 MiB leaves, then pairs)
 *     and compared with Glacier's.
 *
 * Each run happens in a fresh child process so its peak RSS (VmHWM), event-loop delay (p99) and CPU
 * are its own; the server runs in another child process. Runs are interleaved (baseline, ours,
 * baseline, ...) so background load hits both alike; the best round counts for throughput, the
 * worst for resource bounds.
 *
 *   npm run bench:download   (node dist/bench/download.js [--quick] [--size 1GiB] [--rounds N]
 *                             [--chunk-size 16MiB] [--concurrency N] [--threads N]
 *                             [--cpu-prof DIR])   DIR gets a V8 CPU profile of each 'ours' run
 *
 * Prints a table and writes bench/results/download.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { CreateVaultCommand, GetJobOutputCommand, GlacierClient, type GetJobOutputCommandOutput } from '@aws-sdk/client-glacier';
import { HashPool } from '../src/pool/index.js';
import { MultipartUpload, createGlacierClient, downloadArchive, initiateRetrievalJob } from '../src/glacier/index.js';
import { parseSize } from '../src/cli/size.js';
import { childEnv, peakRssBytes, readLine, serveInChild, stopChild } from './child-process.js';

const MiB = 1024 * 1024;
const SELF = fileURLToPath(import.meta.url);
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const VAULT = 'bench-download';

export type DownloadVariant = 'baseline' | 'ours';

export interface DownloadBenchOptions {
  quick?: boolean;
  /** Archive size (default 1 GiB, 256 MiB with quick). */
  fileSize?: number;
  chunkSize?: number;
  concurrency?: number;
  /** Hash threads of our pool (default 1: one SHA-NI thread outruns loopback). */
  threads?: number;
  rounds?: number;
  outDir?: string | null;
  log?: (line: string) => void;
  print?: (line: string) => void;
  /** Runs each 'ours' child under `node --cpu-prof` writing into this directory. */
  cpuProfDir?: string;
}

export interface DownloadBenchRow {
  variant: DownloadVariant;
  seconds: number;
  mibPerSecond: number;
  peakRssMiB: number;
  rssBoundMiB: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  clientCpuSeconds: number;
  cpuSecondsPerGiB: number;
  serverCpuSeconds: number | null;
  speedup: number | null;
  cpuVsBaseline: number | null;
  treeHash: string;
  rounds: number;
}

interface RunResult {
  variant: DownloadVariant;
  seconds: number;
  peakRssBytes: number;
  p99Ms: number;
  maxMs: number;
  cpuSeconds: number;
  treeHash: string;
  serverCpuSeconds: number | null;
}

function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Puts `size` random bytes into the vault (generated part by part, never on disk). */
async function putArchive(endpoint: string, size: number): Promise<string> {
  const client = createGlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  const pool = new HashPool({});
  try {
    const partSize = 64 * MiB;
    const upload = await MultipartUpload.start({ client, vaultName: VAULT, partSize });
    // Shared: the pool hashes it in place (a plain buffer would be transferred to the worker).
    const buf = Buffer.from(new SharedArrayBuffer(partSize));
    for (let i = 0; i * partSize < size; i++) {
      const part = buf.subarray(0, Math.min(partSize, size - i * partSize));
      randomFillSync(part);
      const hashes = await pool.hashPart(part);
      await upload.uploadPart(i, part, { treeHash: hashes.treeHash, sha256: hashes.sha256! });
    }
    return (await upload.complete()).archiveId;
  } finally {
    await pool.destroy();
    client.destroy();
  }
}

export async function runDownloadBench(opts: DownloadBenchOptions = {}): Promise<{ rows: DownloadBenchRow[]; [k: string]: unknown }> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const fileSize = opts.fileSize ?? (opts.quick ? 256 * MiB : 1024 * MiB);
  const chunkSize = opts.chunkSize ?? 16 * MiB;
  const concurrency = opts.concurrency ?? 4;
  const threads = opts.threads ?? 1;
  const rounds = opts.rounds ?? (opts.quick ? 1 : 2);
  const variants: DownloadVariant[] = ['baseline', 'ours'];
  const shm = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const serverDir = mkdtempSync(join(shm, 'glacier-bench-dl-server-'));
  // The client writes to the temp dir's disk like a user's download would... unless it is tiny; both variants alike.
  const outDir = mkdtempSync(join(shm, 'glacier-bench-dl-out-'));
  let server: ChildProcess | undefined;
  try {
    server = spawn(process.execPath, [SELF, '--serve', serverDir], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    const endpoint = JSON.parse(await readLine(server)).endpoint as string;
    log(`local server ${endpoint} (child process ${server.pid}); putting a ${fileSize / MiB} MiB archive`);
    const admin = new GlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    await admin.send(new CreateVaultCommand({ accountId: '-', vaultName: VAULT }));
    const archiveId = await putArchive(endpoint, fileSize);
    const runs: RunResult[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const variant of variants) {
        const { jobId } = await initiateRetrievalJob({ client: createGlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS }), vaultName: VAULT, archiveId });
        log(`round ${round + 1}/${rounds}: ${variant}`);
        const out = join(outDir, `${variant}-${round}.bin`);
        const before = processCpuSeconds(server.pid);
        const child = spawn(process.execPath, [...(variant === 'ours' && opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []), SELF, '--run', variant, endpoint, jobId, out, String(chunkSize), String(concurrency), String(threads)],
          { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
        const r = JSON.parse(await readLine(child)) as RunResult;
        const after = processCpuSeconds(server.pid);
        r.serverCpuSeconds = before !== null && after !== null ? after - before : null;
        await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
        rmSync(out, { force: true });
        runs.push(r);
        log(`  ${(fileSize / MiB / r.seconds).toFixed(1)} MiB/s, peak RSS ${(r.peakRssBytes / MiB).toFixed(0)} MiB, p99 ${r.p99Ms.toFixed(1)} ms, CPU ${r.cpuSeconds.toFixed(2)} s`);
      }
    }
    admin.destroy();
    if (new Set(runs.map((r) => r.treeHash)).size !== 1) throw new Error(`the variants disagree on the tree hash: ${runs.map((r) => r.treeHash).join(', ')}`);
    const gib = fileSize / (1024 * MiB);
    const rssBoundMiB = (concurrency * chunkSize) / MiB + 200;
    const best = (v: DownloadVariant) => runs.filter((r) => r.variant === v).sort((a, b) => a.seconds - b.seconds)[0]!;
    const base = best('baseline');
    const rows: DownloadBenchRow[] = variants.map((v) => {
      const r = best(v);
      const mine = runs.filter((x) => x.variant === v);
      const cpuPerGiB = Math.min(...mine.map((x) => x.cpuSeconds)) / gib;
      return {
        variant: v, seconds: r.seconds, mibPerSecond: fileSize / MiB / r.seconds,
        peakRssMiB: Math.max(...mine.map((x) => x.peakRssBytes)) / MiB, rssBoundMiB,
        eventLoopP99Ms: Math.max(...mine.map((x) => x.p99Ms)), eventLoopMaxMs: Math.max(...mine.map((x) => x.maxMs)),
        clientCpuSeconds: r.cpuSeconds, cpuSecondsPerGiB: cpuPerGiB, serverCpuSeconds: r.serverCpuSeconds,
        speedup: v === 'ours' ? base.seconds / r.seconds : null,
        cpuVsBaseline: v === 'ours' ? cpuPerGiB / (Math.min(...runs.filter((x) => x.variant === 'baseline').map((x) => x.cpuSeconds)) / gib) : null,
        treeHash: r.treeHash, rounds: mine.length,
      };
    });
    const ours = rows.find((r) => r.variant === 'ours')!;
    const targets = {
      throughput: ours.speedup !== null && ours.speedup >= 1.3,
      cpu: ours.cpuVsBaseline !== null && ours.cpuVsBaseline <= 0.8,
      rss: ours.peakRssMiB <= ours.rssBoundMiB,
      eventLoop: ours.eventLoopP99Ms <= 20,
    };
    print(`download of ${fileSize / MiB} MiB, chunk ${chunkSize / MiB} MiB, ${concurrency} in flight, ${threads} hash thread(s), loopback local server (own process), best of ${rounds}`);
    const load = loadavg().map((l) => l.toFixed(1)).join(' ');
    print(`machine load average (1, 5, 15 min) at the end: ${load} on ${availableParallelism()} cores`);
    print('variant   MiB/s    vs baseline  CPU s/GiB (vs baseline)  peak RSS (bound)    event loop p99 / max   server CPU s');
    for (const r of rows) {
      print(`${r.variant.padEnd(9)} ${r.mibPerSecond.toFixed(1).padStart(7)}  ${(r.speedup === null ? '-' : `${r.speedup.toFixed(2)}x`).padStart(11)}  ` +
        `${`${r.cpuSecondsPerGiB.toFixed(2)}${r.cpuVsBaseline === null ? '' : ` (${r.cpuVsBaseline.toFixed(2)}x)`}`.padEnd(23)}  ` +
        `${`${r.peakRssMiB.toFixed(0)} MiB (${r.rssBoundMiB.toFixed(0)})`.padEnd(18)}  ` +
        `${`${r.eventLoopP99Ms.toFixed(1)} / ${r.eventLoopMaxMs.toFixed(1)} ms`.padEnd(21)}  ${r.serverCpuSeconds === null ? '-' : r.serverCpuSeconds.toFixed(1)}`);
    }
    const yn = (b: boolean) => (b ? 'yes' : 'NO');
    print(`targets: >= 1.3x throughput: ${yn(targets.throughput)}; CPU/GiB <= 0.8x: ${yn(targets.cpu)}; RSS within bound: ${yn(targets.rss)}; event loop p99 <= 20 ms: ${yn(targets.eventLoop)}`);
    // The server computes each ranged answer's tree hash (Glacier stores its hashes): its CPU is shown apart.
    const result = { date: new Date().toISOString(), node: process.version, loadAverage: loadavg(), fileSize, chunkSize, concurrency, threads, rounds, rows, targets };
    if (opts.outDir !== null) {
      const dir = opts.outDir ?? fileURLToPath(new URL('../../bench/results/', import.meta.url));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'download.json'), `${JSON.stringify(result, null, 2)}\n`);
      log(`wrote ${join(dir, 'download.json')}`);
    }
    return result;
  } finally {
    await stopChild(server);
    rmSync(serverDir, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** node:crypto tree hash of a stream, on the main thread: 1 MiB leaves, then pairs level by level. */
class TreeHashTransform extends Transform {
  private leaves: Buffer[] = [];
  private leaf = createHash('sha256');
  private inLeaf = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    for (let at = 0; at < chunk.length;) {
      const n = Math.min(MiB - this.inLeaf, chunk.length - at);
      this.leaf.update(chunk.subarray(at, at + n));
      this.inLeaf += n;
      at += n;
      if (this.inLeaf === MiB) {
        this.leaves.push(this.leaf.digest());
        this.leaf = createHash('sha256');
        this.inLeaf = 0;
      }
    }
    cb(null, chunk);
  }
  treeHash(): string {
    if (this.inLeaf > 0 || this.leaves.length === 0) this.leaves.push(this.leaf.digest());
    let level = this.leaves;
    while (level.length > 1) {
      const next: Buffer[] = [];
      for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? createHash('sha256').update(level[i]!).update(level[i + 1]!).digest() : level[i]!);
      level = next;
    }
    return level[0]!.toString('hex');
  }
}

async function runOne(variant: DownloadVariant, endpoint: string, jobId: string, out: string, chunkSize: number, concurrency: number, threads: number): Promise<void> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  let treeHash: string;
  let seconds: number;
  let cpu: NodeJS.CpuUsage;
  if (variant === 'baseline') {
    const client = new GlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    histogram.enable();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const got: GetJobOutputCommandOutput = await client.send(new GetJobOutputCommand({ accountId: '-', vaultName: VAULT, jobId }));
    const hasher = new TreeHashTransform();
    await pipeline(got.body as NodeJS.ReadableStream, hasher, createWriteStream(out));
    treeHash = hasher.treeHash();
    if (treeHash !== got.checksum) throw new Error(`baseline: tree hash ${treeHash}, Glacier's ${got.checksum}`);
    seconds = (performance.now() - t0) / 1000;
    cpu = process.cpuUsage(c0);
    histogram.disable();
    client.destroy();
  } else {
    const client = createGlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    const pool = new HashPool({ threads });
    await pool.ready();
    histogram.enable();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await downloadArchive({ vaultName: VAULT, jobId, destination: out, client, pool, chunkSize, concurrency });
    seconds = (performance.now() - t0) / 1000;
    // Every thread of the process: the pool's workers too.
    cpu = process.cpuUsage(c0);
    histogram.disable();
    treeHash = r.treeHash;
    await pool.destroy();
    client.destroy();
  }
  process.stdout.write(`${JSON.stringify({
    variant, seconds, treeHash, peakRssBytes: peakRssBytes(), p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  })}\n`);
}

if (process.argv[1] === SELF) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--serve') {
    await serveInChild(argv[1]!, CREDENTIALS);
  } else if (argv[0] === '--run') {
    const [variant, endpoint, jobId, out, chunkSize, concurrency, threads] = argv.slice(1);
    await runOne(variant as DownloadVariant, endpoint!, jobId!, out!, Number(chunkSize), Number(concurrency), Number(threads));
  } else {
    const value = (flag: string) => {
      const i = argv.indexOf(flag);
      return i >= 0 ? argv[i + 1] : undefined;
    };
    const size = value('--size');
    const chunk = value('--chunk-size');
    await runDownloadBench({
      quick: argv.includes('--quick'),
      ...(size ? { fileSize: parseSize(size) } : {}),
      ...(chunk ? { chunkSize: parseSize(chunk) } : {}),
      ...(value('--rounds') ? { rounds: Number(value('--rounds')) } : {}),
      ...(value('--concurrency') ? { concurrency: Number(value('--concurrency')) } : {}),
      ...(value('--threads') ? { threads: Number(value('--threads')) } : {}),
      ...(value('--cpu-prof') ? { cpuProfDir: resolve(value('--cpu-prof')!) } : {}),
    });
  }
}
