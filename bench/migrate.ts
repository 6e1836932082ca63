/**
 * Migrate benchmark: migrateVault of a vault of mixed archive sizes (a few large, many small) from
 * the local Glacier to the local S3 (server in its own process, data in /dev/shm when there is one),
 * against downloadArchive of the same archives to disk, and against the floor of hashing every byte
 * once for the tree hash and once for SHA-256 with node:crypto (measured here, on the same bytes).
 * A third run, 'copy' (a reference, not a migration), is the least any copy through the two SDKs
 * does: per archive a job, ranged GetJobOutput of 16 MiB chunks gathered into one buffer each, sent
 * as PutObject or UploadPart with a SHA-256 computed beforehand; nothing hashed, checked or recorded.
 *
 *   npm run bench:migrate     (node dist/bench/migrate.js [--size 1GiB-in-bytes] [--concurrency 4] [--cpu-prof DIR])
 *
 * Targets: client CPU <= 1.5x the floor; throughput >= 0.8x downloadArchive's; peak RSS <=
 * concurrency x chunk + 200 MiB. Writes bench/results/migrate.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateVaultCommand, GetJobOutputCommand, type GlacierClient } from '@aws-sdk/client-glacier';
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { createGlacierClient, initiateRetrievalJob, uploadArchive, waitForJob } from '../src/glacier/index.js';
import { useUnsignedPayload } from '../src/migrate/copy-to-s3.js';
import { downloadArchive } from '../src/glacier/download/download-archive.js';
import { encodeDescription } from '../src/catalog/descriptions.js';
import { migrateVault } from '../src/migrate/index.js';
import { HashPool } from '../src/pool/index.js';
import { floorCpuSeconds } from './floor.js';
import { childEnv, peakRssBytes, processCpuSeconds, readLine, serveInChild, stopChild } from './child-process.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const SELF = fileURLToPath(import.meta.url);
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const VAULT = 'bench-migrate';
const BUCKET = 'bench-migrate';
const CHUNK = 16 * MiB;

export interface MigrateBenchOptions {
  /** Bytes in the vault (default 1 GiB). */
  size?: number;
  concurrency?: number;
  outDir?: string | null;
  /** Write a V8 CPU profile of each measured child (main thread and pool threads) into this folder. */
  cpuProfDir?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  print?: (line: string) => void;
}

export interface MigrateBenchRow {
  variant: 'migrate' | 'downloadArchive' | 'copy';
  archives: number;
  bytes: number;
  seconds: number;
  mibPerSecond: number;
  cpuSeconds: number;
  cpuSecondsPerGiB: number;
  /** Of cpuSecondsPerGiB, the kernel's (socket and file calls). */
  systemSecondsPerGiB: number;
  /** The server process's CPU over the run (null where /proc is missing): the 2 cores are shared. */
  serverCpuSecondsPerGiB: number | null;
  peakRssMiB: number;
}

export interface MigrateBenchResult {
  date: string;
  node: string;
  bytes: number;
  archives: number;
  concurrency: number;
  chunkSize: number;
  floorCpuSecondsPerGiB: number;
  rssBoundMiB: number;
  rows: MigrateBenchRow[];
  targets: { cpuVsFloor: number | null; cpuOk: boolean | null; vsDownload: number | null; throughputOk: boolean | null; rssOk: boolean | null };
  /** The copy reference: floor + its CPU over the floor, and its throughput over downloadArchive's. */
  copy: { floorPlusCopyVsFloor: number; vsDownload: number };
}

/** A few large archives (60% of the bytes) and many small ones (64 KiB - 4 MiB), fixed seed. */
function archiveSizes(total: number): number[] {
  let a = 1717;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const large = Math.floor((total * 0.2) / MiB) * MiB + 12345;
  const sizes = [large, large, large];
  let left = total - 3 * large;
  while (left > 0) {
    const s = Math.min(left, 64 * 1024 + Math.floor(next() * 4 * MiB));
    sizes.push(s);
    left -= s;
  }
  return sizes;
}

interface PreparedArchive {
  archiveId: string;
  size: number;
  /** base64 SHA-256 of each CHUNK of the archive (the copy reference sends them as they are). */
  chunks: string[];
}

