/**
 * Upload benchmark: a 1 GiB file of random bytes to the local Glacier server over loopback.
 *
 *   - uploadArchive, pool engine 'auto' and 'wasm' (hashing in HashPool threads; the SDK hashes nothing)
 *   - baseline: plain UploadMultipartPart calls through an SDK client with its default checksum
 *     generator (it hashes SHA-256 + tree hash of every body on the main thread), the same part
 *     size and number of parts in flight, then CompleteMultipartUpload.
 *
 * Each run happens in a fresh child process so its peak RSS (getrusage maxRSS) and event-loop delay
 * (perf_hooks.monitorEventLoopDelay, p99) are its own; the server runs in another child process so
 * its hashing does not share the client's event loop. Runs are interleaved (baseline, auto, wasm,
 * baseline, ...) so background load hits all variants alike; the best round of each counts.
 *
 *   npm run bench:upload          (node dist/bench/upload.js [--quick] [--size 1GiB] [--rounds N]
 *                                  [--concurrency N] [--threads N] [--variants baseline,auto,wasm,prehashed])
 *
 * Prints a table and writes bench/results/upload.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  CompleteMultipartUploadCommand, CreateVaultCommand, DeleteArchiveCommand, GlacierClient, InitiateMultipartUploadCommand,
  UploadMultipartPartCommand,
} from '@aws-sdk/client-glacier';
import { combineTreeHashes } from '../src/hash/index.js';
import { HashPool } from '../src/pool/index.js';
import { MultipartUpload, choosePartSize, createGlacierClient, defaultHashThreads, uploadArchive } from '../src/glacier/index.js';
import { parseSize } from '../src/cli/size.js';
import { childEnv, peakRssBytes, processCpuSeconds, readLine, serveInChild, stopChild } from './child-process.js';
import { fileFloorCpuSeconds } from './floor.js';

const MiB = 1024 * 1024;
const SELF = fileURLToPath(import.meta.url);
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const VAULT = 'bench';

/**
 * 'prehashed' is a reference, not a contender: the same parts sent through MultipartUpload with
 * checksums computed before the clock starts — what the server and loopback allow when hashing
 * costs the client nothing.
 */
export type UploadVariant = 'baseline' | 'auto' | 'wasm' | 'node' | 'prehashed';

export interface UploadBenchOptions {
  /** 256 MiB file and one round: a quick look. */
  quick?: boolean;
  /** Bytes of the benchmark file (default 1 GiB, 256 MiB with quick). */
  fileSize?: number;
  /** Default choosePartSize(fileSize) (8 MiB for 1 GiB). */
  partSize?: number;
  /** Parts in flight for every variant (default 4, uploadArchive's default). */
  concurrency?: number;
  /** Hashing threads for the pool (default: defaultHashThreads(), what uploadArchive uses). */
  threads?: number;
  /** Default ['baseline', 'auto', 'wasm', 'prehashed']. */
  variants?: UploadVariant[];
  /** Runs per variant, interleaved; the fastest counts (default 2, 1 with quick). */
  rounds?: number;
  /**
   * Parent directory for the server's data (default /dev/shm when it exists, else the temp dir):
   * the server fsyncs every part, and a slow disk would cap every variant alike and hide the
   * client-side differences this benchmark is about.
   */
  serverDataParent?: string;
  /** Where upload.json goes (default bench/results of this package); null: do not write. */
  outDir?: string | null;
  log?: (line: string) => void;
  print?: (line: string) => void;
}

