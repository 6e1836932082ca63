/**
 * WAN benchmark: the library against a distant Glacier, emulated by the local server in its own
 * process behind its link (latencyMs 25 each way, so a 50 ms round trip, and 400 Mbit/s per
 * direction shared by all connections; see src/server/link.ts). Default options throughout:
 *
 *   - upload: uploadArchive of one large file (256 MiB; 64 MiB with --quick)
 *   - sync: syncDirectory of 2,000 small files of 16-256 KiB (300 with --quick), one request each
 *   - download: downloadArchive of the large archive (its retrieval job started and ready first)
 *
 * Beside each figure, the bound the link allows: min(bandwidth, concurrency x request size / round
 * trip), with the concurrency the run used (for sync: files in flight, concurrency / round trip files/s).
 *
 *   npm run bench:wan     (node dist/bench/wan.js [--quick] [--files N] [--size MiB] [--latency MS] [--bandwidth BITS] [--cpu-prof DIR])
 *
 * Prints a table and writes bench/results/wan.json. Target: sync >= 80% of its bound.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateVaultCommand, InitiateJobCommand } from '@aws-sdk/client-glacier';
import { createGlacierClient, uploadArchive } from '../src/glacier/index.js';
import { DEFAULT_DOWNLOAD_CONCURRENCY, downloadArchive } from '../src/glacier/download/download-archive.js';
import { DEFAULT_CHUNK_SIZE } from '../src/glacier/download/chunk-plan.js';
import { DEFAULT_CONCURRENCY as DEFAULT_UPLOAD_CONCURRENCY } from '../src/glacier/upload/upload-options.js';
import { syncDirectory } from '../src/catalog/index.js';
import { childEnv, processCpuSeconds, readLine, serveInChild, stopChild } from './child-process.js';

const MiB = 1024 * 1024;
const KiB = 1024;
const SELF = fileURLToPath(import.meta.url);
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const VAULT = 'bench-wan';

export interface WanBenchOptions {
  quick?: boolean;
  /** Small files for sync (default 2,000; 300 with quick). */
  files?: number;
  /** The large file, MiB (default 256; 64 with quick). */
  sizeMiB?: number;
  /** One way (default 25). */
  latencyMs?: number;
  /** Per direction (default 400 Mbit/s). */
  bandwidthBitsPerSecond?: number;
  outDir?: string | null;
  /** Write a V8 CPU profile of the server process into this folder (profile the client with node --cpu-prof). */
  cpuProfDir?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  print?: (line: string) => void;
}

export interface WanBenchRow {
  case: 'upload' | 'sync' | 'download';
  files: number;
  bytes: number;
  seconds: number;
  mibPerSecond: number;
  filesPerSecond: number;
  /** Requests in flight the run used. */
  concurrency: number;
  /** What the link allows at that concurrency (MiB/s; for sync also files/s). */
  boundMibPerSecond: number;
  boundFilesPerSecond: number | null;
  /** The figure over its bound (files/s for sync, MiB/s otherwise). */
  ofBound: number;
  /** The server process's CPU over the case's wall time (null where /proc is missing): near 1, its one JS thread is what limits. */
  serverBusy: number | null;
  /** The client's (this process's) CPU over the wall time (its pool threads included). */
  clientBusy: number;
}

export interface WanBenchResult {
  date: string;
  node: string;
  latencyMs: number;
  roundTripMs: number;
  bandwidthBitsPerSecond: number;
  rows: WanBenchRow[];
  targets: { syncOfBound: number | null; syncOk: boolean | null };
}

/** A small deterministic PRNG for the file sizes: 16-256 KiB. */
function sizes(count: number): number[] {
  let a = 2025;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => 16 * KiB + Math.floor(next() * 240 * KiB));
}

