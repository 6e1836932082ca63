/**
 * Archive descriptions that carry a file's path and mtime, so a catalog can be rebuilt from an
 * inventory. We write mt-aws-glacier's 'mt2' and read 'mt2', 'mt1', FastGlacier's XML and plain text.
 */
import { DescriptionTooLongError } from './errors.js';
import { catalogPathProblem } from './paths.js';

export const MAX_DESCRIPTION_LENGTH = 1024;

export type DescriptionFormat = 'mt2' | 'mt1' | 'fastglacier' | 'plain' | 'none';

export interface DecodedDescription {
  /** The file's path relative to the synced directory ('/'-separated); the archive id when unknown. */
  path: string;
  /** Unix seconds, when the description carries it. */
  mtime: number | null;
  format: DescriptionFormat;
}

/** 'YYYYMMDDTHHMMSSZ' (UTC) of Unix seconds, as mt-aws-glacier and FastGlacier write it. */
export function formatMtime(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString(); // 2019-01-01T00:00:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** Unix seconds of 'YYYYMMDDTHHMMSSZ'; null when it is not that. */
export function parseMtime(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

/**
 * mt-aws-glacier's 'mt2' description: 'mt2 ' + base64url (no padding) of the UTF-8 JSON
 * {"mtime":"YYYYMMDDTHHMMSSZ","filename":PATH}. Throws DescriptionTooLongError (naming the file)
 * beyond Glacier's 1,024 characters; base64url is printable ASCII, so nothing else can be wrong.
 */
export function encodeDescription(path: string, mtimeSeconds: number): string {
  const json = JSON.stringify({ mtime: formatMtime(mtimeSeconds), filename: path });
  const description = `mt2 ${Buffer.from(json, 'utf8').toString('base64url')}`;
  if (description.length > MAX_DESCRIPTION_LENGTH) throw new DescriptionTooLongError(path, description.length);
  return description;
}

/**
 * The path and mtime an archive description carries: 'mt2', 'mt1' (the same JSON, UTF-8 encoded
 * twice), FastGlacier's `<m><v>4</v><p>BASE64 PATH</p><lm>…</lm></m>`, or plain text taken as the
 * path when it looks like one. Otherwise (no description, or free text) the archive id stands in
 * as the path, so every archive still gets a catalog line.
 */
export function decodeDescription(description: string | undefined | null, archiveId: string): DecodedDescription {
  const text = (description ?? '').trim();
  const mt = /^mt([12])\s+([A-Za-z0-9_-]+={0,2})$/.exec(text);
  if (mt) {
    const decoded = decodeMt(mt[2]!, mt[1] === '1');
    if (decoded) return { ...decoded, format: mt[1] === '1' ? 'mt1' : 'mt2' };
  }
  const fg = /^<m>\s*<v>(\d+)<\/v>\s*<p>([A-Za-z0-9+/=_-]*)<\/p>\s*<lm>([^<]*)<\/lm>\s*<\/m>$/.exec(text);
  if (fg) {
    const path = safePath(Buffer.from(fg[2]!, 'base64').toString('utf8'));
    if (path) return { path, mtime: parseMtime(fg[3]), format: 'fastglacier' };
  }
  if (text && looksLikePath(text)) {
    const path = safePath(text);
    if (path) return { path, mtime: null, format: 'plain' };
  }
  return { path: archiveId, mtime: null, format: 'none' };
}

function decodeMt(b64: string, twice: boolean): { path: string; mtime: number | null } | undefined {
  let bytes = Buffer.from(b64, 'base64url');
  let json = bytes.toString('utf8');
  if (twice) {
    // mt1: the UTF-8 bytes of the JSON were taken as Latin-1 characters and encoded to UTF-8 again.
    if ([...json].some((c) => c.charCodeAt(0) > 0xff)) return undefined;
    bytes = Buffer.from(json, 'latin1');
    json = bytes.toString('utf8');
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  const { filename, mtime } = value as { filename?: unknown; mtime?: unknown };
  if (typeof filename !== 'string') return undefined;
  const path = safePath(filename);
  return path ? { path, mtime: parseMtime(mtime) } : undefined;
}

/** A path a catalog can hold, from one written by another tool: leading '/' and './' dropped. */
function safePath(raw: string): string | undefined {
  const path = raw.replace(/^(\.?\/)+/, '');
  return catalogPathProblem(path) === undefined ? path : undefined;
}

/** Free text is a path when it has a '/' or ends in a file extension, and no spaces at either end. */
function looksLikePath(text: string): boolean {
  if (/[\u0000-\u001f]/.test(text)) return false;
  return text.includes('/') || /\.[A-Za-z0-9]{1,10}$/.test(text);
}
