import { connect } from '../client.js';
import type { Context } from '../output.js';
import { checkVaultName } from './manage.js';
import { downloadCommandLine, parseRange, parseTier } from './retrieval-args.js';
import type { RetrieveFlags } from '../definitions/vault.js';

const EXPECTED: Record<string, string> = {
  Expedited: '1-5 minutes (archives up to 250 MB)',
  Standard: '3-5 hours',
  Bulk: '5-12 hours',
};

/** `retrieve`: starts an archive-retrieval job and prints its id and the download command that finishes it. */
export async function retrieveCommand(ctx: Context, opts: RetrieveFlags): Promise<void> {
  const vaultName = checkVaultName(opts.vault);
  const tier = parseTier(opts.tier);
  const range = parseRange(opts.range);
  const { client } = await connect(opts, ctx.log);
  const { initiateRetrievalJob } = await import('../../glacier/index.js');
  try {
    const { jobId, location } = await initiateRetrievalJob({
      client, vaultName, accountId: opts.accountId, archiveId: opts.archiveId, tier, range, signal: ctx.signal, maxAttempts: opts.maxAttempts,
    });
    const download = downloadCommandLine(ctx, vaultName, jobId, undefined, opts);
    const effectiveTier = tier ?? 'Standard';
    if (opts.json) {
      ctx.json({ jobId, vaultName, archiveId: opts.archiveId, tier: effectiveTier, range: range ?? null, location: location ?? null, download });
      return;
    }
    ctx.out(`job id:   ${jobId}`);
    ctx.out(`archive:  ${opts.archiveId}${range ? ` (bytes ${range.first}-${range.last})` : ''}`);
    ctx.out(`tier:     ${effectiveTier} (Glacier usually completes it in ${EXPECTED[effectiveTier]})`);
    ctx.out(`download it with (waits for the job): ${download}`);
  } finally {
    client.destroy();
  }
}
