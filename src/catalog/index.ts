// The catalog layer: mt-aws-glacier-compatible catalogs, archive descriptions, inventories,
// many-file sync, restore, check, delete/purge and shards.
export * from './errors.js';
export { Catalog, nowSeconds, type CatalogArchive, type RetrieveJobEntry, type OpenCatalogOptions } from './catalog.js';
export { parseCatalogLine, formatCatalogLine, type CatalogRecord } from './catalog-line.js';
export { checkCatalogPath, catalogPathProblem, toCatalogPath } from './paths.js';
export {
  encodeDescription, decodeDescription, formatMtime, parseMtime, type DecodedDescription, type DescriptionFormat,
} from './descriptions.js';
export {
  parseInventory, inventoryRecord, type InventoryArchive, type InventoryFormat, type InventoryHeader, type ParseInventoryOptions,
} from './inventory.js';
export { parseShard, shardOf, inShard, type Shard } from './shards.js';
export { globToRegExp, pathFilter } from './globs.js';
export { mergeCatalogs, type MergeCatalogsResult } from './merge.js';
