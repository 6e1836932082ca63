/**
 * One line of an mt-aws-glacier journal, the catalog's format. mt-aws-glacier reads and writes:
 *   B TIME CREATED ARCHIVE_ID SIZE MTIME|NONE TREEHASH RELATIVE/PATH
 *   B TIME DELETED ARCHIVE_ID RELATIVE/PATH
 *   B TIME RETRIEVE_JOB ARCHIVE_ID JOB_ID
 * (fields separated by one TAB; TIME and MTIME Unix seconds). Version A lines are the same with MTIME
 * always a number; the oldest journals ("version 0") wrote `TIME CREATED ID SIZE TREEHASH PATH`
 * separated by spaces, without MTIME. We read all three and write B.
 */
import { catalogPathProblem } from './paths.js';
import { CatalogAccessError, CatalogFormatError, InvalidCatalogPathError } from './errors.js';

export type CatalogRecord =
  | { type: 'CREATED'; time: number; archiveId: string; size: number; mtime: number | null; treeHash: string; path: string }
  | { type: 'DELETED'; time: number; archiveId: string; path: string }
  | { type: 'RETRIEVE_JOB'; time: number; archiveId: string; jobId: string };

const CREATED_AB = /^([AB])\t(\d{1,20})\tCREATED\t(\S+)\t(\d+)\t([+-]?\d{1,20}|NONE)\t(\S+)\t(.*)$/;
const DELETED_AB = /^[AB]\t(\d{1,20})\tDELETED\t(\S+)\t(.*)$/;
const RETRIEVE_AB = /^[AB]\t(\d{1,20})\tRETRIEVE_JOB\t(\S+)\t(\S+)$/;
const CREATED_0 = /^(\d{10})\s+CREATED\s+(\S+)\s+(\d+)\s+(\S+)\s+(.*?)$/;
const DELETED_0 = /^(\d{10})\s+DELETED\s+(\S+)\s+(.*?)$/;
const RETRIEVE_0 = /^(\d{10})\s+RETRIEVE_JOB\s+(\S+)$/;
const TREE_HASH = /^[0-9a-f]{64}$/i;

/** Parses one line (without its newline); returns a reason string when the line is malformed. */
export function parseCatalogLine(line: string): CatalogRecord | string {
  let m = CREATED_AB.exec(line);
  if (m) {
    const [, version, time, archiveId, size, mtime, treeHash, path] = m as unknown as string[];
    if (version === 'A' && mtime === 'NONE') return 'a version A CREATED line needs a numeric MTIME';
    if (!TREE_HASH.test(treeHash!)) return `tree hash ${JSON.stringify(treeHash)} is not 64 hex digits`;
    const problem = catalogPathProblem(path!);
    if (problem) return `unsafe path ${JSON.stringify(path)} (${problem})`;
    return {
      type: 'CREATED', time: Number(time), archiveId: archiveId!, size: Number(size),
      mtime: mtime === 'NONE' ? null : Number(mtime), treeHash: treeHash!.toLowerCase(), path: path!,
    };
  }
  if ((m = DELETED_AB.exec(line))) return { type: 'DELETED', time: Number(m[1]), archiveId: m[2]!, path: m[3]! };
  if ((m = RETRIEVE_AB.exec(line))) return { type: 'RETRIEVE_JOB', time: Number(m[1]), archiveId: m[2]!, jobId: m[3]! };
  if ((m = CREATED_0.exec(line))) {
    const problem = catalogPathProblem(m[5]!);
    if (problem) return `unsafe path ${JSON.stringify(m[5])} (${problem})`;
    if (!TREE_HASH.test(m[4]!)) return `tree hash ${JSON.stringify(m[4])} is not 64 hex digits`;
    return { type: 'CREATED', time: Number(m[1]), archiveId: m[2]!, size: Number(m[3]), mtime: null, treeHash: m[4]!.toLowerCase(), path: m[5]! };
  }
  if ((m = DELETED_0.exec(line))) return { type: 'DELETED', time: Number(m[1]), archiveId: m[2]!, path: m[3]! };
  if ((m = RETRIEVE_0.exec(line))) return { type: 'RETRIEVE_JOB', time: Number(m[1]), archiveId: m[2]!, jobId: '' };
  const kind = /^[AB]\t\d+\t(\w+)/.exec(line)?.[1];
  if (kind && !['CREATED', 'DELETED', 'RETRIEVE_JOB'].includes(kind)) return `unknown record type ${kind}`;
  return kind ? `a ${kind} line with missing or malformed fields` : 'not a journal line';
}

/** The version B line of a record, without its newline. */
export function formatCatalogLine(r: CatalogRecord): string {
  switch (r.type) {
    case 'CREATED':
      return ['B', r.time, 'CREATED', r.archiveId, r.size, r.mtime === null ? 'NONE' : r.mtime, r.treeHash, r.path].join('\t');
    case 'DELETED':
      return ['B', r.time, 'DELETED', r.archiveId, r.path].join('\t');
    case 'RETRIEVE_JOB':
      return ['B', r.time, 'RETRIEVE_JOB', r.archiveId, r.jobId].join('\t');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One line of the catalog file as a record; undefined for a blank line. */
export function decodeLine(path: string, lineNo: number, bytes: Buffer): CatalogRecord | undefined {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new CatalogFormatError(path, lineNo, 'the line is not valid UTF-8');
  }
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (text.trim() === '') return undefined;
  const parsed = parseCatalogLine(text);
  if (typeof parsed === 'string') throw new CatalogFormatError(path, lineNo, parsed);
  return parsed;
}

/** A record about to be appended is one the catalog can hold and read back. */
export function checkRecord(r: CatalogRecord): void {
  if (r.type === 'CREATED') {
    const problem = catalogPathProblem(r.path);
    if (problem) throw new InvalidCatalogPathError(r.path, problem);
  }
  if (r.type === 'DELETED' && /[\t\n\r]/.test(r.path)) throw new InvalidCatalogPathError(r.path, 'it contains a tab or newline');
  const ids = [r.archiveId, ...(r.type === 'CREATED' ? [r.treeHash] : []), ...(r.type === 'RETRIEVE_JOB' ? [r.jobId] : [])];
  for (const v of ids) {
    if (typeof v !== 'string' || v === '' || /\s/.test(v)) {
      throw new CatalogAccessError('(record)', `Cannot record ${r.type}: an archive id, job id or tree hash must be non-empty without whitespace, got ${JSON.stringify(v)}.`);
    }
  }
}
