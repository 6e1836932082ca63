/**
 * The client at a million archives: peak memory and time of the steps that hold a vault's list.
 *
 *   - catalog open: Catalog.open of a catalog of N CREATED lines (plus a DELETED every 10th and a
 *     RETRIEVE_JOB every 20th), then one pass over files()
 *   - catalog merge: mergeCatalogs of two such catalogs (N lines each, other ids)
 *   - inventory --catalog: the CLI's `inventory --from-file INV --catalog F --json` of an inventory of
 *     N archives with mt2 descriptions (stdout to /dev/null)
 *
 *   - the local server (bench/million-server.ts): start on a data dir of N archives, an inventory job
 *     (event-loop stall printed), ListJobs of 20,000 jobs
 *
 * Each step runs in a child process of its own; its peak RSS is VmHWM. The bound the client aims at is
 * ~100 B per archive above the process's baseline (a bare child importing the package).
 *
 *   npm run bench:million    (node dist/bench/million.js [--archives N] [--dist DIR])
 *
 * --dist DIR measures another build of the package (e.g. an older checkout's dist/src) with the same
 * inputs. Writes bench/results/million.json. Not part of `bench`: it writes GBs and takes minutes.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { childEnv, peakRssBytes, readLine } from './child-process.js';

const MiB = 1024 * 1024;
const SELF = fileURLToPath(import.meta.url);
const OWN_DIST = fileURLToPath(new URL('../src/', import.meta.url));

export interface MillionRow {
  step: string;
  archives: number;
  seconds: number;
  peakRssMiB: number;
  /** Peak RSS above a bare child's, per archive. */
  bytesPerArchive: number;
}

const id = (seed: string, i: number) => createHash('sha512').update(`${seed}${i}`).digest('base64url').slice(0, 138);
const treeHash = (i: number) => createHash('sha256').update(`h${i}`).digest('hex');

async function writeLines(path: string, count: number, line: (i: number) => string, head = '', tail = ''): Promise<void> {
  const out = createWriteStream(path);
  let buf = head;
  for (let i = 0; i < count; i++) {
    buf += line(i);
    if (buf.length > MiB) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf + tail);
  await once(out, 'finish');
}

function catalogLines(seed: string): (i: number) => string {
  return (i) => {
    const t = 1_600_000_000 + i;
    let s = `B\t${t}\tCREATED\t${id(seed, i)}\t${1000 + i}\t${t - 100}\t${treeHash(i)}\tdir${i % 1000}/sub${i % 7}/${seed}-${i}.bin\n`;
    if (i % 10 === 9) s += `B\t${t}\tDELETED\t${id(seed, i - 5)}\tdir${(i - 5) % 1000}/sub${(i - 5) % 7}/${seed}-${i - 5}.bin\n`;
    if (i % 20 === 19) s += `B\t${t}\tRETRIEVE_JOB\t${id(seed, i - 1)}\t${id('job', i).slice(0, 92)}\n`;
    return s;
  };
}

function inventoryLine(i: number): string {
  const mt2 = `mt2 ${Buffer.from(JSON.stringify({ mtime: '20200101T000000Z', filename: `photos/${i % 1000}/img-${i}.jpg` })).toString('base64url')}`;
  return `${i ? ',' : ''}{"ArchiveId":"${id('inv', i)}","ArchiveDescription":"${mt2}","CreationDate":"2020-01-02T03:04:05Z","Size":${1000 + i},"SHA256TreeHash":"${treeHash(i)}"}`;
}