function writeTree(root: string, count: number): number {
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

function writeLarge(path: string, size: number): void {
  const chunk = Buffer.alloc(8 * MiB);
  const parts: Buffer[] = [];
  for (let done = 0; done < size; done += chunk.length) parts.push(Buffer.from(randomFillSync(chunk).subarray(0, Math.min(chunk.length, size - done))));
  writeFileSync(path, Buffer.concat(parts));
}

/** min(bandwidth, concurrency x request size / round trip) in bytes per second. */
export function linkBound(bitsPerSecond: number, roundTripMs: number, concurrency: number, requestBytes: number): number {
  return Math.min(bitsPerSecond / 8, (concurrency * requestBytes) / (roundTripMs / 1000));
}

interface Timed<T> {
  value: T;
  seconds: number;
  serverCpu: number | null;
  clientCpu: number;
}

async function timed<T>(server: ChildProcess, fn: () => Promise<T>): Promise<Timed<T>> {
  const s0 = processCpuSeconds(server.pid);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const s1 = processCpuSeconds(server.pid);
  return { value, seconds, serverCpu: s0 === null || s1 === null ? null : s1 - s0, clientCpu: (c.user + c.system) / 1e6 };
}

export async function runWanBench(opts: WanBenchOptions = {}): Promise<WanBenchResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const count = opts.files ?? (opts.quick ? 300 : 2000);
  const largeBytes = (opts.sizeMiB ?? (opts.quick ? 64 : 256)) * MiB;
  const latencyMs = opts.latencyMs ?? 25;
  const bits = opts.bandwidthBitsPerSecond ?? 400_000_000;
  const rtt = 2 * latencyMs;
  const dir = mkdtempSync(join(tmpdir(), 'glacier-bench-wan-'));
  const serverParent = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const serverDir = mkdtempSync(join(serverParent, 'glacier-bench-wan-server-'));
  let server: ChildProcess | undefined;
  const rows: WanBenchRow[] = [];
  const row = (c: WanBenchRow['case'], files: number, bytes: number, t: Timed<unknown>, concurrency: number, requestBytes: number): WanBenchRow => {
    const seconds = t.seconds;
    const boundBytes = linkBound(bits, rtt, concurrency, requestBytes);
    const boundFiles = c === 'sync' ? Math.min(boundBytes / requestBytes, concurrency / (rtt / 1000)) : null;
    const r: WanBenchRow = {
      case: c, files, bytes, seconds, mibPerSecond: bytes / MiB / seconds, filesPerSecond: files / seconds, concurrency,
      boundMibPerSecond: boundBytes / MiB, boundFilesPerSecond: boundFiles,
      ofBound: boundFiles !== null ? files / seconds / boundFiles : bytes / seconds / boundBytes,
      serverBusy: t.serverCpu === null ? null : t.serverCpu / seconds, clientBusy: t.clientCpu / seconds,
    };
    log(`  ${seconds.toFixed(2)} s, ${r.mibPerSecond.toFixed(1)} MiB/s${boundFiles !== null ? `, ${r.filesPerSecond.toFixed(0)} files/s` : ''}: ${(r.ofBound * 100).toFixed(0)}% of the bound`);
    rows.push(r);
    return r;
  };
  try {
    log(`writing ${count} files of 16-256 KiB and one of ${largeBytes / MiB} MiB under ${dir}`);
    const tree = join(dir, 'tree');
    const smallBytes = writeTree(tree, count);
    const large = join(dir, 'large.bin');
    writeLarge(large, largeBytes);
    const prof = opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir] : [];
    server = spawn(process.execPath, [...prof, SELF, '--serve', serverDir, String(latencyMs), String(bits)], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    const endpoint = JSON.parse(await readLine(server)).endpoint as string;
    const client = createGlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    try {
      await client.send(new CreateVaultCommand({ accountId: '-', vaultName: VAULT }));

      log('upload (uploadArchive, default options)');
      const up = await timed(server, () => uploadArchive({ vaultName: VAULT, source: large, client, signal: opts.signal }));
      row('upload', 1, largeBytes, up, Math.min(DEFAULT_UPLOAD_CONCURRENCY, up.value.partCount), up.value.partSize);

      log('sync (syncDirectory, default options)');
      const sync = await timed(server, () => syncDirectory({ dir: tree, vaultName: VAULT, catalog: join(dir, 'wan.catalog'), client, signal: opts.signal }));
      if (sync.value.uploaded.length !== count) throw new Error(`sync uploaded ${sync.value.uploaded.length} of ${count} files`);
      row('sync', count, smallBytes, sync, sync.value.concurrency, smallBytes / count);

      log('download (downloadArchive, default options; its job started and ready first)');
      const job = await client.send(new InitiateJobCommand({
        accountId: '-', vaultName: VAULT, jobParameters: { Type: 'archive-retrieval', ArchiveId: up.value.archiveId, Tier: 'Expedited' },
      }));
      const down = await timed(server, () => downloadArchive({ vaultName: VAULT, jobId: job.jobId!, destination: join(dir, 'large.out'), client, wait: false, signal: opts.signal }));
      const chunks = Math.ceil(largeBytes / DEFAULT_CHUNK_SIZE);
      row('download', 1, down.value.size, down, Math.min(DEFAULT_DOWNLOAD_CONCURRENCY, chunks), Math.min(DEFAULT_CHUNK_SIZE, largeBytes));
    } finally {
      client.destroy();
    }
    const syncRow = rows.find((r) => r.case === 'sync');
    const result: WanBenchResult = {
      date: new Date().toISOString(), node: process.version, latencyMs, roundTripMs: rtt, bandwidthBitsPerSecond: bits, rows,
      targets: { syncOfBound: syncRow?.ofBound ?? null, syncOk: syncRow ? syncRow.ofBound >= 0.8 : null },
    };
    printTable(result, print);
    if (opts.outDir !== null) {
      const outDir = opts.outDir ?? fileURLToPath(new URL('../../bench/results/', import.meta.url));
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'wan.json'), `${JSON.stringify(result, null, 2)}\n`);
      log(`wrote ${join(outDir, 'wan.json')}`);
    }
    return result;
  } finally {
    await stopChild(server);
    rmSync(dir, { recursive: true, force: true });
    rmSync(serverDir, { recursive: true, force: true });
  }
}

