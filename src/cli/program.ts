import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../errors.js';
import { LIMITS } from '../options.js';
import { accountIdArg, asUsageError, chunkSizeArg, durationArg, intArg, jobDelayArg, partSizeArg, sizeArg } from './flags.js';
import { parseBandwidth } from './bandwidth.js';
import { PROGRESS_MODES } from './progress.js';
import { addCatalogCommands } from './commands/catalog-program.js';
import {
  createContext, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, exitCodeFor, formatError,
  type Context, type Io,
} from './output.js';

const VERSION = '0.1.0';

/** Hashing threads: the library's own bound (LIMITS.threads). */
const MAX_THREADS = LIMITS.threads.max;

/** serve --latency: one way, a duration (bare numbers are seconds) within LIMITS.latencyMs. */
const latencyArg = durationArg('latencyMs');

function bandwidthArg(value: string): number {
  try {
    return parseBandwidth(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

const engineOption = () =>
  new Option('--engine <engine>', 'hash engine: wasm (WebAssembly SIMD), node (node:crypto) or auto (measure and pick)')
    .choices(['auto', 'wasm', 'node'])
    .default('auto');
const threadsOption = (fallback = 'all cores') => new Option('--threads <n>', `hash worker threads, at most ${MAX_THREADS} (default: ${fallback})`)
  .argParser(intArg('threads'));
const concurrencyOption = () => new Option('--concurrency <n>', `parts in flight at once, at most ${LIMITS.uploadConcurrency.max}`)
  .argParser(intArg('uploadConcurrency'));
// Uploads leave one core to the main thread, which sends the requests (and encrypts TLS).
const UPLOAD_THREADS = 'one per core but one, at least one';
const progressOption = () =>
  new Option('--progress <mode>', 'progress on stderr: a bar on a terminal, plain lines elsewhere')
    .choices(PROGRESS_MODES as string[])
    .default('auto');

/** --endpoint, --region, --account-id: how to reach Glacier (real AWS or a local server). */
function withConnection(cmd: Command): Command {
  return cmd
    .option('--endpoint <url>', 'Glacier endpoint, e.g. a local server http://127.0.0.1:3000 (default: AWS_ENDPOINT_URL_GLACIER, else real AWS)')
    .option('--region <region>', 'AWS region (default: the SDK chain: AWS_REGION, ~/.aws/config)')
    .addOption(new Option('--account-id <id>', "AWS account id owning the vault ('-' means the credentials' account)").argParser(accountIdArg).default('-'))
    .addOption(new Option('--max-attempts <n>', `attempts per request before giving up, at most ${LIMITS.maxAttempts.max} (default ${LIMITS.maxAttempts.default})`).argParser(intArg('maxAttempts')))
    .addOption(new Option('--request-timeout <duration>', 'retry a request after this long with no byte moving: seconds, or 500ms, 30s, 2m (default 120s, at most 1 hour)').argParser(durationArg('requestTimeout')));
}

export type Action = (ctx: Context, ...args: any[]) => Promise<number | void>;

/** Wraps a command's name into a commander action that hands (args, options) to the handler. */
type Act = (name: string) => (...all: unknown[]) => Promise<void>;

/**
 * Builds the command tree. `handler` runs each command's implementation (lazy-loaded, so `--help`
 * and usage errors never load the AWS SDK or start workers).
 */
export function buildProgram(io: Io, self: string, handler: (name: string, args: unknown[], opts: Record<string, unknown>) => Promise<void>): Command {
  const program = new Command('glacier-multipart');
  program
    .description('Fast, resumable multipart uploads to Amazon S3 Glacier vaults, with a local Glacier-compatible server.')
    .version(VERSION, '-V, --version')
    .option('--debug', 'print stack traces and what was resolved (endpoint, region, credentials)')
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .addHelpText('after', `
Exit status: 0 success, 1 failure, 2 usage error, 130 interrupted (Ctrl-C; an upload stays resumable).
Sizes: bytes or a binary unit: 512KiB, 8MiB, 1GiB. Part sizes are 1 MiB x 2^n up to 4 GiB.
Try it with no AWS account: glacier-multipart demo`);

  const act: Act = (name: string) =>
    async (...all: unknown[]) => {
      const cmd = all[all.length - 1] as Command;
      const opts = cmd.optsWithGlobals();
      await handler(name, all.slice(0, -2), opts);
    };

  addHashCommand(program, act);
  addUploadCommands(program, act);
  addManagementCommands(program, act);
  addRetrievalCommands(program, act);
  addToolCommands(program, act);
  addCatalogCommands(program, { act, withConnection, progressOption, threadsOption });

  // A usage error names the command's own usage and where to read more, not just the top level's.
  const hint = (cmd: Command, path: string) => {
    cmd.showHelpAfterError(`usage: ${path} ${cmd.usage()}\n(run '${path.replace(/^glacier-multipart/, self)} --help' for all options)`);
    for (const sub of cmd.commands) hint(sub, `${path} ${sub.name()}`);
  };
  hint(program, 'glacier-multipart');
  return program;
}

/** hash: needs no connection. */
function addHashCommand(program: Command, act: Act): void {
  program
    .command('hash')
    .description("print each file's Glacier tree hash, like sha256sum ('<treehash>  <file>')")
    .argument('<file...>', 'files to hash')
    .addOption(new Option('--part-size <size>', 'also list per-part hashes for this part size (with --json)').argParser(sizeArg))
    .addOption(engineOption())
    .addOption(threadsOption())
    .option('--json', 'one JSON object per file: size, treeHash, sha256 (linear), parts')
    .action(act('hash'));
}

/** upload, resume: the multipart uploads themselves. */
function addUploadCommands(program: Command, act: Act): void {
  withConnection(
    program
      .command('upload')
      .description("upload a file (or '-' for stdin) to a vault as a multipart upload; resumable from its journal")
      .argument('<file>', "the file to upload, or '-' to read stdin")
      .requiredOption('--vault <name>', 'the vault to upload to')
      .option('--description <text>', 'archive description (printable ASCII, at most 1,024 characters)')
      .addOption(new Option('--part-size <size>', "part size (1 MiB x 2^n) or 'auto' (smallest that fits in 10,000 parts)").argParser(partSizeArg).default('auto'))
      .addOption(concurrencyOption())
      .addOption(threadsOption(UPLOAD_THREADS))
      .addOption(engineOption())
      .option('--journal <file>', 'where to record progress for resume (default: <file>.glacier-journal.json)')
      .option('--no-journal', 'do not write a journal (an interrupted upload can still be resumed with --upload-id)')
      .option('--restart', "with an existing journal: abort the upload it records (if still open), delete it, start over")
      .option('--abort-on-interrupt', 'on Ctrl-C abort the multipart upload instead of leaving it resumable')
      .option('--abort-on-error', 'on failure abort the multipart upload instead of leaving it resumable')
      .option('--verify', 'when resuming, re-hash every part Glacier holds from the file, even if the file looks unchanged')
      .option('--force', "when resuming, replace the parts of an upload that match none of this file's bytes (another file's upload)")
      .addOption(progressOption())
      .option('--json', 'print the result as one JSON object'),
  ).action(act('upload'));

  withConnection(
    program
      .command('resume')
      .description('finish an interrupted upload: from its journal, or from a file, vault and upload id')
      .argument('[file]', "the file being uploaded (not needed with --journal), or '-' to read the same bytes again from stdin")
      .option('--journal <file>', 'the journal an earlier upload wrote')
      .option('--vault <name>', 'the vault (with --upload-id)')
      .option('--upload-id <id>', 'the multipart upload id to continue')
      .addOption(concurrencyOption())
      .addOption(threadsOption(UPLOAD_THREADS))
      .addOption(engineOption())
      .option('--abort-on-interrupt', 'on Ctrl-C abort the multipart upload instead of leaving it resumable')
      .option('--abort-on-error', 'on failure abort the multipart upload instead of leaving it resumable')
      .option('--verify', 'when resuming, re-hash every part Glacier holds from the file, even if the file looks unchanged')
      .option('--force', "when resuming, replace the parts of an upload that match none of this file's bytes (another file's upload)")
      .addOption(progressOption())
      .option('--json', 'print the result as one JSON object'),
  ).action(act('resume'));
}

/** uploads, parts, abort, vault create|describe: looking at and tidying a vault. */
function addManagementCommands(program: Command, act: Act): void {
  withConnection(
    program
      .command('uploads')
      .description("list a vault's open multipart uploads")
      .requiredOption('--vault <name>', 'the vault')
      .option('--json', 'print a JSON array'),
  ).action(act('uploads'));

  withConnection(
    program
      .command('parts')
      .description('list the parts Glacier holds for an open multipart upload')
      .requiredOption('--vault <name>', 'the vault')
      .requiredOption('--upload-id <id>', 'the multipart upload id')
      .option('--json', 'print a JSON object'),
  ).action(act('parts'));

  withConnection(
    program
      .command('abort')
      .description('abort an open multipart upload (Glacier discards its parts)')
      .requiredOption('--vault <name>', 'the vault')
      .requiredOption('--upload-id <id>', 'the multipart upload id'),
  ).action(act('abort'));

  const vault = program.command('vault').description('create or describe a vault');
  withConnection(vault.command('create').description('create a vault (succeeds if it exists)').argument('<name>', 'vault name: 1-255 of a-z A-Z 0-9 _ . -').option('--json', 'print a JSON object')).action(act('vault create'));
  withConnection(vault.command('describe').description("show a vault's ARN, archive count and size").argument('<name>', 'vault name').option('--json', 'print a JSON object')).action(act('vault describe'));
}

/** retrieve, jobs, download: getting archives back. */
function addRetrievalCommands(program: Command, act: Act): void {
  withConnection(
    program
      .command('retrieve')
      .description('start an archive-retrieval job; prints its id and the download command that finishes it')
      .requiredOption('--vault <name>', 'the vault')
      .requiredOption('--archive-id <id>', 'the archive to retrieve')
      .option('--tier <tier>', 'Expedited (minutes), Standard (hours, the default) or Bulk (5-12 h)')
      .option('--range <first-last>', 'only these archive bytes (inclusive; FIRST a multiple of 1 MiB, LAST+1 too or the archive end)')
      .option('--json', 'print the job as one JSON object'),
  ).action(act('retrieve'));

  withConnection(
    program
      .command('jobs')
      .description("list a vault's jobs and their state")
      .requiredOption('--vault <name>', 'the vault')
      .option('--completed', 'only jobs that have completed')
      .option('--json', 'print a JSON array'),
  ).action(act('jobs'));

  withConnection(
    program
      .command('download')
      .description("download a retrieval job's output (or start one for an archive), verified chunk by chunk; resumable")
      .requiredOption('--vault <name>', 'the vault')
      .option('--job-id <id>', 'a retrieval job started earlier (glacier-multipart retrieve)')
      .option('--archive-id <id>', 'start a retrieval job for this archive (or continue the one its journal names)')
      .option('--tier <tier>', 'with --archive-id: Expedited, Standard (default) or Bulk')
      .option('--range <first-last>', 'with --archive-id: only these archive bytes (inclusive, megabyte aligned)')
      .requiredOption('--out <file>', "where to write the archive, or '-' for stdout")
      .addOption(new Option('--chunk-size <size>', 'bytes per ranged request, 1 MiB x 2^k up to 1GiB (default 16MiB)').argParser(chunkSizeArg))
      .addOption(new Option('--concurrency <n>', `ranged requests in flight at once, at most ${LIMITS.downloadConcurrency.max} (default ${LIMITS.downloadConcurrency.default})`).argParser(intArg('downloadConcurrency')))
      .option('--wait', 'wait for the job to complete (the default)')
      .option('--no-wait', 'fail at once if the job has not completed yet')
      .addOption(new Option('--poll-interval <ms>', 'milliseconds between job status checks (default: from 1 s, growing to minutes)').argParser(intArg('pollInterval')))
      .option('--journal <file>', 'where to record verified chunks for a resume (default: <file>.glacier-download.json)')
      .option('--overwrite', 'replace --out if it exists')
      .addOption(threadsOption(UPLOAD_THREADS))
      .addOption(engineOption())
      .addOption(progressOption())
      .option('--json', 'print the result as one JSON object'),
  ).action(act('download'));
}

/** serve, demo, bench: the local server and the tools around it. */
function addToolCommands(program: Command, act: Act): void {
  program
    .command('serve')
    .description('run the local Glacier-compatible server in the foreground (Ctrl-C stops it)')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .addOption(new Option('--port <port>', 'port (0 picks a free one)').argParser(intArg('port')).default(3000))
    .option('--data-dir <dir>', 'where vaults and archives are stored (default: a new temporary directory)')
    .option('--access-key-id <id>', 'verify SigV4 signatures with these credentials (with --secret-access-key)')
    .option('--secret-access-key <key>', 'the secret key for --access-key-id')
    .option('--allow-any-host', 'serve requests for any Host name (default without credentials: only localhost, 127.x, [::1] and --host, against DNS rebinding)')
    .addOption(new Option('--job-delay <ms>', 'milliseconds before a job completes: one number, or per tier as expedited=MS,standard=MS,bulk=MS').argParser(jobDelayArg))
    .addOption(new Option('--latency <duration>', 'emulate a distant Glacier: delay every byte this long each way, e.g. 25ms (a round trip takes twice it)').argParser(latencyArg))
    .addOption(new Option('--bandwidth <rate>', 'emulate a link of this speed per direction, shared by all connections, e.g. 400Mbit, 1Gbit').argParser(bandwidthArg))
    .action(act('serve'));

  program
    .command('demo')
    .description('the whole job on the embedded local server, no AWS account: upload a file with the pool, read it back, verify')
    .addOption(new Option('--size <size>', 'random bytes to generate').argParser(sizeArg).default(256 * 1024 * 1024, '256MiB'))
    .option('--file <file>', 'upload this file instead of random bytes')
    .addOption(new Option('--part-size <size>', "part size or 'auto'").argParser(partSizeArg).default('auto'))
    .addOption(concurrencyOption())
    .addOption(threadsOption(UPLOAD_THREADS))
    .addOption(engineOption())
    .addOption(progressOption())
    .option('--json', 'print the summary as one JSON object')
    .action(act('demo'));

  program
    .command('bench')
    .description('run the hash, pool and upload benchmarks; write bench/results/latest.json and chart.svg')
    .option('--quick', 'smaller sizes (minutes become seconds; figures are noisier)')
    .addOption(new Option('--size <size>', 'data size for every suite instead of the defaults (at least 4MiB)').argParser(sizeArg))
    .option('--only <list>', 'comma-separated subset of: hash,pool,upload,download,sync,restore,wan')
    .option('--out <dir>', 'results folder (default: bench/results in the package; with --quick, a new temporary folder)')
    .option('--readme <file>', "replace the benchmark section of this README (e.g. README.md) with the results")
    .action(act('bench'));
}

export interface RunOptions {
  /** Aborted by the first Ctrl-C (main.ts wires SIGINT to it). */
  signal?: AbortSignal;
  /** How to run this CLI again in printed next steps (main.ts passes invocation()). */
  self?: string;
}

/** Parses argv and runs one command; resolves to the process exit status. */
export async function run(argv: string[], io: Io, runOptions: RunOptions = {}): Promise<number> {
  const signal = runOptions.signal ?? new AbortController().signal;
  const self = runOptions.self ?? 'glacier-multipart';
  let ctx: Context | undefined;
  let status = EXIT_OK;
  const program = buildProgram(io, self, async (name, args, opts) => {
    ctx = createContext(io, Boolean(opts.debug), signal, self);
    const { commands } = await import('./commands.js');
    const result = await commands[name]!(ctx, args, opts);
    status = typeof result === 'number' ? result : EXIT_OK;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return status;
  } catch (thrown) {
    // An option the library refused is reported under its flag (exit 2), like the parsers' own.
    const err = asUsageError(thrown);
    if (err instanceof CommanderError) {
      // --help and --version end parsing "with an error" that is really success.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_OK;
      return EXIT_USAGE;
    }
    const debug = ctx?.debug ?? argv.includes('--debug');
    const where = { self, endpoint: ctx?.endpoint };
    if (signal.aborted && isAbort(err)) {
      // stdout was closed under us (`… | head -1`): stopping is all that was asked for.
      if ((signal.reason as { code?: string } | undefined)?.code === 'EPIPE') return EXIT_OK;
      io.stderr.write(`${formatError(err, debug, where)}\n`);
      return EXIT_INTERRUPTED;
    }
    io.stderr.write(`${formatError(err, debug, where)}\n`);
    if (err instanceof UsageError) io.stderr.write(`(run '${self} ${commandPath(argv)} --help' for usage)\n`);
    return exitCodeFor(err) === EXIT_USAGE ? EXIT_USAGE : EXIT_FAILURE;
  }
}

/** The subcommand words of argv (e.g. 'vault create'), for pointing at the right --help. */
function commandPath(argv: string[]): string {
  const words = argv.filter((a) => !a.startsWith('-'));
  return (words[0] === 'vault' || words[0] === 'catalog') && words[1] ? `${words[0]} ${words[1]}` : (words[0] ?? '');
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || /abort|cancel|interrupt/i.test(`${err.name} ${(err as { code?: string }).code ?? ''}`));
}
