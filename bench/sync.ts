/**
 * Sync benchmark: a library import of many files to the local Glacier server (its own process,
 * data in /dev/shm when there is one).
 *
 *   - files: 2,000 files of 64 KiB - 1 MiB (random sizes, fixed seed) plus four files of 64 MiB
 *   - 'sync': syncDirectory (small files in one UploadArchive request each, 8 at once, one HashPool;
 *     the 64 MiB files as multipart uploads alongside)
 *   - 'sequential': what a library user writes first: `for (const f of files) await uploadArchive({
 *     vaultName, source: f, client })` (one shared client; each call makes its own pool and multipart upload)
 *   - 'sequential-pool' (a reference, not a target): the same loop passing one shared HashPool, so
 *     the figure shows what is left once no call starts worker threads: three requests per file, one file at a time
 *   - 'requests' (a reference, not a target): the small files read and hashed before the clock
 *     starts, then one SDK UploadArchive each, 16 in flight: what the requests alone cost the client
 *
 * Each run happens in a fresh child process whose peak RSS (VmHWM) and CPU are its own. Small-file rate:
 * sync on the small files alone vs the sequential loop's time on them; whole run: everything.
 * Issue 18.3's figure: sync's client CPU per small file beyond the floor, node:crypto hashing the
 * same files once (a file of one leaf has a SHA-256 equal to its tree hash), measured in this run.
 *
 *   npm run bench:sync     (node dist/bench/sync.js [--quick] [--files N] [--large N] [--variants sync,sequential,sequential-pool])
 *
 * Prints a table and writes bench/results/sync.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateVaultCommand, DeleteArchiveCommand, GlacierClient, UploadArchiveCommand } from '@aws-sdk/client-glacier';
import { createGlacierClient, defaultHashThreads, uploadArchive } from '../src/glacier/index.js';
import { registerChecksums } from '../src/glacier/checksums.js';
import { HashPool } from '../src/pool/index.js';
import { syncDirectory } from '../src/catalog/index.js';
import { childEnv, peakRssBytes, readLine, serveInChild, stopChild } from './child-process.js';
import { floorCpuSeconds } from './floor.js';

const MiB = 1024 * 1024;
const KiB = 1024;
const SELF = fileURLToPath(import.meta.url);
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const VAULT = 'bench-sync';

export interface SyncBenchOptions {
  quick?: boolean;
  /** Small files (default 2,000; 300 with quick). */
  files?: number;
  /** 64 MiB files (default 4; 1 with quick). */
  large?: number;
  /** Default all of ['sync', 'sequential', 'sequential-pool', 'requests']; sync.json is written only when all ran. */
  variants?: SyncVariant[];
  outDir?: string | null;
  signal?: AbortSignal;
  log?: (line: string) => void;
  print?: (line: string) => void;
}

export type SyncVariant = 'sync' | 'sequential' | 'sequential-pool' | 'requests';
const ALL_VARIANTS: readonly SyncVariant[] = ['sync', 'sequential', 'sequential-pool', 'requests'];
/** In flight for the requests reference. */
const REFERENCE_CONCURRENCY = 16;

export interface SyncBenchRow {
  variant: SyncVariant;
  scope: 'small files' | 'whole run';
  files: number;
  bytes: number;
  seconds: number;
  filesPerSecond: number;
  mibPerSecond: number;
  peakRssMiB: number;
  requests: number | null;
  /** Client CPU seconds of the child's run (every thread). */
  cpuSeconds: number;
}

export interface SyncBenchResult {
  date: string;
  node: string;
  smallFiles: number;
  largeFiles: number;
  rows: SyncBenchRow[];
  rssBoundMiB: number;
  /** CPU seconds of node:crypto hashing every small file once: the floor. */
  smallFloorCpuSeconds: number;
  /** sync's client CPU per small file beyond that floor, in ms (null without the sync run). */
  syncCpuMsPerFileBeyondFloor: number | null;
  /** The requests reference's client CPU per small file, in ms (null without it). */
  requestsCpuMsPerFile: number | null;
  targets: {
    smallFilesSpeedup: number | null; wholeRunSpeedup: number | null; smallOk: boolean | null; wholeOk: boolean | null; rssOk: boolean | null;
    /** At most 1.5 ms of client CPU per small file beyond hashing. */
    cpuPerFileOk: boolean | null;
  };
}

