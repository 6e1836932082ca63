// Hash engine benchmark (`npm run bench:hash`, and the `hash` suite of `glacier-multipart bench`):
// linear SHA-256 and Glacier tree-hash throughput of our WebAssembly cores (SIMD and scalar)
// against hash-wasm, @chainsafe/as-sha256, @noble/hashes, @aws-crypto/sha256-js, the AWS SDK's own
// TreeHash and node:crypto, with benchmark.js on one buffer (64 MiB by default). Prints a table with
// each engine's ratio to hash-wasm and writes bench/results/hash.json.
//
// Machines are shared and noisy: compare ratios from one run, not absolute figures across runs.
//
// The other engines are dev dependencies, loaded on demand: an installed package measures ours and
// node:crypto, and names the engines it skipped (result.skipped, and a line in the log).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Benchmark from 'benchmark';
import { importOptional } from './optional-import.js';
import { getCore, simdSupported, type WasmHashCore } from '../src/hash/core.js';
import { TreeHasher } from '../src/hash/index.js';

const MiB = 1024 * 1024;

export interface HashBenchOptions {
  /** Buffer size in MiB (default 64; with quick 16). */
  sizeMiB?: number;
  /** Fewer samples and a 16 MiB buffer: a quick look, noisier. */
  quick?: boolean;
  /**
   * Rounds over all engines (default 3; quick 1). Each figure is the best round's: on a shared
   * machine a burst of other work then spoils one round of one engine, not the comparison.
   */
  rounds?: number;
  /** Only engines whose name contains one of these strings (default: all). */
  engines?: string[];
  /** Directory for hash.json (default bench/results of this package); null: do not write. */
  outDir?: string | null;
  signal?: AbortSignal;
  /** Progress lines (default stderr). */
  log?: (line: string) => void;
  /** The result table (default stdout). */
  print?: (line: string) => void;
}

export type HashBenchKind = 'linear' | 'tree' | 'tree (TreeHasher, 64 KiB updates)' | 'parts 4 x 16 MiB (linear + tree)';

export interface HashBenchRow {
  engine: string;
  kind: HashBenchKind;
  mibPerSecond: number;
  /** Relative margin of error of the best round's mean, percent (benchmark.js). */
  rme: number;
  /** Samples over all rounds. */
  samples: number;
  /** Against hash-wasm's figure of the same kind (null where hash-wasm has no such figure). */
  ratio: number | null;
  /** MiB per CPU second of this process (best round); robust to other work on the machine. */
  cpuMibPerSecond: number;
  cpuRatio: number | null;
  notes: string;
}

export interface HashBenchResult {
  date: string;
  node: string;
  cpu: string;
  simdSupported: boolean;
  sizeMiB: number;
  /** Each row is the best of this many rounds. */
  rounds: number;
  rows: HashBenchRow[];
  targets: {
    /** Our SIMD tree hash over hash-wasm's tree hash (target >= 3.0). */
    simdTreeVsHashWasm: number | null;
    /** Our scalar linear SHA-256 over hash-wasm's (target >= 1.0). */
    scalarLinearVsHashWasm: number | null;
    /** TreeHasher fed 64 KiB chunks over one-shot treeHash, default core (target >= 0.9). */
    treeHasherVsOneShot: number | null;
  };
  /** The same ratios from CPU time (cpuMibPerSecond). */
  cpuTargets: HashBenchResult['targets'];
  /** Engines not measured because their package is not installed (an installed glacier-multipart lacks the dev dependencies). */
  skipped: string[];
}

type Digest = Uint8Array | string;
type Sha = (data: Uint8Array) => Digest | Promise<Digest>;

interface Engine {
  name: string;
  /** Pure-JavaScript engines: fewer samples so the whole run takes minutes, not tens. */
  slow?: boolean;
  notes?: string;
  sha256?: Sha;
  /** The engine's own tree hash; without one, the shared harness builds it from sha256. */
  treeHash?: (data: Uint8Array) => Digest | Promise<Digest>;
}

