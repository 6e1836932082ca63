import { CliUsageError } from '../errors.js';
import type { Context } from '../output.js';
import type { BenchFlags } from '../definitions/tools.js';

/** `bench`: the benchmark report (bench/report.ts) from the compiled package. */
export async function benchCommand(ctx: Context, opts: BenchFlags): Promise<number> {
  const { runBenchReport, parseSuites } = await import('../../../bench/report.js');
  try {
    parseSuites(opts.only);
  } catch (err) {
    throw new CliUsageError(`--only: ${(err as Error).message}`);
  }
  if (opts.size !== undefined && (opts.size < 4 * 1024 * 1024 || opts.size % (1024 * 1024) !== 0)) {
    throw new CliUsageError('--size must be a whole number of MiB, at least 4MiB (e.g. --size 64MiB).');
  }
  await runBenchReport({
    quick: Boolean(opts.quick),
    only: opts.only,
    outDir: opts.out,
    readme: opts.readme,
    ...(opts.size !== undefined ? { size: opts.size } : {}),
    signal: ctx.signal,
    log: (line: string) => ctx.note(line),
    print: (line: string) => ctx.out(line),
  });
  return 0;
}