export interface UploadBenchRow {
  variant: UploadVariant;
  /** For pool variants: the engine the pool ended up using. */
  engine: string | null;
  seconds: number;
  mibPerSecond: number;
  /** Peak resident set size of the uploading process, MiB. */
  peakRssMiB: number;
  /** The bound the uploader promises: concurrency x partSize + 200 MiB. */
  rssBoundMiB: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  /** CPU seconds (user + system) the uploading process spent, main thread and pool threads together. */
  clientCpuSeconds: number;
  /** CPU seconds the server process spent during the run (Linux /proc; null elsewhere). */
  serverCpuSeconds: number | null;
  /** Against the baseline's throughput (null for the baseline itself or without one). */
  speedup: number | null;
  /** Client CPU over the floor (node:crypto tree hash + SHA-256 of the same bytes, this run). */
  cpuVsFloor: number;
  checksum: string;
  rounds: number;
}

export interface UploadBenchResult {
  date: string;
  node: string;
  cpus: number;
  fileSize: number;
  partSize: number;
  concurrency: number;
  serverDataDir: string;
  /** CPU seconds per GiB of node:crypto hashing the file's bytes twice (tree hash, linear SHA-256): the floor. */
  floorCpuSecondsPerGiB: number;
  rows: UploadBenchRow[];
  targets: {
    autoVsBaseline: number | null; autoMeetsThroughput: boolean | null; eventLoopOk: boolean; rssOk: boolean;
    /** auto's client CPU over the floor, and whether it is within 1.3x of it. */
    autoCpuVsFloor: number | null; autoCpuOk: boolean | null;
  };
}

interface RunResult {
  variant: UploadVariant;
  engine: string | null;
  seconds: number;
  peakRssBytes: number;
  p99Ms: number;
  maxMs: number;
  cpuSeconds: number;
  serverCpuSeconds: number | null;
  checksum: string;
}

function writeRandomFile(path: string, size: number): void {
  const fd = openSync(path, 'w');
  try {
    const chunk = Buffer.alloc(8 * MiB);
    for (let done = 0; done < size; done += chunk.length) {
      randomFillSync(chunk);
      writeSync(fd, chunk, 0, Math.min(chunk.length, size - done));
    }
  } finally {
    closeSync(fd);
  }
}

