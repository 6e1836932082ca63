// The catalog layer: mt-aws-glacier-compatible catalogs, archive descriptions, inventories,
// many-file sync, restore, check, delete/purge and shards.
export * from './errors.js';
export { Catalog, type CatalogArchive, type RetrieveJobEntry, type OpenCatalogOptions } from './catalog.js';
export type { CatalogRecord } from './catalog-line.js';
export {
  encodeDescription, decodeDescription, type DecodedDescription, type DescriptionFormat,
} from './descriptions.js';
export {
  parseInventory, inventoryRecord, type InventoryArchive, type InventoryFormat, type InventoryHeader, type ParseInventoryOptions,
} from './inventory.js';
export { parseShard, type Shard } from './shards.js';
export { pathFilter } from './globs.js';
export { checkVaultIdentity, readVaultIdentity, type VaultIdentity } from './vault-identity.js';
export {
  reconcileCatalog, readVaultArchives, type ReconcileOptions, type ReconcileResult, type DuplicateArchives, type VaultArchive, type InventorySource,
} from './reconcile.js';
export { readIntents, intentsFileOf, type UploadIntent } from './intents.js';
export { mergeCatalogs, type MergeCatalogsResult } from './merge.js';
export type { LocalFile, ScanOptions, SkippedEntry, SkipReason } from './scan.js';
export { notBackedUp, type SyncPlan, type PlannedUpload, type PlannedDeletion, type ChangeDetection } from './sync-plan.js';
export { syncDirectory, type SyncOptions, type SyncProgress, type SyncResult, type SyncedFile } from './sync.js';
export { deleteArchive, type DeleteArchiveOptions } from './delete-archive.js';
export { retrieveInventory, InventoryNotReadyError, InventoryJobError, type InventoryJobOptions } from './inventory-job.js';
export { purgeArchives, type PurgeOptions, type PurgeResult, type PurgeTarget } from './purge.js';
export { checkLocalFiles, type CheckOptions, type CheckResult } from './check.js';
export {
  startRestore, completeRestore, type RestoreOptions, type StartRestoreOptions, type StartRestoreResult, type CompleteRestoreOptions,
  type CompleteRestoreResult, type RestoreEntry,
} from './restore.js';
