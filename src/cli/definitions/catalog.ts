/**
 * The catalog commands (inventory, sync, restore, check, delete, purge, catalog merge). Their
 * implementations live in ../commands and load only when run.
 */
import { LIMITS, RETRIEVAL_TIERS, type RetrievalTier } from '../../options.js';
import { bool, defineCommand, oneOf, parsed, repeatable, req, str, withDefault, type FlagValues } from '../define.js';
import { intArg, sizeArg } from '../flags.js';
import { CONNECTION, json, progress, threads } from './common.js';

const FILTERS = {
  include: repeatable('--include <glob>', "only paths matching (repeatable): '*.jpg' matches names anywhere, 'photos/**' a subtree"),
  exclude: repeatable('--exclude <glob>', 'leave out paths matching (repeatable; wins over --include)'),
};
const SMALL_THREADS = 'one per core but one, at least one';

export const inventoryFlags = {
  vault: req('--vault <name>', 'the vault'),
  format: withDefault(oneOf('--format <format>', 'inventory format to request', ['json', 'csv'] as const), 'json'),
  jobId: str('--job-id <id>', 'use this inventory job (started earlier) instead of starting one'),
  fromFile: str('--from-file <file>', 'read an inventory downloaded earlier (e.g. saved with --out; JSON or CSV) instead of a job: no request is sent'),
  out: str('--out <file>', 'also save the raw inventory to this file'),
  catalog: str('--catalog <file>', 'write a catalog rebuilt from the inventory (paths and mtimes decoded from descriptions)'),
  wait: str('--wait <minutes>', 'wait at most this long for the job, then print how to fetch it later (default 1440)'),
  json: json('one JSON object per archive'),
  ...CONNECTION,
};
export type InventoryFlags = FlagValues<typeof inventoryFlags>;
export const inventory = defineCommand({
  name: 'inventory',
  description: "list a vault's archives from an inventory job (Glacier takes hours; the inventory is up to a day old)",
  flags: inventoryFlags,
  run: async (ctx, _args, opts) => (await import('../commands/inventory.js')).inventoryCommand(ctx, opts),
});

export const syncFlags = {
  dir: req('--dir <dir>', 'the directory to sync'),
  vault: req('--vault <name>', 'the vault'),
  catalog: req('--catalog <file>', 'the catalog of this vault (mt-aws-glacier journal format; created when missing)'),
  new: bool('--new', 'upload files the catalog does not know (the default when no mode is given)'),
  replaceModified: bool('--replace-modified', 'upload files whose size or mtime changed, then delete their old archives'),
  deleteRemoved: bool('--delete-removed', 'delete the archives of catalog files no longer in the directory'),
  detect: withDefault(oneOf('--detect <how>', "how --replace-modified spots a change: 'mtime' (size or mtime) or 'treehash'", ['mtime', 'treehash'] as const), 'mtime'),
  dryRun: bool('--dry-run', 'list what would be uploaded and deleted; send nothing'),
  forceVault: bool('--force-vault', 'use the catalog even though <catalog>.vault records another vault, account, region or endpoint'),
  inventoryJob: str('--inventory-job <id>', 'adopt, from this finished inventory job, the archives of uploads a killed run began but never recorded (instead of uploading again)'),
  fromInventory: str('--from-inventory <file>', 'the same from an inventory saved earlier (inventory --out F)'),
  shard: str('--shard <I/N>', 'only this host\'s share of the files: I from 0 to N-1 (e.g. $JOB_COMPLETION_INDEX/4)'),
  partSize: parsed('--part-size <size>', 'part size of multipart uploads (default: per file, at least 8MiB); smaller files go in one request', sizeArg),
  concurrency: parsed('--concurrency <n>', `small files uploading at once, at most ${LIMITS.syncConcurrency.max} (default: chosen from the link, from 8 up to 64)`, intArg('syncConcurrency')),
  threads: threads(SMALL_THREADS),
  progress: progress(),
  json: json('print the result as one JSON object'),
  ...FILTERS,
  ...CONNECTION,
};
export type SyncFlags = FlagValues<typeof syncFlags>;
export const sync = defineCommand({
  name: 'sync',
  description: 'upload the new (and changed) files of a directory, recording every archive in a catalog; rerun to continue',
  flags: syncFlags,
  run: async (ctx, _args, opts) => (await import('../commands/sync.js')).syncCommand(ctx, opts),
});