/** Runs one step in a child; the child answers with its seconds and VmHWM. */
async function step(args: string[]): Promise<{ seconds: number; peakRssBytes: number }> {
  const child = spawn(process.execPath, [SELF, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
  const answer = JSON.parse(await readLine(child)) as { seconds: number; peakRssBytes: number };
  if (child.exitCode === null) await once(child, 'exit');
  return answer;
}

export async function runMillionBench(opts: { archives?: number; dist?: string; log?: (l: string) => void; print?: (l: string) => void; outDir?: string | null } = {}): Promise<MillionRow[]> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const n = opts.archives ?? 1_000_000;
  const dist = resolve(opts.dist ?? OWN_DIST);
  const dir = mkdtempSync(join(tmpdir(), 'glacier-bench-million-'));
  try {
    log(`writing two catalogs and an inventory of ${n} archives under ${dir}`);
    await writeLines(join(dir, 'a.catalog'), n, catalogLines('a'));
    await writeLines(join(dir, 'b.catalog'), n, catalogLines('b'));
    await writeLines(join(dir, 'inv.json'), n, inventoryLine, '{"VaultARN":"arn:aws:glacier:us-east-1:000000000000:vaults/v","InventoryDate":"2020-01-03T00:00:00Z","ArchiveList":[', ']}');
    const base = await step(['--bare', dist]);
    const rows: MillionRow[] = [];
    const add = (name: string, r: { seconds: number; peakRssBytes: number }) => {
      rows.push({ step: name, archives: n, seconds: r.seconds, peakRssMiB: r.peakRssBytes / MiB, bytesPerArchive: Math.max(0, r.peakRssBytes - base.peakRssBytes) / n });
      log(`  ${name}: ${r.seconds.toFixed(1)} s, peak RSS ${(r.peakRssBytes / MiB).toFixed(0)} MiB`);
    };
    add('catalog open + files()', await step(['--open', dist, join(dir, 'a.catalog')]));
    add('catalog merge (2 catalogs)', await step(['--merge', dist, join(dir, 'a.catalog'), join(dir, 'b.catalog'), join(dir, 'merged.catalog')]));
    add('inventory --from-file --catalog', await step(['--inventory', dist, join(dir, 'inv.json'), join(dir, 'inv.catalog')]));
    // The server's part (bench/million-server.ts): start, inventory job, ListJobs of 20k jobs.
    const { runServerMillionBench } = await import('./million-server.js');
    const server = await runServerMillionBench({ archives: n, dist, log });
    add('server start', { seconds: server.startSeconds, peakRssBytes: server.startRssMiB * MiB });
    add('server inventory job', { seconds: server.inventorySeconds, peakRssBytes: server.peakRssMiB * MiB });
    add(`server ListJobs of ${server.jobs} jobs`, { seconds: server.listJobsSeconds, peakRssBytes: server.peakRssMiB * MiB });
    print(`the client at ${n} archives (${dist}); baseline child ${(base.peakRssBytes / MiB).toFixed(0)} MiB`);
    print('step                               seconds   peak RSS   bytes/archive above baseline');
    for (const r of rows) print(`${r.step.padEnd(34)} ${r.seconds.toFixed(1).padStart(7)} ${r.peakRssMiB.toFixed(0).padStart(7)} MiB   ${r.bytesPerArchive.toFixed(0)}`);
    if (opts.outDir !== null) {
      const outDir = opts.outDir ?? fileURLToPath(new URL('../../bench/results/', import.meta.url));
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'million.json'), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, archives: n, dist, baselineRssMiB: base.peakRssBytes / MiB, rows }, null, 2)}\n`);
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Child steps. */
async function child(argv: string[]): Promise<void> {
  const [what, dist, ...rest] = argv as [string, string, ...string[]];
  const lib = await import(pathToFileURL(join(dist, 'catalog/index.js')).href);
  const t0 = performance.now();
  if (what === '--open') {
    const c = await lib.Catalog.open(rest[0], { create: false });
    let count = 0;
    for (const _ of c.files()) count++;
    if (count === 0) throw new Error('no files');
    await c.close();
  } else if (what === '--merge') {
    await lib.mergeCatalogs([rest[0], rest[1]], rest[2]);
  } else if (what === '--inventory') {
    // The CLI itself, in this process (so VmHWM is its own), its output to /dev/null.
    // A build without --from-file (exit 2 before reading anything) is measured through the library.
    const { createWriteStream: devNull } = await import('node:fs');
    const sink = devNull('/dev/null');
    const { run } = await import(pathToFileURL(join(dist, 'cli/program.js')).href);
    const code = await run(['inventory', '--vault', 'v', '--from-file', rest[0], '--catalog', rest[1], '--json'], { stdout: sink, stderr: sink });
    if (code !== 0) await inventoryByLibrary(lib, rest[0]!, rest[1]!);
    sink.end();
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ seconds, peakRssBytes: peakRssBytes() })}\n`);
}

/** What `inventory --catalog` does, through the library (for builds whose CLI cannot run in-process). */
async function inventoryByLibrary(lib: any, inventory: string, catalogPath: string): Promise<void> {
  const { createReadStream } = await import('node:fs');
  const catalog = await lib.Catalog.open(catalogPath);
  let batch: unknown[] = [];
  for await (const a of lib.parseInventory(createReadStream(inventory), { format: 'auto' })) {
    batch.push(lib.inventoryRecord(a));
    if (batch.length >= 1000) {
      await catalog.append(batch);
      batch = [];
    }
  }
  if (batch.length) await catalog.append(batch);
  await catalog.close();
}

if (process.argv[1] === SELF) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--bare') {
    await import(pathToFileURL(join(argv[1]!, 'catalog/index.js')).href);
    process.stdout.write(`${JSON.stringify({ seconds: 0, peakRssBytes: peakRssBytes() })}\n`);
  } else if (['--open', '--merge', '--inventory'].includes(argv[0]!)) await child(argv);
  else {
    const value = (flag: string) => {
      const i = argv.indexOf(flag);
      return i >= 0 ? argv[i + 1] : undefined;
    };
    await runMillionBench({ archives: value('--archives') ? Number(value('--archives')) : undefined, dist: value('--dist') });
  }
}