/** A small deterministic PRNG for the file sizes. */
function sizes(count: number): number[] {
  let a = 12345;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => 64 * KiB + Math.floor(next() * (MiB - 64 * KiB)));
}

function writeFiles(root: string, smallCount: number, largeCount: number): { small: number; large: number; smallFloor: number } {
  const chunk = Buffer.alloc(8 * MiB);
  let small = 0;
  let large = 0;
  let smallFloor = 0;
  sizes(smallCount).forEach((size, i) => {
    const dir = join(root, 'small', `d${i % 40}`);
    mkdirSync(dir, { recursive: true });
    randomFillSync(chunk, 0, size);
    const data = chunk.subarray(0, size);
    smallFloor += floorCpuSeconds(data, size <= MiB ? 'tree' : 'tree+sha256');
    writeFileSync(join(dir, `f${i}.bin`), data);
    small += size;
  });
  mkdirSync(join(root, 'large'), { recursive: true });
  for (let i = 0; i < largeCount; i++) {
    const parts: Buffer[] = [];
    for (let done = 0; done < 64 * MiB; done += chunk.length) parts.push(Buffer.from(randomFillSync(chunk)));
    writeFileSync(join(root, 'large', `video${i}.bin`), Buffer.concat(parts));
    large += 64 * MiB;
  }
  return { small, large, smallFloor };
}

interface ChildResult {
  archives: string[];
  /** Seconds for the small files and for everything (sequential: both from one pass). */
  smallSeconds: number;
  totalSeconds: number;
  peakRssBytes: number;
  cpuSeconds: number;
}