export const restoreFlags = {
  dir: req('--dir <dir>', 'the directory to restore into'),
  vault: req('--vault <name>', 'the vault'),
  catalog: req('--catalog <file>', 'the catalog of this vault'),
  completed: bool('--completed', 'download, verify and place the files whose retrieval jobs have finished'),
  tier: withDefault(oneOf('--tier <tier>', 'retrieval tier', RETRIEVAL_TIERS), 'Standard' as RetrievalTier),
  maxFiles: parsed('--max-files <n>', 'start at most this many jobs', intArg('maxFiles')),
  shard: str('--shard <I/N>', "only this host's share of the files"),
  threads: threads(SMALL_THREADS),
  json: json('print the result as one JSON object'),
  ...FILTERS,
  ...CONNECTION,
};
export type RestoreFlags = FlagValues<typeof restoreFlags>;
export const restore = defineCommand({
  name: 'restore',
  description: 'start retrieval jobs for catalog files missing locally; with --completed, download the finished ones',
  flags: restoreFlags,
  run: async (ctx, _args, opts) => (await import('../commands/restore.js')).restoreCommand(ctx, opts),
});

export const checkFlags = {
  dir: req('--dir <dir>', 'the synced directory'),
  catalog: req('--catalog <file>', 'the catalog'),
  shard: str('--shard <I/N>', "only this host's share of the files"),
  threads: threads(),
  json: json('print the result as one JSON object'),
  ...FILTERS,
};
export type CheckFlags = FlagValues<typeof checkFlags>;
export const check = defineCommand({
  name: 'check',
  description: "re-hash local files and compare them with the catalog's tree hashes",
  flags: checkFlags,
  run: async (ctx, _args, opts) => (await import('../commands/check.js')).checkCommand(ctx, opts),
});

export const deleteFlags = {
  vault: req('--vault <name>', 'the vault'),
  archiveId: req('--archive-id <id>', 'the archive to delete'),
  catalog: str('--catalog <file>', 'record the deletion in this catalog'),
  yes: bool('--yes', 'do not ask for confirmation'),
  ...CONNECTION,
};
export type DeleteFlags = FlagValues<typeof deleteFlags>;
export const deleteArchive = defineCommand({
  name: 'delete',
  description: 'delete one archive (recorded as DELETED in --catalog when given)',
  flags: deleteFlags,
  run: async (ctx, _args, opts) => (await import('../commands/delete.js')).deleteCommand(ctx, opts),
});

export const purgeFlags = {
  vault: req('--vault <name>', 'the vault'),
  catalog: str('--catalog <file>', 'delete the archives this catalog records (and record DELETED); with --from-inventory, record the deletions there'),
  fromInventory: bool('--from-inventory', 'delete the archives an inventory lists (misses archives from the last day)'),
  jobId: str('--job-id <id>', 'with --from-inventory: use this finished inventory job'),
  dryRun: bool('--dry-run', 'list what would be deleted and the bytes; delete nothing'),
  yes: bool('--yes', 'do not ask for confirmation'),
  forceVault: bool('--force-vault', 'with --catalog: go on even though <catalog>.vault records another vault, account, region or endpoint'),
  ...FILTERS,
  ...CONNECTION,
};
export type PurgeFlags = FlagValues<typeof purgeFlags>;
export const purge = defineCommand({
  name: 'purge',
  description: 'delete every archive a catalog records, or an inventory lists (optionally only matching paths)',
  flags: purgeFlags,
  run: async (ctx, _args, opts) => (await import('../commands/purge.js')).purgeCommand(ctx, opts),
});

export const reconcileFlags = {
  vault: req('--vault <name>', 'the vault'),
  catalog: req('--catalog <file>', 'the catalog of this vault'),
  inventoryJob: str('--inventory-job <id>', 'a finished inventory job of the vault'),
  fromInventory: str('--from-inventory <file>', 'an inventory saved earlier (inventory --out F; JSON or CSV)'),
  adopt: bool('--adopt', 'record the archives the catalog does not know'),
  deleteDuplicates: bool('--delete-duplicates', 'delete the younger copies of each file uploaded twice (same path and tree hash), keeping the oldest'),
  yes: bool('--yes', 'confirm --delete-duplicates'),
  json: json('print the result as one JSON object'),
  ...CONNECTION,
};
export type ReconcileFlags = FlagValues<typeof reconcileFlags>;
export const catalogReconcile = defineCommand({
  name: 'catalog reconcile',
  description: "compare a catalog with the vault's inventory: archives it does not know, duplicates, entries the vault lacks (a dry run unless told to act)",
  flags: reconcileFlags,
  run: async (ctx, _args, opts) => (await import('../commands/reconcile.js')).reconcileCommand(ctx, opts),
});

export const mergeFlags = { out: req('--out <file>', 'the merged catalog (may be one of the inputs)') };
export type MergeFlags = FlagValues<typeof mergeFlags>;
export const catalogMerge = defineCommand({
  name: 'catalog merge',
  description: 'join catalogs (e.g. one per shard) into one',
  args: [['<catalogs...>', 'catalog files to merge']],
  flags: mergeFlags,
  run: async (ctx, [inputs], opts) => (await import('../commands/catalog.js')).catalogMergeCommand(ctx, inputs, opts),
});
