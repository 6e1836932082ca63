import { Command, CommanderError } from 'commander';
import { UsageError } from '../errors.js';
import { asUsageError } from './flags.js';
import { addDefinition, type CommandDefinition } from './define.js';
import { COMMANDS, GROUPS } from './definitions/index.js';
import {
  createContext, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, exitCodeFor, formatError,
  type Context, type Io,
} from './output.js';

const VERSION = '0.1.0';

/** Runs one command: its definition, the arguments commander parsed, and its flags (with the globals). */
export type Runner = (d: CommandDefinition<any, any>, args: unknown[], opts: Record<string, unknown>) => Promise<void>;

/**
 * Builds the command tree from the definitions (definitions/index.ts). `runner` runs a command's
 * implementation (lazy-loaded, so `--help` and usage errors never load the AWS SDK or start workers).
 */
export function buildProgram(io: Io, self: string, runner: Runner): Command {
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

  const act = (d: CommandDefinition<any, any>) =>
    async (...all: unknown[]) => {
      const cmd = all[all.length - 1] as Command;
      await runner(d, all.slice(0, -2), cmd.optsWithGlobals());
    };
  for (const d of COMMANDS) {
    const group = d.name.split(' ')[0]!;
    if (GROUPS[group] && d.name !== group && !program.commands.some((c) => c.name() === group)) {
      program.command(group).description(GROUPS[group]!);
    }
    addDefinition(program, d, act);
  }

  // A usage error names the command's own usage and where to read more, not just the top level's.
  const hint = (cmd: Command, path: string) => {
    cmd.showHelpAfterError(`usage: ${path} ${cmd.usage()}\n(run '${path.replace(/^glacier-multipart/, self)} --help' for all options)`);
    for (const sub of cmd.commands) hint(sub, `${path} ${sub.name()}`);
  };
  hint(program, 'glacier-multipart');
  return program;
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
  const program = buildProgram(io, self, async (d, args, opts) => {
    ctx = createContext(io, Boolean(opts.debug), signal, self);
    const result = await d.run(ctx, args as string[], opts);
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
      // Not the cancelled request's own words ("The upload was cancelled…" during an inventory):
      // which command stopped, and why.
      const why = signal.reason instanceof Error ? signal.reason.message : 'interrupted';
      io.stderr.write(`glacier-multipart: ${commandPath(argv) || 'the command'} stopped (${why}); nothing more was done\n`);
      if (debug) io.stderr.write(`${formatError(err, debug, where)}\n`);
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
