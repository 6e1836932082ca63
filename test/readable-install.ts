// For tests that run a child as another user (root tests permissions as 'nobody'): a copy of the
// built package that any user can read, in a world-readable temp directory. The checkout itself
// may sit where other users cannot enter (a clone under `mktemp -d` or /root is mode 700), so a
// child started from there as 'nobody' could not even load dist/.
//
// The copy holds package.json, dist/src and the production dependencies (node_modules minus the
// dev-only packages of package-lock.json): what an installed package has. Made once per test file.
import { chmodSync, cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface ReadableInstall {
  /** The copy's root (mode 755, inside a mode-755 temp directory). */
  root: string;
  /** A file of the copy, e.g. path('dist/src/cli/main.js'). */
  path(relative: string): string;
  remove(): void;
}

let made: ReadableInstall | undefined;

/** Top-level production package directories (nested ones come along inside their parents). */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev && !path.slice('node_modules/'.length).includes('/node_modules/'))
    .map(([path]) => path)
    .filter((path) => existsSync(join(ROOT, path)));
}

/** Adds read (and, for directories and executables, search/execute) permission for everyone. */
function openToOthers(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  const x = st.isDirectory() || st.mode & 0o100 ? 0o055 : 0o044;
  chmodSync(path, (st.mode & 0o7777) | x);
  if (st.isDirectory()) for (const name of readdirSync(path)) openToOthers(join(path, name));
}

export function readableInstall(): ReadableInstall {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'glacier-multipart-readable-'));
  chmodSync(dir, 0o755);
  const root = join(dir, 'glacier-multipart');
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  cpSync(join(ROOT, 'dist', 'src'), join(root, 'dist', 'src'), { recursive: true });
  for (const pkg of productionPackages()) cpSync(join(ROOT, pkg), join(root, pkg), { recursive: true });
  // cpSync keeps the source modes, which a checkout made under umask 077 keeps private.
  openToOthers(root);
  made = {
    root,
    path: (relative) => join(root, relative),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
      made = undefined;
    },
  };
  return made;
}

/** Removes the copy if one was made. */
export function removeReadableInstall(): void {
  made?.remove();
}
