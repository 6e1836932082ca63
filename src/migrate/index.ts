// The migrate layer: a whole vault into S3 (or a directory), verified, paced, resumable, sharded.
export { migrateVault } from './migrate-vault.js';
export { verifyMigration, type VerifyMigrationOptions, type VerifyReport } from './verify.js';
export { planMigration, type Plan, type PlanSummary, type PlannedArchive, type ArchiveSource, type SourceArchive } from './plan.js';
export { nameOf, uniqueName, readNameCsv, type Naming } from './naming.js';
export { MigrationState, type StateRecord } from './state.js';
export { formatPlan, formatReport, type MigrationReport, type MigrationFailure } from './report.js';
export { InvalidMigrateOptionError, MigrationStateError, ArchiveCopyError } from './errors.js';
export { STORAGE_CLASSES, checkMigrateOptions, type MigrateVaultOptions, type MigrateProgress, type S3Destination, type DirDestination } from './options.js';
