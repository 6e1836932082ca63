/**
 * HashPool benchmark: hashFile of a 1 GiB file of random bytes with 16 MiB parts, threads
 * 1..availableParallelism, engines wasm and node, plus auto; and hashPart over a ring of
 * SharedArrayBuffer parts (the uploader's path). Prints a table, writes bench/results/pool.json.
 *
 * Each sample hashes a whole file (seconds, not microseconds), so this times best-of-N runs
 * directly instead of benchmark.js's many-cycles sampling. The file is read once before timing,
 * so every run reads it from the page cache and measures hashing, not the disk.
 *
 * It also reruns the engine calibration and both engines in a child process with OpenSSL's SHA
 * extension masked (OPENSSL_ia32cap), standing in for a CPU without SHA-NI, to show that 'auto'
 * picks the faster engine there too.
 *
 *   npm run bench:pool            (node dist/bench/pool.js [--quick])
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HashPool, type EngineCalibration, type HashEngine } from '../src/pool/index.js';

const MiB = 1024 * 1024;

export interface PoolBenchOptions {
  /** Smaller file (256 MiB), one round, no hashPart section: a quick look. */
  quick?: boolean;
  /** Bytes of the benchmark file (default 1 GiB, or 256 MiB with quick). */
  fileSize?: number;
  /** Directory of the benchmark file, made once and reused (default os.tmpdir()). */
  fileDir?: string;
  /** Part size (default 16 MiB). */
  partSize?: number;
  /** Thread counts to measure (default 1..availableParallelism). */
  threads?: number[];
  /** Timed runs per configuration, round-robin; the best counts (default 3, or 1 with quick). */
  rounds?: number;
  /** Also measure in a child process with SHA-NI masked from OpenSSL (default true). */
  simulateNoShaNi?: boolean;
  /** Where pool.json goes (default bench/results next to this package's bench/); null: do not write. */
  outDir?: string | null;
  signal?: AbortSignal;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Table lines. */
  print?: (line: string) => void;
}

export interface PoolBenchRow {
  /**
   * hashFile: the file read and hashed in the workers. hashPart: a ring of SharedArrayBuffer parts
   * with several per thread outstanding (batched, four SIMD lanes). hashPart-1: one part at a time,
   * so no batch forms: what the batching is worth.
   */
  section: 'hashFile' | 'hashPart' | 'hashPart-1';
  engine: HashEngine | 'auto';
  /** For 'auto': the engine it chose. */
  chosen: HashEngine;
  threads: number;
  seconds: number;
  /** MiB of part data hashed (linear + tree) per second, all threads. */
  mibPerSecond: number;
  perThread: number;
  /** Against the same engine with 1 thread. */
  speedup: number | null;
  /** CPU seconds the whole process used in the best run (all threads). */
  cpuSeconds: number;
  /**
   * cpuSeconds / (seconds x threads): how busy the hashing threads were. Well below 1 means the
   * run waited (for other processes on a shared machine, or for work), which the wall time shows.
   */
  utilization: number;
}

export interface NoShaNiResult {
  calibration: EngineCalibration;
  rows: { engine: HashEngine; threads: number; seconds: number; mibPerSecond: number }[];
  /** The engine that was really faster there (1 thread, 256 MiB file), and whether auto chose it. */
  faster: HashEngine;
  autoPickedFaster: boolean;
  /** Chosen engine's throughput over the faster one's (1 when it picked right). */
  autoRatio: number;
}

export interface PoolBenchResult {
  date: string;
  node: string;
  cpu: { model: string; logicalCpus: number; availableParallelism: number; shaNi: boolean };
  file: { path: string; size: number; partSize: number };
  rounds: number;
  calibration: EngineCalibration;
  rows: PoolBenchRow[];
  noShaNi: NoShaNiResult | null;
  targets: {
    /** Per engine: 2 threads over 1 thread (target >= 1.8). */
    scaling2x: Record<string, number | null>;
    /** wasm hashFile MiB/s per thread at 1 thread (target >= 300). */
    wasmPerThread: number | null;
    /** auto's throughput over the better engine's at the highest thread count (target >= 0.95). */
    autoVsBest: number | null;
    /** The same with the one-time calibration counted in auto's time. */
    autoVsBestWithCalibration: number | null;
  };
}

