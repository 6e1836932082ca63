// What retrieve, jobs and download share: their argument checks and the next-step command lines
// they print (which must work when pasted: same CLI invocation, same connection options).
import { RETRIEVAL_TIERS } from '../../options.js';
import { CliUsageError } from '../errors.js';
import type { Context } from '../output.js';
import { commandLine, connectionArgs } from '../next-step.js';
import type { ConnectionFlags } from '../definitions/common.js';

const MiB = 1024 * 1024;
/** Glacier's tiers, from the option contract. */
export const TIERS = RETRIEVAL_TIERS;

/** `--tier standard` and `--tier Standard` both work; Glacier wants the capitalised name. */
export function parseTier(value: string | undefined): (typeof TIERS)[number] | undefined {
  if (value === undefined) return undefined;
  const tier = TIERS.find((t) => t.toLowerCase() === value.trim().toLowerCase());
  if (!tier) throw new CliUsageError(`--tier "${value}" is not a retrieval tier: use Expedited (minutes), Standard (hours) or Bulk (5-12 h).`, 'INVALID_TIER');
  return tier;
}

/** `--range FIRST-LAST`: inclusive archive bytes, FIRST a multiple of 1 MiB (checked before any request). */
export function parseRange(value: string | undefined): { first: number; last: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(value);
  const first = m ? Number(m[1]) : NaN;
  const last = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first) {
    throw new CliUsageError(`--range "${value}" is not FIRST-LAST (inclusive byte offsets, FIRST <= LAST), e.g. --range 0-1048575.`, 'INVALID_RANGE');
  }
  if (first % MiB !== 0) {
    throw new CliUsageError(`--range ${value}: FIRST must be a multiple of 1048576 (1 MiB), e.g. ${Math.floor(first / MiB) * MiB}-${last}; LAST+1 a multiple of 1048576 or the archive's size.`, 'RANGE_NOT_ALIGNED');
  }
  return { first, last };
}

/** A command line to print as a next step: this CLI as it was started, plus the run's connection options. */
export function nextCommand(ctx: Context, words: string[], opts: ConnectionFlags): string {
  return commandLine(ctx, words, connectionArgs(opts));
}

/** The `download` command that finishes a job. */
export function downloadCommandLine(ctx: Context, vaultName: string, jobId: string, out: string | undefined, opts: ConnectionFlags): string {
  return nextCommand(ctx, ['download', '--vault', vaultName, '--job-id', jobId, '--out', out ?? 'FILE'], opts);
}