const toHex = (d: Digest) => (typeof d === 'string' ? d : Buffer.from(d.buffer, d.byteOffset, d.length).toString('hex'));
const isPromise = <T>(v: T | Promise<T>): v is Promise<T> => typeof (v as Promise<T>)?.then === 'function';

/**
 * The Glacier tree hash from any engine's SHA-256: 1 MiB leaves, then pairwise combine of the
 * 32-byte digests, an odd one carried up. Written once for every engine without its own tree hash;
 * stays synchronous for synchronous engines so their figures carry no promise overhead.
 */
function treeFromSha(sha: Sha): (data: Uint8Array) => Digest | Promise<Digest> {
  const bytes = (d: Digest) => (typeof d === 'string' ? Uint8Array.from(Buffer.from(d, 'hex')) : d);
  const pair = new Uint8Array(64);
  const combineSync = (level: Uint8Array[]): Uint8Array => {
    while (level.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) {
        pair.set(level[i]!, 0);
        pair.set(level[i + 1]!, 32);
        next.push(bytes(sha(pair) as Digest).slice());
      }
      if (level.length % 2 === 1) next.push(level[level.length - 1]!);
      level = next;
    }
    return level[0]!;
  };
  const combineAsync = async (level: Uint8Array[]): Promise<Uint8Array> => {
    while (level.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) {
        pair.set(level[i]!, 0);
        pair.set(level[i + 1]!, 32);
        next.push(bytes(await sha(pair)).slice());
      }
      if (level.length % 2 === 1) next.push(level[level.length - 1]!);
      level = next;
    }
    return level[0]!;
  };
  return (data) => {
    const n = Math.max(1, Math.ceil(data.length / MiB));
    const first = sha(data.subarray(0, MiB));
    if (isPromise(first)) {
      return (async () => {
        const leaves = [bytes(await first).slice()];
        for (let i = 1; i < n; i++) leaves.push(bytes(await sha(data.subarray(i * MiB, (i + 1) * MiB))).slice());
        return combineAsync(leaves);
      })();
    }
    const leaves = [bytes(first).slice()];
    for (let i = 1; i < n; i++) leaves.push(bytes(sha(data.subarray(i * MiB, (i + 1) * MiB)) as Digest).slice());
    return combineSync(leaves);
  };
}

/** Our cores and node:crypto, always there. */
function ownEngines(): Engine[] {
  const ours = (core: WasmHashCore, notes: string): Engine => ({
    name: `glacier-multipart ${core.kind}`,
    notes,
    sha256: (d) => core.sha256(d),
    treeHash: (d) => core.treeHash(d),
  });
  const engines: Engine[] = [];
  if (simdSupported) engines.push(ours(getCore('simd'), 'WASM SIMD, 4 leaves per pass'));
  engines.push(ours(getCore('scalar'), 'WASM, no SIMD'));
  return engines;
}

