/**
 * The catalog commands' definitions (inventory, sync, restore, check, delete, purge, catalog merge),
 * added to the program by buildProgram. Their implementations live in the files beside this one and
 * load only when run (see catalog-registry.ts).
 */
import { type Command, Option } from 'commander';
import { LIMITS, RETRIEVAL_TIERS } from '../../options.js';
import { intArg, sizeArg } from '../flags.js';

export interface CatalogProgramHelpers {
  act: (name: string) => (...all: unknown[]) => Promise<void>;
  withConnection: (cmd: Command) => Command;
  progressOption: () => Option;
  threadsOption: (fallback?: string) => Option;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addCatalogCommands(program: Command, h: CatalogProgramHelpers): void {
  const filters = (cmd: Command) => cmd
    .option('--include <glob>', "only paths matching (repeatable): '*.jpg' matches names anywhere, 'photos/**' a subtree", collect)
    .option('--exclude <glob>', 'leave out paths matching (repeatable; wins over --include)', collect);

  h.withConnection(
    program
      .command('inventory')
      .description("list a vault's archives from an inventory job (Glacier takes hours; the inventory is up to a day old)")
      .requiredOption('--vault <name>', 'the vault')
      .addOption(new Option('--format <format>', 'inventory format to request').choices(['json', 'csv']).default('json'))
      .option('--job-id <id>', 'use this inventory job (started earlier) instead of starting one')
      .option('--from-file <file>', 'read an inventory downloaded earlier (e.g. saved with --out; JSON or CSV) instead of a job: no request is sent')
      .option('--out <file>', 'also save the raw inventory to this file')
      .option('--catalog <file>', 'write a catalog rebuilt from the inventory (paths and mtimes decoded from descriptions)')
      .option('--wait <minutes>', 'wait at most this long for the job, then print how to fetch it later (default 1440)')
      .option('--json', 'one JSON object per archive'),
  ).action(h.act('inventory'));

  h.withConnection(filters(
    program
      .command('sync')
      .description('upload the new (and changed) files of a directory, recording every archive in a catalog; rerun to continue')
      .requiredOption('--dir <dir>', 'the directory to sync')
      .requiredOption('--vault <name>', 'the vault')
      .requiredOption('--catalog <file>', 'the catalog of this vault (mt-aws-glacier journal format; created when missing)')
      .option('--new', 'upload files the catalog does not know (the default when no mode is given)')
      .option('--replace-modified', 'upload files whose size or mtime changed, then delete their old archives')
      .option('--delete-removed', 'delete the archives of catalog files no longer in the directory')
      .addOption(new Option('--detect <how>', "how --replace-modified spots a change: 'mtime' (size or mtime) or 'treehash'").choices(['mtime', 'treehash']).default('mtime'))
      .option('--dry-run', 'list what would be uploaded and deleted; send nothing')
      .option('--inventory-job <id>', 'adopt, from this finished inventory job, the archives of uploads a killed run began but never recorded (instead of uploading again)')
      .option('--from-inventory <file>', 'the same from an inventory saved earlier (inventory --out F)')
      .option('--shard <I/N>', 'only this host\'s share of the files: I from 0 to N-1 (e.g. $JOB_COMPLETION_INDEX/4)')
      .addOption(new Option('--part-size <size>', 'part size of multipart uploads (default: per file, at least 8MiB); smaller files go in one request').argParser(sizeArg))
      .addOption(new Option('--concurrency <n>', `small files uploading at once, at most ${LIMITS.syncConcurrency.max} (default: chosen from the link, from 8 up to 64)`).argParser(intArg('syncConcurrency')))
      .addOption(h.threadsOption('one per core but one, at least one'))
      .addOption(h.progressOption())
      .option('--json', 'print the result as one JSON object'),
  )).action(h.act('sync'));

  h.withConnection(filters(
    program
      .command('restore')
      .description('start retrieval jobs for catalog files missing locally; with --completed, download the finished ones')
      .requiredOption('--dir <dir>', 'the directory to restore into')
      .requiredOption('--vault <name>', 'the vault')
      .requiredOption('--catalog <file>', 'the catalog of this vault')
      .option('--completed', 'download, verify and place the files whose retrieval jobs have finished')
      .addOption(new Option('--tier <tier>', 'retrieval tier').choices([...RETRIEVAL_TIERS]).default('Standard'))
      .addOption(new Option('--max-files <n>', 'start at most this many jobs').argParser(intArg('maxFiles')))
      .option('--shard <I/N>', "only this host's share of the files")
      .addOption(h.threadsOption('one per core but one, at least one'))
      .option('--json', 'print the result as one JSON object'),
  )).action(h.act('restore'));

  filters(
    program
      .command('check')
      .description("re-hash local files and compare them with the catalog's tree hashes")
      .requiredOption('--dir <dir>', 'the synced directory')
      .requiredOption('--catalog <file>', 'the catalog')
      .option('--shard <I/N>', "only this host's share of the files")
      .addOption(h.threadsOption())
      .option('--json', 'print the result as one JSON object'),
  ).action(h.act('check'));

  h.withConnection(
    program
      .command('delete')
      .description('delete one archive (recorded as DELETED in --catalog when given)')
      .requiredOption('--vault <name>', 'the vault')
      .requiredOption('--archive-id <id>', 'the archive to delete')
      .option('--catalog <file>', 'record the deletion in this catalog'),
  ).action(h.act('delete'));

  h.withConnection(filters(
    program
      .command('purge')
      .description('delete every archive a catalog records, or an inventory lists (optionally only matching paths)')
      .requiredOption('--vault <name>', 'the vault')
      .option('--catalog <file>', 'delete the archives this catalog records (and record DELETED); with --from-inventory, record the deletions there')
      .option('--from-inventory', 'delete the archives an inventory lists (misses archives from the last day)')
      .option('--job-id <id>', 'with --from-inventory: use this finished inventory job')
      .option('--dry-run', 'list what would be deleted and the bytes; delete nothing')
      .option('--yes', 'do not ask for confirmation'),
  )).action(h.act('purge'));

  const catalog = program.command('catalog').description('work with catalog files');
  catalog
    .command('merge')
    .description('join catalogs (e.g. one per shard) into one')
    .argument('<catalogs...>', 'catalog files to merge')
    .requiredOption('--out <file>', 'the merged catalog (may be one of the inputs)')
    .action(h.act('catalog merge'));
  h.withConnection(
    catalog
      .command('reconcile')
      .description("compare a catalog with the vault's inventory: archives it does not know, duplicates, entries the vault lacks (a dry run unless told to act)")
      .requiredOption('--vault <name>', 'the vault')
      .requiredOption('--catalog <file>', 'the catalog of this vault')
      .option('--inventory-job <id>', 'a finished inventory job of the vault')
      .option('--from-inventory <file>', 'an inventory saved earlier (inventory --out F; JSON or CSV)')
      .option('--adopt', 'record the archives the catalog does not know')
      .option('--delete-duplicates', 'delete the younger copies of each file uploaded twice (same path and tree hash), keeping the oldest')
      .option('--yes', 'confirm --delete-duplicates')
      .option('--json', 'print the result as one JSON object'),
  ).action(h.act('catalog reconcile'));
}