export async function runSyncBench(opts: SyncBenchOptions = {}): Promise<SyncBenchResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  // The SDK warns about Node 20 when the first client is built (the admin client below).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const smallCount = opts.files ?? (opts.quick ? 300 : 2000);
  const largeCount = opts.large ?? (opts.quick ? 1 : 4);
  const dir = mkdtempSync(join(tmpdir(), 'glacier-bench-sync-'));
  const serverParent = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const serverDir = mkdtempSync(join(serverParent, 'glacier-bench-sync-server-'));
  let server: ChildProcess | undefined;
  try {
    log(`writing ${smallCount} files of 64 KiB - 1 MiB and ${largeCount} of 64 MiB under ${dir}`);
    const bytes = writeFiles(join(dir, 'tree'), smallCount, largeCount);
    server = spawn(process.execPath, [SELF, '--serve', serverDir], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    const endpoint = JSON.parse(await readLine(server)).endpoint as string;
    const admin = new GlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    await admin.send(new CreateVaultCommand({ accountId: '-', vaultName: VAULT }));
    const run = async (variant: string, scope: string): Promise<ChildResult> => {
      if (opts.signal?.aborted) throw opts.signal.reason;
      log(`${variant} (${scope})`);
      const child = spawn(process.execPath, [SELF, '--run', variant, scope, endpoint, join(dir, 'tree'), join(dir, `${variant}-${scope}.catalog`)], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
      const r = JSON.parse(await readLine(child)) as ChildResult;
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
      log(`  ${r.totalSeconds.toFixed(1)} s (small files ${r.smallSeconds.toFixed(1)} s), peak RSS ${(r.peakRssBytes / MiB).toFixed(0)} MiB`);
      // Keep the server's memory to one run's archives.
      for (let i = 0; i < r.archives.length; i += 16) {
        await Promise.all(r.archives.slice(i, i + 16).map((archiveId) => admin.send(new DeleteArchiveCommand({ accountId: '-', vaultName: VAULT, archiveId }))));
      }
      return r;
    };
    const variants = opts.variants ?? [...ALL_VARIANTS];
    const syncSmall = variants.includes('sync') ? await run('sync', 'small') : undefined;
    const syncAll = variants.includes('sync') ? await run('sync', 'all') : undefined;
    const sequential = variants.includes('sequential') ? await run('sequential', 'all') : undefined;
    const withPool = variants.includes('sequential-pool') ? await run('sequential-pool', 'all') : undefined;
    const requests = variants.includes('requests') ? await run('requests', 'small') : undefined;
    admin.destroy();

    const all = smallCount + largeCount;
    const rows: SyncBenchRow[] = [];
    const add = (variant: SyncVariant, scope: SyncBenchRow['scope'], r: ChildResult | undefined, requests: number | null) => {
      if (!r) return;
      const [files, b, seconds] = scope === 'small files' ? [smallCount, bytes.small, r.smallSeconds] : [all, bytes.small + bytes.large, r.totalSeconds];
      rows.push({ variant, scope, files, bytes: b, seconds, filesPerSecond: files / seconds, mibPerSecond: b / MiB / seconds, peakRssMiB: r.peakRssBytes / MiB, requests, cpuSeconds: r.cpuSeconds });
    };
    add('sync', 'small files', syncSmall, smallCount);
    add('sequential', 'small files', sequential, 3 * smallCount);
    add('sequential-pool', 'small files', withPool, 3 * smallCount);
    add('requests', 'small files', requests, smallCount);
    add('sync', 'whole run', syncAll, null);
    add('sequential', 'whole run', sequential, null);
    add('sequential-pool', 'whole run', withPool, null);
    // As for uploads: what is in flight plus 200 MiB: up to 64 small files of up to 1 MiB (sync's
    // probe doubles from 8 to at most 64 on a fast link), and a 64 MiB file's 4 parts of 8 MiB in
    // flight plus 2 read ahead.
    const rssBoundMiB = 64 * 1 + 6 * 8 + 200;
    const smallFilesSpeedup = sequential && syncSmall ? sequential.smallSeconds / syncSmall.smallSeconds : null;
    const wholeRunSpeedup = sequential && syncAll ? sequential.totalSeconds / syncAll.totalSeconds : null;
    const beyondMs = syncSmall ? ((syncSmall.cpuSeconds - bytes.smallFloor) / smallCount) * 1000 : null;
    const requestsMs = requests ? (requests.cpuSeconds / smallCount) * 1000 : null;
    const result: SyncBenchResult = {
      date: new Date().toISOString(), node: process.version, smallFiles: smallCount, largeFiles: largeCount, rows, rssBoundMiB,
      smallFloorCpuSeconds: bytes.smallFloor, syncCpuMsPerFileBeyondFloor: beyondMs, requestsCpuMsPerFile: requestsMs,
      targets: {
        cpuPerFileOk: beyondMs === null ? null : beyondMs <= 1.5,
        smallFilesSpeedup, wholeRunSpeedup, smallOk: smallFilesSpeedup === null ? null : smallFilesSpeedup >= 5,
        wholeOk: wholeRunSpeedup === null ? null : wholeRunSpeedup >= 3,
        rssOk: syncSmall && syncAll ? [syncSmall, syncAll].every((r) => r.peakRssBytes / MiB <= rssBoundMiB) : null,
      },
    };
    print(`sync of ${smallCount} files of 64 KiB - 1 MiB (${(bytes.small / MiB).toFixed(0)} MiB) + ${largeCount} x 64 MiB, loopback local server (own process, data in ${serverParent})`);
    print('variant     scope        files   seconds   files/s    MiB/s   peak RSS   client CPU s');
    for (const r of rows) {
      print(`${r.variant.padEnd(11)} ${r.scope.padEnd(12)} ${String(r.files).padStart(5)} ${r.seconds.toFixed(1).padStart(9)} ${r.filesPerSecond.toFixed(1).padStart(9)} ${r.mibPerSecond.toFixed(1).padStart(8)}   ${`${r.peakRssMiB.toFixed(0)} MiB`.padEnd(9)}  ${r.cpuSeconds.toFixed(2)}`);
    }
    if (syncSmall) {
      print(`floor (node:crypto hashing each small file once): ${bytes.smallFloor.toFixed(2)} CPU s; sync's client CPU on the small files ${syncSmall.cpuSeconds.toFixed(2)} s: ` +
        `${((syncSmall.cpuSeconds / smallCount) * 1000).toFixed(2)} ms per file, ${beyondMs!.toFixed(2)} ms beyond hashing`);
    }
    if (requestsMs !== null) {
      print(`requests alone (SDK UploadArchive of the same files, read and hashed beforehand, ${REFERENCE_CONCURRENCY} in flight): ${requestsMs.toFixed(2)} ms of client CPU per file` +
        (beyondMs !== null ? `; sync's ${beyondMs.toFixed(2)} ms beyond hashing is ${(beyondMs / requestsMs).toFixed(2)}x it` : ''));
    }
    const yes = (ok: boolean | null) => (ok === null ? 'n/a' : ok ? 'yes' : 'NO');
    print(`targets: small files >= 5x files/s: ${yes(result.targets.smallOk)} (${smallFilesSpeedup?.toFixed(1) ?? '-'}x); whole run >= 3x faster: ${yes(result.targets.wholeOk)} (${wholeRunSpeedup?.toFixed(1) ?? '-'}x); ` +
      `sync peak RSS <= ${rssBoundMiB} MiB: ${yes(result.targets.rssOk)}; <= 1.5 ms client CPU per small file beyond hashing: ${yes(result.targets.cpuPerFileOk)}`);
    if (opts.outDir !== null && ALL_VARIANTS.every((v) => variants.includes(v))) {
      const outDir = opts.outDir ?? fileURLToPath(new URL('../../bench/results/', import.meta.url));
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'sync.json'), `${JSON.stringify(result, null, 2)}\n`);
      log(`wrote ${join(outDir, 'sync.json')}`);
    }
    return result;
  } finally {
    await stopChild(server);
    rmSync(dir, { recursive: true, force: true });
    rmSync(serverDir, { recursive: true, force: true });
  }
}