/** The engines compared against ours, each from its package (dev dependencies). */
const PEERS: { name: string; load(): Promise<Engine | null> }[] = [
  {
    name: 'hash-wasm',
    async load() {
      const m = await importOptional<typeof import('hash-wasm')>('hash-wasm');
      if (m === null) return null;
      const hw = await m.createSHA256();
      return {
        name: 'hash-wasm',
        notes: 'WASM (C); the baseline',
        sha256: (d) => {
          hw.init();
          hw.update(d);
          return hw.digest('binary');
        },
      };
    },
  },
  {
    name: '@chainsafe/as-sha256',
    async load() {
      const chainsafe = await importOptional<typeof import('@chainsafe/as-sha256')>('@chainsafe/as-sha256');
      if (chainsafe === null) return null;
      return {
        name: '@chainsafe/as-sha256',
        notes: chainsafe.simdEnabled ? 'WASM; SIMD only for 64-byte batches' : 'WASM',
        sha256: (d) => chainsafe.digest(d),
      };
    },
  },
  {
    name: '@noble/hashes',
    async load() {
      const m = await importOptional<typeof import('@noble/hashes/sha2.js')>('@noble/hashes/sha2.js');
      return m === null ? null : { name: '@noble/hashes', slow: true, notes: 'pure JS', sha256: (d) => m.sha256(d) };
    },
  },
  {
    name: '@aws-crypto/sha256-js',
    async load() {
      const m = await importOptional<typeof import('@aws-crypto/sha256-js')>('@aws-crypto/sha256-js');
      if (m === null) return null;
      return {
        name: '@aws-crypto/sha256-js',
        slow: true,
        notes: 'pure JS (the SDK browser SHA-256)',
        sha256: (d) => {
          const h = new m.Sha256();
          h.update(d);
          return h.digest();
        },
      };
    },
  },
  {
    name: '@aws-sdk/sha256-tree-hash',
    async load() {
      const tree = await importOptional<typeof import('@aws-sdk/sha256-tree-hash')>('@aws-sdk/sha256-tree-hash');
      const serde = await importOptional<typeof import('@smithy/core/serde')>('@smithy/core/serde');
      if (tree === null || serde === null) return null;
      return {
        name: '@aws-sdk/sha256-tree-hash',
        notes: "the SDK's TreeHash with its Node SHA-256 (node:crypto), as client-glacier uses it",
        treeHash: (d) => {
          const t = new tree.TreeHash(serde.Hash.bind(null, 'sha256'), (s: string) => new TextEncoder().encode(s));
          t.update(d);
          return t.digest();
        },
      };
    },
  },
];

/** Every engine that is installed, in table order, and the names of those that are not. */
async function makeEngines(): Promise<{ engines: Engine[]; skipped: string[] }> {
  const engines = ownEngines();
  const skipped: string[] = [];
  for (const peer of PEERS) {
    const engine = await peer.load();
    if (engine === null) skipped.push(peer.name);
    else engines.push(engine);
  }
  engines.push({
    name: 'node:crypto',
    notes: 'OpenSSL, native (SHA-NI where the CPU has it)',
    sha256: (d) => createHash('sha256').update(d).digest(),
  });
  return { engines, skipped };
}

/**
 * Mean seconds per call of `fn` with benchmark.js (deferred when `fn` returns a promise), and the
 * process CPU seconds per call over the same run: on a machine shared with other work, wall time
 * includes the time the scheduler gave to others, CPU time does not.
 */
function measure(
  name: string,
  fn: () => unknown,
  async: boolean,
  opts: { minSamples: number; maxTime: number },
): Promise<{ mean: number; rme: number; samples: number; cpuPerCall: number }> {
  return new Promise((resolve, reject) => {
    let calls = 0;
    const counted = () => {
      calls++;
      return fn();
    };
    const cpu0 = process.cpuUsage();
    const bench = new Benchmark(name, {
      defer: async,
      fn: async
        ? (deferred: { resolve(): void }) => {
            (counted() as Promise<unknown>).then(() => deferred.resolve(), reject);
          }
        : counted,
      minSamples: opts.minSamples,
      maxTime: opts.maxTime,
      initCount: 1,
      onComplete() {
        const b = this as unknown as Benchmark;
        const cpu = process.cpuUsage(cpu0);
        if ((b as unknown as { error?: Error }).error) reject((b as unknown as { error: Error }).error);
        else {
          resolve({
            mean: b.stats.mean,
            rme: b.stats.rme,
            samples: b.stats.sample.length,
            cpuPerCall: (cpu.user + cpu.system) / 1e6 / Math.max(1, calls),
          });
        }
      },
      onError(e: { target?: { error?: Error } }) {
        reject(e?.target?.error ?? new Error(`benchmark ${name} failed`));
      },
    });
    bench.run({ async: false });
  });
}

