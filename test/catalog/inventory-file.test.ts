// inventory --from-file: an inventory saved earlier (--out) read back with no job and no request,
// JSON or CSV told by its first character, into the same catalog the job gave.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../dist/src/catalog/index.js';
import { runCli } from '../cli/helpers.js';
import { setup, writeTree, type Env } from './helpers.js';

let env: Env;
beforeEach(async () => {
  env = await setup();
});
afterEach(async () => env.close());

const awsEnv = () => ({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' });
const view = async (path: string) => {
  const c = await Catalog.open(path, { create: false });
  const v = [...c.files()].map((f) => [f.path, f.archiveId, f.size, f.treeHash, f.mtime]).sort();
  await c.close();
  return v;
};

describe('inventory --from-file', () => {
  it('rebuilds the catalog from a saved JSON or CSV inventory without sending a request', async () => {
    const root = join(env.dir, 'tree');
    writeTree(root, { 'a/1.txt': 100, 'a/b/two é.bin': 2000, 'c.dat': 3 });
    const synced = join(env.dir, 's.catalog');
    const conn = ['--vault', env.vaultName, '--endpoint', env.server.endpoint];
    expect((await runCli(['sync', '--dir', root, '--catalog', synced, ...conn, '--progress', 'none'], { env: awsEnv() })).code).toBe(0);
    for (const format of ['json', 'csv']) {
      const raw = join(env.dir, `raw.${format}`);
      const job = await runCli(['inventory', ...conn, '--format', format, '--out', raw], { env: awsEnv() });
      expect(job.code, job.stderr).toBe(0);
      // Only operations count: an idle keep-alive socket may close on the headers deadline meanwhile.
      const operations = () => Object.fromEntries(Object.entries(env.server.stats).filter(([k]) => !k.startsWith('Connections:')));
      const before = operations();
      const rebuilt = join(env.dir, `from-${format}.catalog`);
      // No connection options at all, and a format flag that disagrees: the file's own format wins.
      const r = await runCli(['inventory', '--vault', env.vaultName, '--from-file', raw, '--catalog', rebuilt, '--format', format === 'json' ? 'csv' : 'json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^3 archives, /m);
      expect(r.stdout.split('\n').filter((l) => l.includes('\ta/b/two é.bin'))).toHaveLength(1);
      expect(operations()).toEqual(before);
      expect(await view(rebuilt)).toEqual(await view(synced));
    }
  });

  it('refuses a missing file and --job-id together with --from-file (exit 2)', async () => {
    const missing = await runCli(['inventory', '--vault', env.vaultName, '--from-file', join(env.dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--from-file .*nope\.json does not exist/);
    const raw = join(env.dir, 'empty.json');
    writeFileSync(raw, '{"VaultARN":"x","InventoryDate":"2020-01-01T00:00:00Z","ArchiveList":[]}');
    const both = await runCli(['inventory', '--vault', env.vaultName, '--from-file', raw, '--job-id', 'J']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--from-file and --job-id/);
    expect(readFileSync(raw, 'utf8')).toContain('ArchiveList');
  });
});
