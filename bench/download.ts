/**
 * Download benchmark: a 1 GiB archive of random bytes read back from the local Glacier server over
 * loopback, verified.
 *
 *   - downloadArchive: ranged GetJobOutput chunks (16 MiB, 4 in flight), each tree-hashed in the
 *     HashPool and checked against Glacier's per-chunk hash, positional writes, journal, rename;
 *   - baseline: what a careful SDK user writes — one GetJobOutput of the whole output streamed to a
 *     file, its tree hash computed on the main thread with node:crypto (1 MiB leaves, then pairs)
 *     and compared with Glacier's;
 *   - fetch (a reference, not a download): the same ranged GetJobOutput requests as downloadArchive,
 *     bodies drained, nothing hashed or written: what receiving through the SDK costs alone.
 *
 * Issue 18.3's floor is measured in the same run: node:crypto's tree hash of the archive's bytes
 * (one pass), and beside it the CPU of writing the same bytes to the output directory, so the
 * client's CPU can be read as floor + receiving + writing + the rest.
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
import { closeSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
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
import { childEnv, peakRssBytes, processCpuSeconds, readLine, serveInChild, stopChild } from './child-process.js';
import { floorCpuSeconds } from './floor.js';

const MiB = 1024 * 1024;
const SELF = fileURLToPath(import.meta.url);
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const VAULT = 'bench-download';

export type DownloadVariant = 'baseline' | 'ours' | 'fetch';

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
  /** Client CPU over the floor (node:crypto tree hash of the same bytes, this run). */
  cpuVsFloor: number;
  /** '' for the fetch reference, which hashes nothing. */
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

/**
 * Puts `size` random bytes into the vault (generated part by part, never on disk); answers the
 * archive id and the floor: node:crypto's CPU seconds for the tree hash of those bytes.
 */
async function putArchive(endpoint: string, size: number): Promise<{ archiveId: string; floorCpuSeconds: number }> {
  const client = createGlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  const pool = new HashPool({});
  try {
    const partSize = 64 * MiB;
    const upload = await MultipartUpload.start({ client, vaultName: VAULT, partSize });
    // Shared: the pool hashes it in place (a plain buffer would be transferred to the worker).
    const buf = Buffer.from(new SharedArrayBuffer(partSize));
    let floor = 0;
    for (let i = 0; i * partSize < size; i++) {
      const part = buf.subarray(0, Math.min(partSize, size - i * partSize));
      randomFillSync(part);
      floor += floorCpuSeconds(part, 'tree');
      const hashes = await pool.hashPart(part);
      await upload.uploadPart(i, part, { treeHash: hashes.treeHash, sha256: hashes.sha256! });
    }
    return { archiveId: (await upload.complete()).archiveId, floorCpuSeconds: floor };
  } finally {
    await pool.destroy();
    client.destroy();
  }
}

/**
 * CPU seconds of writing `size` bytes to a new file in dir in 16 MiB positional writes (what the
 * download's writes cost alone). Run in a child of its own: process.cpuUsage counts every thread,
 * and the parent's just-destroyed pool and client would be counted too.
 */
function writeCpuSeconds(dir: string, size: number): number {
  const piece = Buffer.alloc(16 * MiB, 7);
  const path = join(dir, 'write-cost.bin');
  const fd = openSync(path, 'w');
  const c0 = process.cpuUsage();
  try {
    for (let at = 0; at < size; at += piece.length) writeSync(fd, piece, 0, Math.min(piece.length, size - at), at);
  } finally {
    closeSync(fd);
  }
  const c = process.cpuUsage(c0);
  rmSync(path, { force: true });
  return (c.user + c.system) / 1e6;
}

