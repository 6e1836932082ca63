// The benchmark report (`glacier-multipart bench`, `npm run bench`): runs the hash, pool and upload
// benchmarks, prints one combined table, writes bench/results/latest.json (with the machine it ran
// on) and bench/results/chart.svg.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHART_PACKAGES, renderChartSvg, type ChartData } from './chart.js';

export type SuiteName = 'hash' | 'pool' | 'upload' | 'download' | 'sync' | 'restore' | 'wan' | 'migrate';
export const SUITES: readonly SuiteName[] = ['hash', 'pool', 'upload', 'download', 'sync', 'restore', 'wan', 'migrate'];

export interface BenchReportOptions {
  /** Smaller sizes for every suite (a quick look; the figures are noisier). */
  quick?: boolean;
  /** Comma-separated subset of hash,pool,upload,download,sync,restore,wan,migrate (default all). */
  only?: string;
  /** Default: bench/results of this package. */
  outDir?: string;
  signal?: AbortSignal;
  /** Overrides the data size of every suite (bytes; at least 4 MiB), e.g. for a smoke test. */
  size?: number;
  /** A README whose BENCHMARK:START/END section is replaced with the table, machine and chart. */
  readme?: string;
  /** Progress lines and each suite's own table (default stderr). */
  log?: (line: string) => void;
  /** The combined table (default stdout). */
  print?: (line: string) => void;
}

export interface Machine {
  cpuModel: string;
  cores: number;
  availableParallelism: number;
  /** The CPU advertises SHA extensions (x86 sha_ni, arm64 sha2): node:crypto then beats any WASM. */
  shaNi: boolean;
  memoryGiB: number;
  node: string;
  v8: string;
  platform: string;
  arch: string;
  date: string;
}

/** One line of the combined table. */
export interface ReportRow {
  suite: SuiteName;
  case: string;
  mibPerSecond: number | null;
  notes: string;
}

export interface BenchReport {
  machine: Machine;
  quick: boolean;
  rows: ReportRow[];
  /** Each suite's full result, as its run*Bench function returned it. */
  suites: Partial<Record<SuiteName, unknown>>;
  /** Suites that failed, with the error message (the others still ran). */
  errors: Partial<Record<SuiteName, string>>;
}

const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));

