/** The migrate command's definition, added to the program by buildProgram (implementation: migrate.ts). */
import { type Command, Option } from 'commander';
import type { CatalogProgramHelpers } from './catalog-program.js';
import { intArg, sizeArg } from '../flags.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addMigrateCommand(program: Command, h: CatalogProgramHelpers): void {
  h.withConnection(
    program
      .command('migrate')
      .description('copy every archive of a vault into S3 (or a directory): verified, paced, resumable (rerun to continue), sharded; the vault is never changed')
      .requiredOption('--vault <name>', 'the vault to empty')
      .option('--to <s3url>', 'destination bucket and prefix: s3://BUCKET/PREFIX')
      .option('--to-dir <dir>', 'destination directory instead of S3')
      .addOption(new Option('--storage-class <class>', 'S3 storage class of the objects').choices(['DEEP_ARCHIVE', 'GLACIER', 'GLACIER_IR', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'STANDARD']).default('DEEP_ARCHIVE'))
      .addOption(new Option('--tier <tier>', 'retrieval tier (Expedited without capacity falls back to Standard)').choices(['Bulk', 'Standard', 'Expedited']).default('Bulk'))
      .option('--names <how...>', "object names: 'descriptions' (default: mt2/mt1/FastGlacier/plain paths, else the archive id), 'catalog FILE' or 'csv FILE' (archive id,key rows)")
      .option('--inventory <file>', 'an inventory saved earlier (JSON or CSV) instead of an inventory job')
      .option('--inventory-job-id <id>', 'an inventory job started earlier')
      .option('--catalog <file>', 'take the archives from this catalog (mt-aws-glacier journal) instead of an inventory')
      .addOption(new Option('--max-bytes-per-day <size>', 'retrieve at most this much per 24 h (default: as fast as copying goes)').argParser(sizeArg))
      .option('--shard <I/N>', "only this worker's share of the archives: I from 0 to N-1 (e.g. $JOB_COMPLETION_INDEX/4)")
      .option('--include <glob>', 'only names matching (repeatable)', collect)
      .option('--exclude <glob>', 'leave out names matching (repeatable)', collect)
      .option('--state <file>', 'the state file (default glacier-migrate-VAULT[-shard-I-of-N].state.jsonl here)')
      .addOption(new Option('--concurrency <n>', 'parts in flight at once; memory is this x --chunk-size (default 4)').argParser(intArg('downloadConcurrency', '--concurrency')))
      .addOption(new Option('--chunk-size <size>', 'part size, 1 MiB x 2^k from 8MiB (default 16MiB)').argParser(sizeArg))
      .option('--s3-endpoint <url>', 'S3 endpoint (default: AWS_ENDPOINT_URL_S3; with a local --endpoint, the same one)')
      .addOption(new Option('--poll-interval <ms>', 'milliseconds between job status checks').argParser(intArg('pollInterval', '--poll-interval')))
      .option('--dry-run', 'print the plan (archives, bytes, jobs per day, days); start nothing')
      .option('--yes', 'start without asking')
      .option('--verify', "re-check every object (size, metadata, checksum) against the inventory; with --verify-content also its bytes")
      .option('--verify-content', 'with --verify: read every object back and compare its tree hash')
      .addOption(h.threadsOption('one per core but one, at least one'))
      .option('--json', 'print the report as one JSON object'),
  ).action(h.act('migrate'));
}