interface Prepared {
  inventory: string;
  archives: PreparedArchive[];
  floorCpuSeconds: number;
}

async function prepare(endpoint: string, dir: string, total: number, log: (l: string) => void): Promise<Prepared> {
  const client = createGlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  const s3 = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: CREDENTIALS });
  const pool = new HashPool();
  try {
    await client.send(new CreateVaultCommand({ accountId: '-', vaultName: VAULT }));
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const sizes = archiveSizes(total);
    log(`uploading ${sizes.length} archives (${(total / MiB).toFixed(0)} MiB; 3 of ${(sizes[0]! / MiB).toFixed(0)} MiB, the rest 64 KiB-4 MiB)`);
    const list: object[] = [];
    const archives: Prepared['archives'] = [];
    let floorCpu = 0;
    const buf = Buffer.allocUnsafe(sizes[0]!);
    for (const [i, size] of sizes.entries()) {
      const data = randomFillSync(buf, 0, size).subarray(0, size);
      floorCpu += floorCpuSeconds(data, 'tree+sha256');
      const description = encodeDescription(`bench/${i}.bin`, 1_700_000_000);
      const r = await uploadArchive({ vaultName: VAULT, source: Buffer.from(data), description, client, pool });
      const chunks: string[] = [];
      for (let at = 0; at < size; at += CHUNK) chunks.push(createHash('sha256').update(data.subarray(at, at + CHUNK)).digest('base64'));
      archives.push({ archiveId: r.archiveId, size, chunks });
      list.push({ ArchiveId: r.archiveId, ArchiveDescription: description, CreationDate: new Date().toISOString(), Size: size, SHA256TreeHash: r.checksum });
    }
    const inventory = join(dir, 'inventory.json');
    writeFileSync(inventory, JSON.stringify({ VaultARN: `arn:aws:glacier:us-east-1:000000000000:vaults/${VAULT}`, InventoryDate: new Date().toISOString(), ArchiveList: list }));
    return { inventory, archives, floorCpuSeconds: floorCpu };
  } finally {
    client.destroy();
    s3.destroy();
    await pool.destroy();
  }
}

