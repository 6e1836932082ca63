/**
 * The CLI's one home of next steps: the pasteable command lines it prints ("resume with: …",
 * "abort it with: …", "start over with: …", "download it later with: …") and the one function that
 * turns a library error plus the invocation into that line. Library errors carry facts (vault,
 * upload id, job id, archive id, journal) and neutral words; the commands are written only here,
 * starting the CLI the way this run was started and repeating every connection option it used.
 */
import { shellQuote } from './quote.js';

/** How this run was started and what it was asked: what a printed command must repeat. */
export interface Invocation {
  /** How to run this CLI again: `glacier-multipart`, `npx glacier-multipart` or `node …/main.js`. */
  self: string;
  /** The command that ran ('upload', 'download', 'inventory', 'vault describe', …). */
  command?: string;
  /** Its options as parsed (vault, endpoint, region, accountId, out, tier, journal, catalog, …). */
  opts?: Record<string, unknown>;
  /** The endpoint it connected to. */
  endpoint?: string;
}

type Opts = Record<string, unknown> | undefined;

export function commandLine(ctx: { self: string }, words: string[], extra: string[] = []): string {
  return [ctx.self, ...[...words, ...extra].map(shellQuote)].join(' ');
}

/** --endpoint, --region and --account-id as this run used them (the account only when not '-'). */
export function connectionArgs(opts: { endpoint?: unknown; region?: unknown; accountId?: unknown } | undefined): string[] {
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const endpoint = text(opts?.endpoint);
  const region = text(opts?.region);
  const accountId = text(opts?.accountId);
  return [
    ...(endpoint ? ['--endpoint', endpoint] : []),
    ...(region ? ['--region', region] : []),
    ...(accountId && accountId !== '-' ? ['--account-id', accountId] : []),
  ];
}

/** A command line to print as a next step: this CLI as it was started, plus the run's connection options. */
export function nextCommand(ctx: { self: string }, words: string[], opts: Opts): string {
  return commandLine(ctx, words, connectionArgs(opts));
}

/** What an upload's next steps name: its source, vault and journal. */
export interface UploadTarget {
  /** A file path, or '-' for stdin. */
  source: string;
  vaultName: string;
  journal?: string;
  /** The journal is the file's default one (no --journal needed to find it again). */
  defaultJournal?: boolean;
  description?: string;
}

/** The command that continues an upload left open, as it must be pasted. */
export function resumeStep(ctx: { self: string }, job: UploadTarget, uploadId: string, opts: Opts): string {
  if (job.source === '-') {
    const cmd = nextCommand(ctx, ['resume', '-', ...(job.journal ? ['--journal', job.journal] : ['--vault', job.vaultName, '--upload-id', uploadId])], opts);
    return `pipe the same bytes in again: … | ${cmd}`;
  }
  return job.journal
    ? nextCommand(ctx, ['resume', '--journal', job.journal], opts)
    : nextCommand(ctx, ['resume', job.source, '--vault', job.vaultName, '--upload-id', uploadId], opts);
}

export function abortStep(ctx: { self: string }, vaultName: string, uploadId: string, opts: Opts): string {
  return nextCommand(ctx, ['abort', '--vault', vaultName, '--upload-id', uploadId], opts);
}

/** `upload … --restart`: aborts the journal's upload, deletes the journal and starts over. */
export function restartStep(ctx: { self: string }, job: UploadTarget, opts: Opts): string {
  return nextCommand(ctx, [
    'upload', job.source, '--vault', job.vaultName,
    ...(job.journal && !job.defaultJournal ? ['--journal', job.journal] : []),
    ...(job.description ? ['--description', job.description] : []),
    '--restart',
  ], opts);
}

/** Starting the upload over when the old one is gone: with --restart when a journal would otherwise resume it. */
export function uploadAgainStep(ctx: { self: string }, job: UploadTarget, opts: Opts): string {
  if (job.source === '-') return `… | ${nextCommand(ctx, ['upload', '-', '--vault', job.vaultName], opts)}`;
  return job.journal ? restartStep(ctx, job, opts) : nextCommand(ctx, ['upload', job.source, '--vault', job.vaultName], opts);
}

export function listUploadsStep(ctx: { self: string }, vaultName: string, opts: Opts): string {
  return nextCommand(ctx, ['uploads', '--vault', vaultName], opts);
}

/** The `download` command that finishes a job. */
export function downloadStep(ctx: { self: string }, vaultName: string, jobId: string, out: string | undefined, opts: Opts): string {
  return nextCommand(ctx, ['download', '--vault', vaultName, '--job-id', jobId, '--out', out ?? 'FILE'], opts);
}

export function retrieveStep(ctx: { self: string }, vaultName: string, archiveId: string, tier: string | undefined, opts: Opts): string {
  return nextCommand(ctx, ['retrieve', '--vault', vaultName, '--archive-id', archiveId, ...(tier ? ['--tier', tier] : [])], opts);
}

