import { InvalidCatalogOptionError } from './errors.js';

/**
 * Include/exclude patterns over catalog paths. `*` matches within one path segment, `**` across
 * segments, `?` one character, `[abc]` a class. A pattern without '/' matches a file's name in any
 * directory (`*.jpg`); one with '/' matches the whole relative path (`photos/**`, `raw/*.cr2`); a
 * trailing '/' matches everything under that directory (`tmp/`).
 */
export function globToRegExp(pattern: string): RegExp {
  if (typeof pattern !== 'string' || pattern.length === 0) throw new InvalidCatalogOptionError('include', 'An include/exclude pattern is empty: write a glob such as *.jpg or photos/**.');
  let p = pattern.replace(/^\.\//, '').replace(/^\//, '');
  if (p.endsWith('/')) p += '**';
  const anywhere = !p.includes('/');
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') {
      if (p[i + 1] === '*') {
        i++;
        if (p[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = p.indexOf(']', i + 2);
      if (close < 0) throw new InvalidCatalogOptionError('include', `The pattern ${JSON.stringify(pattern)} has a '[' without its ']'.`);
      let cls = p.slice(i + 1, close).replace(/\\/g, '\\\\');
      if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      re += `[${cls}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(anywhere ? `(?:^|/)${re}$` : `^${re}$`, 'u');
}

/** A filter from include and exclude patterns: no include means everything; excludes win. */
export function pathFilter(include: readonly string[] = [], exclude: readonly string[] = []): (path: string) => boolean {
  const inc = include.map(globToRegExp);
  const exc = exclude.map(globToRegExp);
  return (path) => (inc.length === 0 || inc.some((r) => r.test(path))) && !exc.some((r) => r.test(path));
}

/**
 * Whether the excludes leave out everything under a directory (`tmp/`, `cache/**`, `*`): such a
 * directory is not even opened, so one that cannot be read is no obstacle once excluded.
 */
export function excludesDirectory(exclude: readonly string[] = []): (dirPath: string) => boolean {
  const exc = exclude.map(globToRegExp);
  // A name no real file has: only a pattern matching every path below the directory matches it.
  return (dirPath) => exc.some((r) => r.test(`${dirPath}/\u0001`));
}