export async function runMigrateBench(opts: MigrateBenchOptions = {}): Promise<MigrateBenchResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const total = opts.size ?? GiB;
  const concurrency = opts.concurrency ?? 4;
  const dir = mkdtempSync(join(tmpdir(), 'glacier-bench-migrate-'));
  const fast = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const serverDir = mkdtempSync(join(fast, 'glacier-bench-migrate-server-'));
  let server: ChildProcess | undefined;
  try {
    const serverProf = opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', join(opts.cpuProfDir, 'server')] : [];
    server = spawn(process.execPath, [...serverProf, SELF, '--serve', serverDir], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    const endpoint = JSON.parse(await readLine(server)).endpoint as string;
    const p = await prepare(endpoint, dir, total, log);
    writeFileSync(join(dir, 'archives.json'), JSON.stringify(p.archives));
    const rows: MigrateBenchRow[] = [];
    for (const variant of ['migrate', 'downloadArchive', 'copy'] as const) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      log(variant);
      const into = mkdtempSync(join(fast, `glacier-bench-migrate-${variant}-`));
      const prof = opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', join(opts.cpuProfDir, variant)] : [];
      const child = spawn(process.execPath, [...prof, SELF, '--run', variant, endpoint, dir, into, String(concurrency)], { stdio: ['ignore', 'pipe', 'inherit'], env: childEnv() });
      const server0 = processCpuSeconds(server.pid);
      const r = JSON.parse(await readLine(child)) as { bytes: number; seconds: number; cpuSeconds: number; systemSeconds: number; peakRssBytes: number };
      const server1 = processCpuSeconds(server.pid);
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
      rmSync(into, { recursive: true, force: true });
      if (r.bytes !== total) throw new Error(`${variant} moved ${r.bytes} of ${total} bytes`);
      rows.push({ variant, archives: p.archives.length, bytes: r.bytes, seconds: r.seconds, mibPerSecond: r.bytes / MiB / r.seconds, cpuSeconds: r.cpuSeconds, cpuSecondsPerGiB: r.cpuSeconds / (r.bytes / GiB),
        systemSecondsPerGiB: r.systemSeconds / (r.bytes / GiB), serverCpuSecondsPerGiB: server0 === null || server1 === null ? null : (server1 - server0) / (r.bytes / GiB), peakRssMiB: r.peakRssBytes / MiB });
    }
    const floor = p.floorCpuSeconds / (total / GiB);
    const [m, d, copy] = rows as [MigrateBenchRow, MigrateBenchRow, MigrateBenchRow];
    const rssBound = (concurrency * CHUNK) / MiB + 200;
    const result: MigrateBenchResult = {
      date: new Date().toISOString(), node: process.version, bytes: total, archives: p.archives.length, concurrency, chunkSize: CHUNK,
      floorCpuSecondsPerGiB: floor, rssBoundMiB: rssBound, rows,
      targets: {
        cpuVsFloor: m.cpuSecondsPerGiB / floor, cpuOk: m.cpuSecondsPerGiB <= 1.5 * floor,
        vsDownload: m.mibPerSecond / d.mibPerSecond, throughputOk: m.mibPerSecond >= 0.8 * d.mibPerSecond, rssOk: m.peakRssMiB <= rssBound,
      },
      copy: { floorPlusCopyVsFloor: 1 + copy.cpuSecondsPerGiB / floor, vsDownload: copy.mibPerSecond / d.mibPerSecond },
    };
    print(`migrate ${p.archives.length} archives, ${(total / MiB).toFixed(0)} MiB, local Glacier -> local S3 (server in its own process, data in ${fast}); concurrency ${concurrency} x ${CHUNK / MiB} MiB`);
    print('variant           MiB/s   seconds   client CPU   CPU s/GiB (sys)   server CPU s/GiB   peak RSS');
    for (const r of rows) {
      print(`${r.variant.padEnd(16)} ${r.mibPerSecond.toFixed(1).padStart(6)} ${r.seconds.toFixed(1).padStart(9)} ${r.cpuSeconds.toFixed(2).padStart(10)} s ${r.cpuSecondsPerGiB.toFixed(2).padStart(10)} (${r.systemSecondsPerGiB.toFixed(2)}) ${(r.serverCpuSecondsPerGiB?.toFixed(2) ?? '-').padStart(12)}         ${r.peakRssMiB.toFixed(0)} MiB`);
    }
    print(`floor (node:crypto tree hash + SHA-256 of the same bytes): ${floor.toFixed(2)} CPU s/GiB; the copy reference (no hashing) ${(copy.cpuSecondsPerGiB / floor).toFixed(2)}x of it, ` +
      `so floor + copy = ${result.copy.floorPlusCopyVsFloor.toFixed(2)}x; copy's throughput ${result.copy.vsDownload.toFixed(2)}x downloadArchive's`);
    const t = result.targets;
    print(`targets: CPU <= 1.5x floor: ${t.cpuOk ? 'yes' : 'NO'} (${t.cpuVsFloor!.toFixed(2)}x); throughput >= 0.8x downloadArchive: ${t.throughputOk ? 'yes' : 'NO'} (${t.vsDownload!.toFixed(2)}x); peak RSS <= ${rssBound} MiB: ${t.rssOk ? 'yes' : 'NO'}`);
    if (opts.outDir !== null) {
      const outDir = opts.outDir ?? fileURLToPath(new URL('../../bench/results/', import.meta.url));
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'migrate.json'), `${JSON.stringify(result, null, 2)}\n`);
      log(`wrote ${join(outDir, 'migrate.json')}`);
    }
    return result;
  } finally {
    await stopChild(server);
    rmSync(dir, { recursive: true, force: true });
    rmSync(serverDir, { recursive: true, force: true });
  }
}

