// sync against hostile local conditions (child processes, local server): a catalog or journal
// directory it cannot write, directories it cannot read, names it cannot record.
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';
import { readableInstall, removeReadableInstall } from '../readable-install.js';
import { cannotMount, mountSmallFs, type SmallFs } from '../small-fs.js';
import { MiB, setup, writeTree, type Env } from './helpers.js';

let env: Env;
const mounts: SmallFs[] = [];
beforeEach(async () => {
  env = await setup();
});
afterEach(async () => {
  for (const m of mounts.splice(0)) m.unmount();
  await env.close();
});

const awsEnv = () => ({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' });
const conn = () => ['--vault', env.vaultName, '--endpoint', env.server.endpoint];
const sync = (root: string, catalog: string, ...more: string[]) =>
  runCli(['sync', '--dir', root, '--catalog', catalog, ...conn(), '--threads', '1', '--progress', 'none', ...more], { env: awsEnv() });
const syncAs = (as: Parameters<typeof runCli>[1], root: string, catalog: string, ...more: string[]) =>
  runCli(['sync', '--dir', root, '--catalog', catalog, ...conn(), '--threads', '1', '--progress', 'none', ...more], { ...as, env: awsEnv() });
/** Names as bytes: Node cannot write a name that is not valid UTF-8 from a string. */
const bytesPath = (...parts: (string | Buffer)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
const uploads = () => (env.server.stats['UploadArchive'] ?? 0) + (env.server.stats['InitiateMultipartUpload'] ?? 0);

describe.skipIf(cannotMount !== undefined)(`sync: unwritable catalog or journal directory${cannotMount ? ` (skipped: ${cannotMount})` : ''}`, () => {
  it('a catalog on a read-only file system: a clear error before any upload', async () => {
    const root = join(env.dir, 'tree');
    writeTree(root, { 'a.txt': 1000, 'b.txt': 2000, 'c/d.txt': 3000 });
    const seed = join(env.dir, 'seed.catalog');
    writeFileSync(seed, '');
    const ro = mountSmallFs(join(env.dir, 'ro'), 1 * MiB);
    mounts.push(ro);
    const catalog = join(ro.dir, 'v.catalog');
    copyFileSync(seed, catalog);
    ro.readOnly();
    const r = await sync(root, catalog);
    expect(r.code).toBe(1);
    // The catalog's lock beside it is the first thing written there.
    expect(r.stderr).toContain(`Cannot create the catalog's lock ${catalog}.lock (EROFS)`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(uploads()).toBe(0);
  });

  it('a read-only catalog file in a writable directory (a read-only bind mount: root ignores mode 444): refused before any upload', async () => {
    const root = join(env.dir, 'tree');
    writeTree(root, { 'a.txt': 1000, 'b.txt': 2000 });
    const catalog = join(env.dir, 'v.catalog');
    writeFileSync(catalog, '');
    execFileSync('mount', ['--bind', catalog, catalog]);
    try {
      execFileSync('mount', ['-o', 'remount,ro,bind', catalog]);
      const r = await sync(root, catalog);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Cannot write the catalog ${catalog} (EROFS)`);
      expect(uploads()).toBe(0);
    } finally {
      execFileSync('umount', [catalog]);
    }
  });

  it('a journal directory on a read-only file system: refused before any upload when a file needs multipart', async () => {
    const root = join(env.dir, 'tree');
    writeTree(root, { 'small.txt': 1000, 'big.bin': 3 * MiB });
    const catalog = join(env.dir, 'v.catalog');
    const ro = mountSmallFs(`${catalog}.journals`, 1 * MiB);
    mounts.push(ro);
    ro.readOnly();
    const r = await sync(root, catalog, '--part-size', '1MiB');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Cannot write multipart journals into ${catalog}.journals (EROFS): nothing was uploaded`);
    expect(uploads()).toBe(0);
  });
});

describe('sync: what it leaves behind', () => {
  it('no empty <catalog>.journals directory after a sync with a multipart file', async () => {
    const root = join(env.dir, 'tree');
    writeTree(root, { 'small.txt': 1000, 'big.bin': 3 * MiB });
    const catalog = join(env.dir, 'v.catalog');
    const r = await sync(root, catalog, '--part-size', '1MiB');
    expect(r.code, r.stderr).toBe(0);
    expect(env.server.stats['CompleteMultipartUpload']).toBe(1);
    expect(existsSync(`${catalog}.journals`)).toBe(false);
  });
});

describe('sync: entries it cannot back up are skipped, named, counted, and fail the run', () => {
  it('names that are not valid UTF-8 or hold a tab, newline or CR: the rest is backed up, each is reported with its reason, exit 1', async () => {
    const root = join(env.dir, 'tree');
    writeTree(root, { 'ok.txt': 1000, 'sub/fine.txt': 1200, 'tab\there.txt': 10, 'nl\nx.txt': 11, 'cr\rx.txt': 12 });
    mkdirSync(bytesPath(root, '/bad', Buffer.from([0xfe])));
    writeFileSync(bytesPath(root, '/bad', Buffer.from([0xfe]), '/inside.txt'), 'x');
    writeFileSync(bytesPath(root, '/b', Buffer.from([0xff]), 'ad.txt'), 'y');
    const catalog = join(env.dir, 'v.catalog');

    const dry = await sync(root, catalog, '--dry-run');
    expect(dry.code, dry.stderr).toBe(1);
    expect(dry.stdout).toContain('would upload (new)\tok.txt');
    expect(dry.stdout).toContain('would upload (new)\tsub/fine.txt');
    expect(dry.stderr).toContain('skipping directory bad\\xfe/: its name is not valid UTF-8');
    expect(dry.stderr).toContain('5 not backed up');

    const r = await sync(root, catalog, '--json');
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as { uploaded: { path: string }[]; skipped: { path: string; reason: string; directory: boolean }[]; failed: unknown[] };
    expect(out.uploaded.map((u) => u.path).sort()).toEqual(['ok.txt', 'sub/fine.txt']);
    expect(out.skipped.sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual([
      { path: 'b\\xffad.txt', reason: 'name', directory: false },
      { path: 'bad\\xfe', reason: 'name', directory: true },
      { path: 'cr\rx.txt', reason: 'name', directory: false },
      { path: 'nl\nx.txt', reason: 'name', directory: false },
      { path: 'tab\there.txt', reason: 'name', directory: false },
    ]);
    expect(r.stderr).not.toMatch(/vanished|ENOENT/);
    expect(env.server.stats['UploadArchive']).toBe(2);

    const text = await sync(root, catalog);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/uploaded 0 files .* 2 unchanged, 0 empty skipped, 5 not backed up \(unreadable or unusable name\)/);
    expect(text.stderr).toContain('5 entries were not backed up');
  });

  const asRoot = process.getuid?.() === 0;
  it.skipIf(!asRoot)('an unreadable subdirectory (run as user nobody; skipped when not root, which cannot start one) is named with the --exclude that leaves it out', async () => {
    const root = join(env.dir, 'tree');
    writeTree(root, { 'a.txt': 1000, 'locked/secret.txt': 500, 'z/b.txt': 900 });
    const home = join(env.dir, 'home');
    mkdirSync(home);
    chownSync(home, 65534, 65534);
    chmodSync(env.dir, 0o755);
    chmodSync(join(root, 'locked'), 0o700);
    const copy = readableInstall();
    try {
      const nobody = { uid: 65534, main: copy.path('dist/src/cli/main.js'), cwd: copy.root };
      const catalog = join(home, 'v.catalog');
      const dry = await syncAs(nobody, root, catalog, '--dry-run');
      expect(dry.code, dry.stderr).toBe(1);
      expect(dry.stderr).toContain("skipping directory locked/: it cannot be read (EACCES); fix its permissions, or exclude 'locked/'");
      expect(dry.stderr).toContain('fix or rename them, or leave them out with --exclude locked/');
      const r = await syncAs(nobody, root, catalog);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toMatch(/uploaded 2 files .*1 not backed up/);
      expect(r.stderr).toContain('1 entry was not backed up');
      const excluded = await syncAs(nobody, root, catalog, '--exclude', 'locked/');
      expect(excluded.stderr).toBe('');
      expect(excluded.code).toBe(0);
    } finally {
      removeReadableInstall();
    }
  });
});