/** The requests reference: one UploadArchive per body, REFERENCE_CONCURRENCY in flight, timed and its CPU counted. */
async function requestsOnly(client: GlacierClient, bodies: { body: Buffer; hex: string }[]): Promise<{ archives: string[]; seconds: number; cpuSeconds: number }> {
  const archives: string[] = [];
  let next = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: REFERENCE_CONCURRENCY }, async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      const { body, hex } = bodies[i]!;
      const out = await client.send(new UploadArchiveCommand({ accountId: '-', vaultName: VAULT, body, checksum: hex }));
      archives.push(out.archiveId!);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { archives, seconds, cpuSeconds: (c.user + c.system) / 1e6 };
}

/** Child: one measured run. */
async function runOne(variant: string, scope: string, endpoint: string, root: string, catalog: string): Promise<void> {
  const client = createGlacierClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  const archives: string[] = [];
  let smallSeconds = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  if (variant === 'requests') {
    // Read and hash first (not measured): the clock counts only the SDK's requests.
    const files = readdirSync(join(root, 'small'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => {
      const body = readFileSync(join(e.parentPath, e.name));
      // Small files are one leaf: the tree hash is the SHA-256.
      const hex = createHash('sha256').update(body).digest('hex');
      registerChecksums(body, hex, hex);
      return { body, hex };
    });
    const r = await requestsOnly(client, files);
    archives.push(...r.archives);
    smallSeconds = r.seconds;
    process.stdout.write(`${JSON.stringify({ archives, smallSeconds, totalSeconds: smallSeconds, peakRssBytes: peakRssBytes(), cpuSeconds: r.cpuSeconds })}\n`);
    client.destroy();
    return;
  } else if (variant === 'sync') {
    const r = await syncDirectory({ dir: root, vaultName: VAULT, catalog, client, ...(scope === 'small' ? { include: ['small/**'] } : {}) });
    for (const f of r.uploaded) archives.push(f.archiveId);
    smallSeconds = (performance.now() - t0) / 1000;
  } else {
    const pool = variant === 'sequential-pool' ? new HashPool({ threads: defaultHashThreads() }) : undefined;
    const list = (sub: string) => readdirSync(join(root, sub), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
    for (const source of list('small')) archives.push((await uploadArchive({ vaultName: VAULT, source, client, pool })).archiveId);
    smallSeconds = (performance.now() - t0) / 1000;
    if (scope === 'all') for (const source of list('large')) archives.push((await uploadArchive({ vaultName: VAULT, source, client, pool })).archiveId);
    await pool?.destroy();
  }
  const totalSeconds = (performance.now() - t0) / 1000;
  // Every thread of the process, the pool's workers too.
  const cpu = process.cpuUsage(c0);
  client.destroy();
  process.stdout.write(`${JSON.stringify({ archives, smallSeconds, totalSeconds, peakRssBytes: peakRssBytes(), cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`);
}

if (process.argv[1] === SELF) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--serve') await serveInChild(argv[1]!, CREDENTIALS);
  else if (argv[0] === '--run') await runOne(argv[1]!, argv[2]!, argv[3]!, argv[4]!, argv[5]!);
  else {
    const value = (flag: string) => {
      const i = argv.indexOf(flag);
      return i >= 0 ? Number(argv[i + 1]) : undefined;
    };
    const at = argv.indexOf('--variants');
    await runSyncBench({
      quick: argv.includes('--quick'), files: value('--files'), large: value('--large'),
      ...(at >= 0 ? { variants: argv[at + 1]!.split(',') as SyncVariant[] } : {}),
    });
  }
}