const busy = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(0)}%`);

function printTable(r: WanBenchResult, print: (l: string) => void): void {
  print(`WAN: local server in its own process behind an emulated link of ${r.latencyMs} ms each way (round trip ${r.roundTripMs} ms), ${r.bandwidthBitsPerSecond / 1e6} Mbit/s per direction; default options`);
  print('case       files     MiB   seconds    MiB/s  (bound)   files/s  (bound)  in flight  of bound   server CPU  client CPU');
  for (const x of r.rows) {
    const files = x.boundFilesPerSecond === null ? `${'-'.padStart(9)} ${''.padStart(8)}` : `${x.filesPerSecond.toFixed(0).padStart(9)} ${`(${x.boundFilesPerSecond.toFixed(0)})`.padStart(8)}`;
    print(`${x.case.padEnd(9)} ${String(x.files).padStart(6)} ${(x.bytes / MiB).toFixed(0).padStart(7)} ${x.seconds.toFixed(2).padStart(9)} ${x.mibPerSecond.toFixed(1).padStart(8)} ${`(${x.boundMibPerSecond.toFixed(1)})`.padStart(8)} ${files} ${String(x.concurrency).padStart(10)} ${`${(x.ofBound * 100).toFixed(0)}%`.padStart(9)} ${busy(x.serverBusy).padStart(12)} ${busy(x.clientBusy).padStart(11)}`);
  }
  print('(server CPU, client CPU: CPU seconds over wall seconds; the server answers on one JS thread, so near 100% it is the limit, not the link)');
  const t = r.targets.syncOfBound;
  print(`target: sync >= 80% of min(bandwidth, concurrency / round trip): ${t === null ? 'n/a' : `${t >= 0.8 ? 'yes' : 'NO'} (${(t * 100).toFixed(0)}%)`}`);
}

if (process.argv[1] === SELF) {
  const argv = process.argv.slice(2);
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : undefined;
  };
  if (argv[0] === '--serve') {
    await serveInChild(argv[1]!, CREDENTIALS, { latencyMs: Number(argv[2]), bandwidthBitsPerSecond: Number(argv[3]) });
  } else {
    const files = arg('--files');
    const sizeMiB = arg('--size');
    const latencyMs = arg('--latency');
    const bandwidthBitsPerSecond = arg('--bandwidth');
    const prof = argv.indexOf('--cpu-prof');
    await runWanBench({
      ...(prof >= 0 ? { cpuProfDir: argv[prof + 1]!, outDir: null } : {}),
      quick: argv.includes('--quick'),
      ...(files !== undefined ? { files } : {}),
      ...(sizeMiB !== undefined ? { sizeMiB } : {}),
      ...(latencyMs !== undefined ? { latencyMs } : {}),
      ...(bandwidthBitsPerSecond !== undefined ? { bandwidthBitsPerSecond } : {}),
    });
  }
}
