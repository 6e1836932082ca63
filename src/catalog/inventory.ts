/**
 * Vault inventories: parsed as a stream (JSON or Glacier's CSV) in bounded memory, and turned into
 * a catalog by decoding each archive's description. An inventory lags the vault by up to a day:
 * archives uploaded (or deleted) since Glacier last took it are not (or still) in it.
 */
import { CsvInventoryScanner } from './inventory-csv.js';
import { JsonInventoryScanner } from './inventory-json.js';
import { InventoryFormatError } from './errors.js';
import { decodeDescription } from './descriptions.js';
import type { CatalogRecord } from './catalog-line.js';

export type InventoryFormat = 'json' | 'csv';

export interface InventoryArchive {
  archiveId: string;
  description: string;
  /** ISO 8601, as Glacier writes it. */
  creationDate: string;
  size: number;
  treeHash: string;
}

export interface InventoryHeader {
  vaultARN?: string;
  inventoryDate?: string;
}

export interface ParseInventoryOptions {
  /** Default: 'json' when the first non-blank character is '{', else 'csv'. */
  format?: InventoryFormat | 'auto';
  /** JSON: called once the document has ended, with VaultARN and InventoryDate. */
  onHeader?: (header: InventoryHeader) => void;
}

const TREE_HASH = /^[0-9a-f]{64}$/i;

function archiveOf(fields: Record<string, unknown>, where: string): InventoryArchive {
  const { ArchiveId, ArchiveDescription, CreationDate, Size, SHA256TreeHash } = fields;
  if (typeof ArchiveId !== 'string' || ArchiveId === '') throw new InventoryFormatError(`${where} has no ArchiveId`);
  const size = typeof Size === 'number' ? Size : typeof Size === 'string' && /^\d+$/.test(Size) ? Number(Size) : NaN;
  if (!Number.isSafeInteger(size) || size < 0) throw new InventoryFormatError(`${where} (archive ${ArchiveId}) has no valid Size`);
  if (typeof SHA256TreeHash !== 'string' || !TREE_HASH.test(SHA256TreeHash)) throw new InventoryFormatError(`${where} (archive ${ArchiveId}) has no valid SHA256TreeHash`);
  if (typeof CreationDate !== 'string' || Number.isNaN(Date.parse(CreationDate))) throw new InventoryFormatError(`${where} (archive ${ArchiveId}) has no valid CreationDate`);
  return {
    archiveId: ArchiveId, description: typeof ArchiveDescription === 'string' ? ArchiveDescription : '',
    creationDate: CreationDate, size, treeHash: SHA256TreeHash.toLowerCase(),
  };
}

/**
 * Yields the archives of an inventory as its bytes arrive (a file stream, a job output body, ...),
 * holding one archive at a time: a vault of millions of archives parses in bounded memory.
 */
export async function* parseInventory(source: AsyncIterable<Uint8Array | string>, options: ParseInventoryOptions = {}): AsyncGenerator<InventoryArchive> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let format = options.format === 'auto' ? undefined : options.format;
  let json: JsonInventoryScanner | undefined;
  let csv: CsvInventoryScanner | undefined;
  const ready: InventoryArchive[] = [];
  const feed = (text: string) => {
    if (!format) {
      const first = /\S/.exec(text)?.[0];
      if (!first) return false;
      format = first === '{' ? 'json' : 'csv';
    }
    if (format === 'json') {
      json ??= new JsonInventoryScanner();
      json.push(text, (item, i) => ready.push(archiveOf(item, `ArchiveList entry ${i}`)));
    } else {
      csv ??= new CsvInventoryScanner();
      csv.push(text, (row, i) => ready.push(archiveOf({ ...row }, `CSV row ${i + 1}`)));
    }
    return true;
  };
  let pending = '';
  for await (const chunk of source) {
    let text: string;
    try {
      text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    } catch {
      throw new InventoryFormatError('it is not valid UTF-8');
    }
    // Until the format is known, keep leading whitespace-only text.
    if (!feed(pending + text)) pending += text;
    else pending = '';
    yield* ready.splice(0);
  }
  const tail = decoder.decode();
  if (tail) feed(tail);
  yield* ready.splice(0);
  if (format === 'json' && json) {
    json.end();
    options.onHeader?.({
      ...(typeof json.header['VaultARN'] === 'string' ? { vaultARN: json.header['VaultARN'] } : {}),
      ...(typeof json.header['InventoryDate'] === 'string' ? { inventoryDate: json.header['InventoryDate'] } : {}),
    });
  } else if (csv) {
    csv.end((row, i) => ready.push(archiveOf({ ...row }, `CSV row ${i + 1}`)));
    yield* ready.splice(0);
  } else {
    throw new InventoryFormatError('it is empty');
  }
}

/**
 * The catalog line for an inventory archive: the path and mtime its description carries (mt2, mt1,
 * FastGlacier, a plain path; else the archive id), TIME its creation date.
 */
export function inventoryRecord(a: InventoryArchive): CatalogRecord & { type: 'CREATED' } {
  const d = decodeDescription(a.description, a.archiveId);
  return {
    type: 'CREATED', time: Math.floor(Date.parse(a.creationDate) / 1000), archiveId: a.archiveId, size: a.size,
    mtime: d.mtime, treeHash: a.treeHash, path: d.path,
  };
}
