import { sep } from 'node:path';
import { InvalidCatalogPathError } from './errors.js';

/** Why `path` cannot be a catalog path, or undefined when it can. */
export function catalogPathProblem(path: string): string | undefined {
  if (typeof path !== 'string' || path.length === 0) return 'it is empty';
  // Tabs separate the fields of a line and a newline ends it; other control characters are refused too.
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'it contains a control character (tab, newline, ...)';
  if (path.startsWith('/')) return 'it is absolute';
  if (path.includes('\\') && sep === '\\') return "it uses '\\' (write '/')";
  const segments = path.split('/');
  if (segments.some((s) => s === '..')) return "it has a '..' segment";
  if (segments.some((s) => s === '' || s === '.')) return "it has an empty or '.' segment";
  return undefined;
}

/** Throws InvalidCatalogPathError unless `path` is relative, '/'-separated, without '..' or control characters. */
export function checkCatalogPath(path: string): string {
  const problem = catalogPathProblem(path);
  if (problem) throw new InvalidCatalogPathError(path, problem);
  return path;
}

/** A path relative to the synced directory, as the catalog writes it: '/' separators on every platform. */
export function toCatalogPath(relativeNative: string): string {
  return sep === '/' ? relativeNative : relativeNative.split(sep).join('/');
}
