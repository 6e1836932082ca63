import { CliUsageError } from '../errors.js';
import type { Context } from '../output.js';

/** `bench`: the benchmark report (bench/report.ts) from the compiled package. */
export async function benchCommand(ctx: Context, opts: Record<string, any>): Promise<number> {
  const { runBenchReport, parseSuites } = await import('../../../bench/report.js');
  try {
    parseSuites(opts.only);
  } catch (err) {
    throw new CliUsageError(`--only: ${(err as Error).message}`);
  }
  await runBenchReport({
    quick: Boolean(opts.quick),
    only: opts.only,
    outDir: opts.out,
    readme: opts.readme,
    signal: ctx.signal,
    log: (line: string) => ctx.note(line),
    print: (line: string) => ctx.out(line),
  });
  return 0;
}
