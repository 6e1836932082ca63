// Inventory-retrieval jobs: their InventoryRetrievalParameters (StartDate, EndDate, Limit, Marker) and
// their output, written to disk in pieces as Amazon formats it (JSON or Glacier's CSV) so a vault of
// millions of archives neither meets V8's string limit nor blocks the event loop while it is written.
import { invalidParameter } from './errors.js';
import { decodeMarker, encodeMarker } from './http-util.js';
import type { ArchiveRecord, Vault } from './store.js';
import { vaultArn } from './views.js';

export interface InventoryParameters {
  startDate?: string;
  endDate?: string;
  limit?: number;
  marker?: string;
}

const KNOWN = ['StartDate', 'EndDate', 'Limit', 'Marker'];
/** ISO 8601 in UTC, as Glacier's dates are written: 2013-03-20T17:03:43Z (fraction optional). */
const DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

function date(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !DATE_RE.test(v) || Number.isNaN(Date.parse(v))) {
    throw invalidParameter(`Invalid InventoryRetrievalParameters.${name}: ${String(v)}. Use a UTC date and time in ISO 8601, e.g. 2024-01-31T00:00:00Z.`);
  }
  return new Date(v).toISOString();
}

/** The job's InventoryRetrievalParameters, checked; undefined when absent. */
export function inventoryParameters(raw: unknown): InventoryParameters {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalidParameter('InventoryRetrievalParameters must be an object: {"StartDate","EndDate","Limit","Marker"}, each optional.');
  }
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!KNOWN.includes(k)) throw invalidParameter(`Unknown InventoryRetrievalParameters field ${k}: use StartDate, EndDate, Limit or Marker.`);
  }
  const out: InventoryParameters = {};
  const startDate = date(r['StartDate'], 'StartDate');
  const endDate = date(r['EndDate'], 'EndDate');
  if (startDate !== undefined) out.startDate = startDate;
  if (endDate !== undefined) out.endDate = endDate;
  if (startDate !== undefined && endDate !== undefined && endDate <= startDate) {
    throw invalidParameter(`Invalid InventoryRetrievalParameters: EndDate ${endDate} must be later than StartDate ${startDate}.`);
  }
  const limit = r['Limit'];
  if (limit !== undefined && limit !== null) {
    if (!(typeof limit === 'string' || typeof limit === 'number') || !/^\d{1,10}$/.test(String(limit)) || Number(limit) < 1) {
      throw invalidParameter(`Invalid InventoryRetrievalParameters.Limit: ${String(limit)}. Give a positive whole number of archives, e.g. "10000".`);
    }
    out.limit = Number(limit);
  }
  const marker = r['Marker'];
  if (marker !== undefined && marker !== null) {
    if (typeof marker !== 'string') throw invalidParameter('InventoryRetrievalParameters.Marker must be the Marker string of an earlier inventory job.');
    decodeMarker(marker); // refuses a forged one now, not when the job runs
    out.marker = marker;
  }
  return out;
}

const key = (a: ArchiveRecord) => a.creationDate + a.archiveId;

/**
 * The archives an inventory lists, in creation order: within [StartDate, EndDate), after Marker, at
 * most Limit; `next` is the Marker of the rest (null when nothing is left).
 */
export function selectArchives(vault: Vault, p: InventoryParameters): { archives: ArchiveRecord[]; next: string | null } {
  const after = p.marker === undefined ? undefined : decodeMarker(p.marker);
  const picked: ArchiveRecord[] = [];
  for (const a of vault.archives.values()) {
    if (p.startDate !== undefined && a.creationDate < p.startDate) continue;
    if (p.endDate !== undefined && a.creationDate >= p.endDate) continue;
    if (after !== undefined && key(a) <= after) continue;
    picked.push(a);
  }
  picked.sort((a, b) => (key(a) < key(b) ? -1 : 1));
  if (p.limit === undefined || picked.length <= p.limit) return { archives: picked, next: null };
  const archives = picked.slice(0, p.limit);
  return { archives, next: encodeMarker(key(archives[archives.length - 1]!)) };
}

/** Archives per piece written: small enough to keep each event-loop turn short. */
const BATCH = 2000;

/** The inventory output in pieces, as Amazon formats it. */
export function* inventoryPieces(vault: Vault, date: string, format: 'JSON' | 'CSV', archives: ArchiveRecord[]): Generator<string> {
  if (format === 'JSON') {
    yield `{"VaultARN":${JSON.stringify(vaultArn(vault))},"InventoryDate":${JSON.stringify(date)},"ArchiveList":[`;
    for (let i = 0; i < archives.length; i += BATCH) {
      const items = archives.slice(i, i + BATCH).map((a) => JSON.stringify({
        ArchiveId: a.archiveId, ArchiveDescription: a.description ?? '', CreationDate: a.creationDate, Size: a.size, SHA256TreeHash: a.treeHash,
      }));
      yield (i === 0 ? '' : ',') + items.join(',');
    }
    yield ']}';
    return;
  }
  yield 'ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash\n';
  for (let i = 0; i < archives.length; i += BATCH) {
    yield archives.slice(i, i + BATCH)
      .map((a) => `${[a.archiveId, csvDescription(a.description ?? ''), a.creationDate, a.size, a.treeHash].join(',')}\n`).join('');
  }
}

/**
 * The description field as Glacier writes its CSV inventory: in double quotes, a quote inside escaped
 * with a BACKSLASH (\"), backslashes left as they are. Not RFC 4180 (which doubles quotes), so
 * readers must parse it as Glacier writes it.
 */
export function csvDescription(description: string): string {
  return `"${description.replace(/"/g, '\\"')}"`;
}