/** Runs the whole benchmark; the CLI's `bench` calls this. */
export async function runUploadBench(opts: UploadBenchOptions = {}): Promise<UploadBenchResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const fileSize = opts.fileSize ?? (opts.quick ? 256 * MiB : 1024 * MiB);
  const partSize = opts.partSize ?? choosePartSize(fileSize);
  const concurrency = opts.concurrency ?? 4;
  const variants = opts.variants ?? ['baseline', 'auto', 'wasm', 'prehashed'];
  const rounds = opts.rounds ?? (opts.quick ? 1 : 2);

  const dir = mkdtempSync(join(tmpdir(), 'glacier-bench-upload-'));
  const serverParent = opts.serverDataParent ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
  const serverDir = mkdtempSync(join(serverParent, 'glacier-bench-server-'));
  const file = join(dir, 'archive.bin');
  let server: ChildProcess | undefined;
  try {
    log(`writing ${fileSize / MiB} MiB of random bytes to ${file}`);
    writeRandomFile(file, fileSize);
    const floorCpuSecondsPerGiB = fileFloorCpuSeconds(file, 'tree+sha256') / (fileSize / (1024 * MiB));
    log(`floor: node:crypto tree hash + SHA-256 of the file, ${floorCpuSecondsPerGiB.toFixed(2)} CPU s/GiB`);
    server = spawn(process.execPath, [SELF, '--serve', serverDir], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    const endpoint = JSON.parse(await readLine(server)).endpoint as string;
    log(`local server ${endpoint} (child process ${server.pid})`);
    const admin = new GlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    await admin.send(new CreateVaultCommand({ accountId: '-', vaultName: VAULT }));

    const runs: RunResult[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const variant of variants) {
        log(`round ${round + 1}/${rounds}: ${variant}`);
        const args = [SELF, '--run', variant, endpoint, file, String(partSize), String(concurrency), String(opts.threads ?? 0)];
        const serverBefore = processCpuSeconds(server.pid);
        const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
        const r = JSON.parse(await readLine(child)) as RunResult & { archiveId: string };
        const serverAfter = processCpuSeconds(server.pid);
        r.serverCpuSeconds = serverBefore !== null && serverAfter !== null ? serverAfter - serverBefore : null;
        await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
        runs.push(r);
        log(`  ${(fileSize / MiB / r.seconds).toFixed(1)} MiB/s, peak RSS ${(r.peakRssBytes / MiB).toFixed(0)} MiB, event loop p99 ${r.p99Ms.toFixed(1)} ms`);
        // Keep the server's disk usage to one archive at a time.
        await admin.send(new DeleteArchiveCommand({ accountId: '-', vaultName: VAULT, archiveId: r.archiveId }));
      }
    }
    admin.destroy();

    const checksums = new Set(runs.map((r) => r.checksum));
    if (checksums.size !== 1) throw new Error(`the variants disagree on the archive's tree hash: ${[...checksums].join(', ')}`);
    const rssBoundMiB = (concurrency * partSize) / MiB + 200;
    const best = (v: UploadVariant) => runs.filter((r) => r.variant === v).sort((a, b) => a.seconds - b.seconds)[0];
    const baseline = best('baseline');
    const rows: UploadBenchRow[] = variants.map((v) => {
      const r = best(v)!;
      const mine = runs.filter((x) => x.variant === v);
      const mibPerSecond = fileSize / MiB / r.seconds;
      return {
        variant: v, engine: r.engine, seconds: r.seconds, mibPerSecond,
        // Worst of the rounds for the resource figures: a bound must hold on every run.
        peakRssMiB: Math.max(...mine.map((x) => x.peakRssBytes)) / MiB, rssBoundMiB,
        eventLoopP99Ms: Math.max(...mine.map((x) => x.p99Ms)), eventLoopMaxMs: Math.max(...mine.map((x) => x.maxMs)),
        clientCpuSeconds: r.cpuSeconds, serverCpuSeconds: r.serverCpuSeconds,
        speedup: baseline && v !== 'baseline' && v !== 'prehashed' ? mibPerSecond / (fileSize / MiB / baseline.seconds) : null,
        cpuVsFloor: r.cpuSeconds / (fileSize / (1024 * MiB)) / floorCpuSecondsPerGiB,
        checksum: r.checksum, rounds: mine.length,
      };
    });
    const ours = rows.filter((r) => r.variant !== 'baseline' && r.variant !== 'prehashed');
    const auto = rows.find((r) => r.variant === 'auto');
    const result: UploadBenchResult = {
      date: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).availableParallelism(),
      fileSize, partSize, concurrency, serverDataDir: serverParent, floorCpuSecondsPerGiB, rows,
      targets: {
        autoCpuVsFloor: auto?.cpuVsFloor ?? null,
        autoCpuOk: auto ? auto.cpuVsFloor <= 1.3 : null,
        autoVsBaseline: auto?.speedup ?? null,
        autoMeetsThroughput: auto?.speedup != null ? auto.speedup >= 1.5 : null,
        eventLoopOk: ours.every((r) => r.eventLoopP99Ms <= 20),
        rssOk: ours.every((r) => r.peakRssMiB <= r.rssBoundMiB),
      },
    };

    print(`upload of ${fileSize / MiB} MiB, ${partSize / MiB} MiB parts, ${concurrency} in flight, loopback local server (own process, data in ${serverParent}), best of ${rounds}`);
    print('variant    engine  MiB/s    vs baseline  peak RSS (bound)    event loop p99 / max   CPU s client / server  client vs floor');
    for (const r of rows) {
      print(`${r.variant.padEnd(10)} ${(r.engine ?? '-').padEnd(7)} ${r.mibPerSecond.toFixed(1).padStart(7)}  ` +
        `${(r.speedup === null ? '-' : `${r.speedup.toFixed(2)}x`).padStart(11)}  ` +
        `${`${r.peakRssMiB.toFixed(0)} MiB (${r.rssBoundMiB.toFixed(0)})`.padEnd(18)}  ` +
        `${`${r.eventLoopP99Ms.toFixed(1)} / ${r.eventLoopMaxMs.toFixed(1)} ms`.padEnd(21)}  ` +
        `${`${r.clientCpuSeconds.toFixed(1)} / ${r.serverCpuSeconds === null ? '-' : r.serverCpuSeconds.toFixed(1)}`.padEnd(21)}  ${r.cpuVsFloor.toFixed(2)}x`);
    }
    const pre = rows.find((r) => r.variant === 'prehashed');
    print(`floor (node:crypto tree hash + SHA-256 of the same bytes): ${floorCpuSecondsPerGiB.toFixed(2)} CPU s/GiB` +
      (pre ? `; prehashed (sending alone, no hashing) ${pre.cpuVsFloor.toFixed(2)}x of it, so floor + sending = ${(1 + pre.cpuVsFloor).toFixed(2)}x` : ''));
    print(`targets: auto >= 1.5x baseline: ${fmt(result.targets.autoMeetsThroughput)} (${auto?.speedup?.toFixed(2) ?? '-'}x); ` +
      `client CPU <= 1.3x floor: ${fmt(result.targets.autoCpuOk)} (${result.targets.autoCpuVsFloor?.toFixed(2) ?? '-'}x); ` +
      `event loop p99 <= 20 ms: ${fmt(result.targets.eventLoopOk)}; RSS within bound: ${fmt(result.targets.rssOk)}`);

    if (opts.outDir !== null) {
      const outDir = opts.outDir ?? fileURLToPath(new URL('../../bench/results/', import.meta.url));
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'upload.json'), `${JSON.stringify(result, null, 2)}\n`);
      log(`wrote ${join(outDir, 'upload.json')}`);
    }
    return result;
  } finally {
    await stopChild(server);
    rmSync(dir, { recursive: true, force: true });
    rmSync(serverDir, { recursive: true, force: true });
  }
}

