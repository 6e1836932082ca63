// sync against hostile local conditions (child processes, local server): a catalog or journal
// directory it cannot write, directories it cannot read, names it cannot record.
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';
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
    expect(r.stderr).toContain(`Cannot write the catalog ${catalog} (EROFS)`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(uploads()).toBe(0);
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