/** Whether the CPU advertises the SHA extensions (x86 'sha_ni' flag; arm64 'sha2'). */
export function cpuHasShaExtensions(): boolean {
  try {
    return /^(flags|Features)\s*:.*\b(sha_ni|sha2)\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

/** A file of random bytes in os.tmpdir(), made once and reused while it has the right size. */
function benchFile(dir: string, size: number, log: (l: string) => void): string {
  const path = join(dir, `glacier-multipart-bench-${size}.bin`);
  try {
    if (statSync(path).size === size) return path;
  } catch {
    /* make it */
  }
  log(`writing ${size / MiB} MiB of random bytes to ${path} (once)`);
  const fd = openSync(path, 'w');
  const chunk = new Uint8Array(16 * MiB);
  for (let done = 0; done < size; ) {
    const n = Math.min(chunk.length, size - done);
    randomFillSync(chunk, 0, n);
    writeSync(fd, chunk, 0, n);
    done += n;
  }
  closeSync(fd);
  return path;
}

/** Reads the whole file once so the timed runs find it in the page cache. */
function warmPageCache(path: string): void {
  const fd = openSync(path, 'r');
  const buf = new Uint8Array(16 * MiB);
  while (readSync(fd, buf, 0, buf.length, null) > 0);
  closeSync(fd);
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
}

/**
 * hashPart over a ring of SharedArrayBuffer part slots, as the uploader feeds it: a few parts per
 * thread outstanding, each slot reused as soon as its part is hashed.
 */
const rings = new WeakMap<HashPool, Uint8Array>();
async function hashPartRing(pool: HashPool, totalBytes: number, partSize: number, signal?: AbortSignal, inFlight = pool.threads * 4 + 2): Promise<void> {
  let ring = rings.get(pool);
  if (ring === undefined) {
    // Made once per pool, outside the timed runs.
    ring = randomFillSync(new Uint8Array(new SharedArrayBuffer(inFlight * partSize)));
    rings.set(pool, ring);
  }
  const parts = Math.ceil(totalBytes / partSize);
  let next = 0;
  const slot = async (s: number) => {
    const view = ring.subarray(s * partSize, (s + 1) * partSize);
    while (next < parts) {
      next++;
      await pool.hashPart(view, { signal });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, (_, s) => slot(s)));
}

export async function runPoolBench(opts: PoolBenchOptions = {}): Promise<PoolBenchResult> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const print = opts.print ?? ((l: string) => console.log(l));
  const quick = opts.quick ?? false;
  const fileSize = opts.fileSize ?? (quick ? 256 * MiB : 1024 * MiB);
  const partSize = opts.partSize ?? 16 * MiB;
  const maxThreads = availableParallelism();
  const threadCounts = opts.threads ?? Array.from({ length: maxThreads }, (_, i) => i + 1);
  const rounds = opts.rounds ?? (quick ? 1 : 3);
  const signal = opts.signal;
  const top = Math.max(...threadCounts);
  const shaNi = cpuHasShaExtensions();

  const path = benchFile(opts.fileDir ?? tmpdir(), fileSize, log);
  log(`reading ${path} once into the page cache`);
  warmPageCache(path);

  // Every configuration gets its own pool (idle threads sleep in Atomics.wait and cost nothing),
  // and the timed rounds go round-robin over them, so load from other processes hits all alike.
  const mibOf = (bytes: number, s: number) => bytes / MiB / s;
  interface Config {
    section: PoolBenchRow['section'];
    engine: HashEngine | 'auto';
    threads: number;
    pool: HashPool;
    bytes: number;
    best: number;
    bestCpu: number;
    run(): Promise<unknown>;
  }
  const configs: Config[] = [];
  const add = (section: Config['section'], engine: HashEngine | 'auto', threads: number, bytes: number, run: (pool: HashPool) => Promise<unknown>) => {
    const pool = new HashPool({ threads, engine });
    configs.push({ section, engine, threads, pool, bytes, best: Infinity, bestCpu: 0, run: () => run(pool) });
  };
  const ringBytes = Math.min(fileSize, 512 * MiB);
  for (const engine of ['wasm', 'node'] as const) {
    for (const threads of threadCounts) add('hashFile', engine, threads, fileSize, (p) => p.hashFile(path, { partSize, signal }));
  }
  if (!quick) {
    for (const engine of ['wasm', 'node'] as const) {
      for (const threads of [...new Set([1, top])]) add('hashPart', engine, threads, ringBytes, (p) => hashPartRing(p, ringBytes, partSize, signal));
      add('hashPart-1', engine, 1, ringBytes / 2, (p) => hashPartRing(p, ringBytes / 2, partSize, signal, 1));
    }
  }

  let calibration: EngineCalibration;
  let autoFirstRun: number;
  const autoPool = new HashPool({ threads: top, engine: 'auto' });
  try {
    // 'auto' first, in a fresh pool, so its one-time calibration is timed here too.
    log(`auto: calibrating, then hashing with ${top} threads`);
    let t0 = performance.now();
    await autoPool.hashFile(path, { partSize, signal });
    autoFirstRun = (performance.now() - t0) / 1000;
    calibration = autoPool.calibration!;
    configs.push({ section: 'hashFile', engine: 'auto', threads: top, pool: autoPool, bytes: fileSize, best: Infinity, bestCpu: 0, run: () => autoPool.hashFile(path, { partSize, signal }) });

    for (const c of configs) {
      if (c.engine === 'auto') continue;
      checkAbort(signal);
      log(`warm-up: ${c.section} ${c.engine} ${c.threads} thread${c.threads > 1 ? 's' : ''}`);
      // Threads started, WebAssembly tiered up to optimised code.
      await (c.section === 'hashFile' ? c.pool.hashFile(path, { partSize, signal }) : hashPartRing(c.pool, 8 * partSize, partSize, signal, c.section === 'hashPart-1' ? 1 : undefined));
    }
    for (let r = 0; r < rounds; r++) {
      for (const c of configs) {
        checkAbort(signal);
        log(`round ${r + 1}/${rounds}: ${c.section} ${c.engine} ${c.threads} thread${c.threads > 1 ? 's' : ''}`);
        t0 = performance.now();
        const cpu0 = process.cpuUsage();
        await c.run();
        const seconds = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        if (seconds < c.best) {
          c.best = seconds;
          c.bestCpu = (cpu.user + cpu.system) / 1e6;
        }
      }
    }
  } finally {
    await Promise.all([autoPool, ...configs.map((c) => c.pool)].map((p) => p.destroy()));
  }
  const rows: PoolBenchRow[] = configs.map((c) => {
    const m = mibOf(c.bytes, c.best);
    const chosen = c.engine === 'auto' ? calibration.chosen : c.engine;
    return {
      section: c.section, engine: c.engine, chosen, threads: c.threads, seconds: c.best, mibPerSecond: m, perThread: m / c.threads, speedup: null,
      cpuSeconds: c.bestCpu, utilization: c.bestCpu / (c.best * c.threads),
    };
  });
  for (const r of rows) {
    const one = rows.find((o) => o.section === r.section && o.engine === r.engine && o.threads === 1);
    r.speedup = one && r.engine !== 'auto' ? r.mibPerSecond / one.mibPerSecond : null;
  }

  let noShaNi: NoShaNiResult | null = null;
  if (opts.simulateNoShaNi ?? true) {
    checkAbort(signal);
    log('child process with SHA-NI masked from OpenSSL (OPENSSL_ia32cap): calibration + both engines');
    noShaNi = runNoShaNiChild(path, partSize, top, rounds);
  }

  const fileRow = (engine: string, threads: number) => rows.find((r) => r.section === 'hashFile' && r.engine === engine && r.threads === threads);
  const scaling2x: Record<string, number | null> = {};
  for (const engine of ['wasm', 'node']) {
    const one = fileRow(engine, 1);
    const two = fileRow(engine, 2);
    scaling2x[engine] = one && two ? two.mibPerSecond / one.mibPerSecond : null;
  }
  const bestTop = Math.max(fileRow('wasm', top)?.mibPerSecond ?? 0, fileRow('node', top)?.mibPerSecond ?? 0);
  const autoRow = fileRow('auto', top)!;
  const result: PoolBenchResult = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: { model: cpus()[0]?.model ?? 'unknown', logicalCpus: cpus().length, availableParallelism: maxThreads, shaNi },
    file: { path, size: fileSize, partSize },
    rounds,
    calibration,
    rows,
    noShaNi,
    targets: {
      scaling2x,
      wasmPerThread: fileRow('wasm', 1)?.perThread ?? null,
      autoVsBest: bestTop > 0 ? autoRow.mibPerSecond / bestTop : null,
      autoVsBestWithCalibration: bestTop > 0 ? mibOf(fileSize, autoFirstRun) / bestTop : null,
    },
  };

  printTable(result, print);
  if (opts.outDir !== null) {
    const dir = opts.outDir ?? fileURLToPath(new URL('../../bench/results/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const out = join(dir, 'pool.json');
    writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
    log(`wrote ${out}`);
  }
  return result;
}

function printTable(r: PoolBenchResult, print: (l: string) => void): void {
  const f = (n: number | null | undefined, d = 1) => (n === null || n === undefined ? '-' : n.toFixed(d));
  print(`HashPool on ${r.cpu.model} (${r.cpu.availableParallelism} threads available, SHA-NI: ${r.cpu.shaNi ? 'yes' : 'no'}), Node ${r.node}`);
  print(`file ${r.file.size / MiB} MiB, parts ${r.file.partSize / MiB} MiB, best of ${r.rounds}; MiB/s = part data hashed (linear + tree)`);
  print('');
  print('| section    | engine    | threads |  seconds |   MiB/s | MiB/s per thread | vs 1 thread | CPU use |');
  print('|------------|-----------|--------:|---------:|--------:|-----------------:|------------:|--------:|');
  for (const row of r.rows) {
    const engine = row.engine === 'auto' ? `auto→${row.chosen}` : row.engine;
    print(
      `| ${row.section.padEnd(10)} | ${engine.padEnd(9)} | ${String(row.threads).padStart(7)} | ${f(row.seconds, 3).padStart(8)} | ${f(row.mibPerSecond).padStart(7)} | ${f(row.perThread).padStart(16)} | ${(row.speedup === null ? '-' : f(row.speedup, 2) + 'x').padStart(11)} | ${(f(row.utilization * 100, 0) + '%').padStart(7)} |`,
    );
  }
  const c = r.calibration;
  print('');
  print(`auto calibration: node ${f(c.node)} MiB/s, wasm ${f(c.wasm)} MiB/s per thread -> ${c.chosen} (measuring ${f(c.measureMs, 0)} ms; ${f(c.ms, 0)} ms from pool creation incl. thread start-up; once per process)`);
  const t = r.targets;
  print(`targets: 2 threads / 1 thread >= 1.8x: wasm ${f(t.scaling2x.wasm, 2)}x, node ${f(t.scaling2x.node, 2)}x; wasm per thread >= 300 MiB/s: ${f(t.wasmPerThread)}; auto within 5% of the better engine: ${f(t.autoVsBest === null ? null : t.autoVsBest * 100)}% (${f(t.autoVsBestWithCalibration === null ? null : t.autoVsBestWithCalibration * 100)}% counting its one-time calibration)`);
  if (r.noShaNi) {
    const n = r.noShaNi;
    print(
      `without SHA-NI (OpenSSL's SHA extension masked): calibration node ${f(n.calibration.node)} / wasm ${f(n.calibration.wasm)} MiB/s -> ${n.calibration.chosen}; ` +
        n.rows.map((x) => `hashFile ${x.engine} ${x.threads}t ${f(x.mibPerSecond)} MiB/s`).join(', ') +
        `; faster: ${n.faster}; auto ${n.autoPickedFaster ? 'picked it' : `picked ${n.calibration.chosen} (${f(n.autoRatio * 100)}% of the faster)`}`,
    );
  }
}

/** CPUID(7).EBX bit 29 is SHA; OPENSSL_ia32cap's second word masks CPUID(7) EBX:ECX. */
const MASK_SHA_NI = ':~0x20000000';

function runNoShaNiChild(path: string, partSize: number, threads: number, rounds: number): NoShaNiResult | null {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--no-sha-ni-child', path, String(partSize), String(threads), String(rounds)], {
    env: { ...process.env, OPENSSL_ia32cap: MASK_SHA_NI },
    encoding: 'utf8',
    maxBuffer: 16 * MiB,
  });
  if (child.status !== 0) {
    console.error(`no-SHA-NI child failed (${child.status}): ${child.stderr}`);
    return null;
  }
  return JSON.parse(child.stdout) as NoShaNiResult;
}