function fmt(ok: boolean | null): string {
  return ok === null ? 'n/a' : ok ? 'yes' : 'NO';
}

/** Child: the local server, in its own process. */
/** Child: one upload, measured. */
async function runOne(variant: UploadVariant, endpoint: string, file: string, partSize: number, concurrency: number, threads: number): Promise<void> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  let cpu: NodeJS.CpuUsage | undefined;
  let result: { seconds: number; checksum: string; archiveId: string; engine: string | null };
  if (variant === 'baseline') {
    const client = new GlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    histogram.enable();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const { checksum, archiveId } = await sdkOnlyUpload(client, file, partSize, concurrency);
    result = { seconds: (performance.now() - t0) / 1000, checksum, archiveId, engine: null };
    cpu = process.cpuUsage(c0);
    histogram.disable();
    client.destroy();
  } else if (variant === 'prehashed') {
    const client = createGlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    const pool = new HashPool({ ...(threads ? { threads } : {}) });
    const hashed = await pool.hashFile(file, { partSize });
    await pool.destroy();
    histogram.enable();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const { checksum, archiveId } = await prehashedUpload(client, file, partSize, concurrency, hashed.parts);
    result = { seconds: (performance.now() - t0) / 1000, checksum, archiveId, engine: null };
    cpu = process.cpuUsage(c0);
    histogram.disable();
    client.destroy();
  } else {
    const client = createGlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    // The pool uploadArchive would create itself, with the engine under test.
    const pool = new HashPool({ engine: variant, threads: threads || defaultHashThreads() });
    const engine = await pool.ready();
    histogram.enable();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await uploadArchive({ vaultName: VAULT, source: file, client, pool, partSize, concurrency });
    result = { seconds: (performance.now() - t0) / 1000, checksum: r.checksum, archiveId: r.archiveId, engine };
    // process.cpuUsage covers every thread of the process, the pool's workers included.
    cpu = process.cpuUsage(c0);
    histogram.disable();
    await pool.destroy();
    client.destroy();
  }
  const out = {
    variant, ...result, peakRssBytes: peakRssBytes(),
    p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6,
    cpuSeconds: cpu ? (cpu.user + cpu.system) / 1e6 : 0,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/**
 * The baseline: what a plain SDK user writes. Parts are read into fresh buffers and sent with
 * UploadMultipartPartCommand; the SDK's default bodyChecksumGenerator hashes each body (linear
 * SHA-256 + tree hash) on the main thread. `concurrency` parts in flight, like uploadArchive.
 */
async function sdkOnlyUpload(client: GlacierClient, file: string, partSize: number, concurrency: number): Promise<{ checksum: string; archiveId: string }> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const count = Math.ceil(size / partSize);
    const { uploadId } = await client.send(new InitiateMultipartUploadCommand({ accountId: '-', vaultName: VAULT, partSize: String(partSize) }));
    const treeHashes: string[] = new Array(count);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const index = next++;
        const first = index * partSize;
        const length = Math.min(partSize, size - first);
        const body = Buffer.allocUnsafe(length);
        await fh.read(body, 0, length, first);
        const out = await client.send(new UploadMultipartPartCommand({
          accountId: '-', vaultName: VAULT, uploadId, body, range: `bytes ${first}-${first + length - 1}/*`,
        }));
        treeHashes[index] = out.checksum!;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const checksum = combineTreeHashes(treeHashes);
    const done = await client.send(new CompleteMultipartUploadCommand({
      accountId: '-', vaultName: VAULT, uploadId, archiveSize: String(size), checksum,
    }));
    return { checksum: done.checksum!, archiveId: done.archiveId! };
  } finally {
    await fh.close();
  }
}

