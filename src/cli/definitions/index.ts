/** The CLI: the list of its command definitions, in the order --help shows them. */
import type { CommandDefinition } from '../define.js';
import { check, catalogMerge, catalogReconcile, deleteArchive, inventory, purge, restore, sync } from './catalog.js';
import { bench, demo, serve } from './tools.js';
import { migrate } from './migrate.js';
import { hash, resume, upload } from './transfer.js';
import { abort, download, jobs, parts, retrieve, uploads, vaultCreate, vaultDescribe } from './vault.js';

export const COMMANDS: readonly CommandDefinition<any, any>[] = [
  hash, upload, resume, uploads, parts, abort, vaultCreate, vaultDescribe, retrieve, jobs, download, serve, demo, bench,
  inventory, sync, restore, check, deleteArchive, purge, catalogMerge, catalogReconcile, migrate,
];

/** Descriptions of the words that only group subcommands. */
export const GROUPS: Readonly<Record<string, string>> = {
  vault: 'create or describe a vault',
  catalog: 'work with catalog files',
};
