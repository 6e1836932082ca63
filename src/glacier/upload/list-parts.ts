import { ListPartsCommand, type ListPartsOutput } from '@aws-sdk/client-glacier';
import { UnexpectedResponseError } from '../errors.js';
import { callGlacier, type CallTarget } from '../request.js';
import { MAX_PARTS, parseListedRange, type PartRange } from '../part-size.js';

export interface ListedPart extends PartRange {
  size: number;
  treeHash: string;
}

export interface PartPage {
  parts: ListedPart[];
  /** The answer showed the one-byte-too-long quirk (its ranges were corrected). */
  quirk: boolean;
}

/**
 * ListParts, page by page (following Marker until it is null). Ranges one byte too long (a quirk
 * of the real service) are corrected: a full part listed as partSize + 1 bytes shows it, and then
 * every range of that answer is shortened by one.
 */
export async function* listPartPages(target: CallTarget & { accountId: string; uploadId: string; partSize: number }, signal?: AbortSignal): AsyncIterable<PartPage> {
  let marker: string | undefined;
  do {
    const out: ListPartsOutput = await callGlacier(target, 'ListParts', (abortSignal) => target.client.send(
      new ListPartsCommand({ accountId: target.accountId, vaultName: target.vaultName, uploadId: target.uploadId, marker }), { abortSignal }), { signal });
    yield parsePage(out, target.partSize, target.uploadId);
    marker = out.Marker ?? undefined;
  } while (marker);
}

function parsePage(out: ListPartsOutput, partSize: number, uploadId: string): PartPage {
  const parts: ListedPart[] = [];
  const corrected = new Set<ListedPart>();
  let quirk = false;
  for (const p of out.Parts ?? []) {
    const r = parseListedRange(p.RangeInBytes ?? '', partSize);
    if (!r || r.index >= MAX_PARTS || !p.SHA256TreeHash) {
      throw new UnexpectedResponseError(`ListParts of upload ${uploadId}`,
        `a usable part (RangeInBytes ${JSON.stringify(p.RangeInBytes)}, SHA256TreeHash ${JSON.stringify(p.SHA256TreeHash)}, part size ${partSize})`);
    }
    quirk ||= r.quirk;
    const part = { index: r.index, first: r.first, last: r.last, size: r.last - r.first + 1, treeHash: p.SHA256TreeHash };
    if (r.quirk) corrected.add(part);
    parts.push(part);
  }
  if (quirk) {
    // A quirky answer has every range one too long; full parts were corrected when parsed.
    for (const p of parts) {
      if (!corrected.has(p) && p.size > 1) {
        p.last -= 1;
        p.size -= 1;
      }
    }
  }
  return { parts, quirk };
}

/**
 * All listed parts by index. `lastUncertain` is set when the page holding the last part had no
 * full part to show whether that answer carried the quirk (then its length may be one byte too long).
 */
export async function listAllParts(target: CallTarget & { accountId: string; uploadId: string; partSize: number }, signal?: AbortSignal):
  Promise<{ parts: Map<number, ListedPart>; lastUncertain: boolean }> {
  const parts = new Map<number, ListedPart>();
  const evidence = new Map<number, boolean>();
  for await (const page of listPartPages(target, signal)) {
    for (const p of page.parts) {
      parts.set(p.index, p);
      // Another full part in the same answer tells whether its ranges are exact.
      evidence.set(p.index, page.quirk || page.parts.some((q) => q !== p && q.size === target.partSize));
    }
  }
  const lastIndex = parts.size ? Math.max(...parts.keys()) : -1;
  return { parts, lastUncertain: lastIndex >= 0 && !evidence.get(lastIndex) };
}
