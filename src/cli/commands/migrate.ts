import { createInterface } from 'node:readline/promises';
import { connect } from '../client.js';
import { CliUsageError } from '../errors.js';
import { commandLine } from '../next-step.js';
import { EXIT_FAILURE, EXIT_INTERRUPTED, type Context } from '../output.js';
import { checkVaultName } from './manage.js';
import { usage } from './sync.js';
import type { MigrateFlags } from '../definitions/migrate.js';

type Destination = { bucket: string; prefix: string } | { dir: string };

function destinationOf(opts: MigrateFlags): Destination {
  if ((opts.to === undefined) === (opts.toDir === undefined)) {
    throw new CliUsageError('Give one destination: --to s3://BUCKET/PREFIX or --to-dir DIR.');
  }
  if (opts.toDir !== undefined) return { dir: opts.toDir };
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(opts.to!);
  if (!m) throw new CliUsageError(`--to ${opts.to}: write it as s3://BUCKET or s3://BUCKET/PREFIX, e.g. s3://my-archive/vault-photos/.`);
  return { bucket: m[1]!, prefix: m[2]! };
}

function namingOf(names: string[] | undefined): 'descriptions' | { csv: string } | { catalog: string } {
  if (!names || (names.length === 1 && names[0] === 'descriptions')) return 'descriptions';
  if (names.length === 2 && (names[0] === 'csv' || names[0] === 'catalog')) return names[0] === 'csv' ? { csv: names[1]! } : { catalog: names[1]! };
  throw new CliUsageError(`--names ${names.join(' ')}: use 'descriptions', 'catalog FILE' or 'csv FILE'.`);
}

async function confirm(ctx: Context, question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: ctx.io.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export async function migrateCommand(ctx: Context, opts: MigrateFlags): Promise<number> {
  const vaultName = checkVaultName(opts.vault);
  const dest = destinationOf(opts);
  const naming = namingOf(opts.names);
  const lib = await import('../../migrate/index.js');
  const sources = {
    ...(opts.inventory !== undefined ? { inventory: opts.inventory as string } : {}),
    ...(opts.inventoryJobId !== undefined ? { inventoryJobId: opts.inventoryJobId as string } : {}),
    ...(opts.catalog !== undefined ? { catalog: opts.catalog as string } : {}),
  };
  const checked = 'bucket' in dest ? { bucket: dest.bucket, prefix: dest.prefix, storageClass: opts.storageClass } : dest;
  // Every option checked before the first request.
  await usage('migrate', () => lib.checkMigrateOptions({
    vaultName, destination: checked, naming, ...sources, shard: opts.shard, concurrency: opts.concurrency, chunkSize: opts.chunkSize,
    ...(opts.maxBytesPerDay !== undefined ? { budget: { maxBytesPerDay: opts.maxBytesPerDay as number } } : {}),
  }));
  const { client, conn } = await connect(opts, ctx);
  const { S3Client } = await import('@aws-sdk/client-s3');
  const s3Endpoint = opts.s3Endpoint ?? (process.env.AWS_ENDPOINT_URL_S3 || undefined) ?? (conn.local ? conn.endpoint : undefined);
  const s3 = 'bucket' in dest ? new S3Client({
    region: conn.region, ...(conn.credentials ? { credentials: conn.credentials } : {}),
    ...(s3Endpoint ? { endpoint: s3Endpoint, forcePathStyle: true } : {}), maxAttempts: 1,
  }) : undefined;
  const { HashPool } = await import('../../pool/index.js');
  const pool = new HashPool(opts.threads !== undefined ? { threads: opts.threads } : {});
  const destination = 'bucket' in dest ? { ...checked, client: s3! } : dest;
  // A run that started an inventory job is continued by a command that names it (no second job).
  let startedJob: string | undefined;
  const again = (extra: string[] = []) => commandLine(ctx, [...process.argv.slice(2), ...(startedJob ? ['--inventory-job-id', startedJob] : []), ...extra]);
  const onInventoryJob = (jobId: string, started: boolean) => {
    if (!started || opts.inventoryJobId !== undefined) return;
    startedJob = jobId;
    ctx.note(`stop any time and continue with: ${again()}`);
  };
  const base = {
    vaultName, accountId: opts.accountId, destination, tier: opts.tier, naming, client, pool,
    ...sources,
    include: opts.include, exclude: opts.exclude, shard: opts.shard, state: opts.state, concurrency: opts.concurrency, chunkSize: opts.chunkSize,
    maxAttempts: opts.maxAttempts, requestTimeout: opts.requestTimeout, signal: ctx.signal, onNote: (n: string) => ctx.note(n), onInventoryJob,
    ...(opts.maxBytesPerDay !== undefined ? { budget: { maxBytesPerDay: opts.maxBytesPerDay as number } } : {}),
    ...(opts.pollInterval !== undefined ? { wait: { pollInterval: opts.pollInterval as number } } : {}),
  };
  try {
    if (opts.verify) {
      const v = await lib.verifyMigration({ ...base, content: Boolean(opts.verifyContent) });
      if (opts.json) ctx.json(v);
      else {
        for (const f of v.failures) ctx.out(`problem\t${f.archiveId}\t${f.key ?? '-'}\t${f.reason}`);
        ctx.note(`verified ${v.ok} of ${v.checked} archives (${v.bytes} bytes) against the inventory; ${v.problems} problems`);
      }
      return v.problems ? EXIT_FAILURE : 0;
    }
    const plan = await lib.migrateVault({ ...base, dryRun: true });
    const where = plan.destination;
    if (opts.dryRun || !opts.yes) {
      if (opts.json && opts.dryRun) ctx.json(plan.plan);
      else for (const line of lib.formatPlan(vaultName, where, plan.plan)) ctx.out(line);
      if (opts.dryRun) return 0;
      if (!(await confirm(ctx, `Start retrieval jobs (${opts.tier}) and copy ${plan.plan.archives} archives to ${where}? [y/N] `))) {
        throw new CliUsageError(`Nothing started: run again with --yes to start (${again(['--yes'])}), or --dry-run to only see the plan.`);
      }
    }
    let last = 0;
    const r = await lib.migrateVault({
      ...base,
      onProgress: (p) => {
        const now = Date.now();
        if (now - last < 1000 && p.phase !== 'done') return;
        last = now;
        ctx.note(`progress\t${p.archivesDone}/${p.archivesTotal} archives, ${p.bytesDone}/${p.bytesTotal} bytes, ${p.staged} staged, ${p.archivesFailed} failed`);
      },
    });
    if (opts.json) ctx.json(r);
    else for (const line of lib.formatReport(r)) ctx.out(line);
    if (!r.complete) ctx.note(`not complete: run the same command again to retry and continue: ${again()}`);
    return r.failed ? EXIT_FAILURE : 0;
  } catch (err) {
    if (ctx.signal.aborted) {
      ctx.note(`migrate stopped; run the same command again to continue where it stopped: ${again()}`);
      return EXIT_INTERRUPTED;
    }
    throw err;
  } finally {
    client.destroy();
    s3?.destroy();
    await pool.destroy();
  }
}