/** The copy reference for one archive: job, chunks fetched into buffers, sent with their known SHA-256. */
async function copyOne(client: GlacierClient, s3: S3Client, a: PreparedArchive, key: string): Promise<number> {
  const { jobId } = await initiateRetrievalJob({ client, vaultName: VAULT, archiveId: a.archiveId, tier: 'Expedited' });
  await waitForJob({ client, vaultName: VAULT, jobId, pollInterval: 10 });
  const chunk = async (n: number): Promise<Buffer> => {
    const first = n * CHUNK;
    const last = Math.min(a.size, first + CHUNK) - 1;
    const got = await client.send(new GetJobOutputCommand({ accountId: '-', vaultName: VAULT, jobId, range: `bytes=${first}-${last}` }));
    const buf = Buffer.allocUnsafe(last - first + 1);
    let at = 0;
    for await (const piece of got.body as AsyncIterable<Uint8Array>) {
      buf.set(piece, at);
      at += piece.length;
    }
    return buf;
  };
  const common = { Bucket: BUCKET, Key: key };
  if (a.chunks.length === 1) {
    const body = await chunk(0);
    await s3.send(new PutObjectCommand({ ...common, Body: body, ContentLength: body.length, ChecksumSHA256: a.chunks[0], StorageClass: 'DEEP_ARCHIVE' }));
    return a.size;
  }
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ ...common, ChecksumAlgorithm: 'SHA256', StorageClass: 'DEEP_ARCHIVE' }));
  const parts = [];
  for (const [n, sha] of a.chunks.entries()) {
    const body = await chunk(n);
    const out = await s3.send(new UploadPartCommand({ ...common, UploadId, PartNumber: n + 1, Body: body, ContentLength: body.length, ChecksumSHA256: sha }));
    parts.push({ PartNumber: n + 1, ETag: out.ETag, ChecksumSHA256: sha });
  }
  await s3.send(new CompleteMultipartUploadCommand({ ...common, UploadId, MultipartUpload: { Parts: parts } }));
  return a.size;
}

/** Child: one measured run (a fresh process, so its peak RSS is its own). */
async function runOne(variant: string, endpoint: string, dir: string, into: string, concurrency: number): Promise<void> {
  const client = createGlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  const pool = new HashPool();
  const s3 = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 3 });
  const archives = JSON.parse(readFileSync(join(dir, 'archives.json'), 'utf8')) as PreparedArchive[];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let bytes = 0;
  if (variant === 'migrate') {
    const r = await migrateVault({
      vaultName: VAULT, client, pool, inventory: join(dir, 'inventory.json'), tier: 'Expedited', concurrency, chunkSize: CHUNK,
      destination: { bucket: BUCKET, client: s3, storageClass: 'DEEP_ARCHIVE' }, state: join(into, 'state.jsonl'), wait: { pollInterval: 10 },
    });
    if (r.failed) throw new Error(`migrate failed: ${r.failures.map((f) => f.reason).join('; ')}`);
    bytes = r.bytesCopied;
  } else if (variant === 'copy') {
    // As many archives at once as migrate copies small ones (4 x concurrency).
    useUnsignedPayload(s3);
    let next = 0;
    await Promise.all(Array.from({ length: 4 * concurrency }, async () => {
      for (let i = next++; i < archives.length; i = next++) {
        const copied = await copyOne(client, s3, archives[i]!, `copy/${i}.bin`);
        bytes += copied;
      }
    }));
  } else {
    // The same archives, as many at once as migrate has parts in flight, each a verified download to disk.
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < archives.length; i = next++) {
        const a = archives[i]!;
        await downloadArchive({ vaultName: VAULT, archiveId: a.archiveId, destination: join(into, `${i}.bin`), client, pool, chunkSize: CHUNK, concurrency: 1, tier: 'Expedited', wait: { pollInterval: 10 } });
        bytes += a.size;
      }
    }));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  client.destroy();
  s3.destroy();
  await pool.destroy();
  process.stdout.write(`${JSON.stringify({ bytes, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, systemSeconds: cpu.system / 1e6, peakRssBytes: peakRssBytes() })}\n`);
}

if (process.argv[1] === SELF) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--serve') await serveInChild(argv[1]!, CREDENTIALS);
  else if (argv[0] === '--run') await runOne(argv[1]!, argv[2]!, argv[3]!, argv[4]!, Number(argv[5]));
  else {
    const i = argv.indexOf('--size');
    const c = argv.indexOf('--concurrency');
    const p = argv.indexOf('--cpu-prof');
    await runMigrateBench({
      ...(i >= 0 ? { size: Number(argv[i + 1]) } : {}), ...(c >= 0 ? { concurrency: Number(argv[c + 1]) } : {}),
      ...(p >= 0 ? { cpuProfDir: argv[p + 1]!, outDir: null } : {}),
    });
  }
}