export async function runDownloadBench(opts: DownloadBenchOptions = {}): Promise<{ rows: DownloadBenchRow[]; [k: string]: unknown }> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const fileSize = opts.fileSize ?? (opts.quick ? 256 * MiB : 1024 * MiB);
  const chunkSize = opts.chunkSize ?? 16 * MiB;
  const concurrency = opts.concurrency ?? 4;
  const threads = opts.threads ?? 1;
  const rounds = opts.rounds ?? (opts.quick ? 1 : 2);
  const variants: DownloadVariant[] = ['baseline', 'ours', 'fetch'];
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
    const { archiveId, floorCpuSeconds: floorSeconds } = await putArchive(endpoint, fileSize);
    const writer = spawn(process.execPath, [SELF, '--write-cost', outDir, String(fileSize)], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    const writeSeconds = (JSON.parse(await readLine(writer)) as { cpuSeconds: number }).cpuSeconds;
    const runs: RunResult[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const variant of variants) {
        const { jobId } = await initiateRetrievalJob({ client: createGlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS }), vaultName: VAULT, archiveId });
        log(`round ${round + 1}/${rounds}: ${variant}`);
        const out = join(outDir, `${variant}-${round}.bin`);
        const before = processCpuSeconds(server.pid);
        const child = spawn(process.execPath, [...(variant === 'ours' && opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []), SELF, '--run', variant, endpoint, jobId, out, String(chunkSize), String(concurrency), String(threads), String(fileSize)],
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
    const verified = runs.filter((r) => r.variant !== 'fetch');
    if (new Set(verified.map((r) => r.treeHash)).size !== 1) throw new Error(`the variants disagree on the tree hash: ${verified.map((r) => r.treeHash).join(', ')}`);
    const gib = fileSize / (1024 * MiB);
    const floorPerGiB = floorSeconds / gib;
    const writePerGiB = writeSeconds / gib;
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
        cpuVsFloor: cpuPerGiB / floorPerGiB,
        treeHash: r.treeHash, rounds: mine.length,
      };
    });
    const ours = rows.find((r) => r.variant === 'ours')!;
    const targets = {
      throughput: ours.speedup !== null && ours.speedup >= 1.3,
      cpu: ours.cpuVsBaseline !== null && ours.cpuVsBaseline <= 0.8,
      rss: ours.peakRssMiB <= ours.rssBoundMiB,
      eventLoop: ours.eventLoopP99Ms <= 20,
      cpuVsFloor: ours.cpuVsFloor <= 2.0,
    };
    const fetch = rows.find((r) => r.variant === 'fetch')!;
    print(`download of ${fileSize / MiB} MiB, chunk ${chunkSize / MiB} MiB, ${concurrency} in flight, ${threads} hash thread(s), loopback local server (own process), best of ${rounds}`);
    const load = loadavg().map((l) => l.toFixed(1)).join(' ');
    print(`machine load average (1, 5, 15 min) at the end: ${load} on ${availableParallelism()} cores`);
    print('variant   MiB/s    vs baseline  CPU s/GiB (vs baseline)  vs floor  peak RSS (bound)    event loop p99 / max   server CPU s');
    for (const r of rows) {
      print(`${r.variant.padEnd(9)} ${r.mibPerSecond.toFixed(1).padStart(7)}  ${(r.speedup === null ? '-' : `${r.speedup.toFixed(2)}x`).padStart(11)}  ` +
        `${`${r.cpuSecondsPerGiB.toFixed(2)}${r.cpuVsBaseline === null ? '' : ` (${r.cpuVsBaseline.toFixed(2)}x)`}`.padEnd(23)}  ` +
        `${`${r.cpuVsFloor.toFixed(2)}x`.padEnd(8)}  ` +
        `${`${r.peakRssMiB.toFixed(0)} MiB (${r.rssBoundMiB.toFixed(0)})`.padEnd(18)}  ` +
        `${`${r.eventLoopP99Ms.toFixed(1)} / ${r.eventLoopMaxMs.toFixed(1)} ms`.padEnd(21)}  ${r.serverCpuSeconds === null ? '-' : r.serverCpuSeconds.toFixed(1)}`);
    }
    const yn = (b: boolean) => (b ? 'yes' : 'NO');
    // What no verified download through the SDK can go below: hashing every byte once, receiving it, writing it.
    const least = 1 + fetch.cpuVsFloor + writePerGiB / floorPerGiB;
    print(`floor (node:crypto tree hash of the same bytes): ${floorPerGiB.toFixed(2)} CPU s/GiB; fetch (ranged GetJobOutput alone) ${fetch.cpuVsFloor.toFixed(2)}x of it, ` +
      `writing the bytes ${(writePerGiB / floorPerGiB).toFixed(2)}x: floor + fetch + write = ${least.toFixed(2)}x floor, ours ${ours.cpuVsFloor.toFixed(2)}x`);
    print(`targets: >= 1.3x throughput: ${yn(targets.throughput)}; CPU/GiB <= 0.8x: ${yn(targets.cpu)}; CPU <= 2.0x floor: ${yn(targets.cpuVsFloor)}; RSS within bound: ${yn(targets.rss)}; event loop p99 <= 20 ms: ${yn(targets.eventLoop)}`);
    // The server computes each ranged answer's tree hash (Glacier stores its hashes): its CPU is shown apart.
    const result = {
      date: new Date().toISOString(), node: process.version, loadAverage: loadavg(), fileSize, chunkSize, concurrency, threads, rounds,
      floorCpuSecondsPerGiB: floorPerGiB, writeCpuSecondsPerGiB: writePerGiB, floorFetchWriteVsFloor: least, rows, targets,
    };
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

/** The fetch reference: ranged GetJobOutput of every chunk, `concurrency` in flight, bodies drained. */
async function fetchOnly(client: GlacierClient, jobId: string, size: number, chunkSize: number, concurrency: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (let at = next; at < size; at = next) {
      next += chunkSize;
      const range = `bytes=${at}-${Math.min(size, at + chunkSize) - 1}`;
      const got = await client.send(new GetJobOutputCommand({ accountId: '-', vaultName: VAULT, jobId, range }));
      for await (const _piece of got.body as AsyncIterable<Uint8Array>) { /* drained */ }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

async function runOne(variant: DownloadVariant, endpoint: string, jobId: string, out: string, chunkSize: number, concurrency: number, threads: number, size: number): Promise<void> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  let treeHash: string;
  let seconds: number;
  let cpu: NodeJS.CpuUsage;
  if (variant === 'fetch') {
    const client = createGlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    histogram.enable();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fetchOnly(client, jobId, size, chunkSize, concurrency);
    seconds = (performance.now() - t0) / 1000;
    cpu = process.cpuUsage(c0);
    histogram.disable();
    treeHash = '';
    client.destroy();
  } else if (variant === 'baseline') {
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
  } else if (argv[0] === '--write-cost') {
    process.stdout.write(`${JSON.stringify({ cpuSeconds: writeCpuSeconds(argv[1]!, Number(argv[2])) })}\n`);
  } else if (argv[0] === '--run') {
    const [variant, endpoint, jobId, out, chunkSize, concurrency, threads, size] = argv.slice(1);
    await runOne(variant as DownloadVariant, endpoint!, jobId!, out!, Number(chunkSize), Number(concurrency), Number(threads), Number(size));
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
