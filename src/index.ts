export * from './errors.js';
export * from './hash/index.js';
export * from './pool/index.js';
export * from './glacier/index.js';
export * from './server/index.js';
export * from './catalog/index.js';
// The one option contract: every numeric limit and default, and the error a bad option throws.
export {
  InvalidOptionError, LIMITS, DEFAULTS, limitText, checkLimit, type Limit, type LimitKey,
} from './options.js';
export { LockHeldError, CatalogLockedError, JournalLockedError, type LockHolder } from './lock-file.js';
export * from './migrate/index.js';
