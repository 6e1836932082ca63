/**
 * Object names for archives: the path a description carries (mt2, mt1, FastGlacier, a plain path),
 * else the archive id; a catalog's path or a CSV row (archive id → key) overrides it. Unsafe paths
 * are refused, and a name several archives share gets a stable suffix derived from the archive id,
 * so every run, on every shard, gives an archive the same key.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { decodeDescription } from '../catalog/descriptions.js';
import { catalogPathProblem } from '../catalog/paths.js';
import { InvalidMigrateOptionError } from './errors.js';

export type Naming = 'descriptions' | { catalog: string } | { csv: string };

/** An archive id → name lookup given by the user (a catalog or a CSV file). */
export type NameOverride = (archiveId: string) => string | undefined;

export type NameResult = { name: string; refused?: undefined } | { name?: undefined; refused: string };

/** S3 keys are at most 1,024 bytes of UTF-8. */
const MAX_KEY_BYTES = 1024;

/** The archive's name before duplicates are told apart, or why it has none. */
export function nameOf(a: { archiveId: string; description: string; name?: string }, override?: NameOverride): NameResult {
  const given = override?.(a.archiveId) ?? a.name;
  if (given !== undefined) {
    const problem = catalogPathProblem(given);
    return problem ? { refused: `its given name ${JSON.stringify(given)} is unsafe: ${problem}` } : { name: given };
  }
  const d = decodeDescription(a.description, a.archiveId);
  if (d.format === 'none' && /^\s*(mt[12]\s|<m>)/.test(a.description)) {
    // A path-carrying description that does not decode to a safe relative path ("../x", "/etc/x").
    return { refused: `its description ${JSON.stringify(a.description.slice(0, 80))} names no safe relative path; name it in a CSV name override` };
  }
  return { name: d.path };
}

/** `name` made unique for a duplicate: '~' and 12 hex digits of the archive id's SHA-256 before the extension. */
export function uniqueName(name: string, archiveId: string): string {
  const tag = createHash('sha256').update(archiveId).digest('hex').slice(0, 12);
  const slash = name.lastIndexOf('/');
  const dot = name.lastIndexOf('.');
  if (dot > slash + 1) return `${name.slice(0, dot)}~${tag}${name.slice(dot)}`;
  return `${name}~${tag}`;
}

/** prefix + name; a key too long for S3 is refused. */
export function keyOf(prefix: string, name: string): NameResult {
  const key = prefix + name;
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return { refused: `its key is longer than S3's 1,024 bytes: ${key.slice(0, 60)}…` };
  return { name: key };
}

/** The prefix as keys start with it: '' or ending in '/'. */
export function normalizePrefix(prefix: string | undefined): string {
  if (!prefix) return '';
  const p = prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

/**
 * A CSV of `archive id,key` rows (a header row naming ArchiveId is skipped; fields may be quoted
 * with "" for a quote), read whole: the overrides a user lists are kept in memory.
 */
export async function readNameCsv(path: string): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  let line = 0;
  let input;
  try {
    input = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
    for await (const text of input) {
      line++;
      if (text.trim() === '') continue;
      const fields = splitCsv(text);
      if (line === 1 && /^archive.?id$/i.test(fields[0] ?? '')) continue;
      if (fields.length < 2 || !fields[0] || !fields[1]) {
        throw new InvalidMigrateOptionError('naming', `${path}, line ${line}: expected "archive id,key", got ${JSON.stringify(text.slice(0, 80))}.`);
      }
      names.set(fields[0], fields[1]);
    }
  } catch (err) {
    if (err instanceof InvalidMigrateOptionError) throw err;
    throw new InvalidMigrateOptionError('naming', `Cannot read the names CSV ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}): check the path.`);
  }
  return names;
}

function splitCsv(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      let v = '';
      i++;
      while (i < text.length) {
        if (text[i] === '"' && text[i + 1] === '"') { v += '"'; i += 2; } else if (text[i] === '"') { i++; break; } else v += text[i++];
      }
      out.push(v);
      i = text.indexOf(',', i) < 0 ? text.length + 1 : text.indexOf(',', i) + 1;
    } else {
      const end = text.indexOf(',', i) < 0 ? text.length : text.indexOf(',', i);
      out.push(text.slice(i, end).trim());
      i = end + 1;
    }
  }
  return out;
}