/**
 * The child's work: calibrate as a fresh 'auto' pool would, then time both engines at 1 and
 * `threads` threads, round-robin, on a 256 MiB file (four times smaller than the main file: this
 * only has to tell the engines apart). The verdict uses 1 thread, the figure least disturbed by
 * other load, which is also what the calibration compares.
 */
async function noShaNiChild(mainFile: string, partSize: number, threads: number, rounds: number): Promise<void> {
  const size = 256 * MiB;
  const path = benchFile(dirname(mainFile), size, () => {});
  warmPageCache(path);
  const auto = new HashPool({ threads, engine: 'auto' });
  const chosen = await auto.ready();
  const calibration = auto.calibration!;
  await auto.destroy();
  const configs: { engine: HashEngine; threads: number; pool: HashPool; best: number }[] = [];
  for (const engine of ['wasm', 'node'] as const) {
    for (const t of [...new Set([1, threads])]) configs.push({ engine, threads: t, pool: new HashPool({ threads: t, engine }), best: Infinity });
  }
  try {
    for (const c of configs) await c.pool.hashFile(path, { partSize }); // warm-up
    for (let r = 0; r < rounds; r++) {
      for (const c of configs) {
        const t0 = performance.now();
        await c.pool.hashFile(path, { partSize });
        c.best = Math.min(c.best, (performance.now() - t0) / 1000);
      }
    }
  } finally {
    await Promise.all(configs.map((c) => c.pool.destroy()));
  }
  const rows = configs.map((c) => ({ engine: c.engine, threads: c.threads, seconds: c.best, mibPerSecond: size / MiB / c.best }));
  const speed = (e: HashEngine) => rows.find((r) => r.engine === e && r.threads === 1)!.mibPerSecond;
  const faster: HashEngine = speed('wasm') >= speed('node') ? 'wasm' : 'node';
  const out: NoShaNiResult = { calibration, rows, faster, autoPickedFaster: chosen === faster, autoRatio: speed(chosen) / speed(faster) };
  process.stdout.write(JSON.stringify(out));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  if (args[0] === '--no-sha-ni-child') {
    await noShaNiChild(args[1]!, Number(args[2]), Number(args[3]), Number(args[4]));
  } else {
    await runPoolBench({ quick: args.includes('--quick') });
  }
}