async function detectShaExtensions(): Promise<boolean> {
  try {
    return /^(flags|Features)\s*:.*\b(sha_ni|sha2)\b/m.test(await readFile('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

export async function describeMachine(): Promise<Machine> {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    availableParallelism: availableParallelism(),
    shaNi: await detectShaExtensions(),
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    date: new Date().toISOString(),
  };
}

export function parseSuites(only: string | undefined): SuiteName[] {
  if (only === undefined || only.trim() === '') return [...SUITES];
  const picked = only.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of picked) {
    if (!SUITES.includes(s as SuiteName)) {
      throw new RangeError(`Unknown benchmark "${s}" in --only: use a comma-separated subset of ${SUITES.join(',')}.`);
    }
  }
  return picked as SuiteName[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const fmt = (v: number | null, digits = 1) => (v === null ? '-' : v.toFixed(digits));

/* ---- each suite's result -> table rows and chart data ------------------------------------ */

type Rec = Record<string, any>;

function rowsOf(result: unknown): Rec[] {
  const r = result as Rec | null;
  if (!r || typeof r !== 'object') return [];
  if (Array.isArray(r.rows)) return r.rows;
  if (Array.isArray(r.results)) return r.results;
  return [];
}

const POOL_SECTIONS: Record<string, string> = { hashFile: 'hashFile', hashPart: 'hashPart batched', 'hashPart-1': 'hashPart one at a time' };

function poolRows(result: Rec): ReportRow[] {
  const rows: ReportRow[] = rowsOf(result).map((r) => ({
    suite: 'pool' as const,
    case: `${POOL_SECTIONS[r.section] ?? r.section} ${r.engine === 'auto' ? `auto (-> ${r.chosen})` : r.engine}, ${r.threads} thread${r.threads === 1 ? '' : 's'}`,
    mibPerSecond: num(r.mibPerSecond),
    notes: [
      num(r.perThread) !== null ? `${fmt(r.perThread)} MiB/s per thread` : '',
      num(r.speedup) !== null && r.threads > 1 ? `x${fmt(r.speedup, 2)} vs 1 thread` : '',
      num(r.utilization) !== null ? `threads ${fmt(r.utilization * 100, 0)}% busy` : '',
    ].filter(Boolean).join(', '),
  }));
  for (const r of result.noShaNi?.rows ?? []) {
    rows.push({ suite: 'pool', case: `hashFile ${r.engine}, ${r.threads} thread${r.threads === 1 ? '' : 's'}, SHA-NI masked`, mibPerSecond: num(r.mibPerSecond), notes: 'OpenSSL without SHA extensions' });
  }
  if (result.noShaNi) {
    rows.push({ suite: 'pool', case: 'auto without SHA-NI', mibPerSecond: null, notes: `picked ${result.noShaNi.calibration?.chosen}; faster was ${result.noShaNi.faster}` });
  }
  return rows;
}

function poolScaling(result: Rec): ChartData['scaling'] {
  const points: ChartData['scaling'] = rowsOf(result)
    .filter((r) => r.section === 'hashFile' && num(r.mibPerSecond) !== null)
    .map((r) => ({ engine: r.engine === 'auto' ? `auto (${r.chosen})` : r.engine, threads: r.threads, mibPerSecond: r.mibPerSecond }));
  for (const r of result.noShaNi?.rows ?? []) {
    if (num(r.mibPerSecond) !== null) points.push({ engine: `${r.engine}, SHA-NI masked`, threads: r.threads, mibPerSecond: r.mibPerSecond });
  }
  return points;
}

function label(r: Rec, keys: string[]): string {
  return keys.map((k) => r[k]).filter((v) => typeof v === 'string' && v !== '').join(' ');
}

function hashRows(result: Rec): ReportRow[] {
  return rowsOf(result).map((r) => ({
    suite: 'hash' as const,
    case: `${r.engine}: ${r.kind}`,
    mibPerSecond: num(r.mibPerSecond),
    notes: [
      num(r.ratio) !== null ? `x${fmt(r.ratio, 2)} vs hash-wasm` : '',
      num(r.rme) !== null ? `±${fmt(r.rme)}%` : '',
      // CPU-time throughput is what a shared machine distorts least.
      num(r.cpuMibPerSecond) !== null ? `${fmt(r.cpuMibPerSecond)} MiB per CPU-second` : '',
      typeof r.notes === 'string' ? r.notes : '',
    ].filter(Boolean).join(', '),
  }));
}

/** The engine comparison: one-shot linear and tree hash of one buffer on one thread. */
function hashEngines(result: Rec): ChartData['engines'] {
  return rowsOf(result)
    .filter((r) => (r.kind === 'linear' || r.kind === 'tree') && num(r.mibPerSecond) !== null)
    .map((r) => ({ engine: String(r.engine), kind: r.kind === 'tree' ? 'tree hash' : 'linear SHA-256', mibPerSecond: r.mibPerSecond }));
}

function uploadCase(r: Rec): string {
  if (r.variant === 'baseline') return 'baseline: SDK hashes each part itself';
  if (r.variant === 'prehashed') return 'reference: parts hashed in advance';
  return `uploadArchive ${r.variant}${r.engine && r.engine !== r.variant ? ` (-> ${r.engine})` : ''}`;
}

function uploadRows(result: Rec): ReportRow[] {
  return rowsOf(result).map((r) => ({
    suite: 'upload' as const,
    case: uploadCase(r),
    mibPerSecond: num(r.mibPerSecond),
    notes: [
      num(r.speedup) !== null ? `x${fmt(r.speedup, 2)} vs baseline` : '',
      num(r.cpuVsFloor) !== null ? `client CPU x${fmt(r.cpuVsFloor, 2)} the two-pass hashing floor` : '',
      num(r.peakRssMiB) !== null ? `peak RSS ${fmt(r.peakRssMiB, 0)} MiB${num(r.rssBoundMiB) !== null ? ` (bound ${fmt(r.rssBoundMiB, 0)})` : ''}` : '',
      num(r.eventLoopP99Ms) !== null ? `event loop p99 ${fmt(r.eventLoopP99Ms)} ms` : '',
    ].filter(Boolean).join(', '),
  }));
}

function downloadRows(result: Rec): ReportRow[] {
  return rowsOf(result).map((r) => ({
    suite: 'download' as const,
    case: r.variant === 'baseline' ? 'baseline: one GetJobOutput, main-thread tree hash'
      : r.variant === 'fetch' ? 'reference: the ranged GetJobOutput requests alone, nothing hashed or written' : 'downloadArchive (verified chunks)',
    mibPerSecond: num(r.mibPerSecond),
    notes: [
      num(r.speedup) !== null ? `x${fmt(r.speedup, 2)} vs baseline` : '',
      num(r.cpuSecondsPerGiB) !== null ? `CPU ${fmt(r.cpuSecondsPerGiB, 2)} s/GiB${num(r.cpuVsBaseline) !== null ? ` (x${fmt(r.cpuVsBaseline, 2)})` : ''}` : '',
      num(r.cpuVsFloor) !== null ? `x${fmt(r.cpuVsFloor, 2)} the one-pass hashing floor` : '',
      num(r.peakRssMiB) !== null ? `peak RSS ${fmt(r.peakRssMiB, 0)} MiB${num(r.rssBoundMiB) !== null ? ` (bound ${fmt(r.rssBoundMiB, 0)})` : ''}` : '',
      num(r.eventLoopP99Ms) !== null ? `event loop p99 ${fmt(r.eventLoopP99Ms)} ms` : '',
    ].filter(Boolean).join(', '),
  }));
}

function syncCase(variant: string): string {
  if (variant === 'sync') return 'syncDirectory';
  if (variant === 'sequential') return 'uploadArchive per file, in sequence';
  if (variant === 'requests') return 'reference: the UploadArchive requests alone, files read and hashed beforehand';
  return 'reference: that loop with one shared pool';
}

function syncRows(result: Rec): ReportRow[] {
  return rowsOf(result).map((r) => ({
    suite: 'sync' as const,
    case: `${syncCase(String(r.variant))}: ${r.scope}`,
    mibPerSecond: num(r.mibPerSecond),
    notes: [`${fmt(num(r.filesPerSecond))} files/s`, `${fmt(num(r.seconds))} s`, `peak RSS ${fmt(num(r.peakRssMiB), 0)} MiB`, num(r.cpuSeconds) !== null ? `client CPU ${fmt(num(r.cpuSeconds))} s` : ''].filter(Boolean).join(', '),
  }));
}

function restoreRows(result: Rec): ReportRow[] {
  return rowsOf(result).map((r) => ({
    suite: 'restore' as const,
    case: r.variant === 'restore' ? 'completeRestore (one pool, files at once)' : 'before: per file, in sequence, a pool each',
    mibPerSecond: num(r.mibPerSecond),
    notes: [`${fmt(num(r.filesPerSecond))} files/s`, `${fmt(num(r.seconds))} s`, `client CPU ${fmt(num(r.cpuSeconds))} s`, `peak RSS ${fmt(num(r.peakRssMiB), 0)} MiB`].join(', '),
  }));
}

function migrateRows(result: Rec): ReportRow[] {
  const floor = num(result.floorCpuSecondsPerGiB);
  return rowsOf(result).map((r) => ({
    suite: 'migrate' as const,
    case: r.variant === 'migrate' ? 'migrateVault: Glacier job output -> S3 parts, verified'
      : r.variant === 'copy' ? 'reference: the least copy through both SDKs (nothing hashed, checked or recorded)' : 'reference: downloadArchive of the same archives to disk',
    mibPerSecond: num(r.mibPerSecond),
    notes: [`client CPU ${fmt(num(r.cpuSecondsPerGiB))} s/GiB${floor !== null ? ` (floor ${fmt(floor)})` : ''}`, `peak RSS ${fmt(num(r.peakRssMiB), 0)} MiB${r.variant === 'migrate' && num(result.rssBoundMiB) !== null ? ` (bound ${fmt(num(result.rssBoundMiB), 0)})` : ''}`].join(', '),
  }));
}

function wanRows(result: Rec): ReportRow[] {
  return rowsOf(result).map((r) => ({
    suite: 'wan' as const,
    case: `${r.case} over ${result.roundTripMs} ms round trip, ${result.bandwidthBitsPerSecond / 1e6} Mbit/s`,
    mibPerSecond: num(r.mibPerSecond),
    notes: [
      `bound ${fmt(num(r.boundMibPerSecond))} MiB/s`,
      r.boundFilesPerSecond !== null ? `${fmt(num(r.filesPerSecond))} files/s (bound ${fmt(num(r.boundFilesPerSecond))})` : '',
      `${fmt(num(r.ofBound) === null ? null : r.ofBound * 100, 0)}% of bound`, `${r.concurrency} in flight`,
    ].filter(Boolean).join(', '),
  }));
}

function uploadBars(result: Rec): ChartData['uploads'] {
  return rowsOf(result)
    .filter((r) => num(r.mibPerSecond) !== null)
    .map((r) => ({
      variant: r.variant === 'baseline' ? 'SDK baseline' : r.variant === 'prehashed' ? 'pre-hashed (limit)' : `${r.variant}${r.engine && r.engine !== r.variant ? ` (${r.engine})` : ''}`,
      mibPerSecond: r.mibPerSecond,
    }));
}

/** The chart's data from a report (also from a saved latest.json: `node dist/bench/report.js --chart-only`). */
export function chartData(report: Pick<BenchReport, 'machine' | 'suites'>): ChartData {
  const m = report.machine;
  const suites = report.suites as Partial<Record<SuiteName, Rec>>;
  return {
    title: `glacier-multipart on ${m.cpuModel} (${m.cores} cores, ${m.shaNi ? 'SHA-NI' : 'no SHA-NI'}), Node ${m.node}, ${m.date.slice(0, 10)}`,
    engines: suites.hash ? hashEngines(suites.hash) : [],
    scaling: suites.pool ? poolScaling(suites.pool) : [],
    uploads: suites.upload ? uploadBars(suites.upload) : [],
  };
}

/* ---- table ------------------------------------------------------------------------------ */

export function formatTable(rows: ReportRow[]): string[] {
  const head = ['suite', 'case', 'MiB/s', 'notes'];
  const body = rows.map((r) => [r.suite, r.case, fmt(r.mibPerSecond), r.notes]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i === 2 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...body.map(line)];
}

/* ---- README section ----------------------------------------------------------------------- */

const README_START = /<!-- BENCHMARK:START[^>]*-->/;
const README_END = '<!-- BENCHMARK:END -->';

/** The README's benchmark section for a report (between the markers, markers excluded). */
export function readmeSection(report: BenchReport, chartPath: string | null): string {
  const m = report.machine;
  return [
    '## Benchmarks',
    '',
    `Measured ${m.date.slice(0, 10)} on ${m.cpuModel}, ${m.cores} cores (${m.availableParallelism} usable), ` +
      `SHA extensions: ${m.shaNi ? 'yes (SHA-NI)' : 'no'}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}/${m.arch}` +
      `${report.quick ? ' (quick sizes)' : ''}, with \`npm run bench\`. All figures in \`bench/results/latest.json\`.`,
    '',
    ...formatTable(report.rows),
    ...(chartPath === null ? [] : ['', `![benchmark chart](${chartPath})`]),
  ].join('\n');
}

/** Replaces the text between the benchmark markers of a README. */
export async function updateReadme(path: string, section: string): Promise<void> {
  const text = await readFile(path, 'utf8');
  const start = README_START.exec(text);
  const end = text.indexOf(README_END);
  if (!start || end < start.index) {
    throw new Error(`${path} has no benchmark section: add the lines "<!-- BENCHMARK:START -->" and "${README_END}" where the figures should go.`);
  }
  const head = text.slice(0, start.index + start[0].length);
  await writeFile(path, `${head}\n${section}\n${text.slice(end)}`);
}

/* ---- run -------------------------------------------------------------------------------- */

export async function runBenchReport(opts: BenchReportOptions = {}): Promise<BenchReport> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const print = opts.print ?? ((l: string) => console.log(l));
  const quick = Boolean(opts.quick);
  const suites = parseSuites(opts.only);
  // The tracked results (bench/results/latest.json, chart.svg) are full runs: a quick run's noisier
  // figures go to a new temporary directory unless outDir says where.
  const outDir = opts.outDir ?? (quick ? await mkdtemp(join(tmpdir(), 'glacier-multipart-bench-quick-')) : RESULTS_DIR);
  if (quick && opts.outDir === undefined) log(`quick run: results go to ${outDir} (--out chooses the folder)`);
  if (opts.readme) {
    // Fail now rather than after minutes of measuring.
    const text = await readFile(opts.readme, 'utf8');
    if (!README_START.test(text) || !text.includes(README_END)) {
      throw new Error(`${opts.readme} has no benchmark section: add the lines "<!-- BENCHMARK:START -->" and "${README_END}" where the figures should go.`);
    }
  }
  const machine = await describeMachine();
  log(`machine: ${machine.cpuModel}, ${machine.cores} cores, SHA extensions ${machine.shaNi ? 'yes' : 'no'}, Node ${machine.node}`);

  const report: BenchReport = { machine, quick, rows: [], suites: {}, errors: {} };

  // Each suite prints its own detailed table; those go to the log so stdout holds the combined one.
  const common = { quick, signal: opts.signal, log, print: log, outDir };
  const sized = opts.size !== undefined ? { sizeMiB: Math.max(4, Math.floor(opts.size / 2 ** 20)), fileSize: opts.size } : {};
  for (const suite of suites) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    log(`\n== ${suite} benchmark${quick ? ' (quick)' : ''} ==`);
    try {
      if (suite === 'hash') {
        const { runHashBench } = await import('./hash.js');
        const result = (await runHashBench({ ...common, ...(sized.sizeMiB ? { sizeMiB: sized.sizeMiB } : {}) })) as Rec;
        report.suites.hash = result;
        report.rows.push(...hashRows(result));
      } else if (suite === 'pool') {
        const { runPoolBench } = await import('./pool.js');
        const result = (await runPoolBench({ ...common, ...(sized.fileSize ? { fileSize: sized.fileSize } : {}) })) as unknown as Rec;
        report.suites.pool = result;
        report.rows.push(...poolRows(result));
      } else if (suite === 'download') {
        const { runDownloadBench } = await import('./download.js');
        const result = (await runDownloadBench({ ...common, ...(sized.fileSize ? { fileSize: sized.fileSize } : {}) })) as unknown as Rec;
        report.suites.download = result;
        report.rows.push(...downloadRows(result));
      } else if (suite === 'sync') {
        const { runSyncBench } = await import('./sync.js');
        const result = (await runSyncBench({ quick, signal: opts.signal, log, print: log, outDir })) as unknown as Rec;
        report.suites.sync = result;
        report.rows.push(...syncRows(result));
      } else if (suite === 'migrate') {
        const { runMigrateBench } = await import('./migrate.js');
        const result = (await runMigrateBench({ ...(sized.fileSize ? { size: sized.fileSize } : quick ? { size: 256 * 1024 * 1024 } : {}), signal: opts.signal, log, print: log, outDir })) as unknown as Rec;
        report.suites.migrate = result;
        report.rows.push(...migrateRows(result));
      } else if (suite === 'restore') {
        const { runRestoreBench } = await import('./restore.js');
        const result = (await runRestoreBench({ quick, signal: opts.signal, log, print: log, outDir })) as unknown as Rec;
        report.suites.restore = result;
        report.rows.push(...restoreRows(result));
      } else if (suite === 'wan') {
        const { runWanBench } = await import('./wan.js');
        const result = (await runWanBench({ quick, signal: opts.signal, log, print: log, outDir })) as unknown as Rec;
        report.suites.wan = result;
        report.rows.push(...wanRows(result));
      } else {
        const { runUploadBench } = await import('./upload.js');
        const result = (await runUploadBench({ ...common, ...(sized.fileSize ? { fileSize: sized.fileSize } : {}) })) as Rec;
        report.suites.upload = result;
        report.rows.push(...uploadRows(result));
      }
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      // One broken suite must not lose the others' figures; the report says what failed.
      report.errors[suite] = (err as Error).message;
      log(`${suite} benchmark failed: ${(err as Error).stack ?? err}`);
    }
  }

  print('');
  print(`glacier-multipart benchmarks: ${machine.cpuModel}, ${machine.cores} cores, SHA extensions: ${machine.shaNi ? 'yes' : 'no'}, Node ${machine.node}, ${machine.date}${quick ? ' (quick)' : ''}`);
  print('');
  for (const line of formatTable(report.rows)) print(line);

  await mkdir(outDir, { recursive: true });
  const jsonPath = join(outDir, 'latest.json');
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  const svgPath = join(outDir, 'chart.svg');
  const svg = await renderChartSvg(chartData(report));
  if (svg === null) {
    log(`\nwrote ${jsonPath}; chart.svg skipped: ${CHART_PACKAGES.join(' and ')} are not installed (dev dependencies; npm install ${CHART_PACKAGES.join(' ')} to draw it)`);
  } else {
    await writeFile(svgPath, svg);
    log(`\nwrote ${jsonPath} and ${svgPath}`);
  }
  if (opts.readme) {
    const chartRel = svg === null ? null : relative(dirname(resolve(opts.readme)), svgPath).split(sep).join('/');
    await updateReadme(opts.readme, readmeSection(report, chartRel));
    log(`updated the benchmark section of ${opts.readme}`);
  }
  const failed = Object.keys(report.errors);
  if (failed.length) {
    throw new Error(`benchmark${failed.length > 1 ? 's' : ''} ${failed.join(', ')} failed (see above); the others are in ${jsonPath}`);
  }
  return report;
}

// `node dist/bench/report.js [--quick] [--only hash,pool]` works too; `--chart-only` redraws
// chart.svg from the saved latest.json without measuring again.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  if (args.includes('--chart-only')) {
    const saved = JSON.parse(await readFile(join(RESULTS_DIR, 'latest.json'), 'utf8')) as BenchReport;
    const svg = await renderChartSvg(chartData(saved));
    if (svg === null) throw new Error(`--chart-only needs ${CHART_PACKAGES.join(' and ')} (dev dependencies): npm install ${CHART_PACKAGES.join(' ')}`);
    await writeFile(join(RESULTS_DIR, 'chart.svg'), svg);
    console.error(`redrew ${join(RESULTS_DIR, 'chart.svg')}`);
    process.exit(0);
  }
  const onlyAt = args.indexOf('--only');
  runBenchReport({ quick: args.includes('--quick'), only: onlyAt >= 0 ? args[onlyAt + 1] : undefined }).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