/** Parts read into `concurrency` reused buffers and sent with checksums known in advance. */
async function prehashedUpload(client: GlacierClient, file: string, partSize: number, concurrency: number,
  parts: { treeHash: string; sha256: string }[]): Promise<{ checksum: string; archiveId: string }> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const upload = await MultipartUpload.start({ client, vaultName: VAULT, partSize });
    let next = 0;
    const worker = async () => {
      const buffer = Buffer.allocUnsafe(partSize);
      while (next < parts.length) {
        const index = next++;
        const length = Math.min(partSize, size - index * partSize);
        await fh.read(buffer, 0, length, index * partSize);
        await upload.uploadPart(index, buffer.subarray(0, length), parts[index]);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const done = await upload.complete({ archiveSize: size, treeHash: combineTreeHashes(parts.map((p) => p.treeHash)) });
    return { checksum: done.checksum, archiveId: done.archiveId };
  } finally {
    await fh.close();
  }
}

if (process.argv[1] === SELF) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--serve') {
    await serveInChild(argv[1]!, CREDENTIALS);
  } else if (argv[0] === '--run') {
    const [variant, endpoint, file, partSize, concurrency, threads] = argv.slice(1);
    await runOne(variant as UploadVariant, endpoint!, file!, Number(partSize), Number(concurrency), Number(threads));
  } else {
    const value = (flag: string) => {
      const i = argv.indexOf(flag);
      return i >= 0 ? argv[i + 1] : undefined;
    };
    const size = value('--size');
    const rounds = value('--rounds');
    const concurrency = value('--concurrency');
    const variants = value('--variants');
    const threads = value('--threads');
    await runUploadBench({
      ...(variants ? { variants: variants.split(',') as UploadVariant[] } : {}),
      ...(threads ? { threads: Number(threads) } : {}),
      quick: argv.includes('--quick'),
      ...(size ? { fileSize: parseSize(size) } : {}),
      ...(rounds ? { rounds: Number(rounds) } : {}),
      ...(concurrency ? { concurrency: Number(concurrency) } : {}),
    });
  }
}
