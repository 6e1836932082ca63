/** The migration's report: counts, bytes, jobs, and each failure with its reason. */
import type { PlanSummary } from './plan.js';
import type { JobCounters } from './retrieval.js';
import type { CopyStats } from './copy-context.js';

/** At most this many failures are listed one by one (all are counted, and in the state file). */
export const MAX_LISTED_FAILURES = 1000;

export interface MigrationFailure {
  archiveId: string;
  key: string | undefined;
  reason: string;
  code: string | undefined;
}

export interface MigrationReport {
  vaultName: string;
  destination: string;
  shard: string;
  stateFile: string;
  dryRun: boolean;
  plan: PlanSummary;
  /** Archives copied (and verified) by this run, and their bytes. */
  copied: number;
  bytesCopied: number;
  /** Archives an earlier run had copied (from the state file, or found in the destination). */
  alreadyDone: number;
  failed: number;
  failures: MigrationFailure[];
  /** Every archive of the plan is in the destination. */
  complete: boolean;
  jobs: JobCounters;
  copy: CopyStats;
  uploadsAborted: number;
  notes: string[];
}

const MiB = 1024 * 1024;
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * MiB) return `${(n / (1024 * 1024 * MiB)).toFixed(2)} TiB`;
  if (n >= 1024 * MiB) return `${(n / (1024 * MiB)).toFixed(2)} GiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  return `${n} B`;
}

/** The plan as --dry-run prints it. */
export function formatPlan(vaultName: string, destination: string, p: PlanSummary): string[] {
  return [
    `plan\tvault ${vaultName} -> ${destination}`,
    `archives\t${p.archives} (${p.inventoryArchives} in the inventory)`,
    `bytes\t${p.bytes} (${formatBytes(p.bytes)}), largest ${formatBytes(p.largest)}`,
    `duplicate names\t${p.duplicateNames} (suffixed with ~ and 12 hex digits of the archive id)`,
    `refused names\t${p.refused}`,
    `order\toldest first (${p.inventoryInDateOrder ? 'as the inventory lists them' : 'sorted by creation date; the inventory lists them otherwise'})`,
    p.days !== undefined ? `jobs per day\t${p.jobsPerDay}` : 'jobs per day\tas fast as copying goes (no daily byte budget)',
    p.days !== undefined ? `estimated days\t${p.days}` : 'estimated days\tabout 1 plus the copy time (jobs take 3-5 h Standard, 5-12 h Bulk)',
  ];
}

export function formatReport(r: MigrationReport): string[] {
  const lines = [
    `migrated\t${r.copied} archives, ${formatBytes(r.bytesCopied)} this run; ${r.alreadyDone} done earlier; ${r.failed} failed; ${r.plan.archives} planned`,
    `jobs\t${r.jobs.started} started, ${r.jobs.renewed} renewed before their window ended, ${r.jobs.expired} expired and restarted, ${r.jobs.expeditedFallbacks} Expedited fallbacks`,
    `parts\t${r.copy.partsUploaded} sent, ${r.copy.partsSkipped} already held by the destination, ${r.copy.retries} retries, ${r.uploadsAborted} leftover uploads aborted`,
  ];
  for (const f of r.failures) lines.push(`failed\t${f.archiveId}\t${f.key ?? '-'}\t${f.reason}`);
  if (r.failed > r.failures.length) lines.push(`failed\t… ${r.failed - r.failures.length} more (see ${r.stateFile})`);
  return lines;
}
