import { connect } from '../client.js';
import type { Context } from '../output.js';
import { formatSize } from '../size.js';
import { checkVaultName } from './manage.js';
import type { JobsFlags } from '../definitions/vault.js';

/** `jobs`: the vault's jobs (ListJobs, every page) and their state. */
export async function jobsCommand(ctx: Context, opts: JobsFlags): Promise<void> {
  const vaultName = checkVaultName(opts.vault);
  const { client } = await connect(opts, ctx.log);
  const { listJobs } = await import('../../glacier/index.js');
  try {
    const jobs = [];
    for await (const j of listJobs({
      client, vaultName, accountId: opts.accountId, signal: ctx.signal, maxAttempts: opts.maxAttempts, ...(opts.completed ? { completed: true } : {}),
    })) {
      jobs.push(j);
    }
    if (opts.json) {
      ctx.json(jobs.map(({ raw: _raw, ...j }) => j));
      return;
    }
    if (jobs.length === 0) {
      ctx.out(`no ${opts.completed ? 'completed ' : ''}jobs in vault ${vaultName}`);
      return;
    }
    for (const j of jobs) {
      const what = j.action === 'ArchiveRetrieval'
        ? `archive ${j.archiveId}${j.range && j.archiveSize !== undefined && (j.range.first !== 0 || j.range.last !== j.archiveSize - 1) ? ` bytes ${j.range.first}-${j.range.last}` : ''}`
        : 'inventory';
      const size = j.outputSize !== undefined ? `, ${formatSize(j.outputSize)}` : '';
      ctx.out(`${j.jobId}  ${j.statusCode.padEnd(10)}  ${(j.tier ?? '-').padEnd(9)}  ${what}${size}, created ${j.creationDate ?? '?'}`);
    }
  } finally {
    client.destroy();
  }
}