function testData(size: number): Uint8Array {
  // Deterministic, non-trivial content (xorshift32); engines must agree with node:crypto on it.
  const words = new Uint32Array(size / 4);
  let x = 0x2545f491;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return new Uint8Array(words.buffer);
}

function referenceTree(data: Uint8Array): string {
  let level: Buffer[] = [];
  for (let off = 0; off < data.length; off += MiB) level.push(createHash('sha256').update(data.subarray(off, off + MiB)).digest());
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(createHash('sha256').update(level[i]!).update(level[i + 1]!).digest());
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!.toString('hex');
}

const fmt = (n: number | null, digits = 0) => (n === null ? '—' : n.toFixed(digits));

export async function runHashBench(opts: HashBenchOptions = {}): Promise<HashBenchResult> {
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const print = opts.print ?? ((s: string) => process.stdout.write(s + '\n'));
  const sizeMiB = opts.sizeMiB ?? (opts.quick ? 16 : 64);
  if (!Number.isInteger(sizeMiB) || sizeMiB < 4) throw new RangeError(`sizeMiB must be an integer >= 4, got ${sizeMiB}`);
  const size = sizeMiB * MiB;
  const rounds = opts.rounds ?? (opts.quick ? 1 : 3);
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`rounds must be an integer >= 1, got ${rounds}`);
  const fast = opts.quick ? { minSamples: 3, maxTime: 1 } : { minSamples: 4, maxTime: 1.5 };
  const slow = opts.quick ? { minSamples: 1, maxTime: 0.5 } : { minSamples: 1, maxTime: 0.8 };

  log(`hash bench: ${sizeMiB} MiB buffer, Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}`);
  const data = testData(size);
  const expectLinear = createHash('sha256').update(data).digest('hex');
  const expectTree = referenceTree(data);

  const made = await makeEngines();
  let engines = made.engines;
  if (made.skipped.length) {
    log(`skipped (not installed; dev dependencies of glacier-multipart): ${made.skipped.join(', ')}${made.skipped.includes('hash-wasm') ? ' (no "vs hash-wasm" ratios)' : ''}`);
  }
  if (opts.engines?.length) engines = engines.filter((e) => opts.engines!.some((s) => e.name.includes(s)) || e.name === 'hash-wasm');

  interface Task {
    engine: Engine;
    kind: HashBenchKind;
    fn: (d: Uint8Array) => unknown;
    expected: string;
    bytes: number;
    async?: boolean;
    best?: { mean: number; rme: number };
    bestCpu?: number;
    samples: number;
  }
  const tasks: Task[] = [];
  const add = (engine: Engine, kind: HashBenchKind, fn: (d: Uint8Array) => unknown, expected: string, bytes = size) =>
    tasks.push({ engine, kind, fn, expected, bytes, samples: 0 });

  for (const e of engines) {
    if (e.sha256) add(e, 'linear', e.sha256, expectLinear);
    add(e, 'tree', e.treeHash ?? treeFromSha(e.sha256!), expectTree);
  }

  // Streaming vs one-shot on the default core: the same bytes through TreeHasher in 64 KiB updates.
  const streamed: Engine = { name: `glacier-multipart ${getCore().kind}`, notes: 'TreeHasher, 64 KiB update() calls' };
  add(
    streamed,
    'tree (TreeHasher, 64 KiB updates)',
    (d) => {
      const h = new TreeHasher();
      for (let off = 0; off < d.length; off += 64 * 1024) h.update(d.subarray(off, off + 64 * 1024));
      return h.digest().treeHash;
    },
    expectTree,
  );

  // The pool's batch: four 16 MiB parts, linear + tree hash each (hashParts); MiB/s of part data.
  if (size >= 64 * MiB) {
    const parts = [0, 1, 2, 3].map((i) => data.subarray(i * 16 * MiB, (i + 1) * 16 * MiB));
    const expectParts = parts.map((p) => createHash('sha256').update(p).digest('hex') + referenceTree(p)).join('');
    for (const core of simdSupported ? [getCore('simd'), getCore('scalar')] : [getCore('scalar')]) {
      add(
        { name: `glacier-multipart ${core.kind}`, notes: 'hashParts: linear lanes + 4-lane leaves, one pass' },
        'parts 4 x 16 MiB (linear + tree)',
        () => core.hashParts(parts).map((r) => r.sha256! + r.treeHash).join(''),
        expectParts,
        64 * MiB,
      );
    }
  }

  // Check every engine's answer first: a fast wrong hash is worth nothing.
  for (const t of tasks) {
    const first = t.fn(data);
    t.async = isPromise(first);
    const got = toHex((t.async ? await first : first) as Digest);
    if (got !== t.expected) throw new Error(`${t.engine.name} ${t.kind}: wrong hash ${got}, expected ${t.expected}`);
  }

  for (let round = 0; round < rounds; round++) {
    log(`round ${round + 1} of ${rounds}`);
    // Rotate the order so no engine always runs first (right after the previous round's slow ones).
    const order = tasks.map((_, i) => tasks[(i + round * 5) % tasks.length]!);
    for (const t of order) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      const r = await measure(`${t.engine.name} ${t.kind}`, () => t.fn(data), t.async!, t.engine.slow ? slow : fast);
      t.samples += r.samples;
      if (!t.best || r.mean < t.best.mean) t.best = r;
      t.bestCpu = Math.min(t.bestCpu ?? Infinity, r.cpuPerCall);
      log(
        `  ${t.engine.name.padEnd(28)} ${t.kind.padEnd(34)} ${fmt(t.bytes / MiB / r.mean).padStart(6)} MiB/s ±${r.rme.toFixed(1)}% ` +
          `(${r.samples} samples), ${fmt(t.bytes / MiB / r.cpuPerCall)} per CPU s`,
      );
    }
  }

  const rows: HashBenchRow[] = tasks.map((t) => ({
    engine: t.engine.name,
    kind: t.kind,
    mibPerSecond: t.bytes / MiB / t.best!.mean,
    rme: t.best!.rme,
    samples: t.samples,
    ratio: null,
    cpuMibPerSecond: t.bytes / MiB / t.bestCpu!,
    cpuRatio: null,
    notes: t.engine.notes ?? '',
  }));

  const find = (engine: string, kind: HashBenchKind) => rows.find((r) => r.engine === engine && r.kind === kind) ?? null;
  for (const r of rows) {
    const base = find('hash-wasm', r.kind);
    r.ratio = base ? r.mibPerSecond / base.mibPerSecond : null;
    r.cpuRatio = base ? r.cpuMibPerSecond / base.cpuMibPerSecond : null;
  }
  const ratio = (a: HashBenchRow | null, b: HashBenchRow | null) => (a && b ? a.mibPerSecond / b.mibPerSecond : null);
  const cpuRatio = (a: HashBenchRow | null, b: HashBenchRow | null) => (a && b ? a.cpuMibPerSecond / b.cpuMibPerSecond : null);
  const result: HashBenchResult = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    simdSupported,
    sizeMiB,
    rounds,
    rows,
    skipped: made.skipped,
    targets: {
      simdTreeVsHashWasm: ratio(find('glacier-multipart simd', 'tree'), find('hash-wasm', 'tree')),
      scalarLinearVsHashWasm: ratio(find('glacier-multipart scalar', 'linear'), find('hash-wasm', 'linear')),
      treeHasherVsOneShot: ratio(
        find(`glacier-multipart ${getCore().kind}`, 'tree (TreeHasher, 64 KiB updates)'),
        find(`glacier-multipart ${getCore().kind}`, 'tree'),
      ),
    },
    cpuTargets: {
      simdTreeVsHashWasm: cpuRatio(find('glacier-multipart simd', 'tree'), find('hash-wasm', 'tree')),
      scalarLinearVsHashWasm: cpuRatio(find('glacier-multipart scalar', 'linear'), find('hash-wasm', 'linear')),
      treeHasherVsOneShot: cpuRatio(
        find(`glacier-multipart ${getCore().kind}`, 'tree (TreeHasher, 64 KiB updates)'),
        find(`glacier-multipart ${getCore().kind}`, 'tree'),
      ),
    },
  };

  printTable(result, print);
  if (opts.outDir !== null) {
    const dir = opts.outDir ?? fileURLToPath(new URL('../../bench/results/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'hash.json'), JSON.stringify(result, null, 2) + '\n');
    log(`wrote ${join(dir, 'hash.json')}`);
  }
  return result;
}

function printTable(result: HashBenchResult, print: (line: string) => void): void {
  const kinds: HashBenchKind[] = ['linear', 'tree'];
  const engines = [...new Set(result.rows.filter((r) => kinds.includes(r.kind)).map((r) => r.engine))];
  const x = (v: number | null) => (v === null ? '—' : `x${v.toFixed(2)}`);
  const cell = (engine: string, kind: HashBenchKind) => {
    const r = result.rows.find((row) => row.engine === engine && row.kind === kind);
    return r ? [fmt(r.mibPerSecond), x(r.ratio), fmt(r.cpuMibPerSecond), x(r.cpuRatio)] : ['—', '—', '—', '—'];
  };
  const head = ['engine', 'linear MiB/s', 'vs hash-wasm', 'per CPU s', 'vs hash-wasm', 'tree MiB/s', 'vs hash-wasm', 'per CPU s', 'vs hash-wasm', 'notes'];
  const body = engines.map((e) => {
    const notes = result.rows.find((r) => r.engine === e && kinds.includes(r.kind))?.notes ?? '';
    return [e, ...cell(e, 'linear'), ...cell(e, 'tree'), notes];
  });
  for (const r of result.rows.filter((row) => !kinds.includes(row.kind))) {
    body.push([`${r.engine}: ${r.kind}`, '', '', '', '', fmt(r.mibPerSecond), '', fmt(r.cpuMibPerSecond), '', r.notes]);
  }
  const last = head.length - 1;
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i === 0 || i === last ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  print('');
  print(`Hash engines, ${result.sizeMiB} MiB buffer, best of ${result.rounds} round(s), ${result.cpu}, Node ${result.node}`);
  print('MiB/s: wall clock (benchmark.js mean); per CPU s: MiB per CPU second of this process (unaffected by other work on the machine).');
  print(line(head));
  print('|' + widths.map((w, i) => (i === 0 || i === last ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const row of body) print(line(row));
  const check = (v: number | null, min: number) => (v === null ? 'not measured' : `x${v.toFixed(2)} (target >= ${min}: ${v >= min ? 'met' : 'NOT met'})`);
  const t = result.targets;
  const c = result.cpuTargets;
  print('');
  print(`SIMD tree hash vs hash-wasm tree hash:    wall ${check(t.simdTreeVsHashWasm, 3.0)}; CPU ${check(c.simdTreeVsHashWasm, 3.0)}`);
  print(`scalar linear vs hash-wasm linear:        wall ${check(t.scalarLinearVsHashWasm, 1.0)}; CPU ${check(c.scalarLinearVsHashWasm, 1.0)}`);
  print(`TreeHasher (64 KiB updates) vs treeHash:  wall ${check(t.treeHasherVsOneShot, 0.9)}; CPU ${check(c.treeHasherVsOneShot, 0.9)}`);
}

// `node dist/bench/hash.js [--quick] [--size MiB] [--rounds N] [--engines a,b]` runs it directly.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  runHashBench({
    quick: args.includes('--quick'),
    sizeMiB: value('--size') ? Number(value('--size')) : undefined,
    rounds: value('--rounds') ? Number(value('--rounds')) : undefined,
    engines: value('--engines')?.split(','),
  }).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