export function inventoryStep(ctx: { self: string }, vaultName: string, jobId: string | undefined, opts: Opts): string {
  const format = typeof opts?.format === 'string' && opts.format.toLowerCase() !== 'json' ? ['--format', opts.format] : [];
  return nextCommand(ctx, ['inventory', '--vault', vaultName, ...(jobId ? ['--job-id', jobId] : []), ...format], opts);
}

/** The fix for an endpoint that does not answer like Glacier. */
export function endpointStep(inv: { self: string }): string {
  return `check --endpoint (e.g. http://127.0.0.1:3000 for a local server started with: ${commandLine(inv, ['serve'])}; leave it out for real AWS), ` +
    'or pass --no-endpoint-check if it is a Glacier emulator that answers without AWS headers';
}

interface Facts {
  code?: unknown;
  vaultName?: unknown;
  archiveId?: unknown;
  jobId?: unknown;
  action?: unknown;
  keptChunks?: unknown;
  name?: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The job-related next steps: a job not ready, gone or failed. */
function jobStep(e: Facts, inv: Invocation, vault: string): string | undefined {
  const o = inv.opts;
  const jobId = str(e.jobId);
  const archiveId = str(e.archiveId) ?? str(o?.archiveId);
  const tier = str(o?.tier);
  const inventory = e.action === 'InventoryRetrieval' || e.code === 'INVENTORY_JOB_FAILED' || inv.command === 'inventory';
  switch (e.code) {
    case 'JOB_NOT_READY':
      if (!jobId) return undefined;
      return inventory ? `fetch it later with: ${inventoryStep(inv, vault, jobId, o)}`
        : `download it later with: ${downloadStep(inv, vault, jobId, str(o?.out), o)}`;
    case 'INVENTORY_JOB_FAILED':
      return `start a new inventory job with: ${inventoryStep(inv, vault, undefined, o)}`;
    case 'JOB_NOT_FOUND': case 'JOB_OUTPUT_EXPIRED': case 'JOB_FAILED':
      if (inventory) return `start a new inventory job with: ${inventoryStep(inv, vault, undefined, o)}`;
      if (!archiveId) return undefined;
      // With --archive-id, download starts a new job for the journal's bytes and keeps its verified chunks.
      if (typeof e.keptChunks === 'number' && e.keptChunks > 0 && str(o?.out)) {
        return `start a new retrieval job and continue (keeping the ${e.keptChunks} verified chunks) with: ` +
          nextCommand(inv, ['download', '--vault', vault, '--archive-id', archiveId, ...(tier ? ['--tier', tier] : []), '--out', str(o?.out)!], o);
      }
      return `start a new retrieval job with: ${retrieveStep(inv, vault, archiveId, tier, o)}`;
    case 'INSUFFICIENT_CAPACITY':
      return archiveId ? `use the Standard tier with: ${retrieveStep(inv, vault, archiveId, 'Standard', o)}` : undefined;
    default:
      return undefined;
  }
}

/**
 * The one next step for an error the library raised, in the CLI's words, from the error's facts
 * and the invocation; undefined when the error's own message says all there is. Upload failures
 * get theirs from the upload's outcome (reportFailure), which uses the builders above.
 */
export function nextStepFor(err: unknown, inv: Invocation): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as Error & Facts;
  const o = inv.opts;
  const vault = str(e.vaultName) ?? str(o?.vault) ?? (inv.command?.startsWith('vault ') ? str(o?.name) : undefined);
  switch (e.code) {
    case 'VAULT_NOT_FOUND':
      return vault ? `create it with: ${nextCommand(inv, ['vault', 'create', vault], o)} (or check --region and --account-id)` : undefined;
    case 'REQUEST_TIMEOUT':
      return 'check --endpoint and the network; if the link is that slow, raise --request-timeout';
    case 'UNEXPECTED_RESPONSE': case 'NOT_GLACIER':
      return endpointStep(inv);
    case 'DATA_DIR_IN_USE':
      return 'or give serve another --data-dir';
    case 'DESTINATION_EXISTS':
      return 'choose another --out, or add --overwrite to replace it';
    case 'CATALOG_VAULT_MISMATCH':
      return "pass that vault's catalog (or a new --catalog path), or add --force-vault if this catalog really is this vault's";
    case 'MIGRATION_STATE':
      return 'give another --state file (each vault, destination and shard has its own)';
    case 'INVALID_CATALOG': case 'CATALOG_ACCESS':
      return vault && str(o?.catalog) ? `or rebuild the catalog into a new file with: ${nextCommand(inv, ['inventory', '--vault', vault, '--catalog', `${str(o?.catalog)}.new`], o)}` : undefined;
    default:
      return vault ? jobStep(e, inv, vault) : undefined;
  }
}
