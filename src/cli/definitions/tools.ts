/** serve, demo, bench: the local server and the tools around it. */
import { bool, defineCommand, parsed, str, withDefault, type FlagValues } from '../define.js';
import { InvalidArgumentError } from 'commander';
import { parseBandwidth } from '../bandwidth.js';
import { durationArg, intArg, jobDelayArg, sizeArg } from '../flags.js';
import { UPLOAD_THREADS, concurrency, engine, json, partSize, progress, threads } from './common.js';

function bandwidthArg(value: string): number {
  try {
    return parseBandwidth(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export const serveFlags = {
  host: withDefault(str('--host <host>', 'address to bind'), '127.0.0.1'),
  port: withDefault(parsed('--port <port>', 'port (0 picks a free one)', intArg('port')), 3000),
  dataDir: str('--data-dir <dir>', 'where vaults and archives are stored (default: a new temporary directory)'),
  accessKeyId: str('--access-key-id <id>', 'verify SigV4 signatures with these credentials (with --secret-access-key)'),
  secretAccessKey: str('--secret-access-key <key>', 'the secret key for --access-key-id'),
  allowAnyHost: bool('--allow-any-host', 'serve requests for any Host name (default without credentials: only localhost, 127.x, [::1] and --host, against DNS rebinding)'),
  jobDelay: parsed('--job-delay <ms>', 'milliseconds before a job completes: one number, or per tier as expedited=MS,standard=MS,bulk=MS', jobDelayArg),
  // One way, a duration (bare numbers are seconds) within LIMITS.latencyMs.
  latency: parsed('--latency <duration>', 'emulate a distant Glacier: delay every byte this long each way, e.g. 25ms (a round trip takes twice it)', durationArg('latencyMs')),
  bandwidth: parsed('--bandwidth <rate>', 'emulate a link of this speed per direction, shared by all connections, e.g. 400Mbit, 1Gbit', bandwidthArg),
};
export type ServeFlags = FlagValues<typeof serveFlags>;
export const serve = defineCommand({
  name: 'serve',
  description: 'run the local Glacier-compatible server in the foreground (Ctrl-C stops it)',
  flags: serveFlags,
  run: async (ctx, _args, opts) => (await import('../commands/serve.js')).serveCommand(ctx, opts),
});

export const demoFlags = {
  size: withDefault(parsed('--size <size>', 'random bytes to generate', sizeArg), 256 * 1024 * 1024, '256MiB'),
  file: str('--file <file>', 'upload this file instead of random bytes'),
  partSize: partSize("part size or 'auto'"),
  concurrency: concurrency(),
  threads: threads(UPLOAD_THREADS),
  engine: engine(),
  progress: progress(),
  json: json('print the summary as one JSON object'),
};
export type DemoFlags = FlagValues<typeof demoFlags>;
export const demo = defineCommand({
  name: 'demo',
  description: 'the whole job on the embedded local server, no AWS account: upload a file with the pool, read it back, verify',
  flags: demoFlags,
  run: async (ctx, _args, opts) => (await import('../commands/demo.js')).demoCommand(ctx, opts),
});

export const benchFlags = {
  quick: bool('--quick', 'smaller sizes (minutes become seconds; figures are noisier)'),
  size: parsed('--size <size>', 'data size for every suite instead of the defaults (at least 4MiB)', sizeArg),
  only: str('--only <list>', 'comma-separated subset of: hash,pool,upload,download,sync,restore,wan,migrate'),
  out: str('--out <dir>', 'results folder (default: bench/results in the package; with --quick, a new temporary folder)'),
  readme: str('--readme <file>', 'replace the benchmark section of this README (e.g. README.md) with the results'),
};
export type BenchFlags = FlagValues<typeof benchFlags>;
export const bench = defineCommand({
  name: 'bench',
  description: 'run the hash, pool and upload benchmarks; write bench/results/latest.json and chart.svg',
  flags: benchFlags,
  run: async (ctx, _args, opts) => (await import('../commands/bench.js')).benchCommand(ctx, opts),
});
