/** The migrate command (implementation: ../commands/migrate.ts, loaded only when run). */
import { LIMITS, RETRIEVAL_TIERS, type RetrievalTier } from '../../options.js';
import { bool, defineCommand, oneOf, parsed, repeatable, req, str, withDefault, type Flag, type FlagValues } from '../define.js';
import { intArg, sizeArg } from '../flags.js';
import { CONNECTION, json, threads } from './common.js';

const STORAGE_CLASSES = ['DEEP_ARCHIVE', 'GLACIER', 'GLACIER_IR', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'STANDARD'] as const;

export const migrateFlags = {
  vault: req('--vault <name>', 'the vault to empty'),
  to: str('--to <s3url>', 'destination bucket and prefix: s3://BUCKET/PREFIX'),
  toDir: str('--to-dir <dir>', 'destination directory instead of S3'),
  storageClass: withDefault(oneOf('--storage-class <class>', 'S3 storage class of the objects', STORAGE_CLASSES), 'DEEP_ARCHIVE' as (typeof STORAGE_CLASSES)[number]),
  tier: withDefault(oneOf('--tier <tier>', 'retrieval tier (Expedited without capacity falls back to Standard)', RETRIEVAL_TIERS), 'Bulk' as RetrievalTier),
  names: { flags: '--names <how...>', description: "object names: 'descriptions' (default: mt2/mt1/FastGlacier/plain paths, else the archive id), 'catalog FILE' or 'csv FILE' (archive id,key rows)" } as Flag<string[], false>,
  inventory: str('--inventory <file>', 'an inventory saved earlier (JSON or CSV) instead of an inventory job'),
  inventoryJobId: str('--inventory-job-id <id>', 'an inventory job started earlier'),
  catalog: str('--catalog <file>', 'take the archives from this catalog (mt-aws-glacier journal) instead of an inventory'),
  maxBytesPerDay: parsed('--max-bytes-per-day <size>', 'retrieve at most this much per 24 h (default: as fast as copying goes)', sizeArg),
  shard: str('--shard <I/N>', "only this worker's share of the archives: I from 0 to N-1 (e.g. $JOB_COMPLETION_INDEX/4)"),
  include: repeatable('--include <glob>', 'only names matching (repeatable)'),
  exclude: repeatable('--exclude <glob>', 'leave out names matching (repeatable)'),
  state: str('--state <file>', 'the state file (default glacier-migrate-VAULT[-shard-I-of-N].state.jsonl here)'),
  concurrency: parsed('--concurrency <n>', `parts in flight at once, at most ${LIMITS.downloadConcurrency.max}; memory is this x --chunk-size (default 4)`, intArg('downloadConcurrency', '--concurrency')),
  chunkSize: parsed('--chunk-size <size>', 'part size, 1 MiB x 2^k from 8MiB (default 16MiB)', sizeArg),
  s3Endpoint: str('--s3-endpoint <url>', 'S3 endpoint (default: AWS_ENDPOINT_URL_S3; with a local --endpoint, the same one)'),
  pollInterval: parsed('--poll-interval <ms>', 'milliseconds between job status checks', intArg('pollInterval', '--poll-interval')),
  dryRun: bool('--dry-run', 'print the plan (archives, bytes, jobs per day, days); start nothing'),
  yes: bool('--yes', 'start without asking'),
  verify: bool('--verify', 're-check every object (size, metadata, checksum) against the inventory'),
  verifyContent: bool('--verify-content', 'with --verify: read every object back and compare its tree hash'),
  threads: threads('one per core but one, at least one'),
  json: json('print the report as one JSON object'),
  ...CONNECTION,
};
export type MigrateFlags = FlagValues<typeof migrateFlags>;
export const migrate = defineCommand({
  name: 'migrate',
  description: 'copy every archive of a vault into S3 (or a directory): verified, paced, resumable (rerun to continue), sharded; the vault is never changed',
  flags: migrateFlags,
  run: async (ctx, _args, opts) => (await import('../commands/migrate.js')).migrateCommand(ctx, opts),
});
